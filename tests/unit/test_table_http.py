"""The Table API's own client (aiohttp's) on loopback: what it sends, what it reads back, and
how a host that stops answering is logged (once when it starts, once when it ends)."""

from __future__ import annotations

import logging
import socket
from datetime import UTC, datetime

import pytest
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from core.retry import Answered, RetryPolicy
from core.servicenow import errors as e
from core.servicenow.http import Answer, TableHttp, table_url
from core.servicenow.table import _server_time
from core.servicenow.transport import send_with_retries

FAST = RetryPolicy(attempts=2, base_delay=0.001, max_delay=0.001, budget_seconds=5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answer(**headers: str) -> Answer:
    return Answer(200, CIMultiDictProxy(CIMultiDict(headers)), b"{}", "acme.service-now.com")


def test_urls_are_encoded_once() -> None:
    url = table_url(
        "https://acme.service-now.com",
        "/api/now/table/incident",
        {"sysparm_query": "correlation_idSTARTSWITHsnowops:slack:T1:^active=true", "n": 2},
    )
    assert url == (
        "https://acme.service-now.com/api/now/table/incident"
        "?sysparm_query=correlation_idSTARTSWITHsnowops%3Aslack%3AT1%3A%5Eactive%3Dtrue&n=2"
    )


def test_the_instance_clock_is_read_from_the_date_header() -> None:
    got = _server_time(answer(Date="Thu, 03 Dec 2026 11:04:05 GMT"))
    assert got == datetime(2026, 12, 3, 11, 4, 5, tzinfo=UTC)
    for bad in ("", "yesterday", "Thu, 03 Dec 2026 11:04:05 +0100", "Thu, 31 Feb 2026 1:2:3 GMT"):
        assert _server_time(answer(Date=bad)) is None


def test_a_link_header_names_the_next_page() -> None:
    assert answer(Link='<https://x/api?sysparm_offset=10>;rel="next"').has_next()
    assert not answer(Link='<https://x/api?sysparm_offset=0>;rel="first"').has_next()
    assert not answer().has_next()


async def test_requests_carry_the_token_and_json_and_count_every_answer() -> None:
    seen: list[tuple[str, str, str | None, bytes]] = []

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        seen.append((request.method, request.path_qs, request.headers.get("Authorization"), body))
        return web.json_response({"result": {"ok": True}}, status=201)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    counted: list[int] = []

    async def count(a: Answered) -> None:
        counted.append(a.status_code)

    http = TableHttp(timeout=lambda: 5.0, user_agent="SnowOps/test", on_response=count)
    try:
        url = table_url(f"http://127.0.0.1:{port}", "/api/now/table/incident", {"q": "a b"})
        got = await http.send("POST", url, "tok", body={"short_description": "é"})
    finally:
        await http.aclose()
        await runner.cleanup()
    assert got.status_code == 201
    assert got.json() == {"result": {"ok": True}}
    assert seen == [
        (
            "POST",
            "/api/now/table/incident?q=a%20b",
            "Bearer tok",
            b'{"short_description":"\\u00e9"}',  # compact, non-ASCII escaped
        )
    ]
    assert counted == [201]


async def test_a_host_that_stops_answering_is_two_log_lines(
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = free_port()  # nothing listens here yet
    url = table_url(f"http://127.0.0.1:{port}", "/api/now/table/incident", None)
    http = TableHttp(timeout=lambda: 5.0, user_agent="SnowOps/test")
    caplog.set_level(logging.INFO, logger="core.retry")
    runner = None
    try:
        for _ in range(3):
            with pytest.raises(e.UnavailableError, match="could not reach the server"):
                await send_with_retries(FAST, lambda: http.send("GET", url, "t"), what="read")

        async def ok(request: web.Request) -> web.Response:
            return web.json_response({"result": []})

        app = web.Application()
        app.router.add_get("/{tail:.*}", ok)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        got = await send_with_retries(FAST, lambda: http.send("GET", url, "t"), what="read")
        assert got.status_code == 200
    finally:
        await http.aclose()
        if runner is not None:
            await runner.cleanup()
    lines = [
        (r.levelname, r.getMessage())
        for r in caplog.records
        if r.name == "core.retry" and r.levelno >= logging.INFO
    ]
    assert lines == [
        ("WARNING", "127.0.0.1 is not answering: the ServiceNow read could not reach the "
         "server: ConnectError"),
        ("INFO", "127.0.0.1 answers again after 0 s"),
    ]  # fmt: skip
