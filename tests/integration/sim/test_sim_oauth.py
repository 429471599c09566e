"""OAuth over HTTP: authorization code + PKCE via the HTML form, every grant, refresh, revoke."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

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

Client = TestClient[Any, Any]
REDIRECT = "http://127.0.0.1:8080/oauth/callback"
DENIED = b'{"error_description":"access_denied","error":"server_error"}'
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" * 2
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{86}")


def challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(**overrides: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": DEFAULT_CLIENT_ID,
        "redirect_uri": REDIRECT,
        "state": "xyz-state",
        "code_challenge": challenge(VERIFIER),
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v}


async def approve(
    client: Client,
    params: dict[str, str],
    username: str = DEFAULT_USERNAME,
    password: str = DEFAULT_PASSWORD,
) -> str:
    """Post the login + consent form as a browser would; return the code from the redirect."""
    response = await client.post(
        "/oauth_auth.do",
        data={**params, "username": username, "password": password, "action": "allow"},
        allow_redirects=False,
    )
    assert response.status == 302, await response.text()
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["state"] == [params["state"]]
    return query["code"][0]


async def exchange(client: Client, code: str, **extra: str) -> Any:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": DEFAULT_CLIENT_ID,
        **extra,
    }
    return await client.post("/oauth_token.do", data=data)


async def password_grant(client: Client, **overrides: str) -> Any:
    data = {
        "grant_type": "password",
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
        "username": DEFAULT_USERNAME,
        "password": DEFAULT_PASSWORD,
        **overrides,
    }
    return await client.post("/oauth_token.do", data=data)


def assert_token_body(raw: bytes, body: dict[str, Any], *, refresh: bool = True) -> None:
    keys = ["access_token", "refresh_token", "scope", "token_type", "expires_in"]
    if not refresh:
        keys.remove("refresh_token")
    assert list(body) == keys
    assert raw.startswith(b'{"access_token":"')
    assert body["scope"] == "useraccount"
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 1799
    assert TOKEN_SHAPE.fullmatch(body["access_token"])
    if refresh:
        assert TOKEN_SHAPE.fullmatch(body["refresh_token"])


async def table_status(client: Client, access_token: str) -> int:
    response = await client.get(
        "/api/now/table/incident", headers={"Authorization": f"Bearer {access_token}"}
    )
    return response.status


async def test_authorize_page_is_a_postable_form(client: Client) -> None:
    response = await client.get("/oauth_auth.do", params=authorize_params())
    assert response.status == 200
    assert response.content_type == "text/html"
    html = await response.text()
    assert '<form method="post" action="/oauth_auth.do"' in html
    for name in ("response_type", "client_id", "redirect_uri", "state", "code_challenge"):
        assert f'type="hidden" name="{name}"' in html
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert 'name="action" value="allow"' in html


async def test_missing_state_is_refused(client: Client) -> None:
    response = await client.get("/oauth_auth.do", params=authorize_params(state=""))
    assert "Missing State parameter in request" in await response.text()


async def test_unknown_client_is_refused(client: Client) -> None:
    response = await client.get("/oauth_auth.do", params=authorize_params(client_id="nope"))
    assert "not found in the Application Registry" in await response.text()


async def test_unregistered_redirect_is_refused() -> None:
    instance = SimInstance(SimConfig(redirect_uris=(REDIRECT,)))
    async with TestClient(TestServer(build_sim_app(instance))) as client:
        assert (await client.get("/oauth_auth.do", params=authorize_params())).status == 200
        params = authorize_params(redirect_uri="http://127.0.0.1:9999/elsewhere")
        response = await client.get("/oauth_auth.do", params=params)
        text = await response.text()
    assert "redirect URL does not match" in text
    assert "Application Registry" in text


@pytest.mark.parametrize(
    ("redirect_uri", "accepted"),
    [
        ("http://localhost:3000/cb", True),
        ("https://bot.example.com/oauth/servicenow", True),
        ("http://bot.example.com/cb", False),
        ("ftp://127.0.0.1/cb", False),
    ],
)
async def test_default_registry_accepts_loopback_and_https(
    client: Client, redirect_uri: str, accepted: bool
) -> None:
    response = await client.get(
        "/oauth_auth.do", params=authorize_params(redirect_uri=redirect_uri)
    )
    assert (response.status == 200) is accepted


async def test_pkce_code_flow(client: Client, instance: SimInstance) -> None:
    code = await approve(client, authorize_params())
    response = await exchange(client, code, code_verifier=VERIFIER)
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/json;charset=UTF-8"
    raw = await response.read()
    body = await response.json()
    assert_token_body(raw, body)
    assert await table_status(client, body["access_token"]) == 200
    # Single use: the same code fails the second time with the one ServiceNow body.
    again = await exchange(client, code, code_verifier=VERIFIER)
    assert again.status == 401
    assert await again.read() == DENIED
    assert ("POST", "/oauth_auth.do") in instance.request_log
    assert ("POST", "/oauth_token.do") in instance.request_log


async def test_code_is_bound_to_verifier_redirect_and_time(
    client: Client, instance: SimInstance
) -> None:
    code = await approve(client, authorize_params())
    assert (await exchange(client, code, code_verifier="wrong" * 10)).status == 401
    assert (await exchange(client, code)).status == 401  # verifier missing
    other = {"redirect_uri": "http://127.0.0.1:8080/other", "code_verifier": VERIFIER}
    assert (await exchange(client, code, **other)).status == 401
    instance.advance_clock(61)
    assert (await exchange(client, code, code_verifier=VERIFIER)).status == 401


async def test_confidential_code_flow_needs_the_secret(client: Client) -> None:
    params = authorize_params(code_challenge="", code_challenge_method="")
    code = await approve(client, params)
    assert (await exchange(client, code)).status == 401
    bad = await exchange(client, code, client_secret="wrong")
    assert bad.status == 401
    good = await exchange(client, code, client_secret=DEFAULT_CLIENT_SECRET)
    assert good.status == 200
    assert_token_body(await good.read(), await good.json())


async def test_token_belongs_to_the_approving_user(client: Client) -> None:
    code = await approve(client, authorize_params(), "admin", "admin")
    token = (await (await exchange(client, code, code_verifier=VERIFIER)).json())["access_token"]
    response = await client.post(
        "/api/now/table/incident",
        json={"short_description": "by admin"},
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )
    assert (await response.json())["result"]["sys_created_by"] == "admin"


async def test_bad_credentials_show_the_login_page_again(client: Client) -> None:
    response = await client.post(
        "/oauth_auth.do",
        data={**authorize_params(), "username": "admin", "password": "bad", "action": "allow"},
        allow_redirects=False,
    )
    assert response.status == 200
    html = await response.text()
    assert "User name or password invalid" in html
    assert 'action="/oauth_auth.do"' in html


async def test_deny_redirects_with_access_denied(client: Client) -> None:
    response = await client.post(
        "/oauth_auth.do", data={**authorize_params(), "action": "deny"}, allow_redirects=False
    )
    assert response.status == 302
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query == {"error": ["access_denied"], "state": ["xyz-state"]}


async def test_password_grant(client: Client) -> None:
    response = await password_grant(client)
    assert response.status == 200
    assert_token_body(await response.read(), await response.json())


@pytest.mark.parametrize(
    "overrides",
    [
        {"password": "wrong"},
        {"username": "nobody"},
        {"client_secret": "wrong"},
        {"client_secret": ""},
        {"client_id": "other-client"},
    ],
)
async def test_password_grant_failures_collapse_to_one_body(
    client: Client, overrides: dict[str, str]
) -> None:
    response = await password_grant(client, **overrides)
    assert response.status == 401
    assert await response.read() == DENIED
    assert response.headers["Content-Type"] == "application/json;charset=UTF-8"


async def test_refresh_grant_returns_the_current_refresh_token(
    client: Client, instance: SimInstance
) -> None:
    first = await (await password_grant(client)).json()
    instance.advance_clock(1800)
    assert await table_status(client, first["access_token"]) == 401
    response = await client.post(
        "/oauth_token.do",
        data={
            "grant_type": "refresh_token",
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
            "refresh_token": first["refresh_token"],
        },
    )
    assert response.status == 200
    body = await response.json()
    assert_token_body(await response.read(), body)
    assert body["refresh_token"] == first["refresh_token"]
    assert body["access_token"] != first["access_token"]
    assert await table_status(client, body["access_token"]) == 200


async def refresh(client: Client, refresh_token: str, **extra: str) -> Any:
    data = {
        "grant_type": "refresh_token",
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
        "refresh_token": refresh_token,
        **extra,
    }
    return await client.post("/oauth_token.do", data=data)


async def test_refresh_fails_when_revoked_expired_or_secret_wrong(
    client: Client, instance: SimInstance
) -> None:
    tokens = await (await password_grant(client)).json()
    assert (await refresh(client, tokens["refresh_token"], client_secret="x")).status == 401
    assert (await refresh(client, tokens["access_token"])).status == 401  # wrong kind
    instance.revoke_refresh_tokens()
    revoked = await refresh(client, tokens["refresh_token"])
    assert revoked.status == 401
    assert await revoked.read() == DENIED

    fresh = await (await password_grant(client)).json()
    instance.advance_clock(8640000)
    assert (await refresh(client, fresh["refresh_token"])).status == 401


async def test_public_pkce_client_refreshes_without_secret(client: Client) -> None:
    code = await approve(client, authorize_params())
    tokens = await (await exchange(client, code, code_verifier=VERIFIER)).json()
    response = await client.post(
        "/oauth_token.do",
        data={
            "grant_type": "refresh_token",
            "client_id": DEFAULT_CLIENT_ID,
            "refresh_token": tokens["refresh_token"],
        },
    )
    assert response.status == 200


async def test_client_credentials_disabled_by_default(client: Client) -> None:
    response = await client.post(
        "/oauth_token.do",
        data={
            "grant_type": "client_credentials",
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
        },
    )
    assert response.status == 401
    assert await response.read() == DENIED


async def test_client_credentials_when_enabled(client: Client, instance: SimInstance) -> None:
    instance.config.client_credentials_enabled = True
    data = {
        "grant_type": "client_credentials",
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
    }
    response = await client.post("/oauth_token.do", data=data)
    assert response.status == 200
    body = await response.json()
    assert_token_body(await response.read(), body, refresh=False)
    assert await table_status(client, body["access_token"]) == 200
    wrong = await client.post("/oauth_token.do", data={**data, "client_secret": "x"})
    assert wrong.status == 401


async def test_missing_parameters(client: Client) -> None:
    response = await client.post("/oauth_token.do", data={"grant_type": "password"})
    assert response.status == 400
    body = await response.json()
    assert list(body) == ["error_description", "error"]
    assert body["error"] == "invalid_request"
    assert body["error_description"].startswith("invalid_request, Missing parameters: ")
    assert "username" in body["error_description"]


async def test_json_body_is_not_read(client: Client) -> None:
    response = await client.post(
        "/oauth_token.do",
        json={"grant_type": "password", "client_id": DEFAULT_CLIENT_ID},
    )
    assert response.status == 400
    assert (await response.json())["error"] == "invalid_request"


async def test_revoke_access_and_refresh_tokens(client: Client) -> None:
    tokens = await (await password_grant(client)).json()
    response = await client.get("/oauth_revoke_token.do", params={"token": tokens["access_token"]})
    assert response.status == 200
    assert await table_status(client, tokens["access_token"]) == 401
    response = await client.post("/oauth_revoke_token.do", data={"token": tokens["refresh_token"]})
    assert response.status == 200
    assert (await refresh(client, tokens["refresh_token"])).status == 401


async def test_expire_access_tokens_keeps_refresh_working(
    client: Client, instance: SimInstance
) -> None:
    tokens = await (await password_grant(client)).json()
    instance.expire_access_tokens()
    assert await table_status(client, tokens["access_token"]) == 401
    assert (await refresh(client, tokens["refresh_token"])).status == 200
