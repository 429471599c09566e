"""Chat users' own ServiceNow accounts: ``/snow link`` and ``/snow unlink``.

A user links with the authorization code grant (PKCE) on the workspace connection's OAuth
client, through the same sign-in page and callback as an admin's connect; the tokens are
kept encrypted per workspace and chat user (:mod:`core.repos.user_links`), refreshed a
minute before they expire, revoked on unlink, and forgotten with the workspace's
connection. Nothing here acts with them yet: this is who a person is in ServiceNow.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import timedelta

from core.clock import Clock
from core.i18n import _, current_locale
from core.models import ChannelRef, OAuthState
from core.repos.oauth import PendingSignIns, SignInIntro
from core.repos.user_links import UserLink, UserLinks
from core.servicenow.errors import ConfigurationError, NotConnectedError, ServiceNowError
from core.servicenow.oauth import OAuthClient, new_code_verifier, new_state
from core.servicenow.table import whoami_with
from core.servicenow.transport import InstancePool
from core.storage import AuditLog, ConnectionStore

__all__ = ["AccountService", "LinkResult"]

log = logging.getLogger(__name__)

#: Refresh a user's access token this long before it expires.
REFRESH_AHEAD = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class LinkResult:
    """How a link ended: as whom, and where the user asked from."""

    link: UserLink | None
    origin: ChannelRef | None
    requested_by: str  # platform:user
    locale: str = ""  # the asker's language ("" when unknown: the workspace's)


class AccountService:
    """Links, unlinks and keeps fresh the chat users' own ServiceNow tokens."""

    def __init__(
        self,
        links: UserLinks,
        connections: ConnectionStore,
        sign_ins: PendingSignIns,
        oauth: OAuthClient,
        pool: InstancePool,
        audit: AuditLog,
        clock: Clock,
        *,
        public_url: str,
    ) -> None:
        self._links = links
        self._connections = connections
        self._sign_ins = sign_ins
        self._oauth = oauth
        self._pool = pool
        self._audit = audit
        self._clock = clock
        self._public_url = public_url.rstrip("/")
        self._locks: dict[str, asyncio.Lock] = {}

    async def start(self, workspace: str, user: str, name: str, origin: ChannelRef | None) -> str:
        """A private sign-in link for ``user``'s own account, on the connection's client."""
        conn = await self._connections.get_connection(workspace)
        if conn is None:
            raise NotConnectedError(
                _("this workspace is not connected to ServiceNow"),
                hint=_("An admin connects it first with /snow connect <instance>."),
            )
        state, verifier = new_state(), new_code_verifier()
        redirect = f"{self._public_url}/servicenow/oauth/callback"
        pending = OAuthState(
            state=state,
            workspace=workspace,
            instance_url=conn.instance_url,
            client_id=conn.client_id,
            client_secret=conn.client_secret,
            code_verifier=verifier,
            redirect_uri=redirect,
            requested_by=user,
            created_at=self._clock.now(),
            origin=origin,
            purpose="link",
            locale=current_locale(),
        )
        await self._sign_ins.put(pending)
        authorize = self._oauth.authorization_url(
            conn.instance_url,
            client_id=conn.client_id,
            redirect_uri=redirect,
            state=state,
            code_verifier=verifier,
        )
        token = new_state()
        intro = SignInIntro(authorize, workspace, conn.instance_url, name or user, "link")
        await self._sign_ins.introduce(token, intro)
        return f"{self._public_url}/servicenow/oauth/start?t={token}"

    async def finish(self, pending: OAuthState, code: str) -> LinkResult:
        """The callback of a link: exchange the code, learn who signed in, keep the tokens."""
        now = self._clock.now()
        tokens = await self._oauth.redeem(pending, code, now)
        me = await whoami_with(self._pool, pending.instance_url, tokens.access_token)
        if me is None:
            raise ConfigurationError(
                _("ServiceNow would not say which user signed in"),
                hint=_("The account needs to read its own sys_user record."),
            )
        link = UserLink(
            workspace=pending.workspace,
            user=pending.requested_by,
            instance_url=pending.instance_url,
            user_name=str(me.get("user_name") or me.get("name") or ""),
            email=str(me.get("email") or ""),
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=tokens.expires_at,
            linked_at=now,
            sys_id=str(me.get("sys_id") or ""),
        )
        await self._links.put(link)
        detail = {"as": link.user_name}
        await self._audit.audit(pending.workspace, pending.requested_by, "account.link", detail)
        return LinkResult(link, pending.origin, pending.requested_by, pending.locale)

    async def linked(self, workspace: str, user: str) -> UserLink | None:
        """``user``'s link, if they linked."""
        return await self._links.get(workspace, user)

    async def access_token(self, workspace: str, user: str) -> str | None:
        """``user``'s own access token, refreshed when it is about to expire; None when they
        have not linked (or their link can no longer be refreshed: it is then forgotten)."""
        lock = self._locks.setdefault(f"{workspace}|{user}", asyncio.Lock())
        async with lock:
            link = await self._links.get(workspace, user)
            if link is None:
                return None
            if link.expires_at - self._clock.now() > REFRESH_AHEAD:
                return link.access_token
            conn = await self._connections.get_connection(workspace)
            if conn is None:
                return None
            try:
                tokens = await self._oauth.refresh(
                    link.instance_url,
                    client_id=conn.client_id,
                    client_secret=conn.client_secret,
                    refresh_token=link.refresh_token,
                    now=self._clock.now(),
                )
            except ServiceNowError as exc:
                if exc.status in (400, 401):
                    log.info("link of %s in %s no longer refreshes: forgotten", user, workspace)
                    await self._links.delete(workspace, user)
                    return None
                raise
            fresh = replace(
                link,
                access_token=tokens.access_token,
                refresh_token=tokens.refresh_token or link.refresh_token,
                expires_at=tokens.expires_at,
            )
            await self._links.put(fresh)
            return fresh.access_token

    async def unlink(self, workspace: str, user: str) -> UserLink | None:
        """Revoke ``user``'s tokens (best effort) and forget the link; the link it was."""
        link = await self._links.get(workspace, user)
        if link is None:
            return None
        await self._links.delete(workspace, user)
        await self._revoke(link)
        await self._audit.audit(workspace, user, "account.unlink", {"as": link.user_name})
        return link

    async def forget_workspace(self, workspace: str) -> int:
        """Revoke and forget every link of a workspace (its connection is gone)."""
        links = await self._links.of(workspace)
        for link in links:
            await self._links.delete(workspace, link.user)
            await self._revoke(link)
        return len(links)

    async def _revoke(self, link: UserLink) -> None:
        for token in (link.refresh_token, link.access_token):
            if token:
                try:
                    await self._oauth.revoke(link.instance_url, token)
                except ServiceNowError as exc:
                    log.info("revoking a token of %s failed: %s", link.user, exc.message)
