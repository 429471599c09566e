"""The UI pages behind "Open in ServiceNow" links: records, new-record forms, lists."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from html import unescape
from typing import Any
from urllib.parse import quote

from aiohttp.test_utils import TestClient

from sim.servicenow import Fault, SimInstance

Client = TestClient[Any, Any]
Create = Callable[..., Awaitable[dict[str, Any]]]


def field(html: str, name: str) -> str:
    match = re.search(rf'<td data-field="{name}">(.*?)</td>', html, re.S)
    assert match, name
    return unescape(match.group(1))


def input_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="(.*?)"/>', html, re.S)
    assert match, name
    return unescape(match.group(1))


async def test_record_page_shows_the_record(
    client: Client, create: Create, headers: dict[str, str]
) -> None:
    made = await create(
        "incident",
        {
            "short_description": "Email <b>down</b>",
            "assignment_group": "Service Desk",
            "comments": "Users cannot send",
        },
    )
    response = await client.get(f"/incident.do?sys_id={made['sys_id']}")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/html;charset=UTF-8"
    html = await response.text()
    assert f"<title>Incident {made['number']}</title>" in html
    assert field(html, "short_description") == "Email <b>down</b>"
    assert "<b>down</b>" not in html  # escaped
    assert field(html, "assignment_group") == "Service Desk"
    assert field(html, "state") == "New"
    assert "(Additional comments)\nUsers cannot send" in unescape(html)
    assert ">Resolution code</th>" in html


async def test_new_record_form_is_prefilled_as_typed(client: Client) -> None:
    query = "short_description=Rotate the TLS cert^caller_id=abel.tuter^u_nope=1^priority=1"
    response = await client.get(f"/incident.do?sys_id=-1&sysparm_query={quote(query)}")
    assert response.status == 200
    html = await response.text()
    assert input_value(html, "short_description") == "Rotate the TLS cert"
    assert input_value(html, "caller_id") == "abel.tuter"
    assert 'name="u_nope"' not in html
    assert 'name="priority"' not in html  # read-only on incidents
    assert input_value(html, "description") == ""
    # Values stay exactly as typed, odd characters included.
    odd = "short_description=50% off & <free>"
    page = await client.get(f"/change_request.do?sys_id=-1&sysparm_query={quote(odd)}")
    assert input_value(await page.text(), "short_description") == "50% off & <free>"
    bare = await client.get("/problem.do")
    assert "Problem - New record" in await bare.text()


async def test_list_page_links_records(client: Client, create: Create) -> None:
    first = await create("incident", {"short_description": "one", "category": "network"})
    await create("incident", {"short_description": "two"})
    response = await client.get(
        "/incident_list.do", params={"sysparm_query": "category=network^ORDERBYnumber"}
    )
    html = await response.text()
    assert "<p>1 records</p>" in html
    assert f'href="/incident.do?sys_id={first["sys_id"]}"' in html


async def test_missing_records_and_tables(client: Client) -> None:
    missing = await client.get("/incident.do?sys_id=0123456789abcdef0123456789abcdef")
    assert missing.status == 404
    assert "Record not found" in await missing.text()
    table = await client.get("/u_nothing.do?sys_id=-1")
    assert table.status == 404
    assert "Invalid table u_nothing" in await table.text()


async def test_pages_are_logged_and_never_faulted(
    client: Client, create: Create, instance: SimInstance
) -> None:
    made = await create("incident", {})
    instance.inject_fault(Fault(status=503, scope="all", count=5))
    response = await client.get(f"/incident.do?sys_id={made['sys_id']}")
    assert response.status == 200
    assert response.headers["Server"] == "ServiceNow"
    assert ("GET", f"/incident.do?sys_id={made['sys_id']}") in instance.request_log
    assert instance.faults[0].count == 5
