"""The Table API's HTTP/1.1 connections (core/servicenow/wire.py) against real sockets on
loopback: servers that answer the way real ones do, and the ways they misbehave."""

from __future__ import annotations

import asyncio
import gzip
import ssl
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.retry import RequestFailed
from core.servicenow.http import TableHttp
from core.servicenow.wire import (
    MAX_BODY_BYTES,
    BadAnswer,
    ConnectFailed,
    ReadTimeout,
    Wire,
    WireError,
    split_url,
)
from tests.fakes.tls import self_signed

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, "Seen"], Awaitable[None]]
HEADERS = [("Accept", "application/json")]


class Seen:
    """What a test server saw: connections opened, requests read (their head lines)."""

    def __init__(self) -> None:
        self.connections = 0
        self.open_now = 0
        self.most_open = 0
        self.requests: list[bytes] = []


async def read_request(reader: asyncio.StreamReader, seen: Seen) -> bytes | None:
    """One request's head (and body, by Content-Length); None when the client closed."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    body = await reader.readexactly(length) if length else b""
    seen.requests.append(head.split(b"\r\n", 1)[0])
    return head + body


def reply(body: bytes, *headers: str, status: str = "200 OK") -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@asynccontextmanager
async def server(
    handler: Handler, tls: ssl.SSLContext | None = None
) -> AsyncIterator[tuple[str, Seen]]:
    seen = Seen()

    async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        seen.open_now += 1
        seen.most_open = max(seen.most_open, seen.open_now)
        try:
            await handler(reader, writer, seen)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            seen.open_now -= 1
            writer.close()

    srv = await asyncio.start_server(on_client, "127.0.0.1", 0, ssl=tls)
    port = srv.sockets[0].getsockname()[1]
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}", seen
    finally:
        srv.close()


def answering(body: bytes, *headers: str) -> Handler:
    """A server that answers every request on a connection with ``body``."""

    async def handle(r: asyncio.StreamReader, w: asyncio.StreamWriter, seen: Seen) -> None:
        while await read_request(r, seen) is not None:
            w.write(reply(body, *headers))
            await w.drain()

    return handle


def once(answer: bytes) -> Handler:
    """A server that reads one request, sends ``answer`` (whatever it is) and closes."""

    async def handle(r: asyncio.StreamReader, w: asyncio.StreamWriter, seen: Seen) -> None:
        await read_request(r, seen)
        w.write(answer)
        await w.drain()

    return handle


async def test_requests_share_one_kept_connection() -> None:
    wire = Wire()
    async with server(answering(b'{"result": []}')) as (url, seen):
        for _ in range(5):
            got = await wire.request("GET", f"{url}/api/now/table/incident?a=1", HEADERS, None, 5)
            assert (got.status, got.content) == (200, b'{"result": []}')
        await wire.aclose()
    assert seen.connections == 1
    assert seen.requests == [b"GET /api/now/table/incident?a=1 HTTP/1.1"] * 5


async def test_a_body_goes_with_its_length_and_headers_are_read_back() -> None:
    bodies: list[bytes] = []

    async def handle(r: asyncio.StreamReader, w: asyncio.StreamWriter, seen: Seen) -> None:
        raw = await read_request(r, seen)
        assert raw is not None
        bodies.append(raw)
        w.write(reply(b"{}", 'Link: <x>;rel="next"', 'Link: <y>;rel="last"', status="201 Created"))

    wire = Wire()
    async with server(handle) as (url, _):
        got = await wire.request("POST", f"{url}/api", [("X-A", "b")], b'{"k":1}', 5)
        await wire.aclose()
    assert got.status == 201
    assert got.headers.getall("link") == ['<x>;rel="next"', '<y>;rel="last"']
    head, _, body = bodies[0].partition(b"\r\n\r\n")
    assert body == b'{"k":1}'
    assert b"\r\nContent-Length: 7" in head
    assert b"\r\nHost: 127.0.0.1:" in head
    assert b"\r\nX-A: b" in head


@pytest.mark.parametrize(
    ("encoded", "coding"),
    [
        (gzip.compress(b'{"result": [1]}'), "gzip"),
        (zlib.compress(b'{"result": [1]}'), "deflate"),
    ],
)
async def test_compressed_answers_are_decoded(encoded: bytes, coding: str) -> None:
    wire = Wire()
    async with server(answering(encoded, f"Content-Encoding: {coding}")) as (url, _):
        got = await wire.request("GET", f"{url}/x", HEADERS, None, 5)
        await wire.aclose()
    assert got.content == b'{"result": [1]}'


async def test_chunked_and_close_delimited_bodies_are_read_whole() -> None:
    async def chunked(r: asyncio.StreamReader, w: asyncio.StreamWriter, seen: Seen) -> None:
        while await read_request(r, seen) is not None:
            w.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            for piece in (b'{"result"', b": [1, 2]}"):
                w.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                await w.drain()
                await asyncio.sleep(0.01)
            w.write(b"0\r\n\r\n")

    async def until_close(r: asyncio.StreamReader, w: asyncio.StreamWriter, seen: Seen) -> None:
        await read_request(r, seen)
        w.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b"x" * 100_000)
        await w.drain()

    wire = Wire()
    async with server(chunked) as (url, seen):
        for _ in range(2):
            got = await wire.request("GET", f"{url}/x", HEADERS, None, 5)
            assert got.content == b'{"result": [1, 2]}'
        assert seen.connections == 1
    async with server(until_close) as (url, seen):
        for _ in range(2):
            got = await wire.request("GET", f"{url}/x", HEADERS, None, 5)
            assert got.content == b"x" * 100_000
        assert seen.connections == 2  # a connection the answer closed is not kept
    await wire.aclose()


async def test_a_kept_connection_closed_meanwhile_is_retried_only_where_harmless() -> None:
    """The instance closes a kept connection as the next request arrives: a GET goes again
    on a fresh one; a POST is not sent twice (it may have been processed)."""

    async def first_only(r: asyncio.StreamReader, w: asyncio.StreamWriter, seen: Seen) -> None:
        await read_request(r, seen)
        w.write(reply(b"{}"))
        await w.drain()
        await read_request(r, seen)  # the second request on it: dropped unanswered

    wire = Wire()
    async with server(first_only) as (url, seen):
        await wire.request("GET", f"{url}/a", HEADERS, None, 5)
        got = await wire.request("GET", f"{url}/b", HEADERS, None, 5)
        assert got.status == 200
        assert seen.requests == [b"GET /a HTTP/1.1", b"GET /b HTTP/1.1", b"GET /b HTTP/1.1"]
        with pytest.raises(BadAnswer, match="connection closed"):
            await wire.request("POST", f"{url}/c", HEADERS, b"{}", 5)
        assert seen.requests[-1] == b"POST /c HTTP/1.1"
        assert seen.requests.count(b"POST /c HTTP/1.1") == 1
        await wire.aclose()


async def test_an_idle_connection_past_its_keep_time_is_not_reused() -> None:
    wire = Wire(keep_idle=0.05)
    async with server(answering(b"{}")) as (url, seen):
        await wire.request("GET", f"{url}/a", HEADERS, None, 5)
        await asyncio.sleep(0.1)
        await wire.request("GET", f"{url}/a", HEADERS, None, 5)
        await wire.aclose()
    assert seen.connections == 2


async def test_the_timeout_is_per_wait_for_bytes() -> None:
    async def silent(r: asyncio.StreamReader, w: asyncio.StreamWriter, seen: Seen) -> None:
        await read_request(r, seen)
        await asyncio.sleep(5)

    async def trickle(r: asyncio.StreamReader, w: asyncio.StreamWriter, seen: Seen) -> None:
        await read_request(r, seen)
        w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n")
        for _ in range(16):  # 0.8 s in all (twice the timeout), a byte every 0.05 s
            await asyncio.sleep(0.05)
            w.write(b"x")
            await w.drain()

    wire = Wire()
    async with server(silent) as (url, _):
        started = asyncio.get_running_loop().time()
        with pytest.raises(ReadTimeout):
            await wire.request("GET", f"{url}/x", HEADERS, None, 0.3)
        assert asyncio.get_running_loop().time() - started < 2
    async with server(trickle) as (url, _):
        got = await wire.request("GET", f"{url}/x", HEADERS, None, 0.4)
        assert got.content == b"x" * 16
    await wire.aclose()


async def test_nothing_listening_is_a_connection_that_never_opened() -> None:
    async with server(answering(b"")) as (url, _):
        pass  # closed: its port is free now
    with pytest.raises(ConnectFailed):
        await Wire().request("GET", f"{url}/x", HEADERS, None, 2)


@pytest.mark.parametrize(
    ("answer", "match"),
    [
        (b"SSH-2.0-OpenSSH_9.6\r\n", "not HTTP"),
        (b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n", "header block"),
        (reply(b"abc", "Content-Encoding: br"), "not asked for"),
        (reply(b"not gzip", "Content-Encoding: gzip"), "undecodable"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "connection closed"),
    ],
)
async def test_answers_that_are_not_http_are_refused(answer: bytes, match: str) -> None:
    wire = Wire()
    async with server(once(answer)) as (url, _):
        with pytest.raises(BadAnswer, match=match):
            await wire.request("GET", f"{url}/x", HEADERS, None, 2)
    await wire.aclose()


async def test_a_connection_that_answers_twice_to_one_request_is_not_kept() -> None:
    async def twice(r: asyncio.StreamReader, w: asyncio.StreamWriter, seen: Seen) -> None:
        if seen.connections == 1:
            await read_request(r, seen)
            w.write(reply(b'{"n": 1}') + reply(b'{"n": "unasked"}'))
        while await read_request(r, seen) is not None:
            w.write(reply(b'{"n": 2}'))
            await w.drain()

    wire = Wire()
    async with server(twice) as (url, seen):
        first = await wire.request("GET", f"{url}/x", HEADERS, None, 2)
        second = await wire.request("GET", f"{url}/x", HEADERS, None, 2)
        await wire.aclose()
    assert (first.content, second.content) == (b'{"n": 1}', b'{"n": 2}')
    assert seen.connections == 2  # the one that said too much was closed


async def test_a_compressed_body_over_the_limit_is_refused() -> None:
    bomb = gzip.compress(b"\0" * (MAX_BODY_BYTES + 1))
    wire = Wire()
    async with server(answering(bomb, "Content-Encoding: gzip")) as (url, _):
        with pytest.raises(BadAnswer, match="over the limit"):
            await wire.request("GET", f"{url}/x", HEADERS, None, 5)
    await wire.aclose()


async def test_line_breaks_never_reach_the_wire() -> None:
    wire = Wire()
    async with server(answering(b"{}")) as (url, seen):
        with pytest.raises(ValueError, match="line break"):
            await wire.request("GET", f"{url}/x", [("Authorization", "Bearer a\r\nX: y")], None, 2)
        http = TableHttp(timeout=lambda: 2.0, user_agent="SnowOps/test")
        with pytest.raises(RequestFailed) as failed:
            await http.send("GET", f"{url}/x", "a\nInjected: 1")
        assert failed.value.unsent
        await http.aclose()
    assert seen.requests == []


async def test_a_cancelled_request_leaves_no_connection_half_read() -> None:
    gate = asyncio.Event()

    async def slow_then_fast(r: asyncio.StreamReader, w: asyncio.StreamWriter, s: Seen) -> None:
        while (raw := await read_request(r, s)) is not None:
            if b"/slow" in raw:
                await gate.wait()
            w.write(reply(b"late" if b"/slow" in raw else b"{}"))
            await w.drain()

    wire = Wire()
    async with server(slow_then_fast) as (url, seen):
        slow = asyncio.create_task(wire.request("GET", f"{url}/slow", HEADERS, None, 5))
        await asyncio.sleep(0.05)
        slow.cancel()
        gate.set()
        for _ in range(100):  # the cancelled request's connection is closed, not left open
            if seen.open_now == 0:
                break
            await asyncio.sleep(0.02)
        assert seen.open_now == 0
        got = await wire.request("GET", f"{url}/fast", HEADERS, None, 5)
        assert got.content == b"{}"  # never the cancelled request's late answer
        assert seen.connections == 2
        await wire.aclose()


async def test_open_connections_are_bounded() -> None:
    async def slow(r: asyncio.StreamReader, w: asyncio.StreamWriter, seen: Seen) -> None:
        while await read_request(r, seen) is not None:
            await asyncio.sleep(0.05)
            w.write(reply(b"{}"))

    wire = Wire(limit=2)
    async with server(slow) as (url, seen):
        got = await asyncio.gather(
            *(wire.request("GET", f"{url}/x", HEADERS, None, 5) for _ in range(6))
        )
        await wire.aclose()
    assert [g.status for g in got] == [200] * 6
    assert seen.most_open == 2


async def test_tls_is_verified(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    srv, ca_file = self_signed(tmp_path)
    trusting = ssl.create_default_context(cafile=str(ca_file))
    async with server(answering(b"{}"), tls=srv) as (url, seen):
        trusted = Wire(ssl_context=trusting)
        got = await trusted.request("GET", f"{url}/x", HEADERS, None, 5)
        assert got.content == b"{}"
        await trusted.request("GET", f"{url}/x", HEADERS, None, 5)
        assert seen.connections == 1
        await trusted.aclose()
        with pytest.raises(ConnectFailed, match="CERTIFICATE_VERIFY_FAILED"):
            await Wire().request("GET", f"{url}/x", HEADERS, None, 5)  # the system's trust
        # SSL_CERT_FILE (README "Troubleshooting") is what the system's trust is read from.
        monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
        by_env = Wire()
        assert (await by_env.request("GET", f"{url}/x", HEADERS, None, 5)).content == b"{}"
        await by_env.aclose()


def test_urls_split_into_origin_and_target() -> None:
    origin, target = split_url("https://acme.service-now.com/api/now/table/x?a=%20")
    assert (origin.tls, origin.host, origin.port, origin.authority) == (
        True,
        "acme.service-now.com",
        443,
        "acme.service-now.com",
    )
    assert target == "/api/now/table/x?a=%20"
    origin, target = split_url("http://[::1]:8080?q=1")
    assert (origin.host, origin.port, origin.authority, target) == (
        "::1",
        8080,
        "[::1]:8080",
        "/?q=1",
    )
    for bad in ("acme.service-now.com/x", "ftp://acme/x", "http:///x"):
        with pytest.raises(ValueError, match="URL"):
            split_url(bad)


HTTPISH = st.one_of(
    st.binary(max_size=300),
    st.builds(
        lambda status, headers, body: (
            f"HTTP/1.1 {status} X\r\n".encode()
            + b"".join(h + b"\r\n" for h in headers)
            + b"\r\n"
            + body
        ),
        st.integers(0, 999),
        st.lists(
            st.one_of(
                st.sampled_from(
                    [
                        b"Content-Length: 3",
                        b"Content-Length: -1",
                        b"Content-Length: 99999999999999999999",
                        b"Transfer-Encoding: chunked",
                        b"Content-Encoding: gzip",
                        b"Connection: close",
                    ]
                ),
                st.binary(max_size=40),
            ),
            max_size=4,
        ),
        st.binary(max_size=60),
    ),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(answer=HTTPISH)
def test_whatever_a_server_sends_is_a_reply_or_a_wire_error(answer: bytes) -> None:
    async def run() -> None:
        wire = Wire()
        async with server(once(answer)) as (url, _):
            for _ in range(2):  # the second on whatever the first left kept
                try:
                    got = await wire.request("GET", f"{url}/x", HEADERS, None, 0.5)
                except WireError:
                    continue
                assert 0 <= got.status <= 999
        await wire.aclose()

    asyncio.run(run())
