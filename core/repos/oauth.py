"""OAuth set-up kept for connecting: a workspace's own client, and pending sign-ins."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from core.models import OAuthClientConfig, OAuthState
from core.storage import Documents, OneTimeValues
from core.store import codec

__all__ = ["SIGN_IN_TTL", "PendingSignIns", "SignInIntro", "WorkspaceClients"]

#: A sign-in link works once, for ten minutes.
SIGN_IN_TTL = 600
_CLIENTS = "servicenow_client"
_STATES = "servicenow_oauth_state"
_INTROS = "servicenow_sign_in_intro"


@dataclass(frozen=True, slots=True)
class SignInIntro:
    """What the page before ServiceNow's sign-in shows, and where it then sends the browser."""

    authorize_url: str
    workspace: str
    instance_url: str
    requested_by: str  # the person's name in chat, or their platform:user id
    #: ``connect`` (the workspace's integration user) or ``link`` (the person's own account)
    purpose: str = "connect"


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

    async def introduce(self, token: str, intro: SignInIntro) -> None:
        """Keep the page before ServiceNow's sign-in under ``token`` (single use too)."""
        await self._once.put_once(_INTROS, token, asdict(intro), SIGN_IN_TTL)

    async def intro(self, token: str, *, use: bool) -> SignInIntro | None:
        """The intro ``token`` names; ``use`` spends it, otherwise it stays for the click
        (put back for the full time: the ServiceNow state it leads to expires on its own)."""
        doc = await self._once.take_once(_INTROS, token)
        if doc is None:
            return None
        if not use:
            await self._once.put_once(_INTROS, token, doc, SIGN_IN_TTL)
        return SignInIntro(**{k: str(doc[k]) for k in SignInIntro.__dataclass_fields__ if k in doc})
