"""OAuth 2.0 against a ServiceNow instance (the instance is the authorization server).

Authorization code with ``state`` and PKCE (S256) for interactive connects, the password
grant for headless set-up, refresh, and revocation. Token requests are form-encoded with
the client credentials in the body, as ServiceNow requires.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx2
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from core.i18n import gettext
from core.models import OAuthState
from core.servicenow.errors import ReauthorizationRequired, UnexpectedResponseError
from core.servicenow.responses import error_for, parse_json
from core.servicenow.transport import NO_AUTH, InstancePool, send_with_retries

__all__ = ["OAuthClient", "TokenSet", "new_code_verifier", "new_state"]

AUTHORIZE_PATH = "/oauth_auth.do"
TOKEN_PATH = "/oauth_token.do"
REVOKE_PATH = "/oauth_revoke_token.do"


def new_state() -> str:
    """An unguessable OAuth ``state`` value."""
    return secrets.token_urlsafe(32)


def new_code_verifier() -> str:
    """A PKCE code verifier (43 to 128 URL-safe characters)."""
    return secrets.token_urlsafe(64)


@dataclass(frozen=True, slots=True)
class TokenSet:
    """Tokens from one grant."""

    access_token: str
    refresh_token: str
    expires_at: datetime

    def __repr__(self) -> str:
        # Tokens must never reach a log line through a repr.
        return f"TokenSet(expires_at={self.expires_at.isoformat()})"


class OAuthClient:
    """Token operations for any instance, over the shared per-instance pools."""

    def __init__(self, pool: InstancePool) -> None:
        self._pool = pool

    def authorization_url(
        self,
        instance_url: str,
        *,
        client_id: str,
        redirect_uri: str,
        state: str,
        code_verifier: str,
    ) -> str:
        """The URL an admin opens to sign in as the integration user and allow access."""
        return str(
            add_params_to_uri(
                instance_url + AUTHORIZE_PATH,
                [
                    ("response_type", "code"),
                    ("client_id", client_id),
                    ("redirect_uri", redirect_uri),
                    ("state", state),
                    ("code_challenge", create_s256_code_challenge(code_verifier)),
                    ("code_challenge_method", "S256"),
                ],
            )
        )

    async def _token_request(
        self, instance_url: str, form: dict[str, str], now: datetime
    ) -> TokenSet:
        client = self._pool.client(instance_url)

        async def post() -> httpx2.Response:
            response: httpx2.Response = await client.post(
                TOKEN_PATH,
                data=form,
                headers={"Accept": "application/json"},
                auth=NO_AUTH,
            )
            return response

        response = await send_with_retries(
            self._pool.retry, post, token_endpoint=True, what="token request"
        )
        if response.status_code != 200:
            raise error_for(response, token_endpoint=True)
        body: Any = parse_json(response)
        if not isinstance(body, dict) or not body.get("access_token"):
            raise UnexpectedResponseError(
                gettext("the token endpoint answered without an access_token"), status=200
            )
        expires_in = int(body.get("expires_in") or 1799)
        return TokenSet(
            access_token=str(body["access_token"]),
            refresh_token=str(body.get("refresh_token") or form.get("refresh_token", "")),
            expires_at=now + timedelta(seconds=expires_in),
        )

    async def exchange_code(
        self,
        instance_url: str,
        *,
        client_id: str,
        client_secret: str,
        code: str,
        redirect_uri: str,
        code_verifier: str,
        now: datetime,
    ) -> TokenSet:
        """Authorization code → tokens."""
        return await self._token_request(
            instance_url,
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": client_id,
                "client_secret": client_secret,
                "code_verifier": code_verifier,
            },
            now,
        )

    async def redeem(self, pending: OAuthState, code: str, now: datetime) -> TokenSet:
        """The code a sign-in that ``pending`` started came back with → tokens."""
        return await self.exchange_code(
            pending.instance_url,
            client_id=pending.client_id,
            client_secret=pending.client_secret,
            code=code,
            redirect_uri=pending.redirect_uri,
            code_verifier=pending.code_verifier,
            now=now,
        )

    async def password_grant(
        self,
        instance_url: str,
        *,
        client_id: str,
        client_secret: str,
        username: str,
        password: str,
        now: datetime,
    ) -> TokenSet:
        """Integration user's credentials → tokens (headless set-up)."""
        form = {
            "grant_type": "password",
            "client_id": client_id,
            "client_secret": client_secret,
            "username": username,
            "password": password,
        }
        try:
            return await self._token_request(instance_url, form, now)
        except ReauthorizationRequired as exc:
            # ServiceNow says access_denied alike for a wrong password and a wrong client
            # secret; either way it is about what was given now, not a refresh token.
            exc.hint = gettext(
                "Check the user name and password of {username} (is it locked, or must its "
                "password be changed first?), and that the OAuth client id and secret are "
                "this instance's.",
                username=username,
            )
            raise

    async def refresh(
        self,
        instance_url: str,
        *,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        now: datetime,
    ) -> TokenSet:
        """Refresh token → new access token (ServiceNow keeps the refresh token)."""
        return await self._token_request(
            instance_url,
            {
                "grant_type": "refresh_token",
                "client_id": client_id,
                "client_secret": client_secret,
                "refresh_token": refresh_token,
            },
            now,
        )

    async def revoke(self, instance_url: str, token: str) -> None:
        """Mark a token expired on the instance (needs no authentication)."""
        client = self._pool.client(instance_url)

        async def post() -> httpx2.Response:
            # ServiceNow documents the token as a query parameter of this endpoint.
            response: httpx2.Response = await client.post(
                REVOKE_PATH, params={"token": token}, auth=NO_AUTH
            )
            return response

        response = await send_with_retries(
            self._pool.retry, post, token_endpoint=True, what="token revocation"
        )
        if response.status_code >= 400:
            raise error_for(response, token_endpoint=True)
