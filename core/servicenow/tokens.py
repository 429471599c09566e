"""A workspace's connection health: valid access tokens, refreshed ahead of expiry one at a
time, and the last error ServiceNow gave (cleared by the next success).

A refresh that ServiceNow answers with 401 ``access_denied`` means the refresh token is
dead (expired, revoked, or the secret changed): the connection is marked
``needs_reauth`` and :class:`ReauthorizationRequired` is raised, so nobody keeps retrying.
Every change to a stored connection here happens under the workspace's lock and re-reads
the row first, so a refresh never resurrects a connection that was just disconnected.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime, timedelta

from core.clock import Clock
from core.i18n import gettext
from core.models import Connection, ConnectionStatus
from core.servicenow.errors import (
    BadRequestError,
    NotConnectedError,
    NotFoundError,
    ReauthorizationRequired,
    ServiceNowError,
)
from core.servicenow.oauth import OAuthClient
from core.store.port import Store

__all__ = ["REFRESH_AHEAD", "TokenKeeper"]

log = logging.getLogger(__name__)

#: Refresh this long before the access token runs out.
REFRESH_AHEAD = timedelta(seconds=60)

# Errors about one record or one request, not about the connection's health.
_NOT_CONNECTION_ERRORS = (NotFoundError, BadRequestError, NotConnectedError)


#: How often a successful sync is written down on the connection.
_SYNC_NOTE_EVERY = timedelta(seconds=60)


def _note_due(current: Connection | None, at: datetime) -> bool:
    """Whether an active connection's last sync note is a minute old (or missing)."""
    if current is None or current.status is not ConnectionStatus.ACTIVE:
        return False
    return current.last_sync_at is None or at - current.last_sync_at >= _SYNC_NOTE_EVERY


class TokenKeeper:
    """Gives out valid access tokens and keeps the stored connection's health current."""

    def __init__(self, store: Store, oauth: OAuthClient, clock: Clock) -> None:
        self._store = store
        self._oauth = oauth
        self._clock = clock
        self._locks: dict[str, asyncio.Lock] = {}

    @asynccontextmanager
    async def lock(self, workspace: str) -> AsyncIterator[None]:
        """Hold the workspace's connection lock (changes to the stored row go through it)."""
        async with self._locks.setdefault(workspace, asyncio.Lock()):
            yield

    async def connection(self, workspace: str) -> Connection:
        """The workspace's usable connection, or a clear error."""
        conn = await self._store.get_connection(workspace)
        if conn is None:
            raise NotConnectedError(gettext("this workspace is not connected to ServiceNow"))
        if conn.status is ConnectionStatus.NEEDS_REAUTH:
            raise ReauthorizationRequired(
                gettext("the ServiceNow connection needs to be authorized again")
            )
        return conn

    def _fresh(self, conn: Connection) -> bool:
        return bool(
            conn.access_token
            and conn.expires_at is not None
            and conn.expires_at - REFRESH_AHEAD > self._clock.now()
        )

    async def access_token(
        self, workspace: str, *, rejected: str | None = None
    ) -> tuple[Connection, str]:
        """A connection and an access token good for at least a minute. ``rejected`` is a
        token ServiceNow refused: it is replaced unless someone already replaced it."""
        conn = await self.connection(workspace)
        if self._fresh(conn) and conn.access_token != rejected:
            return conn, conn.access_token
        async with self.lock(workspace):
            # Someone else may have refreshed while we waited: one refresh in flight.
            conn = await self.connection(workspace)
            if self._fresh(conn) and conn.access_token != rejected:
                return conn, conn.access_token
            return await self._refresh(conn)

    async def _refresh(self, conn: Connection) -> tuple[Connection, str]:
        if not conn.refresh_token:
            await self._mark_dead(conn, "no refresh token stored")
            raise ReauthorizationRequired(gettext("there is no refresh token; connect again"))
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
        current = await self._store.get_connection(conn.workspace)
        if current is None or current.refresh_token != conn.refresh_token:
            # Disconnected or reconnected meanwhile: these tokens belong to nobody now.
            raise NotConnectedError(gettext("the connection changed while its token was refreshed"))
        updated = replace(
            current,
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token or current.refresh_token,
            expires_at=tokens.expires_at,
            status=ConnectionStatus.ACTIVE,
        )
        await self._store.save_connection(updated)
        log.info("refreshed ServiceNow token for %s", conn.workspace)
        return updated, updated.access_token

    async def _mark_dead(self, conn: Connection, why: str) -> None:
        log.warning("ServiceNow connection of %s needs re-authorization: %s", conn.workspace, why)
        current = await self._store.get_connection(conn.workspace)
        if current is not None and current.refresh_token == conn.refresh_token:
            await self._store.save_connection(
                replace(current, status=ConnectionStatus.NEEDS_REAUTH, last_error=why)
            )

    async def record_error(self, workspace: str, error: ServiceNowError) -> None:
        """Remember a connection-level failure (auth, ACL, outage, login page) for status."""
        if isinstance(error, _NOT_CONNECTION_ERRORS):
            return
        async with self.lock(workspace):
            current = await self._store.get_connection(workspace)
            text = f"{error.message}. {error.hint}"
            if current is not None and current.last_error != text:
                await self._store.save_connection(replace(current, last_error=text))

    async def synced(self, workspace: str, at: datetime) -> None:
        """A sync cycle went through: record when, for `/snow status`."""
        # Minute precision is enough for status, and saves a write per poll; most polls
        # find the note recent enough without taking the lock.
        if not _note_due(await self._store.get_connection(workspace), at):
            return
        async with self.lock(workspace):
            current = await self._store.get_connection(workspace)
            if current is not None and _note_due(current, at):
                await self._store.save_connection(replace(current, last_sync_at=at))

    async def clear_error(self, workspace: str) -> None:
        """A call succeeded: the connection is healthy again."""
        async with self.lock(workspace):
            current = await self._store.get_connection(workspace)
            if current is not None and current.last_error:
                await self._store.save_connection(replace(current, last_error=None))
