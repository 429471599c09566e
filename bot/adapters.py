"""Each chat adapter's slice of the settings."""

from __future__ import annotations

from pydantic import SecretStr

from adapters.slack.config import SlackConfig
from adapters.teams.config import TeamsConfig
from bot.settings import Settings

__all__ = ["slack_config", "teams_config"]


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def slack_config(settings: Settings) -> SlackConfig:
    """The Slack adapter's slice of the settings."""
    return SlackConfig(
        signing_secret=_secret(settings.slack_signing_secret) or "",
        bot_token=_secret(settings.slack_bot_token),
        client_id=settings.slack_client_id,
        client_secret=_secret(settings.slack_client_secret),
        app_token=_secret(settings.slack_app_token),
        api_url=settings.slack_api_url.rstrip("/") + "/",
        public_url=settings.public_url,
        admins=settings.admins,
    )


def teams_config(settings: Settings) -> TeamsConfig:
    """The Teams adapter's slice of the settings."""
    return TeamsConfig(
        app_id=settings.teams_app_id,
        app_password=_secret(settings.teams_app_password),
        tenants=tuple(t.lower() for t in settings.teams_tenant_ids),
        app_tenant_id=settings.teams_app_tenant_id,
        anonymous=settings.teams_anonymous,
        login_url=settings.teams_login_url,
        openid_url=settings.teams_openid_url,
        admins=settings.admins,
        admin_role=settings.teams_admin_role,
        public_url=settings.public_url,
        graph_url=settings.teams_graph_url.rstrip("/"),
    )
