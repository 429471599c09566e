"""ServiceNowGateway.changes on `task`: each row's class tells its kind, and a row whose
class is odd (another class, a display-value object, nothing) is left out, not a failure."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest

from core.models import Connection, TicketKind
from core.servicenow.gateway import ServiceNowGateway
from core.servicenow.table import TableClient
from core.storage import ConnectionStore

WS = "slack:T0123"
INSTANCE = "https://acme.service-now.com"
KINDS = (TicketKind.INCIDENT, TicketKind.CHANGE)


def row(number: str, cls: Any) -> dict[str, Any]:
    return {
        "sys_id": number.lower(),
        "number": number,
        "state": "1",
        "priority": "3",
        "correlation_id": f"snowops:{WS}:{number}",
        "sys_mod_count": "1",
        "sys_updated_on": "2026-12-03 10:00:00",
        "sys_class_name": cls,
    }


class Table:
    """The Table API answering one page of `task` rows."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.asked: list[tuple[str, str]] = []

    async def query_timed(
        self, workspace: str, table: str, query: str, **kw: Any
    ) -> tuple[list[dict[str, Any]], datetime]:
        self.asked.append((table, query))
        return self.rows, datetime(2026, 12, 3, 10, 1, tzinfo=UTC)


class Connections:
    async def get_connection(self, workspace: str) -> Connection | None:
        return Connection(WS, INSTANCE, "id", "secret")


@pytest.mark.parametrize(
    "odd",
    [{"value": "incident", "display_value": "Incident"}, None, "", "problem", "u_custom"],
    ids=["object", "none", "empty", "not-asked", "unknown"],
)
async def test_rows_of_odd_classes_are_left_out(odd: Any) -> None:
    table = Table(
        [row("INC0010001", "incident"), row("X1", odd), row("CHG0030001", "change_request")]
    )
    gateway = ServiceNowGateway(cast(TableClient, table), cast(ConnectionStore, Connections()))

    found = await gateway.changes(WS, KINDS, None, limit=10)

    assert [(t.number, t.kind) for t in found.tickets] == [
        ("INC0010001", TicketKind.INCIDENT),
        ("CHG0030001", TicketKind.CHANGE),
    ]
    assert found.tickets[1].url == f"{INSTANCE}/change_request.do?sys_id=chg0030001"
    # Three rows read, fewer than the limit: the read is complete all the same.
    assert found.complete is True
    [(asked_table, query)] = table.asked
    assert asked_table == "task"
    assert query.startswith("sys_class_nameINincident,change_request^correlation_idSTARTSWITH")
