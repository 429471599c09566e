"""The token endpoint takes the client's credentials in an HTTP Basic header too (RFC 6749
§2.3.1), which is how ServiceNow's own Python client, pysnc, signs in; pysnc end to end."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest
from aiohttp.test_utils import TestClient, TestServer

from sim.servicenow import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    SimConfig,
    SimInstance,
    build_sim_app,
)
from sim.servicenow.users import DEMO_PASSWORD
from tests.fakes.tls import self_signed

Client = TestClient[Any, Any]
DENIED = b'{"error_description":"access_denied","error":"server_error"}'


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


async def test_password_grant_with_basic_client_credentials(client: Client) -> None:
    response = await client.post(
        "/oauth_token.do",
        data={"grant_type": "password", "username": DEFAULT_USERNAME, "password": DEFAULT_PASSWORD},
        headers=basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    assert list(body) == ["access_token", "refresh_token", "scope", "token_type", "expires_in"]
    refreshed = await client.post(
        "/oauth_token.do",
        data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
        headers=basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
    )
    assert refreshed.status == 200
    same = await client.post(  # the id in the body too, agreeing with the header
        "/oauth_token.do",
        data={
            "grant_type": "password",
            "client_id": DEFAULT_CLIENT_ID,
            "username": DEFAULT_USERNAME,
            "password": DEFAULT_PASSWORD,
        },
        headers=basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
    )
    assert same.status == 200


@pytest.mark.parametrize(
    ("headers", "extra"),
    [
        (basic(DEFAULT_CLIENT_ID, "wrong"), {}),
        (basic("someone-else", DEFAULT_CLIENT_SECRET), {}),
        (basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET), {"client_id": "another"}),
        (basic(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET), {"client_secret": "another"}),
        ({"Authorization": "Basic not-base64!"}, {}),
        ({"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()}, {}),
    ],
)
async def test_bad_basic_client_credentials_are_denied(
    client: Client, headers: dict[str, str], extra: dict[str, str]
) -> None:
    data = {
        "grant_type": "password",
        "username": DEFAULT_USERNAME,
        "password": DEFAULT_PASSWORD,
        **extra,
    }
    response = await client.post("/oauth_token.do", data=data, headers=headers)
    assert (response.status, await response.read()) == (401, DENIED)


async def test_basic_credentials_are_form_decoded() -> None:
    secret = "s3cr:t+&/é"
    instance = SimInstance(SimConfig(client_secret=secret))
    async with TestClient(TestServer(build_sim_app(instance))) as client:
        response = await client.post(
            "/oauth_token.do",
            data={"grant_type": "password", "username": "beth.anglin", "password": DEMO_PASSWORD},
            headers=basic(DEFAULT_CLIENT_ID, secret),
        )
        assert response.status == 200


async def test_pysnc_signs_in_and_reads_a_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pysnc = pytest.importorskip("pysnc")
    pytest.importorskip("requests_oauthlib")  # pysnc's `oauth` extra
    context, ca_file = self_signed(tmp_path)
    # requests prefers these to the session's `verify`: trust the test's certificate there.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca_file))
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    instance = SimInstance(SimConfig(seed_demo_tickets=True))
    server = TestServer(build_sim_app(instance), host="127.0.0.1")
    await server.start_server(ssl=context)
    url = str(server.make_url("")).rstrip("/")
    assert url.startswith("https://")  # pysnc refuses plain http instances
    found = instance.find_by_number("INC0010001")
    assert found is not None
    instance.request_log.clear()

    def read() -> tuple[str, str, str]:
        flow = pysnc.ServiceNowPasswordGrantFlow(
            "beth.anglin", DEMO_PASSWORD, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
        )
        client = pysnc.ServiceNowClient(url, flow, verify=str(ca_file))
        record = client.GlideRecord("incident")
        assert record.get(found[1]["sys_id"])
        number = str(record.get_value("number"))
        caller = str(record.get_display_value("caller_id"))
        query = client.GlideRecord("incident")
        query.add_query("number", "INC0010002")
        query.query()
        assert query.next()
        other = str(query.get_value("short_description"))
        # The parent table: every class's rows, each with its class.
        tasks = client.GlideRecord("task")
        tasks.add_query("sys_class_name", "IN", "incident,change_request")
        tasks.query()
        classes = set()
        while tasks.next():
            classes.add(str(tasks.get_value("sys_class_name")))
        client.session.close()
        assert classes == {"incident", "change_request"}
        return number, caller, other

    try:
        number, caller, other = await asyncio.to_thread(read)
    finally:
        await server.close()
    assert (number, caller, other) == ("INC0010001", "Abel Tuter", "VPN drops every hour")
    assert instance.request_log[0] == ("POST", "/oauth_token.do")
    token = next(iter(instance.tokens.tokens.values()))
    assert instance.user_by_sys_id(token.user_sys_id)["user_name"] == "beth.anglin"  # type: ignore[index]
