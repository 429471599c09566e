"""What the Teams adapter needs to know, independent of how settings are read."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

__all__ = ["BOT_FRAMEWORK_SCOPE", "GRAPH_SCOPE", "MULTI_TENANT", "TeamsConfig"]

#: The audience of the tokens the bot presents to the Bot Framework connector.
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
#: The app-only Microsoft Graph token the bot reads its own messages back with (RSC).
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
#: Where a multi-tenant bot's own connector tokens come from.
MULTI_TENANT = "botframework.com"


@dataclass(frozen=True, slots=True)
class TeamsConfig:
    """Bot credentials and endpoints.

    With ``app_id`` every inbound request must carry a valid Bot Framework (or Entra) token
    and outbound calls get a client-credentials token. Without it, only ``anonymous`` local
    mode is possible, and then only for activities from a loopback ``serviceUrl``.
    """

    app_id: str | None = None
    app_password: str | None = field(default=None, repr=False)
    #: The tenants served (lower case); empty: any tenant (a multi-tenant app registration).
    tenants: tuple[str, ...] = ()
    #: The tenant of the bot's app registration, where its own tokens come from; None: the
    #: one tenant of ``tenants`` when there is one, else ``botframework.com`` (multi-tenant).
    app_tenant_id: str | None = None
    anonymous: bool = False
    login_url: str = "https://login.microsoftonline.com"
    openid_url: str = "https://login.botframework.com/v1/.well-known/openidconfiguration"
    admins: tuple[str, ...] = ()
    admin_role: str | None = None
    public_url: str = "http://localhost:3978"
    #: Microsoft Graph, where the bot reads back what it posted (resource-specific consent).
    graph_url: str = "https://graph.microsoft.com"

    @property
    def authenticated(self) -> bool:
        """True when tokens are checked inbound and sent outbound."""
        return bool(self.app_id and self.app_password)

    @property
    def tenant_id(self) -> str:
        """The tenant of the bot's app registration (its connector tokens come from there)."""
        if self.app_tenant_id:
            return self.app_tenant_id
        return self.tenants[0] if len(self.tenants) == 1 else MULTI_TENANT

    def allows(self, tenant: str) -> bool:
        """True if this deployment serves ``tenant`` (any, without an allow-list)."""
        return not self.tenants or tenant.strip().lower() in self.tenants

    def token_url_for(self, tenant: str | None = None) -> str:
        """The OAuth 2.0 token endpoint of ``tenant`` (default: the bot's own tenant)."""
        return f"{self.login_url}/{quote(tenant or self.tenant_id, safe='')}/oauth2/v2.0/token"

    @property
    def token_url(self) -> str:
        """The OAuth 2.0 token endpoint of the bot's tenant (client credentials)."""
        return self.token_url_for()

    @property
    def entra_openid_url(self) -> str:
        """OpenID metadata of the bot's tenant: single-tenant bots also get Entra tokens."""
        return f"{self.login_url}/{self.tenant_id}/v2.0/.well-known/openid-configuration"
