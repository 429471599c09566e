"""ConnectionService: connect a workspace to ServiceNow, report on it, disconnect it.

Connecting is OAuth authorization code with PKCE: :meth:`start` stores a single-use
``state`` (10 minutes) and returns the URL the admin opens; :meth:`finish` is called by
``/servicenow/oauth/callback``. :meth:`connect_with_password` is the headless path.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlsplit

from core.accounts import AccountService, LinkResult
from core.clock import Clock
from core.gateway import TicketGateway
from core.i18n import _, current_locale
from core.models import ChannelRef, Connection, ConnectionStatus, OAuthClientConfig, OAuthState
from core.repos.oauth import SIGN_IN_TTL, PendingSignIns, SignInIntro, WorkspaceClients
from core.servicenow.errors import ConfigurationError, ServiceNowError
from core.servicenow.oauth import OAuthClient, TokenSet, new_code_verifier, new_state
from core.servicenow.tokens import TokenKeeper
from core.storage import AuditLog, ConnectionStore
from core.urls import is_loopback_host, normalize_instance_url

__all__ = [
    "STATE_TTL",
    "ConnectResult",
    "ConnectionService",
    "ConnectionStatusView",
    "OAuthClientConfig",
]

log = logging.getLogger(__name__)

STATE_TTL = SIGN_IN_TTL
#: Hosts where ServiceNow runs customer instances.
SERVICENOW_DOMAINS = (".service-now.com", ".servicenowservices.com")


@dataclass(frozen=True, slots=True)
class ConnectResult:
    """Outcome of an OAuth callback, with where the admin asked from."""

    connection: Connection | None
    origin: ChannelRef | None
    requested_by: str
    warning: str = ""
    locale: str = ""  # the asker's language ("" when unknown: the workspace's)


@dataclass(frozen=True, slots=True)
class ConnectionStatusView:
    """What `/snow status` reports."""

    connected: bool
    instance_url: str = ""
    connected_as: str = ""
    status: str = ""
    token_expires_at: datetime | None = None
    last_sync_at: datetime | None = None
    last_error: str | None = None
    warning: str | None = None
    hint: str = ""


class ConnectionService:
    """Connection use cases."""

    def __init__(
        self,
        connections: ConnectionStore,
        clients: WorkspaceClients,
        sign_ins: PendingSignIns,
        audit: AuditLog,
        oauth: OAuthClient,
        gateway: TicketGateway,
        tokens: TokenKeeper,
        clock: Clock,
        *,
        public_url: str,
        default_client: OAuthClientConfig | None = None,
        allowed_hosts: tuple[str, ...] = (),
        accounts: AccountService | None = None,
    ) -> None:
        self._accounts = accounts
        self._connections = connections
        self._clients = clients
        self._sign_ins = sign_ins
        self._audit = audit
        self._oauth = oauth
        self._gateway = gateway
        self._tokens = tokens
        self._clock = clock
        self._public_url = public_url.rstrip("/")
        self._default_client = default_client
        self._allowed_hosts = frozenset(h.lower() for h in allowed_hosts)

    @property
    def accounts(self) -> AccountService:
        """People's own ServiceNow accounts, linked through this service's connections."""
        if self._accounts is None:
            raise RuntimeError("no AccountService was given")
        return self._accounts

    @property
    def redirect_uri(self) -> str:
        """Where ServiceNow sends the admin back (register it in the Application Registry)."""
        return f"{self._public_url}/servicenow/oauth/callback"

    def default_client_allowed(self, instance_url: str) -> bool:
        """The deployment's own OAuth client (from settings) is sent only to ServiceNow-hosted
        instances, the hosts in ``SERVICENOW_ALLOWED_HOSTS`` and loopback: an admin typing
        another host must bring that instance's own client through the private form."""
        host = (urlsplit(instance_url).hostname or "").lower()
        return (
            host.endswith(SERVICENOW_DOMAINS)
            or host in self._allowed_hosts
            or is_loopback_host(host)
        )

    async def _client_for(self, workspace: str, instance_url: str) -> OAuthClientConfig | None:
        own = await self._clients.get(workspace)
        if own is not None:
            return own
        if self._default_client is not None and self.default_client_allowed(instance_url):
            return self._default_client
        return None

    async def set_client(self, workspace: str, client: OAuthClientConfig, actor: str) -> None:
        """Remember a workspace's own OAuth client (from a private form, never a message)."""
        await self._clients.put(workspace, client)
        await self._audit.audit(workspace, actor, "connection.client", {"id": client.client_id})

    async def needs_client_form(self, workspace: str, instance: str) -> bool:
        """True when no OAuth client may be used for this workspace and instance."""
        return await self._client_for(workspace, normalize_instance_url(instance)) is None

    async def start(
        self,
        workspace: str,
        instance: str,
        actor: str,
        origin: ChannelRef | None = None,
        actor_email: str | None = None,
        actor_name: str = "",
    ) -> str:
        """Begin connecting; returns the sign-in link to send privately to the admin (our
        page naming the workspace and who asked, which leads on to ServiceNow's sign-in)."""
        instance_url = normalize_instance_url(instance)
        client = await self._client_for(workspace, instance_url)
        if client is None:
            hint = _(
                "Set SERVICENOW_CLIENT_ID and SERVICENOW_CLIENT_SECRET, or fill in the "
                "private 'ServiceNow OAuth client' form."
            )
            if self._default_client is not None:
                hint = _(
                    "{host} is not a service-now.com host: add it to SERVICENOW_ALLOWED_HOSTS, "
                    "or give this instance's own OAuth client in the private form.",
                    host=urlsplit(instance_url).hostname,
                )
            raise ConfigurationError(_("no ServiceNow OAuth client is configured"), hint=hint)
        state, verifier = new_state(), new_code_verifier()
        pending = OAuthState(
            state=state,
            workspace=workspace,
            instance_url=instance_url,
            client_id=client.client_id,
            client_secret=client.client_secret,
            code_verifier=verifier,
            redirect_uri=self.redirect_uri,
            requested_by=actor,
            created_at=self._clock.now(),
            origin=origin,
            requested_by_email=actor_email,
            locale=current_locale(),
        )
        await self._sign_ins.put(pending)
        await self._audit.audit(workspace, actor, "connection.start", {"instance": instance_url})
        authorize = self._oauth.authorization_url(
            instance_url,
            client_id=client.client_id,
            redirect_uri=self.redirect_uri,
            state=state,
            code_verifier=verifier,
        )
        # The link goes to our own page first: it names the workspace and who asked, so a
        # link forwarded to someone else cannot connect their account unnoticed.
        token = new_state()
        intro = SignInIntro(authorize, workspace, instance_url, actor_name or actor)
        await self._sign_ins.introduce(token, intro)
        return f"{self._public_url}/servicenow/oauth/start?t={token}"

    async def sign_in_intro(self, token: str, *, use: bool = False) -> SignInIntro | None:
        """The page before ServiceNow's sign-in; ``use`` spends it (the click to go on)."""
        if not token or len(token) > 200:
            return None
        return await self._sign_ins.intro(token, use=use)

    async def finish(self, state: str, code: str) -> ConnectResult | LinkResult:
        """Complete connecting, or a user's link, from the OAuth callback (``state`` is used
        up here)."""
        pending = await self._sign_ins.take(state)
        if pending is None:
            raise ConfigurationError(
                _("this sign-in link was already used or has expired"),
                hint=_("Sign-in links work once, for 10 minutes. Run /snow connect again."),
            )
        if pending.purpose == "link" and self._accounts is not None:
            return await self._accounts.finish(pending, code)
        tokens = await self._oauth.redeem(pending, code, self._clock.now())
        conn = await self._save(
            pending.workspace,
            pending.instance_url,
            OAuthClientConfig(pending.client_id, pending.client_secret),
            tokens,
            pending.requested_by,
            admin_email=pending.requested_by_email,
        )
        return ConnectResult(
            conn, pending.origin, pending.requested_by, conn.warning or "", pending.locale
        )

    async def abandon(self, state: str) -> ConnectResult | LinkResult | None:
        """Access was denied (or ServiceNow sent an error): use the state up."""
        pending = await self._sign_ins.take(state)
        if pending is None:
            return None
        if pending.purpose == "link":
            return LinkResult(None, pending.origin, pending.requested_by, pending.locale)
        return ConnectResult(None, pending.origin, pending.requested_by, locale=pending.locale)

    async def connect_with_password(
        self,
        workspace: str,
        instance: str,
        client: OAuthClientConfig,
        username: str,
        password: str,
        actor: str,
    ) -> Connection:
        """Headless set-up by the password grant (``snowops connect``)."""
        instance_url = normalize_instance_url(instance)
        tokens = await self._oauth.password_grant(
            instance_url,
            client_id=client.client_id,
            client_secret=client.client_secret,
            username=username,
            password=password,
            now=self._clock.now(),
        )
        return await self._save(workspace, instance_url, client, tokens, actor)

    async def _save(
        self,
        workspace: str,
        instance_url: str,
        client: OAuthClientConfig,
        tokens: TokenSet,
        actor: str,
        *,
        admin_email: str | None = None,
    ) -> Connection:
        previous = await self._connections.get_connection(workspace)
        conn = Connection(
            workspace=workspace,
            instance_url=instance_url,
            client_id=client.client_id,
            client_secret=client.client_secret,
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_at=tokens.expires_at,
            status=ConnectionStatus.ACTIVE,
            created_at=self._clock.now(),
            last_sync_at=previous.last_sync_at if previous else None,
        )
        await self._connections.save_connection(conn)
        who, email = await self._whoami(workspace)
        warning = None
        if admin_email and email and admin_email.strip().lower() == email.strip().lower():
            warning = _(
                "Signed in as {who}, the personal account of the admin who connected, not a "
                "dedicated integration user: tickets will show that person as their author and "
                "stop working when the account changes. Disconnect, then connect signing in as "
                "the integration user.",
                who=who,
            )
        conn = replace(conn, connected_as=who, warning=warning)
        await self._connections.save_connection(conn)
        await self._audit.audit(
            workspace, actor, "connection.connected", {"instance": instance_url, "as": who}
        )
        log.info("workspace %s connected to %s as %s", workspace, instance_url, who or "?")
        return conn

    async def _whoami(self, workspace: str) -> tuple[str, str]:
        """(user name, email) of the user the tokens act as; blanks if unreadable."""
        try:
            me = await self._gateway.whoami(workspace)
        except ServiceNowError as exc:
            log.info("could not read the integration user's name: %s", exc.message)
            return "", ""
        return (me.user_name, me.email) if me is not None else ("", "")

    async def status(self, workspace: str) -> ConnectionStatusView:
        """The connection's health as `/snow status` shows it."""
        conn = await self._connections.get_connection(workspace)
        if conn is None:
            return ConnectionStatusView(
                connected=False, hint=_("An admin can connect with /snow connect <instance>.")
            )
        hint = ""
        if conn.status is ConnectionStatus.NEEDS_REAUTH:
            hint = _("Tokens can no longer be refreshed: an admin should run /snow connect again.")
        return ConnectionStatusView(
            connected=True,
            instance_url=conn.instance_url,
            connected_as=conn.connected_as,
            status=conn.status.value,
            token_expires_at=conn.expires_at,
            last_sync_at=conn.last_sync_at,
            last_error=conn.last_error,
            warning=conn.warning,
            hint=hint,
        )

    async def disconnect(self, workspace: str, actor: str) -> bool:
        """Revoke the tokens (best effort), forget the connection, keep ticket history."""
        async with self._tokens.lock(workspace):
            conn = await self._connections.get_connection(workspace)
            if conn is None:
                return False
            await self._connections.delete_connection(workspace)
        for token in (conn.refresh_token, conn.access_token):
            if token:
                try:
                    await self._oauth.revoke(conn.instance_url, token)
                except ServiceNowError as exc:
                    log.warning("token revocation failed for %s: %s", workspace, exc.message)
        if self._accounts is not None:
            # People's own tokens were granted through this connection's client: they go too.
            await self._accounts.forget_workspace(workspace)
        await self._audit.audit(workspace, actor, "connection.disconnect", {})
        return True
