"""TableProbe: which ticket tables a connection's instance offers, asked once per
connection and period, never per sync cycle."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest

from core.models import Connection, TicketKind
from core.servicenow.errors import (
    BadRequestError,
    ForbiddenError,
    ServiceNowError,
    UnavailableError,
)
from core.servicenow.table import TableClient
from core.servicenow.tables import BASE_KINDS, TableProbe
from core.storage import ConnectionStore

WS = "slack:T0123"
ALL = tuple(TicketKind)


class Instance:
    """The Table API of one instance: answers, or raises what it is told to."""

    def __init__(self) -> None:
        self.answer: ServiceNowError | None = None
        #: What `task` answers, when not `answer`.
        self.task: ServiceNowError | None = None
        self.asked: list[str] = []
        self.queries: list[str] = []

    async def query(self, workspace: str, table: str, query: str, **kw: Any) -> list[Any]:
        self.asked.append(table)
        self.queries.append(query)
        if self.answer is not None:
            raise self.answer
        if table == "task" and self.task is not None:
            raise self.task
        return []


class Connections:
    def __init__(self) -> None:
        self.conn: Connection | None = Connection(WS, "https://acme.service-now.com", "id", "s")

    async def get_connection(self, workspace: str) -> Connection | None:
        return self.conn


class World:
    def __init__(self) -> None:
        self.instance = Instance()
        self.connections = Connections()
        self.now = 0.0
        self.probe = TableProbe(
            cast(TableClient, self.instance),
            cast(ConnectionStore, self.connections),
            ttl=900,
            now=lambda: self.now,
        )


async def test_asked_once_per_period_not_per_call() -> None:
    w = World()
    for _ in range(5):
        assert await w.probe.kinds(WS) == ALL
    assert w.instance.asked == ["sn_si_incident", "task"]
    w.now = 901
    assert await w.probe.kinds(WS) == ALL
    assert w.instance.asked == ["sn_si_incident", "task"] * 2


@pytest.mark.parametrize(
    "refusal",
    [
        BadRequestError("Invalid table sn_si_incident", status=400),
        ForbiddenError("Insufficient rights", status=403),
    ],
)
async def test_a_refusal_means_no_security_incidents(refusal: ServiceNowError) -> None:
    w = World()
    w.instance.answer = refusal
    assert await w.probe.kinds(WS) == BASE_KINDS
    # Installed later: seen once the answer is old.
    w.instance.answer = None
    assert await w.probe.kinds(WS) == BASE_KINDS
    w.now = 901
    assert await w.probe.kinds(WS) == ALL


async def test_an_outage_keeps_what_was_known_and_asks_again_soon() -> None:
    w = World()
    assert await w.probe.kinds(WS) == ALL
    w.now = 901
    w.instance.answer = UnavailableError("503", status=503)
    assert await w.probe.kinds(WS) == ALL  # not lost to an outage
    w.now = 901 + 61
    w.instance.answer = BadRequestError("Invalid table sn_si_incident", status=400)
    assert await w.probe.kinds(WS) == BASE_KINDS


async def test_a_new_connection_is_asked_afresh_and_none_is_the_base() -> None:
    w = World()
    assert await w.probe.kinds(WS) == ALL
    w.instance.answer = BadRequestError("Invalid table sn_si_incident", status=400)
    w.connections.conn = Connection(
        WS, "https://other.service-now.com", "id", "s", created_at=datetime.now(UTC)
    )
    assert await w.probe.kinds(WS) == BASE_KINDS
    w.connections.conn = None
    assert await w.probe.kinds(WS) == BASE_KINDS
    assert w.instance.asked == ["sn_si_incident", "task"] * 2


async def test_kinds_are_read_together_where_task_answers() -> None:
    w = World()
    assert await w.probe.together(WS) is True
    # Asked for exactly the classes sync reads, once with the kinds.
    assert w.instance.queries[-1] == (
        "sys_class_nameINincident,change_request,problem,sn_si_incident"
    )
    assert await w.probe.together(WS) is True
    assert w.instance.asked.count("task") == 1


@pytest.mark.parametrize(
    "refusal",
    [
        ForbiddenError("User Not Authorized", status=403),
        BadRequestError("Invalid table task", status=400),
    ],
    ids=["acl", "no-table"],
)
async def test_a_refused_task_means_one_table_per_kind(refusal: ServiceNowError) -> None:
    w = World()
    w.instance.task = refusal
    assert await w.probe.kinds(WS) == ALL
    assert await w.probe.together(WS) is False
    w.now = 901
    w.instance.task = None  # the role granted later: the next probe finds it
    assert await w.probe.together(WS) is True


async def test_an_outage_keeps_what_was_known_of_task_and_asks_sooner() -> None:
    w = World()
    assert await w.probe.together(WS) is True
    w.now = 901
    w.instance.task = UnavailableError("down", status=503)
    assert await w.probe.together(WS) is True
    w.instance.task = None
    w.now = 901 + 61
    await w.probe.together(WS)
    assert w.instance.asked.count("task") == 3


async def test_a_refusal_during_sync_reads_per_kind_until_the_next_probe() -> None:
    w = World()
    assert await w.probe.together(WS) is True
    w.probe.refused_together(WS)
    assert await w.probe.together(WS) is False
    assert await w.probe.kinds(WS) == ALL
    w.now = 901
    assert await w.probe.together(WS) is True
