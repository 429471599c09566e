"""ServiceNowGateway's Batch API reads against the simulator: comments and approvers in one
request, and everything still right where an instance refuses the Batch API or one of a
batch's reads fails."""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import AsyncIterator, Callable

import pytest
from aiohttp import web
from aiohttp.typedefs import Handler
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.app import Services, build_services
from bot.settings import Settings
from core.clock import FakeClock
from core.models import Priority, Requester, Ticket, TicketKind, TicketRequest
from core.servicenow.mapping import correlation_id
from sim.servicenow.faults import Fault
from tests.conftest import FAST_RETRY, Sim, connect_workspace, serve_sim

WS = "slack:T0123"


@contextlib.asynccontextmanager
async def connected(sim: Sim, make_settings: Callable[..., Settings]) -> AsyncIterator[Services]:
    """SnowOps's services, ``WS`` connected to ``sim``."""
    built = build_services(
        make_settings(SNOWOPS_STORE="memory://"), clock=FakeClock(), retry=FAST_RETRY
    )
    await built.start()
    try:
        await connect_workspace(built, sim.url, WS)
        yield built
    finally:
        await built.stop()


@pytest.fixture
async def services(sim: Sim, make_settings: Callable[..., Settings]) -> AsyncIterator[Services]:
    async with connected(sim, make_settings) as built:
        yield built


async def moved_change(services: Services, sim: Sim, key: str) -> Ticket:
    """A change in Assess (its CAB asked) with a comment."""
    request = TicketRequest(
        workspace=WS,
        kind=TicketKind.CHANGE,
        name=f"Change {key}",
        description="Rotate the admin keys.",
        priority=Priority.MODERATE,
        requester=Requester("slack", "U_ABEL", "Abel Tuter", "abel.tuter@example.com"),
    )
    made = await services.gateway.create(request, correlation_id(WS, key), None)
    sim.instance.set_state(made.number, "-4")
    sim.instance.add_journal(made.number, f"Plan for {key}")
    return await services.gateway.get(WS, TicketKind.CHANGE, made.sys_id)


def calls(sim: Sim) -> list[str]:
    """The Table and Batch API calls so far, as "METHOD table-or-batch"."""
    out = []
    for method, path in sim.instance.request_log:
        if path.startswith("/api/now/"):
            name = path.split("?")[0].rstrip("/").split("/")[-1]
            out.append(f"{method} {name}")
    return out


async def test_comments_and_approvers_go_in_one_request(services: Services, sim: Sim) -> None:
    change = await moved_change(services, sim, "one")
    sim.instance.request_log.clear()
    comments = await services.gateway.comments_since(WS, [change], None, approvals_of=[change])
    approvers = await services.gateway.approvals(WS, change)
    assert [c.text for c in comments] == ["Plan for one"]
    assert sorted(a.user_name for a in approvers) == ["beth.anglin", "fred.luddy"]
    assert calls(sim) == [
        "POST batch",
        "BATCH GET sys_journal_field",
        "BATCH GET sysapproval_approver",
    ]


async def test_an_instance_refusing_the_batch_api_is_read_one_by_one_for_a_while(
    services: Services, sim: Sim
) -> None:
    sim.instance.config.batch_api = False
    change = await moved_change(services, sim, "two")
    sim.instance.request_log.clear()
    for _ in range(2):
        comments = await services.gateway.comments_since(WS, [change], None, approvals_of=[change])
        approvers = await services.gateway.approvals(WS, change)
        assert [c.text for c in comments] == ["Plan for two"]
        assert sorted(a.user_name for a in approvers) == ["beth.anglin", "fred.luddy"]
    # Asked once; then left alone: the reads went one by one.
    assert calls(sim) == [
        "POST batch",
        "GET sys_journal_field",
        "GET sysapproval_approver",
        "GET sys_journal_field",
        "GET sysapproval_approver",
    ]
    # Not the connection's error: nothing is wrong with it.
    conn = await services.store.get_connection(WS)
    assert conn is not None
    assert conn.last_error is None


async def test_a_read_failing_in_a_batch_is_read_again_on_its_own(
    services: Services, sim: Sim
) -> None:
    change = await moved_change(services, sim, "three")
    sim.instance.request_log.clear()
    sim.instance.inject_fault(Fault(status=503, table="sys_journal_field"))
    comments = await services.gateway.comments_since(WS, [change], None, approvals_of=[change])
    approvers = await services.gateway.approvals(WS, change)
    assert [c.text for c in comments] == ["Plan for three"]
    assert len(approvers) == 2
    assert calls(sim) == [
        "POST batch",
        "BATCH GET sys_journal_field",  # answered 503
        "BATCH GET sysapproval_approver",
        "GET sys_journal_field",  # alone, with the retries a read gets
    ]


#: What the rigged instance's Batch API answers instead of serving: (status, body).
RIG: dict[str, tuple[int, bytes]] = {}


@web.middleware
async def rigged(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.endswith("/batch") and "answer" in RIG:
        status, body = RIG["answer"]
        return web.Response(status=status, body=body, content_type="application/json")
    return await handler(request)


@pytest.fixture
async def rigged_sim() -> AsyncIterator[Sim]:
    """A simulator whose Batch API answers whatever ``RIG`` says."""
    try:
        async with serve_sim(rigged) as running:
            yield running
    finally:
        RIG.clear()


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=10,
)
_ITEM = st.fixed_dictionaries(
    {},
    optional={
        "id": st.sampled_from(["0", "1", "2", 0, None]),
        "status_code": st.sampled_from([200, 404, 500, "200", None]),
        "body": st.one_of(
            st.text(max_size=12),
            st.sampled_from(["e30=", "W10=", "eyJyZXN1bHQiOiJ4In0="]),
            # 100,000 levels of nesting, as an item's Base64 body
            st.just(base64.b64encode(b"[" * 100_000).decode()),
        ),
    },
)
_ANSWERS = st.one_of(
    st.binary(max_size=40),
    _JSON.map(lambda v: json.dumps(v).encode()),
    st.lists(_ITEM | _JSON, max_size=3).map(
        lambda served: json.dumps({"serviced_requests": served}).encode()
    ),
    st.just(b"[" * 100_000),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(answer=_ANSWERS)
@example(  # a served item 100,000 levels deep
    answer=json.dumps(
        {
            "serviced_requests": [
                {"id": "0", "status_code": 200, "body": base64.b64encode(b"[" * 100_000).decode()}
            ]
        }
    ).encode()
)
async def test_whatever_a_batch_answers_the_comments_and_approvers_come_right(
    rigged_sim: Sim, make_settings: Callable[..., Settings], answer: bytes
) -> None:
    async with connected(rigged_sim, make_settings) as built:
        change = await moved_change(built, rigged_sim, "rigged")
        RIG["answer"] = (200, answer)
        try:
            comments = await built.gateway.comments_since(WS, [change], None, approvals_of=[change])
            approvers = await built.gateway.approvals(WS, change)
        finally:
            RIG.clear()
        assert [c.text for c in comments] == ["Plan for rigged"]
        assert sorted(a.user_name for a in approvers) == ["beth.anglin", "fred.luddy"]
        conn = await built.store.get_connection(WS)
        assert conn is not None
        assert conn.last_error is None
