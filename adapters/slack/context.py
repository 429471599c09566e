"""Slack payloads → core's RequestContext, and the small JSON the ticket form carries."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.permissions import SlackUsers
from core.dispatch import RequestContext
from core.models import ChannelRef, RecommendationSource, Requester

__all__ = ["FormMeta", "request_context", "team_of", "workspace_of"]


def team_of(body: dict[str, Any]) -> str:
    """The team id of any Slack payload (slash command, interactivity, event)."""
    team = body.get("team_id") or body.get("team") or body.get("user", {}).get("team_id")
    if isinstance(team, dict):
        team = team.get("id")
    if not team and body.get("authorizations"):
        team = body["authorizations"][0].get("team_id")
    return str(team or body.get("enterprise_id") or "unknown")


def workspace_of(team_id: str) -> str:
    """SnowOps's workspace id for a Slack team."""
    return f"slack:{team_id}"


async def request_context(
    users: SlackUsers,
    client: AsyncWebClient,
    team_id: str,
    user_id: str,
    channel_id: str | None,
) -> RequestContext:
    """Who asks and where; ``users.info`` (cached) says whether they are an admin."""
    user = await users.get(client, team_id, user_id)
    workspace = workspace_of(team_id)
    return RequestContext(
        workspace=workspace,
        requester=Requester("slack", user_id, user.name, user.email),
        channel=ChannelRef(workspace, channel_id) if channel_id else None,
        is_admin=user.is_admin,
    )


@dataclass(frozen=True, slots=True)
class FormMeta:
    """What the ticket form must remember between opening and submit (private_metadata)."""

    channel: str | None = None
    source: RecommendationSource = RecommendationSource.USER
    recommendation_id: str | None = None
    recommendation_url: str | None = None

    def dumps(self) -> str:
        """Compact JSON for ``private_metadata`` (3,000 characters at most)."""
        data = {
            "c": self.channel,
            "s": self.source.value,
            "r": self.recommendation_id,
            "u": (self.recommendation_url or "")[:1500] or None,
        }
        return json.dumps({k: v for k, v in data.items() if v}, separators=(",", ":"))

    @classmethod
    def loads(cls, text: str | None) -> FormMeta:
        """Read it back; anything unreadable gives the defaults."""
        try:
            data = json.loads(text or "{}")
        except json.JSONDecodeError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        source = RecommendationSource.MICROSOFT if data.get("s") == "Microsoft" else None
        return cls(
            channel=data.get("c"),
            source=source or RecommendationSource.USER,
            recommendation_id=data.get("r"),
            recommendation_url=data.get("u"),
        )
