"""Tokens: checking the ones Teams sends us, getting the ones we send the connector.

Inbound, the Agents SDK's validator reads its signing keys from fixed Microsoft URLs; SnowOps
checks tokens itself against configurable OpenID metadata (``TEAMS_OPENID_URL`` and the
tenant's metadata under ``TEAMS_LOGIN_URL``), so the same code runs against a local fake.
Outbound, a client-credentials token comes from the tenant's token endpoint (the SDK's
MSAL provider insists on an https authority and builds its client synchronously).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import jwt
from microsoft_agents.hosting.core import AccessTokenProviderBase
from microsoft_agents.hosting.core.authorization import (
    AgentAuthConfiguration,
    ClaimsIdentity,
)

from adapters.teams.config import BOT_FRAMEWORK_SCOPE, TeamsConfig
from adapters.teams.tenants import TenantRefused, checked_tenant
from core.urls import is_loopback_host

__all__ = ["AuthRefused", "ClientCredentialsProvider", "InboundAuth", "TokenError"]

log = logging.getLogger(__name__)

_KEYS_TTL = 24 * 3600.0
_KEYS_RETRY = 300.0  # an unknown key id refetches the keys at most this often
_LEEWAY = 300.0  # clock skew Bot Framework tolerates


_INVALID = "Invalid token or authentication failed."


class AuthRefused(Exception):
    """An inbound request is refused; ``message`` is safe to show the caller, ``reason``
    (never a secret) is for the one log line."""

    def __init__(self, message: str, status: int = 401, reason: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.reason = reason or message


class TokenError(Exception):
    """The token endpoint did not give the bot a token (the message names why, no secret)."""


@dataclass
class _Keys:
    #: issuer → key id → (public key, channels the key is endorsed for; empty: any)
    by_issuer: dict[str, dict[str, tuple[Any, frozenset[str]]]]
    fetched: float

    def knows(self, kid: str) -> bool:
        return any(kid in keys for keys in self.by_issuer.values())


def _same_service(claimed: str, actual: str) -> bool:
    return claimed.strip().rstrip("/").lower() == actual.strip().rstrip("/").lower()


def loopback_url(url: str) -> bool:
    """True for an http(s) URL whose host is this machine."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and is_loopback_host(parts.hostname or "")


