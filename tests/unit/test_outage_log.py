"""An outbound host that stops answering is logged once when it starts and once when it ends."""

from __future__ import annotations

import logging

import httpx2
import pytest

from core.retry import RetryPolicy, send_with_retries

FAST = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.001, budget_seconds=5)


class Unavailable(Exception):
    pass


async def test_an_outage_is_two_log_lines_however_many_requests(
    caplog: pytest.LogCaptureFixture,
) -> None:
    up = {"value": False}

    def answer(request: httpx2.Request) -> httpx2.Response:
        if not up["value"]:
            raise httpx2.ConnectError("refused", request=request)
        return httpx2.Response(200, json={"result": []})

    caplog.set_level(logging.DEBUG, logger="core.retry")
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(answer)) as http:

        async def call() -> httpx2.Response:
            return await send_with_retries(
                FAST,
                lambda: http.get("https://acme.service-now.com/api/now/table/incident"),
                failure=lambda r: Unavailable(str(r.status_code)),
                unreachable=Unavailable,
                what="the read",
            )

        for _ in range(5):
            with pytest.raises(Unavailable):
                await call()
        up["value"] = True
        for _ in range(3):
            assert (await call()).status_code == 200

    lines = [(r.levelname, r.getMessage()) for r in caplog.records if r.levelno >= logging.INFO]
    assert lines == [
        ("WARNING", "acme.service-now.com is not answering: the read could not reach the "
         "server: ConnectError"),
        ("INFO", "acme.service-now.com answers again after 0 s"),
    ]  # fmt: skip
    assert not any(r.exc_info for r in caplog.records)


async def test_a_busy_host_is_not_an_outage(caplog: pytest.LogCaptureFixture) -> None:
    def busy(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(429, headers={"Retry-After": "0"})

    caplog.set_level(logging.INFO, logger="core.retry")
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(busy)) as http:
        with pytest.raises(Unavailable):
            await send_with_retries(
                FAST,
                lambda: http.get("https://busy.service-now.com/api"),
                failure=lambda r: Unavailable(str(r.status_code)),
                unreachable=Unavailable,
                what="the read",
            )
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
