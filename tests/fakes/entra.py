"""A local fake of Microsoft's sign-in endpoints for the Teams adapter.

It serves what the bot reads and calls, on a real loopback socket:

- Bot Framework OpenID metadata (``/botframework/v1/.well-known/openidconfiguration``) and its
  JWKS, so inbound activity tokens minted here (:meth:`FakeEntra.mint`) validate;
- the tenant's OpenID metadata (``/<tenant>/v2.0/.well-known/openid-configuration``);
- the tenant's token endpoint (``/<tenant>/oauth2/v2.0/token``), client credentials only,
  issuing opaque bot tokens that :class:`~tests.fakes.teams_connector.FakeConnector` accepts;
  each token is for the scope it was asked for (:meth:`FakeEntra.issued_for`), so the fake
  connector can tell a Bot Framework token from a Microsoft Graph one.
"""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"


def _b64(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class SigningKey:
    """An RSA key pair with its key id."""

    kid: str
    private: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    def jwk(self) -> dict[str, Any]:
        """The public half, as a JWKS entry."""
        numbers = self.private.public_key().public_numbers()
        return {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "n": _b64(numbers.n),
            "e": _b64(numbers.e),
            "endorsements": ["msteams"],
        }


class FakeEntra:
    """OpenID metadata, JWKS and a client-credentials token endpoint."""

    def __init__(self, tenant: str, app_id: str, app_password: str) -> None:
        self.tenant = tenant
        #: Tenants whose token endpoint issues the app tokens (the app is consented there).
        self.tenants = {tenant}
        self.app_id = app_id
        self.app_password = app_password
        self.key = SigningKey("fake-key-1")
        self.rogue = SigningKey("fake-key-1")  # same kid, different key: a forged token
        self.issued: list[str] = []
        self.scopes: dict[str, str] = {}  # token → the scope it was issued for
        self.tenant_of: dict[str, str] = {}  # token → the tenant that issued it
        #: Answer 503 for the signing keys (an outage of the sign-in service).
        self.keys_down = False
        self.token_requests: list[dict[str, str]] = []
        self.key_requests = 0
        self._server: TestServer | None = None
        self.url = ""

    def issued_for(self, scope: str) -> list[str]:
        """The tokens issued for ``scope`` (``BOT_FRAMEWORK_SCOPE``, ``GRAPH_SCOPE``…)."""
        return [t for t in self.issued if self.scopes.get(t) == scope]

    @property
    def openid_url(self) -> str:
        """Where the Bot Framework OpenID metadata is (``TEAMS_OPENID_URL``)."""
        return f"{self.url}/botframework/v1/.well-known/openidconfiguration"

    @property
    def entra_issuer(self) -> str:
        """The issuer of the tenant's (v2) tokens."""
        return f"{self.url}/{self.tenant}/v2.0"

    def mint(
        self,
        service_url: str,
        *,
        audience: str | None = None,
        issuer: str = BOT_FRAMEWORK_ISSUER,
        expires_in: int = 3600,
        forged: bool = False,
        **claims: Any,
    ) -> str:
        """A token as the Bot Framework sends it with each activity."""
        now = int(time.time())
        body = {
            "iss": issuer,
            "aud": audience or self.app_id,
            "serviceurl": service_url,
            "nbf": now - 5,
            "iat": now - 5,
            "exp": now + expires_in,
            **claims,
        }
        key = self.rogue if forged else self.key
        return jwt.encode(body, key.private, algorithm="RS256", headers={"kid": key.kid})

    async def start(self) -> None:
        """Listen on a loopback port."""
        app = web.Application()
        app.router.add_get("/botframework/v1/.well-known/openidconfiguration", self._bf_meta)
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._entra_meta)
        app.router.add_get("/keys", self._keys)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        self.url = str(self._server.make_url("")).rstrip("/")

    async def close(self) -> None:
        """Stop listening."""
        if self._server is not None:
            await self._server.close()

    async def _bf_meta(self, _: web.Request) -> web.Response:
        return web.json_response({"issuer": BOT_FRAMEWORK_ISSUER, "jwks_uri": f"{self.url}/keys"})

    async def _entra_meta(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        return web.json_response(
            {"issuer": f"{self.url}/{tenant}/v2.0", "jwks_uri": f"{self.url}/keys"}
        )

    async def _keys(self, _: web.Request) -> web.Response:
        self.key_requests += 1
        if self.keys_down:
            return web.json_response({"error": "temporarily_unavailable"}, status=503)
        return web.json_response({"keys": [self.key.jwk()]})

    async def _token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        tenant = request.match_info["tenant"]
        recorded = {k: str(v) for k, v in form.items() if k != "client_secret"}
        self.token_requests.append({**recorded, "tenant": tenant})
        if tenant not in self.tenants:
            return web.json_response({"error": "invalid_tenant"}, status=400)
        if form.get("grant_type") != "client_credentials":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        if not (
            secrets.compare_digest(str(form.get("client_id", "")), self.app_id)
            and secrets.compare_digest(str(form.get("client_secret", "")), self.app_password)
        ):
            return web.json_response({"error": "invalid_client"}, status=401)
        scope = str(form.get("scope", ""))
        kind = "graph" if scope == GRAPH_SCOPE else "bot"
        token = f"{kind}-token-{secrets.token_hex(8)}"
        self.issued.append(token)
        self.scopes[token] = scope
        self.tenant_of[token] = tenant
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3599, "access_token": token}
        )
