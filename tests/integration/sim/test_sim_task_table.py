"""The `task` table: every ticket class's rows through their parent, read-only, each row
checked against its own class's ACLs; a fault may aim at one table."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from sim.servicenow import SimInstance
from sim.servicenow.faults import Fault

Client = TestClient[Any, Any]
TASK = "/api/now/table/task"


async def _rows(client: Client, headers: dict[str, str], **params: str) -> list[dict[str, Any]]:
    response = await client.get(TASK, params=params, headers=headers)
    assert response.status == 200, await response.text()
    return list((await response.json())["result"])


async def test_task_lists_every_class_with_its_class_name(
    client: Client, headers: dict[str, str], create: Any
) -> None:
    incident = await create("incident", {"short_description": "Disk", "caller_id": "abel.tuter"})
    change = await create("change_request", {"short_description": "Patch"})
    problem = await create("problem", {"short_description": "Leak"})

    rows = await _rows(
        client,
        headers,
        sysparm_query="sys_class_nameINincident,change_request^ORDERBYnumber",
        sysparm_fields="sys_id,number,sys_class_name,caller_id",
    )
    whole = await _rows(client, headers, sysparm_query=f"sys_id={problem['sys_id']}")

    assert [(r["number"], r["sys_class_name"]) for r in rows] == [
        (change["number"], "change_request"),
        (incident["number"], "incident"),
    ]
    # `caller_id` is an incident field, not a task field: the parent's answer leaves it out.
    assert all("caller_id" not in r for r in rows)
    assert [r["number"] for r in whole] == [problem["number"]]
    assert "short_description" in whole[0]
    assert "caller_id" not in whole[0]
    one = await client.get(f"{TASK}/{change['sys_id']}", headers=headers)
    assert (await one.json())["result"]["sys_class_name"] == "change_request"


async def test_task_needs_itil_and_each_row_its_class_acls(
    client: Client, headers: dict[str, str], create: Any, login: Any
) -> None:
    theirs = await create("incident", {"short_description": "Theirs", "caller_id": "joe.employee"})
    joe = await login("joe.employee")
    # Joe may read his own incident on its table, not through `task` (itil-only here).
    assert (
        await client.get(f"/api/now/table/incident/{theirs['sys_id']}", headers=joe)
    ).status == 200
    assert (await client.get(f"{TASK}/{theirs['sys_id']}", headers=joe)).status == 404
    refused = await client.get(TASK, headers=joe)
    assert refused.status == 403
    assert (await refused.json())["error"]["message"] == "Insufficient rights"
    # Security incidents need sn_si.analyst: an itil user without it reads the rest.
    await create("sn_si_incident", {"short_description": "Phish"})
    beth = await login("beth.anglin")
    classes = {r["sys_class_name"] for r in await _rows(client, beth)}
    assert "sn_si_incident" not in classes
    assert "incident" in classes


@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
async def test_task_is_read_only_here(
    client: Client, headers: dict[str, str], create: Any, method: str
) -> None:
    made = await create("incident", {"short_description": "Disk"})
    url = TASK if method == "POST" else f"{TASK}/{made['sys_id']}"
    response = await client.request(method, url, json={"short_description": "x"}, headers=headers)
    assert response.status == 403
    assert "ACL Exception" in (await response.json())["error"]["detail"]


async def test_a_fault_aimed_at_task_leaves_the_other_tables_alone(
    client: Client, headers: dict[str, str], instance: SimInstance
) -> None:
    instance.inject_fault(Fault(kind="acl", table="task", count=2))
    assert (await client.get("/api/now/table/incident", headers=headers)).status == 200
    assert (await client.get(TASK, headers=headers)).status == 403
    assert (await client.get("/api/now/v2/table/task", headers=headers)).status == 403
    assert (await client.get(TASK, headers=headers)).status == 200
    with pytest.raises(TypeError):
        Fault(kind="acl", table=7)  # type: ignore[arg-type]
