"""OAuth endpoints: oauth_auth.do (login + consent), oauth_token.do, oauth_revoke_token.do."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_plus, urlencode, urlsplit

from aiohttp import web

from . import pages
from .appkey import SIM_KEY
from .instance import SimInstance
from .tokens import IssuedToken, pkce_matches
from .users import INTEGRATION_USER
from .wire import ApiError, html_response, json_response, oauth_denied, oauth_missing

_GRANT_PARAMS = {
    "password": ("client_id", "username", "password"),
    "refresh_token": ("client_id", "refresh_token"),
    "authorization_code": ("client_id", "code"),
    "client_credentials": ("client_id",),
}
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _redirect_allowed(instance: SimInstance, redirect_uri: str) -> bool:
    registered = instance.config.redirect_uris
    if registered:
        return redirect_uri in registered
    parts = urlsplit(redirect_uri)
    loopback = parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")
    return loopback or (parts.scheme == "https" and bool(parts.hostname))


def _authorize_error(instance: SimInstance, params: Mapping[str, str]) -> str | None:
    """Why an authorization request cannot be shown, or None when it is acceptable."""
    client_id = params.get("client_id", "")
    if client_id != instance.config.client_id:
        return (
            f"OAuth client '{client_id}' was not found in the Application Registry "
            "(oauth_entity). Check the client_id."
        )
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri or not _redirect_allowed(instance, redirect_uri):
        return (
            "Invalid redirect_uri: the redirect URL does not match the redirect URL of the "
            "Application Registry entry."
        )
    if params.get("response_type") != "code":
        return "Unsupported response_type: only 'code' is supported."
    if not params.get("state"):
        return pages.MISSING_STATE
    method = params.get("code_challenge_method")
    if params.get("code_challenge") and method not in (None, "", "S256"):
        return "Unsupported code_challenge_method: only S256 is supported."
    return None


def _redirect(target: str, params: dict[str, str]) -> web.Response:
    joiner = "&" if urlsplit(target).query else "?"
    return web.Response(status=302, headers={"Location": f"{target}{joiner}{urlencode(params)}"})


async def authorize_page(request: web.Request) -> web.Response:
    """GET /oauth_auth.do: show the login + consent page."""
    instance = request.app[SIM_KEY]
    params = dict(request.query)
    error = _authorize_error(instance, params)
    if error is not None:
        return html_response(pages.oauth_error_page(error), 400)
    return html_response(pages.login_consent_page(params))


async def authorize_submit(request: web.Request) -> web.Response:
    """POST /oauth_auth.do: the login + consent form; approves or denies the request."""
    instance = request.app[SIM_KEY]
    form = {k: str(v) for k, v in (await request.post()).items()}
    params = {**request.query, **form}
    error = _authorize_error(instance, params)
    if error is not None:
        return html_response(pages.oauth_error_page(error), 400)
    redirect_uri, state = params["redirect_uri"], params["state"]
    if params.get("action") == "deny":
        return _redirect(redirect_uri, {"error": "access_denied", "state": state})
    user = instance.authenticate(params.get("username", ""), params.get("password", ""))
    if user is None or params.get("action") != "allow":
        return html_response(pages.login_consent_page(params, pages.BAD_CREDENTIALS))
    code = instance.tokens.issue_code(
        client_id=params["client_id"],
        redirect_uri=redirect_uri,
        user_sys_id=user["sys_id"],
        code_challenge=params.get("code_challenge") or None,
    )
    return _redirect(redirect_uri, {"code": code.code, "state": state})


def _token_body(access: IssuedToken, refresh: IssuedToken | None, lifespan: int) -> dict[str, Any]:
    # Key order and expires_in = lifespan - 1 as recorded from real instances.
    body: dict[str, Any] = {"access_token": access.value}
    if refresh is not None:
        body["refresh_token"] = refresh.value
    body.update({"scope": "useraccount", "token_type": "Bearer", "expires_in": lifespan - 1})
    return body


def _issue(
    instance: SimInstance,
    user_sys_id: str,
    *,
    public: bool,
    refresh: IssuedToken | None = None,
    with_refresh: bool = True,
) -> web.Response:
    cfg = instance.config
    access = instance.tokens.issue(
        "access", user_sys_id, cfg.client_id, cfg.access_token_lifespan, public
    )
    if refresh is None and with_refresh:
        refresh = instance.tokens.issue(
            "refresh", user_sys_id, cfg.client_id, cfg.refresh_token_lifespan, public
        )
    return json_response(_token_body(access, refresh, cfg.access_token_lifespan))


def _check_secret(instance: SimInstance, params: Mapping[str, str], required: bool) -> None:
    secret = params.get("client_secret")
    if secret is None or secret == "":
        if required:
            raise oauth_denied()
        return
    if secret != instance.config.client_secret:
        raise oauth_denied()


def _basic_client(request: web.Request, params: dict[str, str]) -> None:
    """Take client_id / client_secret from an HTTP Basic header (RFC 6749 §2.3.1: each
    form-urlencoded, then base64) into `params`; a body value that disagrees is refused."""
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return
    try:
        decoded = base64.b64decode(credential.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise oauth_denied() from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise oauth_denied()
    for name, value in (
        ("client_id", unquote_plus(client_id)),
        ("client_secret", unquote_plus(secret)),
    ):
        if params.get(name) not in (None, "", value):
            raise oauth_denied()
        params[name] = value


async def token(request: web.Request) -> web.Response:
    """POST /oauth_token.do: the four grants, with ServiceNow's error bodies.

    The client authenticates in the body or with HTTP Basic (what requests-oauthlib, and so
    ServiceNow's own pysnc, sends). Only form bodies are read; a JSON body therefore arrives
    without parameters and gets the 400 invalid_request answer (the docs only promise "an
    unspecified error").
    """
    instance = request.app[SIM_KEY]
    form = await request.post() if request.content_type in _FORM_TYPES else {}
    params = {k: str(v) for k, v in form.items()}
    _basic_client(request, params)
    grant = params.get("grant_type", "")
    if not grant:
        raise oauth_missing(["grant_type"])
    if grant not in _GRANT_PARAMS:
        raise ApiError(
            400, {"error_description": "unsupported_grant_type", "error": "invalid_request"}
        )
    missing = [name for name in _GRANT_PARAMS[grant] if not params.get(name)]
    if missing:
        raise oauth_missing(missing)
    if params["client_id"] != instance.config.client_id:
        raise oauth_denied()
    if grant == "password":
        _check_secret(instance, params, required=True)
        user = instance.authenticate(params["username"], params["password"])
        if user is None:
            raise oauth_denied()
        return _issue(instance, user["sys_id"], public=False)
    if grant == "refresh_token":
        refresh = instance.tokens.live(params["refresh_token"], "refresh")
        if refresh is None or refresh.client_id != params["client_id"]:
            raise oauth_denied()
        _check_secret(instance, params, required=not refresh.public)
        return _issue(instance, refresh.user_sys_id, public=refresh.public, refresh=refresh)
    if grant == "client_credentials":
        if not instance.config.client_credentials_enabled:
            raise oauth_denied()
        _check_secret(instance, params, required=True)
        # Tokens belong to the registry entry's OAuth Application User; no refresh token.
        return _issue(instance, INTEGRATION_USER.sys_id, public=False, with_refresh=False)
    return _exchange_code(instance, params)


def _exchange_code(instance: SimInstance, params: Mapping[str, str]) -> web.Response:
    code = instance.tokens.live_code(params["code"])
    if code is None or code.client_id != params["client_id"]:
        raise oauth_denied()
    if params.get("redirect_uri", code.redirect_uri) != code.redirect_uri:
        raise oauth_denied()
    verifier = params.get("code_verifier", "")
    if code.code_challenge is not None:
        if not verifier or not pkce_matches(verifier, code.code_challenge):
            raise oauth_denied()
        _check_secret(instance, params, required=False)
    else:
        _check_secret(instance, params, required=True)
    code.used = True
    public = code.code_challenge is not None and not params.get("client_secret")
    return _issue(instance, code.user_sys_id, public=public)


async def revoke(request: web.Request) -> web.Response:
    """GET|POST /oauth_revoke_token.do?token=...: no authentication; marks the token expired."""
    instance = request.app[SIM_KEY]
    value = request.query.get("token", "")
    if not value and request.method == "POST" and request.content_type in _FORM_TYPES:
        value = str((await request.post()).get("token", ""))
    instance.tokens.revoke(value)
    return web.Response(status=200)


def add_routes(app: web.Application) -> None:
    """Register the OAuth endpoints."""
    app.router.add_get("/oauth_auth.do", authorize_page)
    app.router.add_post("/oauth_auth.do", authorize_submit)
    app.router.add_post("/oauth_token.do", token)
    app.router.add_get("/oauth_revoke_token.do", revoke)
    app.router.add_post("/oauth_revoke_token.do", revoke)
