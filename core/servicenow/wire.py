"""HTTP/1.1 keep-alive connections for the Table API, parsed by httptools (llhttp).

Chosen by the side-by-side figures of ``bench/bench_http.py`` (README "Speed"): a poll's
request costs about half the CPU through these connections that it costs through aiohttp's
client, whose per-request machinery (request and response objects, URL objects, a timer per
chunk, the connector's bookkeeping) is most of what a Table API read costs SnowOps. Only what
ServiceNow's Table API needs is here: keep-alive connections per origin, TLS with the
system's trust store, gzip, a per-phase timeout, and a reused connection that the instance
closed meanwhile retried once on a fresh one for a method that may be sent twice. No proxies,
no redirects, no cookies (the client it replaces had none of these either).

Errors (all :class:`WireError`)::

    WireError
     ├── ConnectFailed    no connection opened: the request never left (unsent)
     ├── ReadTimeout      no byte of the answer for the timeout
     └── BadAnswer        the connection broke, or what came back is not HTTP/1.1
                          (or is over the size limits)
"""

from __future__ import annotations

import asyncio
import ssl
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import httptools
from multidict import CIMultiDict, CIMultiDictProxy

__all__ = ["BadAnswer", "ConnectFailed", "ReadTimeout", "Reply", "Wire", "WireError"]

#: Methods sent a second time when a kept connection turned out closed (RFC 9110 9.2.2).
IDEMPOTENT = frozenset({"GET", "PUT", "DELETE", "OPTIONS", "TRACE"})
#: Limits on one answer: its header block, and its body (after decompression).
MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 64 * 1024 * 1024
#: A kept connection idle this long is closed rather than reused (seconds; the default of
#: :class:`Wire`'s ``keep_idle``): load balancers
#: in front of instances close idle connections, and a request sent into one that is
#: closing is a request that may be lost.
KEEP_IDLE = 15.0
#: Connections kept open per origin when idle.
KEEP_PER_ORIGIN = 32


class WireError(Exception):
    """A request that got no usable HTTP answer."""


class ConnectFailed(WireError):
    """The connection did not open (refused, unresolvable, TLS refused, timed out)."""


class ReadTimeout(WireError, TimeoutError):
    """No byte of the answer came for the timeout."""


class BadAnswer(WireError):
    """The connection closed mid-answer, or the answer is not valid HTTP/1.1."""


@dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP answer, read whole."""

    status: int
    headers: CIMultiDictProxy[str]
    content: bytes


@dataclass(frozen=True, slots=True)
class _Origin:
    tls: bool
    host: str
    port: int
    #: The ``Host`` header (the port only when it is not the scheme's own).
    authority: str


@lru_cache(maxsize=1024)
def _origin(prefix: str) -> _Origin:
    parts = urlsplit(prefix)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {prefix!r}")
    tls = parts.scheme == "https"
    port = parts.port or (443 if tls else 80)
    host = parts.hostname
    shown = f"[{host}]" if ":" in host else host
    authority = shown if port == (443 if tls else 80) else f"{shown}:{port}"
    return _Origin(tls, host, port, authority)


def split_url(url: str) -> tuple[_Origin, str]:
    """An encoded absolute URL as its origin and its request target (path and query)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"not an absolute URL: {url!r}")
    cut = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    target = rest[cut:] or "/"
    if target.startswith("?"):
        target = "/" + target
    return _origin(f"{scheme}://{rest[:cut]}"), target