class InboundAuth:
    """Decides whether an inbound activity may be processed, and as whom."""

    def __init__(self, config: TeamsConfig, session: aiohttp.ClientSession | None = None) -> None:
        self._config = config
        self._session = session
        self._keys: _Keys | None = None
        self._lock = asyncio.Lock()

    def use_session(self, session: aiohttp.ClientSession) -> None:
        """The HTTP session to fetch metadata and keys with."""
        self._session = session

    async def check(
        self, header: str | None, activity: dict[str, Any], remote: str | None = None
    ) -> tuple[ClaimsIdentity, str]:
        """The identity to process ``activity`` (sent from address ``remote``) with, and its
        Microsoft Entra tenant; or :class:`AuthRefused`."""
        claims: dict[str, Any] = {}
        if not self._config.authenticated:
            identity = self._anonymous(header, activity, remote)
        else:
            identity, claims = await self._authenticated(header, activity)
        try:
            return identity, checked_tenant(activity, claims, self._config)
        except TenantRefused as exc:
            raise AuthRefused(exc.message, exc.status, exc.reason) from None

    def _anonymous(
        self, header: str | None, activity: dict[str, Any], remote: str | None
    ) -> ClaimsIdentity:
        if not self._config.anonymous:
            raise AuthRefused("Teams is not configured on this server (TEAMS_APP_ID).")
        if header:
            raise AuthRefused("A token was sent, but TEAMS_APP_ID is not set to check it.")
        # Both ends on this machine: nobody else can act as anyone, nor aim the bot's
        # replies at another host.
        service_url = str(activity.get("serviceUrl") or "")
        if not loopback_url(service_url) or not is_loopback_host(remote or ""):
            raise AuthRefused("Anonymous mode accepts activities from loopback only.", 403)
        return ClaimsIdentity()  # no claims: the SDK sends replies without a token

    async def _authenticated(
        self, header: str | None, activity: dict[str, Any]
    ) -> tuple[ClaimsIdentity, dict[str, Any]]:
        if not header:
            raise AuthRefused("Authorization header not found")
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthRefused("Invalid authorization header format")
        claims = await self._validate(token.strip(), str(activity.get("channelId") or ""))
        claimed = claims.get("serviceurl")
        if not claimed or not _same_service(str(claimed), str(activity.get("serviceUrl") or "")):
            # A token that does not name this connector may come from anyone who can get a
            # token for our app id: our replies (and our token) must never go elsewhere.
            raise AuthRefused(_INVALID, reason="token for another connector")
        identity = ClaimsIdentity(claims, authentication_type="Bearer", security_token=token)
        return identity, claims

    async def _validate(self, token: str, channel: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
            issuer = str(jwt.decode(token, options={"verify_signature": False}).get("iss"))
        except jwt.PyJWTError:
            raise AuthRefused(_INVALID, reason="not a token") from None
        if header.get("alg") != "RS256" or not header.get("kid"):
            # Refused before any key is fetched: an unsigned token never waits on the keys.
            raise AuthRefused(_INVALID, reason=f"token alg {str(header.get('alg'))[:10]!r}")
        kid = str(header["kid"])
        keys = await self._signing_keys(kid)
        # The key must be one the token's own issuer publishes, endorsed for this channel.
        entry = keys.by_issuer.get(issuer, {}).get(kid)
        if entry is None:
            raise AuthRefused(_INVALID, reason="token key not published by its issuer")
        key, endorsements = entry
        if endorsements and channel not in endorsements:
            raise AuthRefused(_INVALID, reason=f"token key not endorsed for {channel[:40]!r}")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                audience=self._config.app_id,
                issuer=issuer,
                leeway=_LEEWAY,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise AuthRefused(_INVALID, reason=f"token {type(exc).__name__}") from None
        return claims

    async def _signing_keys(self, kid: str) -> _Keys:
        now = time.monotonic()
        current = self._keys
        if current is not None:
            fresh = now - current.fetched < _KEYS_TTL
            if fresh and (current.knows(kid) or now - current.fetched < _KEYS_RETRY):
                return current
        async with self._lock:
            if self._keys is not current and self._keys is not None:
                return self._keys
            try:
                self._keys = await self._fetch_keys()
            except (
                aiohttp.ClientError,
                TimeoutError,
                ValueError,
                KeyError,
                TypeError,
                jwt.PyJWTError,
            ) as exc:
                log.error("Teams signing keys not fetched: %s", type(exc).__name__)
                if current is None:
                    raise AuthRefused("Token keys are unavailable; try again.", 503) from None
                return current
            return self._keys

    async def _fetch_keys(self) -> _Keys:
        assert self._session is not None, "InboundAuth.use_session() first"
        by_issuer: dict[str, dict[str, tuple[Any, frozenset[str]]]] = {}
        for url in (self._config.openid_url, self._config.entra_openid_url):
            meta = await self._json(url)
            keys = by_issuer.setdefault(str(meta["issuer"]), {})
            for jwk in (await self._json(str(meta["jwks_uri"]))).get("keys", []):
                if jwk.get("kid") and jwk.get("kty") == "RSA":
                    endorsed = frozenset(str(e) for e in jwk.get("endorsements") or ())
                    keys[str(jwk["kid"])] = (jwt.PyJWK(jwk, algorithm="RS256").key, endorsed)
        return _Keys(by_issuer, time.monotonic())

    async def _json(self, url: str) -> dict[str, Any]:
        assert self._session is not None
        timeout = aiohttp.ClientTimeout(total=10)
        async with self._session.get(url, timeout=timeout) as response:
            response.raise_for_status()
            data = await response.json(content_type=None)
        if not isinstance(data, dict):
            raise ValueError(f"not a JSON object: {url}")
        return data


class ClientCredentialsProvider(AccessTokenProviderBase):
    """The bot's token for the connector: OAuth client credentials, cached until near expiry."""

    def __init__(self, config: TeamsConfig) -> None:
        self._config = config
        self._auth_config = AgentAuthConfiguration(
            client_id=config.app_id, tenant_id=config.tenant_id, anonymous_allowed=False
        )
        self._session: aiohttp.ClientSession | None = None
        self._tokens: dict[tuple[str, str], tuple[float, str]] = {}
        self._lock = asyncio.Lock()

    def use_session(self, session: aiohttp.ClientSession) -> None:
        """The HTTP session to call the token endpoint with."""
        self._session = session

    @property
    def session(self) -> aiohttp.ClientSession | None:
        """The HTTP session given by :meth:`use_session` (None before the adapter starts)."""
        return self._session

    @property
    def teams_config(self) -> TeamsConfig:
        """The Teams settings this provider gets tokens for."""
        return self._config

    @property
    def configuration(self) -> AgentAuthConfiguration:
        """The SDK's view of this connection."""
        return self._auth_config

    def get_token_credential(self) -> Any:
        """Not used by SnowOps (no Azure SDK clients)."""
        raise NotImplementedError("SnowOps uses get_access_token")

    async def acquire_token_on_behalf_of(self, scopes: list[str], user_assertion: str) -> str:
        """Not used by SnowOps (it acts as the bot, never on a user's behalf)."""
        raise NotImplementedError("SnowOps uses no on-behalf-of tokens")

    async def get_agentic_application_token(
        self, tenant_id: str, agent_app_instance_id: str
    ) -> str | None:
        """Not used by SnowOps (no agentic identities)."""
        raise NotImplementedError("SnowOps uses no agentic identities")

    async def get_agentic_instance_token(
        self, tenant_id: str, agent_app_instance_id: str
    ) -> tuple[str, str]:
        """Not used by SnowOps (no agentic identities)."""
        raise NotImplementedError("SnowOps uses no agentic identities")

    async def get_agentic_user_token(
        self, tenant_id: str, agent_app_instance_id: str, agentic_user_id: str, scopes: list[str]
    ) -> str | None:
        """Not used by SnowOps (no agentic identities)."""
        raise NotImplementedError("SnowOps uses no agentic identities")

    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str:
        """A token for ``scopes`` (the Bot Framework's by default) from the bot's tenant."""
        return await self.token_for(None, scopes, force_refresh=force_refresh)

    async def token_for(
        self, tenant: str | None, scopes: list[str], *, force_refresh: bool = False
    ) -> str:
        """A token for ``scopes`` from ``tenant``'s token endpoint (None: the bot's own
        tenant). Microsoft Graph tokens are per tenant: each tenant consents for itself."""
        scope = " ".join(scopes) if scopes else BOT_FRAMEWORK_SCOPE
        key = ((tenant or self._config.tenant_id).lower(), scope)
        hit = self._tokens.get(key)
        if hit and hit[0] > time.monotonic() and not force_refresh:
            return hit[1]
        async with self._lock:
            hit = self._tokens.get(key)
            if hit and hit[0] > time.monotonic() and not force_refresh:
                return hit[1]
            token, expires_in = await self._request(scope, key[0])
            # Renew five minutes early: a token must not expire between check and use.
            self._tokens[key] = (time.monotonic() + max(60.0, expires_in - 300.0), token)
            if len(self._tokens) > 10_000:
                self._tokens = {key: self._tokens[key]}
            return token

    async def _request(self, scope: str, tenant: str) -> tuple[str, float]:
        assert self._session is not None, "ClientCredentialsProvider.use_session() first"
        form = {
            "grant_type": "client_credentials",
            "client_id": self._config.app_id or "",
            "client_secret": self._config.app_password or "",
            "scope": scope,
        }
        try:
            async with self._session.post(
                self._config.token_url_for(tenant),
                data=form,
                timeout=aiohttp.ClientTimeout(total=15),
            ) as response:
                data = await response.json(content_type=None)
                status = response.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise TokenError(f"token endpoint unreachable ({type(exc).__name__})") from None
        if status != 200 or not isinstance(data, dict) or not data.get("access_token"):
            error = data.get("error", "") if isinstance(data, dict) else ""
            raise TokenError(
                f"token endpoint of tenant {tenant[:40]} answered {status} {error}".strip()
                + " (check TEAMS_APP_ID, TEAMS_APP_PASSWORD, TEAMS_APP_TENANT_ID, and that "
                "the tenant consented to the app)"
            )
        return str(data["access_token"]), float(data.get("expires_in") or 3600)
