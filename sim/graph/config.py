"""Configuration of the simulated Entra ID tenants and Graph, and the credentials it accepts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

DEFAULT_TENANT_ID = "8f2c6a1e-5b3d-4e7f-9a10-2c4d6e8f0a1b"
"""Home tenant: the app is registered here and has been granted SecurityEvents.Read.All."""
DEFAULT_UNCONSENTED_TENANT_ID = "3d9e7b5c-1a2f-4c6e-8b0d-9f1e2a3b4c5d"
"""A tenant where the app's service principal exists but no admin granted any app role."""
DEFAULT_CLIENT_ID = "5a7b9c1d-3e5f-4a6b-8c0d-2e4f6a8b0c1d"
DEFAULT_CLIENT_SECRET = "snowops-graph-sim~secret.0123456789abcdefghij"
GRAPH_RESOURCE = "https://graph.microsoft.com"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
READ_ROLE = "SecurityEvents.Read.All"
READ_WRITE_ROLE = "SecurityEvents.ReadWrite.All"

ForbiddenStyle = Literal["security", "missing_roles"]
FORBIDDEN_STYLES: tuple[ForbiddenStyle, ...] = ("security", "missing_roles")


@dataclass
class TenantConfig:
    """One Entra ID tenant: its id, primary domain, display name and the app roles the
    simulated app has been granted there (what lands in the token's `roles` claim)."""

    tenant_id: str
    domain: str
    display_name: str
    app_roles: tuple[str, ...] = ()


def default_tenants() -> dict[str, TenantConfig]:
    """The consented home tenant and the unconsented second tenant."""
    return {
        DEFAULT_TENANT_ID: TenantConfig(
            DEFAULT_TENANT_ID, "contoso.onmicrosoft.com", "Contoso", (READ_ROLE,)
        ),
        DEFAULT_UNCONSENTED_TENANT_ID: TenantConfig(
            DEFAULT_UNCONSENTED_TENANT_ID, "fabrikam.onmicrosoft.com", "Fabrikam", ()
        ),
    }


@dataclass
class GraphSimConfig:
    """Settings of one simulator (mutable so tests can flip them on a live sim).

    `base_url` is written into `@odata.context` and `@odata.nextLink`; None derives it from the
    request's scheme and Host header. `page_size` is the profile page size when the client
    sends no `$top`. `forbidden_style` picks the 403 body for a token without the Graph role:
    "security" is the Graph Security API's own wording (names no permission), "missing_roles"
    the newer Graph-wide wording that lists the roles the API accepts.
    """

    tenants: dict[str, TenantConfig] = field(default_factory=default_tenants)
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    app_display_name: str = "SnowOps Secure Score"
    page_size: int = 10
    token_lifetime: int = 3599
    history_days: int = 90
    base_url: str | None = None
    forbidden_style: ForbiddenStyle = "security"
