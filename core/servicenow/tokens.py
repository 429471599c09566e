"""Access tokens for a workspace's connection: refreshed ahead of expiry, one at a time.

A refresh that ServiceNow answers with 401 ``access_denied`` means the refresh token is
dead (expired, revoked, or the secret changed): the connection is marked
``needs_reauth`` and :class:`ReauthorizationRequired` is raised, so nobody keeps retrying.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import timedelta

from core.clock import Clock
from core.models import Connection, ConnectionStatus
from core.servicenow.errors import ConfigurationError, ReauthorizationRequired
from core.servicenow.oauth import OAuthClient
from core.store.port import Store

__all__ = ["REFRESH_AHEAD", "TokenKeeper"]

log = logging.getLogger(__name__)

#: Refresh this long before the access token runs out.
REFRESH_AHEAD = timedelta(seconds=60)


class TokenKeeper:
    """Gives out valid access tokens and keeps the store's copy current."""

    def __init__(self, store: Store, oauth: OAuthClient, clock: Clock) -> None:
        self._store = store
        self._oauth = oauth
        self._clock = clock
        self._locks: dict[str, asyncio.Lock] = {}

    async def connection(self, workspace: str) -> Connection:
        """The workspace's connection, or a clear error if it has none."""
        conn = await self._store.get_connection(workspace)
        if conn is None:
            raise ConfigurationError(
                "this workspace is not connected to ServiceNow",
                hint="An admin can connect it with `/snow connect <instance>`.",
            )
        if conn.status is ConnectionStatus.NEEDS_REAUTH:
            raise ReauthorizationRequired("the ServiceNow connection needs to be authorized again")
        return conn

    def _fresh(self, conn: Connection) -> bool:
        return bool(
            conn.access_token
            and conn.expires_at is not None
            and conn.expires_at - REFRESH_AHEAD > self._clock.now()
        )

    async def access_token(
        self, workspace: str, *, force_refresh: bool = False
    ) -> tuple[Connection, str]:
        """A connection and an access token that is good for at least a minute."""
        conn = await self.connection(workspace)
        if self._fresh(conn) and not force_refresh:
            return conn, conn.access_token
        stale = conn.access_token
        lock = self._locks.setdefault(workspace, asyncio.Lock())
        async with lock:
            # Someone else may have refreshed while we waited: one refresh in flight.
            conn = await self.connection(workspace)
            if self._fresh(conn) and (not force_refresh or conn.access_token != stale):
                return conn, conn.access_token
            return await self._refresh(conn)

    async def _refresh(self, conn: Connection) -> tuple[Connection, str]:
        if not conn.refresh_token:
            await self._mark_dead(conn, "no refresh token stored")
            raise ReauthorizationRequired("there is no refresh token; connect again")
        try:
            tokens = await self._oauth.refresh(
                conn.instance_url,
                client_id=conn.client_id,
                client_secret=conn.client_secret,
                refresh_token=conn.refresh_token,
                now=self._clock.now(),
            )
        except ReauthorizationRequired as exc:
            await self._mark_dead(conn, exc.message)
            raise
        updated = replace(
            conn,
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token or conn.refresh_token,
            expires_at=tokens.expires_at,
            status=ConnectionStatus.ACTIVE,
        )
        await self._store.save_connection(updated)
        log.info("refreshed ServiceNow token for %s", conn.workspace)
        return updated, updated.access_token

    async def _mark_dead(self, conn: Connection, why: str) -> None:
        log.warning("ServiceNow connection of %s needs re-authorization: %s", conn.workspace, why)
        await self._store.save_connection(
            replace(conn, status=ConnectionStatus.NEEDS_REAUTH, last_error=why)
        )
