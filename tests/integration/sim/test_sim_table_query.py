"""Table API list queries over HTTP: operators, fields, pagination headers."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from sim.servicenow import SimInstance

Client = TestClient[Any, Any]


@pytest.fixture
async def tickets(create: Any, instance: SimInstance) -> list[dict[str, Any]]:
    """Three incidents one minute apart, with distinct correlation ids and urgencies."""
    made = []
    for n, (urgency, corr) in enumerate([("1", "snowops:t1:a"), ("2", "snowops:t2:b"), ("3", "")]):
        made.append(
            await create(
                "incident",
                {"short_description": f"ticket {n}", "urgency": urgency, "correlation_id": corr},
            )
        )
        instance.advance_clock(60)
    return made


async def numbers(client: Client, headers: dict[str, str], **params: str) -> list[str]:
    response = await client.get("/api/now/table/incident", params=params, headers=headers)
    assert response.status == 200
    return [r["number"] for r in (await response.json())["result"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("urgency=2", ["INC0010002"]),
        ("urgency!=2", ["INC0010001", "INC0010003"]),
        ("correlation_idSTARTSWITHsnowops:t1", ["INC0010001"]),
        ("urgencyIN1,3", ["INC0010001", "INC0010003"]),
        ("priority<4", ["INC0010001"]),
        ("priority<=4", ["INC0010001", "INC0010002"]),
        ("priority>4", ["INC0010003"]),
        ("priority>=4", ["INC0010002", "INC0010003"]),
        ("correlation_idISEMPTY", ["INC0010003"]),
        ("correlation_idISNOTEMPTY", ["INC0010001", "INC0010002"]),
        ("urgency=1^ORurgency=3", ["INC0010001", "INC0010003"]),
        ("correlation_idSTARTSWITHsnowops:^urgency=2", ["INC0010002"]),
        ("ORDERBYDESCnumber", ["INC0010003", "INC0010002", "INC0010001"]),
        ("ORDERBYpriority^ORDERBYnumber", ["INC0010001", "INC0010002", "INC0010003"]),
        ("bogus_field=1^urgency=3", ["INC0010003"]),
        ("caller_id.email=nobody@example.com", []),
    ],
)
async def test_operators_over_http(
    client: Client,
    headers: dict[str, str],
    tickets: list[dict[str, Any]],
    query: str,
    expected: list[str],
) -> None:
    assert await numbers(client, headers, sysparm_query=query) == expected


async def test_sync_query_on_updated_watermark(
    client: Client, headers: dict[str, str], tickets: list[dict[str, Any]]
) -> None:
    watermark = tickets[1]["sys_updated_on"]
    query = f"correlation_idSTARTSWITHsnowops:^sys_updated_on>={watermark}^ORDERBYsys_updated_on"
    assert await numbers(client, headers, sysparm_query=query) == ["INC0010002"]
    query = f"sys_updated_on>{watermark}"
    assert await numbers(client, headers, sysparm_query=query) == ["INC0010003"]


async def test_plain_field_parameters_filter(
    client: Client, headers: dict[str, str], tickets: list[dict[str, Any]]
) -> None:
    assert await numbers(client, headers, urgency="3") == ["INC0010003"]


async def test_sysparm_fields(
    client: Client, headers: dict[str, str], tickets: list[dict[str, Any]]
) -> None:
    response = await client.get(
        "/api/now/table/incident",
        params={"sysparm_fields": "number,sys_mod_count,not_a_field", "sysparm_limit": "1"},
        headers=headers,
    )
    assert (await response.json())["result"] == [{"number": "INC0010001", "sys_mod_count": "0"}]


async def test_pagination_headers_match_the_recording(
    client: Client, headers: dict[str, str], tickets: list[dict[str, Any]]
) -> None:
    response = await client.get(
        "/api/now/v2/table/incident",
        params={"sysparm_query": "active=true", "sysparm_limit": "1"},
        headers=headers,
    )
    assert response.headers["X-Total-Count"] == "3"
    base = str(client.make_url("/api/now/v2/table/incident"))
    page = f"{base}?sysparm_query=active%3Dtrue&sysparm_limit=1&sysparm_offset="
    assert response.headers["Link"] == (
        f'<{page}0>;rel="first",<{page}-1>;rel="prev",<{page}1>;rel="next",<{page}2>;rel="last"'
    )
    assert [r["number"] for r in (await response.json())["result"]] == ["INC0010001"]

    last = await client.get(
        "/api/now/v2/table/incident",
        params={"sysparm_query": "active=true", "sysparm_limit": "1", "sysparm_offset": "2"},
        headers=headers,
    )
    assert last.headers["Link"] == (
        f'<{page}0>;rel="first",<{page}1>;rel="prev",<{page}2>;rel="last"'
    )
    assert [r["number"] for r in (await last.json())["result"]] == ["INC0010003"]


async def test_pagination_with_larger_pages(
    client: Client, headers: dict[str, str], tickets: list[dict[str, Any]]
) -> None:
    response = await client.get(
        "/api/now/table/incident",
        params={"sysparm_limit": "2", "sysparm_offset": "2"},
        headers=headers,
    )
    links = response.headers["Link"].split(",<")
    assert [link.rsplit(";", 1)[1] for link in links] == ['rel="first"', 'rel="prev"', 'rel="last"']
    assert "sysparm_offset=0>" in links[1]
    assert "sysparm_offset=2>" in links[2]
    assert len((await response.json())["result"]) == 1


async def test_empty_result_and_suppressed_pagination(
    client: Client, headers: dict[str, str]
) -> None:
    response = await client.get(
        "/api/now/table/incident",
        params={"sysparm_suppress_pagination_header": "true"},
        headers=headers,
    )
    assert await response.json() == {"result": []}
    assert response.headers["X-Total-Count"] == "0"
    assert "Link" not in response.headers


async def test_current_user_script_values_resolve_to_the_token_user(
    client: Client, headers: dict[str, str]
) -> None:
    for query in ("sys_id=javascript:gs.getUserID()", "user_name=javascript:gs.getUserName()"):
        response = await client.get(
            "/api/now/table/sys_user",
            params={"sysparm_query": query, "sysparm_fields": "user_name"},
            headers=headers,
        )
        assert (await response.json())["result"] == [{"user_name": "snowops.integration"}]


async def test_a_repeated_query_sees_every_write_between(
    client: Client, headers: dict[str, str], create: Any, tickets: list[dict[str, Any]]
) -> None:
    """The rows a correlation prefix narrows to are kept between writes (pollers repeat the
    query): an insert, a move out of the prefix and a delete each show at once, on the
    ticket's table and on ``task``."""
    query = {"sysparm_query": "correlation_idSTARTSWITHsnowops:t1^ORDERBYnumber"}
    assert await numbers(client, headers, **query) == ["INC0010001"]
    assert await numbers(client, headers, **query) == ["INC0010001"]  # served again
    await create("incident", {"short_description": "new", "correlation_id": "snowops:t1:z"})
    assert await numbers(client, headers, **query) == ["INC0010001", "INC0010004"]
    moved = await client.patch(
        f"/api/now/table/incident/{tickets[0]['sys_id']}",
        json={"correlation_id": "elsewhere:1"},
        headers=headers,
    )
    assert moved.status == 200
    assert await numbers(client, headers, **query) == ["INC0010004"]
    task = await client.get("/api/now/table/task", params=query, headers=headers)
    assert [r["number"] for r in (await task.json())["result"]] == ["INC0010004"]
    newest = (
        await (
            await client.get(
                "/api/now/table/incident",
                params={"sysparm_query": "number=INC0010004"},
                headers=headers,
            )
        ).json()
    )["result"][0]
    gone = await client.delete(f"/api/now/table/incident/{newest['sys_id']}", headers=headers)
    assert gone.status == 204
    assert await numbers(client, headers, **query) == []
    task = await client.get("/api/now/table/task", params=query, headers=headers)
    assert (await task.json())["result"] == []