class _Connection(asyncio.Protocol):
    """One kept-alive connection; one request at a time."""

    def __init__(self) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        #: Bytes of the answer arrived since the request went (or since the last check).
        self.heard = False
        self._waiter: asyncio.Future[Reply] | None = None
        self._headers: list[tuple[str, str]] = []
        self._body: list[bytes] = []
        self._size = 0
        self._headed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._waiter is not None and not self._waiter.done():
            if self._headed and not _framed(self._headers):
                self.on_message_complete()  # a body delimited by the close itself
            else:
                self._fail(BadAnswer(f"connection closed: {exc or 'by the server'}"))

    def data_received(self, data: bytes) -> None:
        self.heard = True
        if self._waiter is None:
            self.close()  # bytes nobody asked for: this connection is not to be trusted
            return
        try:
            self._parser.feed_data(data)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade) as exc:
            cause = exc.__context__  # a callback's own refusal, wrapped by the parser
            self._fail(cause if isinstance(cause, BadAnswer) else BadAnswer(f"not HTTP: {exc}"))

    def on_message_begin(self) -> None:
        """Parser callback: an answer starts (a second one, unasked for, is refused)."""
        if self._waiter is None:
            raise BadAnswer("an answer nobody asked for")

    def on_header(self, name: bytes, value: bytes) -> None:
        """Parser callback: one header."""
        self._size += len(name) + len(value)
        if self._size > MAX_HEADER_BYTES:
            raise BadAnswer("header block over the limit")
        # Whether the body is framed is asked only if the connection closes mid-answer.
        self._headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        """Parser callback: the header block ended."""
        self._headed = True
        self._size = 0

    def on_body(self, body: bytes) -> None:
        """Parser callback: a piece of the body."""
        self._size += len(body)
        if self._size > MAX_BODY_BYTES:
            raise BadAnswer("body over the limit")
        self._body.append(body)

    def on_message_complete(self) -> None:
        """Parser callback: the answer is whole."""
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        status = self._parser.get_status_code()
        if 100 <= status < 200:  # an interim answer: the real one follows
            self._reset(waiter)
            return
        headers = CIMultiDictProxy(CIMultiDict(self._headers))
        body = b"".join(self._body)
        if not self._parser.should_keep_alive():
            self.close()
        self._waiter = None
        try:
            waiter.set_result(Reply(status, headers, _decoded(headers, body)))
        except BadAnswer as exc:
            waiter.set_exception(exc)

    def _reset(self, waiter: asyncio.Future[Reply] | None) -> None:
        self._waiter = waiter
        self._headers, self._body = [], []
        self._size, self._headed = 0, False

    def _fail(self, exc: WireError) -> None:
        waiter, self._waiter = self._waiter, None
        self.close()
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)

    def send(self, data: bytes) -> asyncio.Future[Reply]:
        """Write a request; the future answer."""
        assert self.transport is not None
        waiter: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        self._reset(waiter)
        self.heard = False
        self.transport.write(data)
        return waiter

    def timed_out(self) -> None:
        """No byte for the timeout: the request fails and the connection goes."""
        self._fail(ReadTimeout("no answer in time"))

    def close(self) -> None:
        """Close the connection (it is not reused)."""
        self.closed = True
        if self.transport is not None:
            self.transport.close()


def _framed(headers: list[tuple[str, str]]) -> bool:
    """The answer says where its body ends (a length, or chunks), not the close."""
    return any(k.lower() in ("content-length", "transfer-encoding") for k, _ in headers)


def _decoded(headers: CIMultiDictProxy[str], body: bytes) -> bytes:
    coding = headers.get("content-encoding", "").strip().lower()
    if not body or coding in ("", "identity"):
        return body
    if coding not in ("gzip", "x-gzip", "deflate"):
        raise BadAnswer(f"content encoding {coding!r} was not asked for")
    unzip = zlib.decompressobj(wbits=47)  # 32 + 15: gzip or zlib, told by the header
    try:
        out = unzip.decompress(body, MAX_BODY_BYTES)
    except zlib.error as exc:
        raise BadAnswer(f"undecodable {coding} body: {exc}") from exc
    if unzip.unconsumed_tail:
        raise BadAnswer("body over the limit")
    return out


