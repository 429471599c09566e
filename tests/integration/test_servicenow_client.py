"""The real ServiceNow client over HTTP against the simulator: tokens, tables, errors."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import pytest

from core.connections import OAuthClientConfig
from core.models import ConnectionStatus
from core.servicenow import errors as e
from sim.servicenow import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    Fault,
)
from tests.conftest import App, Sim

WS = "slack:T0123"


def sent(sim: Sim, fragment: str) -> int:
    return sum(1 for method, path in sim.instance.request_log if fragment in path)


async def test_password_grant_stores_tokens(connected: App) -> None:
    conn = await connected.services.store.get_connection(WS)
    assert conn is not None
    assert conn.access_token
    assert conn.refresh_token
    assert conn.expires_at is not None
    assert (conn.expires_at - connected.clock.now()).total_seconds() == 1799


async def test_refresh_ahead_of_expiry(connected: App, sim: Sim) -> None:
    before = await connected.services.store.get_connection(WS)
    assert before is not None
    connected.clock.advance(1799 - 30)  # inside the one-minute refresh window
    await connected.services.table.query(WS, "incident", "active=true")
    after = await connected.services.store.get_connection(WS)
    assert after is not None
    assert after.access_token != before.access_token
    assert after.refresh_token == before.refresh_token
    assert after.expires_at is not None
    assert before.expires_at is not None
    assert after.expires_at > before.expires_at


async def test_one_refresh_in_flight_for_many_callers(connected: App, sim: Sim) -> None:
    connected.clock.advance(3600)
    sim.instance.request_log.clear()
    await asyncio.gather(
        *(connected.services.table.query(WS, "incident", "active=true") for _ in range(10))
    )
    assert sent(sim, "/oauth_token.do") == 1


async def test_rejected_access_token_is_refreshed_once(connected: App, sim: Sim) -> None:
    sim.instance.expire_access_tokens()
    rows = await connected.services.table.query(WS, "sys_user", "user_name=abel.tuter")
    assert [r["user_name"] for r in rows] == ["abel.tuter"]


async def test_dead_refresh_token_marks_connection(connected: App, sim: Sim) -> None:
    sim.instance.revoke_refresh_tokens()
    connected.clock.advance(3600)
    with pytest.raises(e.ReauthorizationRequired):
        await connected.services.table.query(WS, "incident", "active=true")
    conn = await connected.services.store.get_connection(WS)
    assert conn is not None
    assert conn.status is ConnectionStatus.NEEDS_REAUTH
    # From now on nobody hammers the token endpoint: the connection is known dead.
    sim.instance.request_log.clear()
    with pytest.raises(e.ReauthorizationRequired):
        await connected.services.table.query(WS, "incident", "active=true")
    assert sent(sim, "/oauth_token.do") == 0


async def test_disconnect_revokes_tokens(connected: App, sim: Sim) -> None:
    conn = await connected.services.store.get_connection(WS)
    assert conn is not None
    assert await connected.services.connections.disconnect(WS, "test")
    assert await connected.services.store.get_connection(WS) is None
    with pytest.raises(e.ReauthorizationRequired):
        await connected.services.oauth.refresh(
            conn.instance_url,
            client_id=conn.client_id,
            client_secret=conn.client_secret,
            refresh_token=conn.refresh_token,
            now=connected.clock.now(),
        )


async def test_wrong_secret_is_reauthorization(app: App, sim: Sim) -> None:
    with pytest.raises(e.ReauthorizationRequired) as info:
        await app.services.connections.connect_with_password(
            WS, sim.url, OAuthClientConfig(DEFAULT_CLIENT_ID, "wrong"), DEFAULT_USERNAME, "x", "t"
        )
    assert info.value.status == 401


async def test_create_get_patch_query(connected: App, sim: Sim) -> None:
    table = connected.services.table
    created = await table.create(
        WS, "incident", {"short_description": "Disk full", "impact": "2", "urgency": "2"}
    )
    assert created["priority"] == "3"
    assert created["number"].startswith("INC")
    got = await table.get(WS, "incident", created["sys_id"], fields=["number", "state"])
    assert got == {"number": created["number"], "state": "1"}
    patched = await table.patch(WS, "incident", created["sys_id"], {"comments": "Looking"})
    assert patched["sys_mod_count"] == "1"
    change = await table.create(WS, "change_request", {"short_description": "Rotate"})
    assert change["number"].startswith("CHG")
    assert change["state"] == "-5"
    rows = await table.query(WS, "change_request", f"number={change['number']}")
    assert [r["sys_id"] for r in rows] == [change["sys_id"]]


async def test_pagination_follows_pages(connected: App, sim: Sim) -> None:
    table = connected.services.table
    for i in range(23):
        await table.create(WS, "incident", {"short_description": f"bulk {i}", "category": "bulk"})
    sim.instance.request_log.clear()
    rows = await table.query(
        WS, "incident", "category=bulk^ORDERBYnumber", fields=["number"], page_size=10
    )
    assert len(rows) == 23
    assert len({r["number"] for r in rows}) == 23
    assert sent(sim, "/api/now/table/incident") == 3
    page = await table.query_page(WS, "incident", "category=bulk", limit=10, offset=20)
    assert page.total == 23
    assert len(page.records) == 3
    assert page.next_offset is None


async def test_unknown_record_is_not_found(connected: App) -> None:
    with pytest.raises(e.NotFoundError):
        await connected.services.table.get(WS, "incident", "0" * 32)


async def test_invalid_table_is_bad_request(connected: App) -> None:
    with pytest.raises(e.BadRequestError, match="Invalid table"):
        await connected.services.table.query(WS, "no_such_table", "")


@pytest.mark.parametrize(
    ("fault", "error", "hint"),
    [
        (Fault(kind="acl"), e.ForbiddenError, "itil"),
        (Fault(kind="html_login"), e.UnexpectedResponseError, "single sign-on"),
        (Fault(kind="ip_blocked"), e.ForbiddenError, "IP Address Access Control"),
        (Fault(status=403), e.ForbiddenError, "itil"),
    ],
)
async def test_table_failures_have_hints(
    connected: App, sim: Sim, fault: Fault, error: type[e.ServiceNowError], hint: str
) -> None:
    sim.instance.inject_fault(fault)
    with pytest.raises(error) as info:
        await connected.services.table.query(WS, "incident", "active=true")
    assert hint.lower() in info.value.hint.lower()


async def test_cross_scope_refusal_on_token_endpoint(app: App, sim: Sim) -> None:
    sim.instance.inject_fault(Fault(kind="cross_scope", scope="oauth"))
    with pytest.raises(e.ConfigurationError) as info:
        await app.services.connections.connect_with_password(
            WS,
            sim.url,
            OAuthClientConfig(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
            DEFAULT_USERNAME,
            DEFAULT_PASSWORD,
            "t",
        )
    assert "Cross-Scope" in info.value.hint


async def test_429_burst_is_retried_to_success(connected: App, sim: Sim) -> None:
    sim.instance.inject_fault(Fault(status=429, count=2, retry_after=0))
    sim.instance.request_log.clear()
    rows = await connected.services.table.query(WS, "sys_user", "user_name=admin")
    assert len(rows) == 1
    assert sent(sim, "/api/now/table/sys_user") == 3


async def test_5xx_burst_is_retried_to_success(connected: App, sim: Sim) -> None:
    sim.instance.inject_fault(Fault(status=503, count=3))
    rows = await connected.services.table.query(WS, "sys_user", "user_name=admin")
    assert len(rows) == 1


async def test_endless_429_ends_in_a_clear_error(connected: App, sim: Sim) -> None:
    sim.instance.inject_fault(Fault(status=429, count=50, retry_after=0))
    with pytest.raises(e.RateLimitedError) as info:
        await connected.services.table.query(WS, "incident", "")
    assert info.value.retry_after == 0
    assert "rate limit" in str(info.value)


async def test_retry_after_longer_than_budget_fails_fast(connected: App, sim: Sim) -> None:
    sim.instance.inject_fault(Fault(status=429, count=5, retry_after=3600))
    started = time.monotonic()
    with pytest.raises(e.RateLimitedError) as info:
        await connected.services.table.query(WS, "incident", "")
    assert time.monotonic() - started < 2
    assert info.value.retry_after == 3600


async def test_endless_5xx_ends_in_unavailable(connected: App, sim: Sim) -> None:
    sim.instance.inject_fault(Fault(status=500, count=50))
    with pytest.raises(e.UnavailableError):
        await connected.services.table.query(WS, "incident", "")


async def test_timeouts_are_bounded(connected: App, sim: Sim) -> None:
    services = connected.services
    services.pool.retry = replace(services.pool.retry, timeout_seconds=0.2, budget_seconds=1)
    await services.pool.aclose()  # new clients pick up the shorter timeout
    sim.instance.inject_fault(Fault(latency_ms=1500, count=10))
    started = time.monotonic()
    with pytest.raises(e.UnavailableError, match="in time"):
        await services.table.query(WS, "incident", "")
    assert time.monotonic() - started < 3


async def test_disconnect_during_a_refresh_stays_disconnected(connected: App, sim: Sim) -> None:
    connected.clock.advance(3600)
    sim.instance.inject_fault(Fault(latency_ms=300, scope="oauth"))
    query = asyncio.create_task(connected.services.table.query(WS, "incident", "active=true"))
    await asyncio.sleep(0.05)  # the refresh is on its way
    # Disconnect waits for the refresh in flight instead of racing it…
    assert await connected.services.connections.disconnect(WS, "test")
    await query
    # …so the refreshed tokens never bring the connection back.
    assert await connected.services.store.get_connection(WS) is None
    with pytest.raises(e.NotConnectedError):
        await connected.services.table.query(WS, "incident", "")


async def test_a_rejected_token_is_refreshed_once_for_many_callers(
    connected: App, sim: Sim
) -> None:
    sim.instance.expire_access_tokens()
    sim.instance.request_log.clear()
    await asyncio.gather(
        *(connected.services.table.query(WS, "sys_user", "user_name=admin") for _ in range(8))
    )
    assert sent(sim, "/oauth_token.do") == 1


async def test_connection_errors_are_remembered_until_the_next_success(
    connected: App, sim: Sim
) -> None:
    with pytest.raises(e.NotFoundError):
        await connected.services.table.get(WS, "incident", "0" * 32)
    conn = await connected.services.store.get_connection(WS)
    assert conn is not None
    assert conn.last_error is None  # a missing record says nothing about the connection
    sim.instance.inject_fault(Fault(kind="acl"))
    with pytest.raises(e.ForbiddenError):
        await connected.services.table.query(WS, "incident", "")
    conn = await connected.services.store.get_connection(WS)
    assert conn is not None
    assert conn.last_error is not None
    assert "Insufficient rights" in conn.last_error
    await connected.services.table.query(WS, "incident", "")
    conn = await connected.services.store.get_connection(WS)
    assert conn is not None
    assert conn.last_error is None
