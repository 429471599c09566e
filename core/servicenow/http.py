"""The Table API's HTTP client: aiohttp's, with as little wrapping as a request allows.

Chosen by the side-by-side figures of ``bench/bench_http.py`` (README "Speed"): a Table API
read costs about a quarter of the CPU through aiohttp's client that it costs through
httpx2's, whose URL handling alone outweighs SnowOps's target per request. The OAuth grants
keep authlib's httpx2 client (:class:`~core.servicenow.transport.InstancePool`); only the
Table API, where the polling volume is, comes through here.

URLs are built once per request from already-encoded parts and handed over as encoded, so
nothing parses or quotes them again; the body is read whole (Table API pages are small) and
decoded only when asked.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from core.retry import RequestFailed

__all__ = ["Answer", "TableHttp"]


class Answer:
    """A ServiceNow answer, read whole: status, headers, body."""

    __slots__ = ("content", "headers", "host", "status_code")

    def __init__(
        self, status_code: int, headers: CIMultiDictProxy[str], content: bytes, host: str
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content
        #: The host that answered (for the outage log).
        self.host = host

    @property
    def text(self) -> str:
        """The body as text (undecodable bytes replaced, like httpx2's)."""
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON (``json.JSONDecodeError`` when it is not)."""
        return json.loads(self.content)

    def has_next(self) -> bool:
        """True when a ``Link`` header names a next page."""
        return any('rel="next"' in v or "rel=next" in v for v in self.headers.getall("link", []))

    def __repr__(self) -> str:
        return f"Answer({self.status_code}, {self.host})"


# RFC 3986's unreserved characters stay; every other ASCII character is percent-encoded.
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_ESCAPES = {c: (chr(c) if c in _UNRESERVED else f"%{c:02X}") for c in range(128)}


@lru_cache(maxsize=8192)
def _encode(value: str) -> str:
    """``quote(value, safe="")``, at C speed for ASCII (every query SnowOps makes); the
    names and most values of a poll's parameters repeat poll after poll."""
    return value.translate(_ESCAPES) if value.isascii() else quote(value, safe="")


def table_url(instance_url: str, path: str, params: Mapping[str, str | int] | None) -> str:
    """``instance_url`` + ``path`` (quoted) + the query string (encoded once)."""
    url = instance_url + quote(path, safe="/")
    if not params:
        return url
    return url + "?" + "&".join(f"{_encode(k)}={_encode(str(v))}" for k, v in params.items())


class TableHttp:
    """One aiohttp session (its connector pools connections per host) for every instance."""

    def __init__(
        self,
        *,
        timeout: Callable[[], float],
        user_agent: str,
        on_response: Callable[[Answer], Awaitable[None]] | None = None,
    ) -> None:
        self._timeout = timeout
        self._headers = {"User-Agent": user_agent, "Accept": "application/json"}
        self._on_response = on_response
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[float, aiohttp.ClientTimeout] = {}

    def _open(self) -> aiohttp.ClientSession:
        # Made on first use, inside the running loop (building SnowOps does no I/O).
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers=self._headers,
                # No cookie jar: ServiceNow's session cookies must not ride along between
                # workspaces that share an instance; every call carries its own token.
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=True,
                trust_env=False,
            )
        return self._session

    async def send(
        self,
        method: str,
        url: str,
        token: str,
        *,
        body: Any = None,
    ) -> Answer:
        """One request with ``Authorization: Bearer <token>``; raises
        :class:`~core.retry.RequestFailed` when no answer comes."""
        session = self._open()
        headers = {"Authorization": f"Bearer {token}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        seconds = self._timeout()
        timeout = self._timeouts.get(seconds)
        if timeout is None:
            # Per phase, like httpx2's: connecting, then each wait for bytes.
            timeout = aiohttp.ClientTimeout(total=None, sock_connect=seconds, sock_read=seconds)
            self._timeouts = {seconds: timeout}
        target = URL(url, encoded=True)
        try:
            async with session.request(
                method, target, data=data, headers=headers, timeout=timeout, allow_redirects=False
            ) as response:
                content = await response.read()
                answer = Answer(response.status, response.headers, content, target.host or "")
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            raise RequestFailed(_host(url), exc, unsent=True) from exc
        except TimeoutError as exc:
            raise RequestFailed(_host(url), exc, timeout=True) from exc
        except aiohttp.ClientError as exc:
            raise RequestFailed(_host(url), exc) from exc
        if self._on_response is not None:
            await self._on_response(answer)
        return answer

    async def aclose(self) -> None:
        """Close the session and its connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""