class Wire:
    """Kept-alive connections per origin, at most ``limit`` open at once."""

    def __init__(
        self,
        *,
        limit: int = 100,
        ssl_context: ssl.SSLContext | None = None,
        keep_idle: float = KEEP_IDLE,
    ) -> None:
        self._ssl = ssl_context
        self._keep_idle = keep_idle
        self._idle: dict[_Origin, list[_Connection]] = {}
        self._open: set[_Connection] = set()
        self._slots = asyncio.Semaphore(limit)

    async def request(
        self,
        method: str,
        url: str,
        headers: Sequence[tuple[str, str]],
        body: bytes | None,
        seconds: float,
    ) -> Reply:
        """Send one request and read its whole answer, waiting at most ``seconds`` to connect
        and ``seconds`` for each wait for bytes; raises :class:`WireError`."""
        return await self.request_at(*split_url(url), method, headers, body, seconds)

    async def request_at(
        self,
        origin: _Origin,
        target: str,
        method: str,
        headers: Sequence[tuple[str, str]],
        body: bytes | None,
        seconds: float,
    ) -> Reply:
        """:meth:`request` to a URL split already (:func:`split_url`)."""
        if method == "HEAD":
            raise ValueError("HEAD is not supported")  # its answer's framing differs
        data = _request_bytes(method, target, origin.authority, headers, body)
        async with self._slots:
            conn = self._kept(origin)
            if conn is not None:
                try:
                    return await self._exchange(origin, conn, data, seconds)
                except BadAnswer:
                    # Closed by the instance while it sat idle: nothing of the answer came,
                    # so the request may go again where sending it twice is harmless.
                    if conn.heard or method not in IDEMPOTENT:
                        raise
            conn = await self._connect(origin, seconds)
            return await self._exchange(origin, conn, data, seconds)

    async def _exchange(
        self, origin: _Origin, conn: _Connection, data: bytes, seconds: float
    ) -> Reply:
        loop = asyncio.get_running_loop()
        waiter = conn.send(data)
        timer = loop.call_later(seconds, self._check, conn, waiter, seconds)
        try:
            reply = await waiter
        except BaseException:
            conn.close()  # mid-answer (failed or cancelled): never reused
            self._open.discard(conn)
            raise
        finally:
            timer.cancel()
        if conn.closed:
            self._open.discard(conn)
        else:
            self._keep(origin, conn, loop.time())
        return reply

    def _check(self, conn: _Connection, waiter: asyncio.Future[Reply], timeout: float) -> None:
        """The timeout is per wait for bytes: while they keep coming, wait on."""
        if waiter.done():
            return
        if conn.heard:
            conn.heard = False
            loop = asyncio.get_running_loop()
            loop.call_later(timeout, self._check, conn, waiter, timeout)
        else:
            conn.timed_out()

    def _kept(self, origin: _Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        if not idle:
            return None
        oldest = asyncio.get_running_loop().time() - self._keep_idle
        while idle:
            conn = idle.pop()
            if not conn.closed and conn.idle_since >= oldest:
                return conn
            conn.close()
            self._open.discard(conn)
        return None

    def _keep(self, origin: _Origin, conn: _Connection, now: float) -> None:
        idle = self._idle.setdefault(origin, [])
        if len(idle) >= KEEP_PER_ORIGIN:
            conn.close()
            self._open.discard(conn)
            return
        conn.idle_since = now
        idle.append(conn)

    async def _connect(self, origin: _Origin, seconds: float) -> _Connection:
        loop = asyncio.get_running_loop()
        context = None
        if origin.tls:
            if self._ssl is None:
                self._ssl = ssl.create_default_context()
            context = self._ssl
        try:
            async with asyncio.timeout(seconds):
                _, conn = await loop.create_connection(
                    _Connection,
                    origin.host,
                    origin.port,
                    ssl=context,
                    server_hostname=origin.host if context else None,
                )
        except (OSError, TimeoutError, ssl.SSLError) as exc:
            raise ConnectFailed(f"{type(exc).__name__}: {exc}") from exc
        self._open.add(conn)
        return conn

    async def aclose(self) -> None:
        """Close every connection."""
        for conn in self._open:
            conn.close()
        self._open.clear()
        self._idle.clear()
        await asyncio.sleep(0)  # let the transports finish closing


def _request_bytes(
    method: str,
    target: str,
    authority: str,
    headers: Sequence[tuple[str, str]],
    body: bytes | None,
) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {authority}"]
    lines += [f"{name}: {value}" for name, value in headers]
    if any("\r" in line or "\n" in line for line in lines):
        raise ValueError("a line break in a header or the URL")  # no header injection
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return data + body if body else data
