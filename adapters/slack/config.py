"""What the Slack adapter needs to know, independent of how settings are read."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BOT_SCOPES", "SlackConfig"]

#: Bot scopes requested at install (manifests/slack/manifest.yaml explains each).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "users:read",
    "users:read.email",
    "channels:history",
    "groups:history",
    "reactions:write",
    "links:read",
    "links:write",
)


@dataclass(frozen=True, slots=True)
class SlackConfig:
    """Slack credentials and endpoints. Exactly one of the two modes must be configured:
    single workspace (``bot_token``) or OAuth install (``client_id`` and ``client_secret``).
    """

    signing_secret: str
    bot_token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    app_token: str | None = None
    api_url: str = "https://slack.com/api/"
    authorize_url: str = "https://slack.com/oauth/v2/authorize"
    public_url: str = "http://localhost:3978"
    admins: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return (
            f"SlackConfig(mode={'oauth' if self.client_id else 'single'}, "
            f"socket={'on' if self.app_token else 'off'}, api_url={self.api_url!r})"
        )

    @property
    def oauth(self) -> bool:
        """Multi-workspace install mode."""
        return bool(self.client_id and self.client_secret)
