"""Configuration of a simulated ServiceNow instance and the credentials it accepts by default."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_CLIENT_ID = "snowops-sim-client"
DEFAULT_CLIENT_SECRET = "snowops-sim-secret"
DEFAULT_USERNAME = "snowops.integration"
DEFAULT_PASSWORD = "snowops-sim-password"


@dataclass
class SimConfig:
    """Settings of one simulated instance (mutable so tests can flip them on a live instance).

    `instance_url` is the base URL written into links and `Location`; None derives it from the
    request's scheme and Host header. `redirect_uris` are the redirect URLs registered on the
    OAuth Application Registry entry; empty accepts any loopback http URL or any https URL.
    """

    instance_url: str | None = None
    redirect_uris: tuple[str, ...] = ()
    access_token_lifespan: int = 1800
    refresh_token_lifespan: int = 8640000
    auto_progress_seconds: float | None = None
    seed_demo_tickets: bool = False
    # glide.oauth.inbound.client.credential.grant_type.enabled is false on real instances.
    client_credentials_enabled: bool = False
    # False: the Batch API answers as an unknown resource (a proxy that lets only the
    # Table API through, or a REST API ACL on it).
    batch_api: bool = True
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    #: Plugins this instance lacks (e.g. "com.snc.security_incident": no sn_si_incident).
    missing_plugins: tuple[str, ...] = ()
