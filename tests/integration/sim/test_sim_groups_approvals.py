"""Groups, assignment fields and change approvals (sysapproval_approver) over HTTP."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from sim.servicenow import SimConfig, SimInstance

Client = TestClient[Any, Any]
Create = Callable[..., Awaitable[dict[str, Any]]]
Login = Callable[..., Awaitable[dict[str, str]]]
NETWORK = "287ebd7da9fe198100f92cc8d1d2154e"
ABEL = "62826bf03710200044e0bfc8bcbe5df1"
FRED = "5137153cc611227c000bbd1bd8cd2005"
BETH = "46d44a23a9fe19810012d100cca80666"
TRANSITION_REFUSED = (
    "Operation against file 'change_request' was aborted by Business Rule 'Change Model: "
    "Check State Transition^b9e1c3f1c3310010c1a3a1d4ed40dd6f'. Business Rule Stack:Change "
    "Model: Check State Transition"
)


async def test_groups_and_members(client: Client, headers: dict[str, str]) -> None:
    groups = await client.get(
        "/api/now/table/sys_user_group",
        params={"sysparm_query": "ORDERBYname", "sysparm_fields": "name,manager.user_name"},
        headers=headers,
    )
    assert (await groups.json())["result"] == [
        {"name": "CAB Approval", "manager.user_name": "fred.luddy"},
        {"name": "Network", "manager.user_name": "abel.tuter"},
        {"name": "Security Operations", "manager.user_name": "david.loo"},
        {"name": "Service Desk", "manager.user_name": "beth.anglin"},
    ]
    members = await client.get(
        "/api/now/table/sys_user_grmember",
        params={"sysparm_query": "group.name=Network", "sysparm_fields": "user.user_name"},
        headers=headers,
    )
    assert (await members.json())["result"] == [
        {"user.user_name": "abel.tuter"},
        {"user.user_name": "david.loo"},
    ]


async def test_assignment_reference_shapes(
    client: Client, headers: dict[str, str], create: Create
) -> None:
    made = await create("incident", {"assignment_group": "Network", "assigned_to": "abel.tuter"})
    base = str(client.make_url("")).rstrip("/")
    assert made["assignment_group"] == {
        "link": f"{base}/api/now/table/sys_user_group/{NETWORK}",
        "value": NETWORK,
    }
    assert made["assigned_to"]["value"] == ABEL
    url = f"/api/now/table/incident/{made['sys_id']}"
    shown = await client.get(url, params={"sysparm_display_value": "true"}, headers=headers)
    assert (await shown.json())["result"]["assignment_group"] == {
        "display_value": "Network",
        "link": f"{base}/api/now/table/sys_user_group/{NETWORK}",
    }
    both = await client.get(
        url,
        params={"sysparm_display_value": "all", "sysparm_exclude_reference_link": "true"},
        headers=headers,
    )
    assert (await both.json())["result"]["assigned_to"] == {
        "display_value": "Abel Tuter",
        "value": ABEL,
    }
    cleared = await client.patch(url, json={"assignment_group": ""}, headers=headers)
    assert (await cleared.json())["result"]["assignment_group"] == ""


async def approval_rows(
    client: Client, headers: dict[str, str], query: str, fields: str
) -> list[Any]:
    response = await client.get(
        "/api/now/table/sysapproval_approver",
        params={
            "sysparm_query": query,
            "sysparm_fields": fields,
            "sysparm_exclude_reference_link": "true",
        },
        headers=headers,
    )
    return list((await response.json())["result"])


async def approvals(client: Client, headers: dict[str, str], change_id: str) -> list[Any]:
    query = f"sysapproval={change_id}^ORDERBYsys_created_on"
    return await approval_rows(
        client, headers, query, "sys_id,approver,state,source_table,sysapproval"
    )


async def test_normal_change_moves_through_its_approvals(
    client: Client, headers: dict[str, str], create: Create, login: Login
) -> None:
    change = await create("change_request", {"assignment_group": "Network"})
    url = f"/api/now/table/change_request/{change['sys_id']}"
    assessed = await client.patch(url, json={"state": "-4"}, headers=headers)
    assert (await assessed.json())["result"]["approval"] == "requested"
    [assess] = await approvals(client, headers, change["sys_id"])
    assert (assess["approver"], assess["state"], assess["source_table"]) == (
        ABEL,
        "requested",
        "change_request",
    )
    assert assess["sysapproval"] == change["sys_id"]
    # Skipping the approval by hand is what the change model's business rule refuses.
    skipped = await client.patch(url, json={"state": "-3"}, headers=headers)
    assert skipped.status == 403
    assert (await skipped.json()) == {
        "error": {"message": "Operation Failed", "detail": TRANSITION_REFUSED},
        "status": "failure",
    }
    abel = await login("abel.tuter")
    approval_url = f"/api/now/table/sysapproval_approver/{assess['sys_id']}"
    approved = await client.patch(
        approval_url, json={"state": "approved", "comments": "Looks safe"}, headers=abel
    )
    assert approved.status == 200
    assert (await approved.json())["result"]["sys_updated_by"] == "abel.tuter"
    authorize = (await (await client.get(url, headers=headers)).json())["result"]
    assert (authorize["state"], authorize["approval"]) == ("-3", "requested")
    assert authorize["sys_updated_by"] == "abel.tuter"
    cab = [
        a for a in await approvals(client, headers, change["sys_id"]) if a["state"] == "requested"
    ]
    assert sorted(a["approver"] for a in cab) == sorted([FRED, BETH])

    for user in ("fred.luddy", "beth.anglin"):
        me = await login(user)
        mine = next(a for a in cab if a["approver"] == (FRED if user == "fred.luddy" else BETH))
        response = await client.patch(
            f"/api/now/table/sysapproval_approver/{mine['sys_id']}",
            json={"state": "approved"},
            headers=me,
        )
        assert response.status == 200
        state = (await (await client.get(url, headers=headers)).json())["result"]["state"]
        assert state == ("-3" if user == "fred.luddy" else "-2")  # every CAB member approves
    done = (await (await client.get(url, headers=headers)).json())["result"]
    assert (done["state"], done["approval"]) == ("-2", "approved")
    assert (await client.patch(url, json={"state": "-1"}, headers=headers)).status == 200


async def test_one_rejection_sends_the_change_back_to_new(
    client: Client, headers: dict[str, str], create: Create, login: Login
) -> None:
    change = await create("change_request", {"state": "-4"})  # no group: the CAB assesses
    url = f"/api/now/table/change_request/{change['sys_id']}"
    rows = await approvals(client, headers, change["sys_id"])
    assert sorted(r["approver"] for r in rows) == sorted([FRED, BETH])
    fred = await login("fred.luddy")
    mine = next(r for r in rows if r["approver"] == FRED)
    rejected = await client.patch(
        f"/api/now/table/sysapproval_approver/{mine['sys_id']}",
        json={"state": "rejected", "comments": "No backout plan"},
        headers=fred,
    )
    assert rejected.status == 200
    back = (await (await client.get(url, headers=headers)).json())["result"]
    assert (back["state"], back["approval"]) == ("-5", "rejected")
    states = {r["approver"]: r["state"] for r in await approvals(client, headers, change["sys_id"])}
    assert states == {FRED: "rejected", BETH: "not_required"}
    shown = await client.get(
        f"/api/now/table/sysapproval_approver/{mine['sys_id']}",
        params={"sysparm_display_value": "true", "sysparm_fields": "state,comments"},
        headers=fred,
    )
    body = (await shown.json())["result"]
    assert body["state"] == "Rejected"
    assert body["comments"].endswith("Fred Luddy (Additional comments)\nNo backout plan\n\n")
    # Resubmitting asks again.
    again = await client.patch(url, json={"state": "-4"}, headers=headers)
    assert (await again.json())["result"]["approval"] == "requested"
    assert len(await approvals(client, headers, change["sys_id"])) == 4


async def test_approver_reads_what_they_approve_and_writes_only_the_decision(
    client: Client, headers: dict[str, str], create: Create, login: Login
) -> None:
    change = await create("change_request", {"state": "-4"})
    fred = await login("fred.luddy")
    seen = await client.get(f"/api/now/table/change_request/{change['sys_id']}", headers=fred)
    assert seen.status == 200
    listed = await client.get("/api/now/table/sysapproval_approver", headers=fred)
    mine = (await listed.json())["result"]
    assert [r["approver"]["value"] for r in mine] == [FRED]
    approval_url = f"/api/now/table/sysapproval_approver/{mine[0]['sys_id']}"
    # Fields other than state and comments are dropped, as field ACLs do.
    moved = await client.patch(
        approval_url, json={"approver": BETH, "state": "approved"}, headers=fred
    )
    assert (await moved.json())["result"]["approver"]["value"] == FRED
    refused = await client.patch(
        f"/api/now/table/change_request/{change['sys_id']}", json={"state": "4"}, headers=fred
    )
    assert refused.status == 403
    beth_row = next(
        r for r in await approvals(client, headers, change["sys_id"]) if r["approver"] == BETH
    )
    other = await client.patch(
        f"/api/now/table/sysapproval_approver/{beth_row['sys_id']}",
        json={"state": "approved"},
        headers=fred,
    )
    assert other.status == 404  # not his: hidden


async def test_revert_to_new_cancels_open_approvals(
    client: Client, headers: dict[str, str], create: Create
) -> None:
    change = await create("change_request", {"state": "-4"})
    url = f"/api/now/table/change_request/{change['sys_id']}"
    reverted = await client.patch(url, json={"state": "-5"}, headers=headers)
    assert (await reverted.json())["result"]["approval"] == "not requested"
    states = {r["state"] for r in await approvals(client, headers, change["sys_id"])}
    assert states == {"cancelled"}


async def test_emergency_and_standard_changes(
    client: Client, headers: dict[str, str], create: Create
) -> None:
    emergency = await create("change_request", {"type": "emergency"})
    url = f"/api/now/table/change_request/{emergency['sys_id']}"
    assert (await client.patch(url, json={"state": "-4"}, headers=headers)).status == 403
    authorize = await client.patch(url, json={"state": "-3"}, headers=headers)
    assert (await authorize.json())["result"]["approval"] == "requested"
    assert len(await approvals(client, headers, emergency["sys_id"])) == 2
    standard = await create("change_request", {"type": "standard"})
    url = f"/api/now/table/change_request/{standard['sys_id']}"
    for state in ("-2", "-1", "0", "3"):
        payload = {"state": state}
        if state == "3":
            payload |= {"close_code": "successful", "close_notes": "done"}
        response = await client.patch(url, json=payload, headers=headers)
        assert response.status == 200, state
    assert await approvals(client, headers, standard["sys_id"]) == []
    closed = (await (await client.get(url, headers=headers)).json())["result"]
    assert (closed["active"], closed["approval"]) == ("false", "not requested")
    assert (await client.patch(url, json={"state": "4"}, headers=headers)).status == 403


async def test_control_api_decides_approvals(
    client: Client, create: Create, instance: SimInstance
) -> None:
    change = await create("change_request", {"state": "-4", "assignment_group": "Network"})
    number = change["number"]
    response = await client.post(
        f"/sim/tickets/{number}/approval", json={"state": "approved", "comments": "ok"}
    )
    assert response.status == 200
    body = await response.json()
    assert [a["state"] for a in body["approvals"]] == ["approved"]
    assert body["record"]["state"] == "-3"
    one = await client.post(
        f"/sim/tickets/{number}/approval", json={"state": "approved", "approver": "beth.anglin"}
    )
    assert (await one.json())["record"]["state"] == "-3"
    ticket = await (await client.get(f"/sim/tickets/{number}")).json()
    assert [a["state"] for a in ticket["approvals"]] == ["approved", "requested", "approved"]
    rejected = await client.post(f"/sim/tickets/{number}/approval", json={"state": "rejected"})
    assert (await rejected.json())["record"]["state"] == "-5"
    assert (
        await client.post(f"/sim/tickets/{number}/approval", json={"state": "approved"})
    ).status == 400
    assert (
        await client.post("/sim/tickets/CHG9999999/approval", json={"state": "approved"})
    ).status == 404
    instance.set_state(number, "-4")
    bad_state = await client.post(f"/sim/tickets/{number}/approval", json={"state": "maybe"})
    assert bad_state.status == 400


@pytest.mark.parametrize("config", [SimConfig(seed_demo_tickets=True)])
def test_auto_progress_approves_as_the_approvers(instance: SimInstance) -> None:
    for _ in range(3):
        instance.advance_tickets()
    found = instance.find_by_number("CHG0030001")
    assert found is not None
    assert (found[1]["state"], found[1]["approval"]) == ("-2", "approved")
    rows = instance.store.rows("sysapproval_approver")
    assert [r["sys_updated_by"] for r in rows] == ["abel.tuter", "fred.luddy", "beth.anglin"]
    assert {r["state"] for r in rows} == {"approved"}


async def test_approvals_of_several_changes_by_in_query(
    client: Client, headers: dict[str, str], create: Create
) -> None:
    """``sysapprovalIN…`` (SnowOps's look-up of moved changes' approvers) answers through
    the simulator's index: each change's approvals, in creation order, including ones
    requested after an earlier query made the index."""
    first = await create("change_request", {"assignment_group": "Network"})
    second = await create("change_request", {"assignment_group": "Network"})
    other = await create("change_request", {"assignment_group": "Network"})

    async def requested(*changes: dict[str, Any]) -> list[str]:
        ids = ",".join(c["sys_id"] for c in changes)
        query = f"sysapprovalIN{ids}^state=requested"
        return [
            a["sysapproval"] for a in await approval_rows(client, headers, query, "sysapproval")
        ]

    assert await requested(first, second) == []
    for change in (first, other, second):
        url = f"/api/now/table/change_request/{change['sys_id']}"
        assert (await client.patch(url, json={"state": "-4"}, headers=headers)).status == 200
    assert await requested(first, second) == [first["sys_id"], second["sys_id"]]
    assert await requested(other) == [other["sys_id"]]
    back = f"/api/now/table/change_request/{first['sys_id']}"
    assert (await client.patch(back, json={"state": "-5"}, headers=headers)).status == 200
    assert await requested(first, second) == [second["sys_id"]]  # first's were cancelled
