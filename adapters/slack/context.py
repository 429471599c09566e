"""Slack payloads → who asks and where (core's RequestContext), and where to answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.permissions import SlackUsers
from core.handlers.context import RequestContext
from core.models import ChannelRef, Requester

__all__ = [
    "Where",
    "known_locale",
    "quick_context",
    "request_context",
    "team_of",
    "where_of",
    "workspace_of",
]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def team_of(body: dict[str, Any]) -> str:
    """The team id of any Slack payload (slash command, interactivity, event)."""
    team = body.get("team_id") or body.get("team") or _dict(body.get("user")).get("team_id")
    if isinstance(team, dict):
        team = team.get("id")
    authorizations = body.get("authorizations")
    if not team and isinstance(authorizations, list) and authorizations:
        team = _dict(authorizations[0]).get("team_id")
    return str(team or body.get("enterprise_id") or "unknown")[:64]


def user_of(body: dict[str, Any]) -> str:
    """The id of the person behind a payload."""
    user = body.get("user_id") or _dict(body.get("user")).get("id") or ""
    return str(user)[:64]


def workspace_of(team_id: str) -> str:
    """SnowOps's workspace id for a Slack team."""
    return f"slack:{team_id}"


async def request_context(
    users: SlackUsers, client: AsyncWebClient, body: dict[str, Any], channel_id: str | None
) -> RequestContext:
    """Who asks and where; ``users.info`` (cached) says whether they are an admin."""
    team_id, user_id = team_of(body), user_of(body)
    user = await users.get(client, team_id, user_id)
    workspace = workspace_of(team_id)
    return RequestContext(
        workspace=workspace,
        requester=Requester("slack", user_id, user.name, user.email),
        channel=ChannelRef(workspace, channel_id) if channel_id else None,
        is_admin=user.is_admin,
        zone=user.tz,
        locale=user.locale,
    )


def quick_context(body: dict[str, Any], channel_id: str | None, locale: str = "") -> RequestContext:
    """Who asks, without asking Slack (before the ack): never an admin, no email; the
    language is what the caller knows already (a cached lookup), else English."""
    workspace = workspace_of(team_of(body))
    return RequestContext(
        workspace,
        Requester("slack", user_of(body), str(body.get("user_name") or "")[:200]),
        ChannelRef(workspace, channel_id) if channel_id else None,
        is_admin=False,
        locale=locale,
    )


def known_locale(users: SlackUsers, body: dict[str, Any]) -> str | None:
    """The asker's language tag if a recent ``users.info`` said it, else None (an ack is
    then in English: asking Slack first would eat into its three seconds)."""
    user = users.cached(team_of(body), user_of(body))
    return user.locale if user is not None else None


@dataclass(frozen=True, slots=True)
class Where:
    """Where a Slack request came from, so its answer goes to the right surface.

    ``modal``: a modal or the Home tab was clicked, so answers go in a modal (``view_id``
    is the modal to update, if any); otherwise answers go through ``response_url``.
    """

    channel: str | None
    response_url: str | None
    trigger_id: str | None
    view_id: str | None = None
    modal: bool = False
    clicked: bool = False


def where_of(body: dict[str, Any]) -> Where:
    """The surface of a slash command or an interactivity payload."""
    view = _dict(body.get("view"))
    channel = body.get("channel_id") or _dict(body.get("channel")).get("id")
    trigger = body.get("trigger_id")
    if view:
        home = view.get("type") == "home"
        return Where(
            channel=None,
            response_url=None,
            trigger_id=str(trigger) if trigger else None,
            # A click on the Home tab opens a modal; one in a modal updates it.
            view_id=None if home else str(view.get("id") or "") or None,
            modal=True,
        )
    url = body.get("response_url")
    return Where(
        channel=str(channel)[:64] if channel else None,
        response_url=str(url) if isinstance(url, str) and url else None,
        trigger_id=str(trigger) if trigger else None,
        clicked=body.get("type") == "block_actions",
    )
