"""OAuth set-up kept for connecting: a workspace's own client, and pending sign-ins."""

from __future__ import annotations

from core.models import OAuthClientConfig, OAuthState
from core.storage import Documents, OneTimeValues
from core.store import codec

__all__ = ["SIGN_IN_TTL", "PendingSignIns", "WorkspaceClients"]

#: A sign-in link works once, for ten minutes.
SIGN_IN_TTL = 600
_CLIENTS = "servicenow_client"
_STATES = "servicenow_oauth_state"


class WorkspaceClients:
    """The OAuth client an admin gave for their workspace (encrypted whole)."""

    def __init__(self, docs: Documents) -> None:
        self._docs = docs

    async def get(self, workspace: str) -> OAuthClientConfig | None:
        """The workspace's own client, if an admin gave one."""
        doc = await self._docs.get_document(_CLIENTS, workspace)
        if not doc:
            return None
        return OAuthClientConfig(str(doc["client_id"]), str(doc["client_secret"]))

    async def put(self, workspace: str, client: OAuthClientConfig) -> None:
        """Keep a workspace's own client."""
        await self._docs.put_document(
            _CLIENTS,
            workspace,
            {"client_id": client.client_id, "client_secret": client.client_secret},
            secret=True,
        )


class PendingSignIns:
    """OAuth ``state`` values: single use, ten minutes, encrypted at rest."""

    def __init__(self, once: OneTimeValues) -> None:
        self._once = once

    async def put(self, pending: OAuthState) -> None:
        """Remember a sign-in that was started."""
        await self._once.put_once(
            _STATES, pending.state, codec.oauth_state_to_doc(pending), SIGN_IN_TTL
        )

    async def take(self, state: str) -> OAuthState | None:
        """The sign-in ``state`` names, used up; None if unknown, used or expired."""
        doc = await self._once.take_once(_STATES, state)
        return codec.oauth_state_from_doc(doc) if doc is not None else None
