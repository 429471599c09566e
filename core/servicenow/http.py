"""The Table API's HTTP client, with as little wrapping as a request allows.

Chosen by the side-by-side figures of ``bench/bench_http.py`` (README "Speed"): a Table API
read through httpx2's client costs over five times the CPU it costs through aiohttp's, and
through kept-alive connections parsed by httptools (:mod:`core.servicenow.wire`) about half
of aiohttp's. The OAuth grants keep authlib's httpx2 client
(:class:`~core.servicenow.transport.InstancePool`); only the Table API, where the polling
volume is, comes through here.

URLs are built once per request from already-encoded parts and sent as they are; the body
is read whole (Table API pages are small) and decoded only when asked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from multidict import CIMultiDictProxy

from core import jsonfast
from core.retry import RequestFailed
from core.servicenow.wire import ConnectFailed, ReadTimeout, Wire, WireError, split_url

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
        return jsonfast.loads(self.content)

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
    """Kept-alive connections (:class:`~core.servicenow.wire.Wire`) to every instance."""

    def __init__(
        self,
        *,
        timeout: Callable[[], float],
        user_agent: str,
        on_response: Callable[[Answer], Awaitable[None]] | None = None,
    ) -> None:
        self._timeout = timeout
        self._headers = (
            ("User-Agent", user_agent),
            ("Accept", "application/json"),
            ("Accept-Encoding", "gzip, deflate"),
        )
        self._on_response = on_response
        self._wire = Wire()

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
        headers = [*self._headers, ("Authorization", f"Bearer {token}")]
        data = None
        if body is not None:
            data = jsonfast.dumps(body).encode()
            headers.append(("Content-Type", "application/json"))
        try:
            origin, target = split_url(url)
        except ValueError as exc:
            raise RequestFailed("", exc, unsent=True) from exc
        host = origin.host
        try:
            reply = await self._wire.request_at(
                origin, target, method, headers, data, self._timeout()
            )
        except (ConnectFailed, ValueError) as exc:  # a URL or header it would not send
            raise RequestFailed(host, exc, unsent=True) from exc
        except ReadTimeout as exc:
            raise RequestFailed(host, exc, timeout=True) from exc
        except WireError as exc:
            raise RequestFailed(host, exc) from exc
        answer = Answer(reply.status, reply.headers, reply.content, host)
        if self._on_response is not None:
            await self._on_response(answer)
        return answer

    async def aclose(self) -> None:
        """Close every connection."""
        await self._wire.aclose()
