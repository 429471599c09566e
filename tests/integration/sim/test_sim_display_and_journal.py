"""Display-value modes for references and choices, and journal fields (comments/work notes)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from sim.servicenow import SimInstance

Client = TestClient[Any, Any]
ABEL = "62826bf03710200044e0bfc8bcbe5df1"


@pytest.fixture
async def incident(create: Any) -> dict[str, Any]:
    """An In Progress incident whose caller is Abel Tuter (written by user_name)."""
    return dict(
        await create(
            "incident",
            {"short_description": "x", "caller_id": "abel.tuter", "impact": "2", "state": "2"},
        )
    )


async def fetch(
    client: Client, headers: dict[str, str], sys_id: str, version: str = "", **params: str
) -> dict[str, Any]:
    prefix = f"/api/now/{version}/table" if version else "/api/now/table"
    response = await client.get(f"{prefix}/incident/{sys_id}", params=params, headers=headers)
    assert response.status == 200
    return dict((await response.json())["result"])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"link": "{base}/api/now/table/sys_user/" + ABEL, "value": ABEL}),
        ({"sysparm_exclude_reference_link": "true"}, ABEL),
        (
            {"sysparm_display_value": "true"},
            {"display_value": "Abel Tuter", "link": "{base}/api/now/table/sys_user/" + ABEL},
        ),
        (
            {"sysparm_display_value": "true", "sysparm_exclude_reference_link": "true"},
            "Abel Tuter",
        ),
        (
            {"sysparm_display_value": "all"},
            {
                "display_value": "Abel Tuter",
                "link": "{base}/api/now/table/sys_user/" + ABEL,
                "value": ABEL,
            },
        ),
        (
            {"sysparm_display_value": "all", "sysparm_exclude_reference_link": "true"},
            {"display_value": "Abel Tuter", "value": ABEL},
        ),
    ],
)
async def test_reference_field_modes(
    client: Client,
    headers: dict[str, str],
    incident: dict[str, Any],
    params: dict[str, str],
    expected: Any,
) -> None:
    base = str(client.make_url("")).rstrip("/")
    if isinstance(expected, dict):
        expected = {k: v.format(base=base) for k, v in expected.items()}
    record = await fetch(client, headers, incident["sys_id"], **params)
    assert record["caller_id"] == expected
    assert record["assigned_to"] == (
        {"display_value": "", "value": ""} if params.get("sysparm_display_value") == "all" else ""
    )


async def test_links_follow_the_request_version(
    client: Client, headers: dict[str, str], incident: dict[str, Any]
) -> None:
    record = await fetch(client, headers, incident["sys_id"], "v2")
    assert "/api/now/v2/table/sys_user/" in record["caller_id"]["link"]
    record = await fetch(client, headers, incident["sys_id"], "v1")
    assert "/api/now/v1/table/sys_user/" in record["caller_id"]["link"]


async def test_choice_labels(
    client: Client, headers: dict[str, str], incident: dict[str, Any]
) -> None:
    shown = await fetch(client, headers, incident["sys_id"], sysparm_display_value="true")
    assert (shown["state"], shown["priority"], shown["impact"]) == (
        "In Progress",
        "4 - Low",
        "2 - Medium",
    )
    assert shown["sys_created_on"] == incident["sys_created_on"]  # dates stay UTC
    both = await fetch(client, headers, incident["sys_id"], sysparm_display_value="all")
    assert both["state"] == {"display_value": "In Progress", "value": "2"}
    assert both["number"] == {"display_value": "INC0010001", "value": "INC0010001"}


async def test_dot_walked_field(
    client: Client, headers: dict[str, str], incident: dict[str, Any]
) -> None:
    record = await fetch(
        client, headers, incident["sys_id"], sysparm_fields="number,caller_id.email"
    )
    assert record == {"number": "INC0010001", "caller_id.email": "abel.tuter@example.com"}


async def test_journal_entries(
    client: Client, headers: dict[str, str], incident: dict[str, Any], instance: SimInstance
) -> None:
    url = f"/api/now/table/incident/{incident['sys_id']}"
    await client.patch(url, json={"comments": "First comment"}, headers=headers)
    instance.advance_clock(5)
    response = await client.patch(
        url, json={"work_notes": "Internal note", "comments": ""}, headers=headers
    )
    record = (await response.json())["result"]
    assert record["sys_mod_count"] == "2"
    assert record["comments"] == record["work_notes"] == ""
    instance.advance_clock(5)
    entry = instance.add_journal("INC0010001", "Agent reply")
    assert entry["sys_created_by"] == "beth.anglin"

    query = (
        f"element_id={incident['sys_id']}^element=work_notes^ORelement=comments"
        "^ORDERBYDESCsys_created_on"
    )
    journal = await client.get(
        "/api/now/table/sys_journal_field", params={"sysparm_query": query}, headers=headers
    )
    rows = (await journal.json())["result"]
    assert [r["value"] for r in rows] == ["Agent reply", "Internal note", "First comment"]
    assert list(rows[0]) == [
        "sys_id",
        "sys_created_on",
        "name",
        "element_id",
        "sys_tags",
        "value",
        "sys_created_by",
        "element",
    ]
    assert rows[1]["element"] == "work_notes"
    assert rows[2]["sys_created_by"] == "snowops.integration"
    assert rows[2]["name"] == "incident"

    shown = await fetch(client, headers, incident["sys_id"], sysparm_display_value="true")
    t_first, t_note, t_reply = (r["sys_created_on"] for r in reversed(rows))
    assert shown["comments"] == (
        f"{t_reply} - Beth Anglin (Additional comments)\nAgent reply\n\n"
        f"{t_first} - SnowOps Integration (Additional comments)\nFirst comment\n\n"
    )
    assert shown["work_notes"] == (
        f"{t_note} - SnowOps Integration (Work notes)\nInternal note\n\n"
    )
    assert shown["comments_and_work_notes"].startswith(f"{t_reply} - Beth Anglin")
    both = await fetch(client, headers, incident["sys_id"], sysparm_display_value="all")
    assert both["work_notes"]["value"] == ""
    assert both["sys_mod_count"]["value"] == "3"


async def test_journal_on_insert(create: Any, instance: SimInstance) -> None:
    record = await create("change_request", {"short_description": "c", "work_notes": "planned"})
    rows = instance.store.rows("sys_journal_field")
    assert [(r["element_id"], r["name"], r["value"]) for r in rows] == [
        (record["sys_id"], "change_request", "planned")
    ]
