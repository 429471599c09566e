"""Working tickets as yourself: per-user sign-in, the acting user on every write, ACLs,
journals written by PATCH, resolving (data policy) and reopening."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp.test_utils import TestClient

from sim.servicenow import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, SimInstance
from sim.servicenow.users import DEMO_PASSWORD

Client = TestClient[Any, Any]
Create = Callable[..., Awaitable[dict[str, Any]]]
Login = Callable[..., Awaitable[dict[str, str]]]
REDIRECT = "http://127.0.0.1:8080/oauth/callback"
BETH = "46d44a23a9fe19810012d100cca80666"
JOE = "681ccaf9c0a8016400b98a06818d57c7"
INSUFFICIENT = (
    b'{"error":{"message":"Insufficient rights","detail":"Insufficient rights to query '
    b'records"},"status":"failure"}'
)
NO_RECORD = (
    b'{"error":{"message":"No Record found","detail":"Record doesn\'t exist or ACL restricts '
    b'the record retrieval"},"status":"failure"}'
)
DATA_POLICY = (
    b'{"error":{"message":"Operation Failed","detail":"Data Policy Exception: \\n\\tThe '
    b'following fields are mandatory: Resolution code, Close notes"},"status":"failure"}'
)


def acl_body(verb: str) -> bytes:
    return (
        b'{"error":{"message":"Operation Failed","detail":"ACL Exception '
        + verb.encode()
        + b' Failed due to security constraints"},"status":"failure"}'
    )


async def sign_in(client: Client, user_name: str, password: str = DEMO_PASSWORD) -> str:
    """The authorization-code grant through the login page, as a browser and bot do it."""
    params = {
        "response_type": "code",
        "client_id": DEFAULT_CLIENT_ID,
        "redirect_uri": REDIRECT,
        "state": "s1",
    }
    page = await client.get("/oauth_auth.do", params=params)
    assert page.status == 200
    assert 'name="username"' in await page.text()
    answer = await client.post(
        "/oauth_auth.do",
        data={**params, "username": user_name, "password": password, "action": "allow"},
        allow_redirects=False,
    )
    assert answer.status == 302, await answer.text()
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    token = await client.post(
        "/oauth_token.do",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
        },
    )
    assert token.status == 200
    return str((await token.json())["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "Accept": "application/json",
        "Content-Type": "application/json",
    }


@pytest.mark.parametrize("user", ["beth.anglin", "david.loo", "fred.luddy", "joe.employee"])
async def test_every_demo_user_signs_in_on_the_authorize_page(client: Client, user: str) -> None:
    token = await sign_in(client, user)
    me = await client.get(
        "/api/now/table/sys_user",
        params={"sysparm_query": "sys_id=javascript:gs.getUserID()"},
        headers=bearer(token),
    )
    assert [r["user_name"] for r in (await me.json())["result"]] == [user]


async def test_wrong_password_stays_on_the_login_page(client: Client) -> None:
    params = {
        "response_type": "code",
        "client_id": DEFAULT_CLIENT_ID,
        "redirect_uri": REDIRECT,
        "state": "s1",
    }
    answer = await client.post(
        "/oauth_auth.do",
        data={**params, "username": "beth.anglin", "password": "nope", "action": "allow"},
        allow_redirects=False,
    )
    assert answer.status == 200
    assert "User name or password invalid" in await answer.text()


async def test_writes_record_the_signed_in_user(
    client: Client, create: Create, headers: dict[str, str]
) -> None:
    made = await create("incident", {"short_description": "Printer on fire"})
    beth = bearer(await sign_in(client, "beth.anglin"))
    url = f"/api/now/table/incident/{made['sys_id']}"
    response = await client.patch(
        url,
        json={"state": "2", "comments": "On my way", "work_notes": "Bring extinguisher"},
        headers=beth,
    )
    assert response.status == 200
    record = (await response.json())["result"]
    assert (record["sys_updated_by"], record["sys_mod_count"]) == ("beth.anglin", "1")
    assert record["sys_created_by"] == "snowops.integration"
    journal = await client.get(
        "/api/now/table/sys_journal_field",
        params={"sysparm_query": f"element_id={made['sys_id']}^ORDERBYelement"},
        headers=headers,  # the integration user: itil and audit_viewer
    )
    rows = (await journal.json())["result"]
    assert [(r["element"], r["value"], r["sys_created_by"]) for r in rows] == [
        ("comments", "On my way", "beth.anglin"),
        ("work_notes", "Bring extinguisher", "beth.anglin"),
    ]
    assert all(r["name"] == "incident" for r in rows)
    shown = await client.get(url, params={"sysparm_display_value": "true"}, headers=beth)
    text = (await shown.json())["result"]["comments"]
    assert text.endswith(" - Beth Anglin (Additional comments)\nOn my way\n\n")


async def test_resolving_needs_close_info_and_reopening_counts(
    client: Client, create: Create, login: Login
) -> None:
    made = await create("incident", {"short_description": "VPN"})
    beth = await login("beth.anglin")
    url = f"/api/now/table/incident/{made['sys_id']}"
    refused = await client.patch(url, json={"state": "6"}, headers=beth)
    assert refused.status == 403
    assert await refused.read() == DATA_POLICY
    only_code = await client.patch(
        url, json={"state": "6", "close_code": "Solution provided"}, headers=beth
    )
    assert (await only_code.json())["error"]["detail"].endswith("mandatory: Close notes")
    resolved = await client.patch(
        url,
        json={"state": "6", "close_code": "Solution provided", "close_notes": "Reset token"},
        headers=beth,
    )
    body = (await resolved.json())["result"]
    assert (body["state"], body["resolved_by"]["value"], body["reopen_count"]) == ("6", BETH, "0")
    reopened = await client.patch(url, json={"state": "2"}, headers=beth)
    body = (await reopened.json())["result"]
    assert (body["state"], body["incident_state"], body["reopen_count"]) == ("2", "2", "1")
    assert (body["resolved_at"], body["resolved_by"], body["active"]) == ("", "", "true")


async def test_user_without_itil_cannot_write_tickets(
    client: Client, create: Create, login: Login
) -> None:
    made = await create("incident", {"short_description": "x"})
    joe = await login("joe.employee")
    created = await client.post(
        "/api/now/table/incident", json={"short_description": "y"}, headers=joe
    )
    assert created.status == 403
    assert await created.read() == acl_body("Insert")
    change = await client.post("/api/now/table/change_request", json={}, headers=joe)
    assert await change.read() == acl_body("Insert")
    url = f"/api/now/table/incident/{made['sys_id']}"
    # Someone else's incident is invisible: 404, as for a missing record.
    hidden = await client.patch(url, json={"state": "2"}, headers=joe)
    assert (hidden.status, await hidden.read()) == (404, NO_RECORD)
    gone = await client.delete(url, headers=joe)
    assert gone.status == 404


async def test_caller_reads_and_comments_on_own_incident_only(
    client: Client, create: Create, login: Login, instance: SimInstance
) -> None:
    mine = await create("incident", {"short_description": "Mine", "caller_id": "joe.employee"})
    theirs = await create("incident", {"short_description": "Theirs"})
    joe = await login("joe.employee")
    listed = await client.get("/api/now/table/incident", params={"sysparm_limit": "1"}, headers=joe)
    # The limit and the count come before ACLs: page one holds Joe's, the total counts both.
    assert listed.headers["X-Total-Count"] == "2"
    assert [r["number"] for r in (await listed.json())["result"]] == [mine["number"]]
    page_two = await client.get(
        "/api/now/table/incident", params={"sysparm_limit": "1", "sysparm_offset": "1"}, headers=joe
    )
    assert (await page_two.json())["result"] == []
    other = await client.get(f"/api/now/table/incident/{theirs['sys_id']}", headers=joe)
    assert (other.status, await other.read()) == (404, NO_RECORD)

    url = f"/api/now/table/incident/{mine['sys_id']}"
    commented = await client.patch(
        url, json={"comments": "Still broken", "state": "6"}, headers=joe
    )
    assert commented.status == 200
    record = (await commented.json())["result"]
    assert (record["state"], record["sys_updated_by"]) == ("1", "joe.employee")
    entry = instance.store.rows("sys_journal_field")[-1]
    assert (entry["value"], entry["sys_created_by"]) == ("Still broken", "joe.employee")
    refused = await client.patch(url, json={"state": "2"}, headers=joe)
    assert await refused.read() == acl_body("Update")


async def test_tables_a_user_may_not_query(client: Client, login: Login) -> None:
    joe, beth = await login("joe.employee"), await login("beth.anglin")
    for table in ("problem", "sys_journal_field", "sn_si_incident"):
        response = await client.get(f"/api/now/table/{table}", headers=joe)
        assert (response.status, await response.read()) == (403, INSUFFICIENT), table
    # itil without audit_viewer reads comments through the record, not sys_journal_field.
    journal = await client.get("/api/now/table/sys_journal_field", headers=beth)
    assert journal.status == 403
    assert (await client.get("/api/now/table/sn_si_incident", headers=beth)).status == 403
    for table in ("sys_user", "sys_choice", "sys_user_group", "cmdb_ci", "sys_dictionary"):
        assert (await client.get(f"/api/now/table/{table}", headers=joe)).status == 200, table


async def test_roles_are_records(client: Client, login: Login, headers: dict[str, str]) -> None:
    response = await client.get(
        "/api/now/table/sys_user_has_role",
        params={
            "sysparm_query": "user.user_name=david.loo^ORDERBYrole.name",
            "sysparm_fields": "role.name,state",
        },
        headers=headers,
    )
    assert (await response.json())["result"] == [
        {"role.name": "itil", "state": "active"},
        {"role.name": "sn_si.analyst", "state": "active"},
    ]
    joe = await login("joe.employee")
    own = await client.get("/api/now/table/sys_user_has_role", headers=joe)
    assert (await own.json())["result"] == []


async def test_control_api_adds_a_user_who_can_sign_in(
    client: Client, instance: SimInstance
) -> None:
    response = await client.post(
        "/sim/users",
        json={
            "user_name": "nina.night",
            "password": "night-shift",
            "first_name": "Nina",
            "last_name": "Night",
            "roles": ["itil"],
            "groups": ["Service Desk"],
        },
    )
    assert response.status == 200
    user = (await response.json())["user"]
    assert (user["name"], user["email"]) == ("Nina Night", "nina.night@example.com")
    listed = {u["user_name"]: u for u in (await (await client.get("/sim/users")).json())["users"]}
    assert (listed["nina.night"]["roles"], listed["nina.night"]["groups"]) == (
        ["itil"],
        ["Service Desk"],
    )
    assert listed["fred.luddy"]["roles"] == ["approver_user"]
    token = await sign_in(client, "nina.night", "night-shift")
    made = await client.post(
        "/api/now/table/incident", json={"short_description": "night"}, headers=bearer(token)
    )
    assert (await made.json())["result"]["sys_created_by"] == "nina.night"
    assert (await client.post("/sim/users", json={"user_name": "x"})).status == 400
    bad_group = {"user_name": "y", "password": "p", "groups": ["Nope"]}
    assert (await client.post("/sim/users", json=bad_group)).status == 404
    assert instance.authenticate("nina.night", "night-shift") is not None


async def test_dates_stay_utc_for_every_user(client: Client, login: Login) -> None:
    beth = await login("beth.anglin")
    response = await client.post("/api/now/table/incident", json={}, headers=beth)
    record = (await response.json())["result"]
    date_header = response.headers["Date"]  # e.g. "Mon, 07 Aug 2023 10:59:39 GMT"
    assert record["sys_created_on"][11:] == date_header.split(" ")[4]
    assert record["opened_at"] == record["sys_created_on"]
    shown = await client.get(
        f"/api/now/table/incident/{record['sys_id']}",
        params={"sysparm_display_value": "all", "sysparm_fields": "sys_created_on"},
        headers=beth,
    )
    pair = (await shown.json())["result"]["sys_created_on"]
    assert pair == {"display_value": record["sys_created_on"], "value": record["sys_created_on"]}
