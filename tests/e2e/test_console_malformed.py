"""The console API refuses what it cannot read (issue 17, item 5): a 400 at once and one
log line, never a hang, a 500 or a traceback."""

from __future__ import annotations

import asyncio
import logging

import pytest

from tests.e2e.console_harness import Console, console

__all__ = ["console"]


def quiet(caplog: pytest.LogCaptureFixture) -> None:
    for record in caplog.records:
        assert record.levelno < logging.ERROR, record.getMessage()
        assert not record.exc_info, record.getMessage()


@pytest.mark.parametrize(
    "query",
    [
        "wait=nan",
        "wait=NaN",
        "wait=inf",
        "wait=-inf",
        "wait=1e400",
        "wait=abc",
        "wait=",
        "after=1.5&wait=0",
        "after=" + "9" * 5000 + "&wait=0",
    ],
)
async def test_events_with_a_wait_or_after_that_is_no_number_is_a_400_at_once(
    console: Console, caplog: pytest.LogCaptureFixture, query: str
) -> None:
    caplog.set_level(logging.INFO)
    async with asyncio.timeout(3):  # nan once waited for 40 s, until the client gave up
        async with console.http.get(f"{console.url}/console/events?{query}") as r:
            assert r.status == 400
            assert "finite number of seconds" in (await r.json())["error"]
    refused = [r.getMessage() for r in caplog.records if r.name == "adapters.console.routes"]
    assert len(refused) == 1
    quiet(caplog)


@pytest.mark.parametrize("query", ["wait=-5", "wait=0", "wait=1e-300", "wait=-1e300"])
async def test_events_with_a_negative_or_tiny_wait_answer_at_once(
    console: Console, query: str
) -> None:
    async with asyncio.timeout(3):
        async with console.http.get(f"{console.url}/console/events?after=0&{query}") as r:
            assert r.status == 200


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000 + b"]" * 100_000, b"{nope", b"[1]", b'"x"', b"\xff"],
    ids=["nested-100000", "invalid", "array", "string", "not-utf8"],
)
async def test_a_command_body_that_is_no_object_is_a_400(
    console: Console, caplog: pytest.LogCaptureFixture, body: bytes
) -> None:
    caplog.set_level(logging.INFO)
    for path in ("/console/commands", "/console/forms"):
        async with console.http.post(f"{console.url}{path}", data=body) as r:
            assert r.status == 400
    quiet(caplog)
