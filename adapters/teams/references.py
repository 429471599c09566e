"""Conversation references, kept in the Store so any replica can post proactively later.

For a channel, the team it belongs to is kept beside its reference: Microsoft Graph names a
team by its Microsoft 365 group id (``channelData.team.aadGroupId``), which the sink needs to
read its own messages back (:mod:`adapters.teams.recall`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from microsoft_agents.activity import Activity, ConversationReference

from adapters.teams.context import conversation_type, split_conversation
from core.storage import Documents

__all__ = ["NAMESPACE", "References", "Team", "team_of"]

log = logging.getLogger(__name__)

NAMESPACE = "teams-conversations"


def _key(workspace: str, conversation: str) -> str:
    return f"{workspace}|{conversation}"


def _user_key(workspace: str, user: str) -> str:
    return f"{workspace}|user:{user}"


def _team_key(workspace: str, conversation: str) -> str:
    return f"{workspace}|team:{conversation}"


@dataclass(frozen=True, slots=True)
class Team:
    """The team a channel belongs to: its Bot Framework id (``19:…``, the General channel's)
    and, once known, its Microsoft 365 group id (Graph's team id)."""

    id: str
    aad_group_id: str | None = None


def team_of(activity: Activity) -> Team | None:
    """The team of a channel activity (``channelData.team``), or None elsewhere."""
    if conversation_type(activity) != "channel":
        return None
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    team = data.get("team")
    if not isinstance(team, dict) or not team.get("id"):
        return None
    return Team(str(team["id"]), str(team.get("aadGroupId") or "") or None)


class References:
    """Saves a conversation's reference on first contact (and when its serviceUrl moves),
    and which personal chat is whose, so SnowOps can write to a person directly."""

    def __init__(self, docs: Documents) -> None:
        self._store = docs
        # key → (serviceUrl, team) already stored by this process
        self._saved: dict[str, tuple[str, Team | None]] = {}

    async def remember(self, workspace: str, activity: Activity) -> None:
        """Keep the reference of the activity's conversation (the channel, not the thread)."""
        if (
            activity.conversation is None
            or not activity.conversation.id
            or not activity.service_url
        ):
            return
        base, _ = split_conversation(activity.conversation.id)
        key = _key(workspace, base)
        team = team_of(activity)
        if self._saved.get(key) == (activity.service_url, team):
            return
        ref = activity.get_conversation_reference()
        doc: dict[str, Any] = ref.model_dump(mode="json", by_alias=True, exclude_none=True)
        doc["conversation"] = {**doc.get("conversation", {}), "id": base}
        doc.pop("activityId", None)
        await self._store.put_document(NAMESPACE, key, doc)
        if conversation_type(activity) == "personal" and activity.from_property is not None:
            for user in {activity.from_property.aad_object_id, activity.from_property.id} - {
                None,
                "",
            }:
                await self._store.put_document(
                    NAMESPACE, _user_key(workspace, str(user)), {"conversation": base}
                )
        if team is not None:
            await self._keep_team(workspace, base, team)
        self._saved[key] = (activity.service_url, team)
        if len(self._saved) > 10_000:
            self._saved.clear()

    async def get(self, workspace: str, conversation: str) -> ConversationReference | None:
        """The stored reference of a conversation, or None if the bot never heard from it."""
        doc = await self._store.get_document(NAMESPACE, _key(workspace, conversation))
        if doc is None:
            return None
        return ConversationReference.model_validate(doc)

    async def personal(self, workspace: str, user: str) -> str | None:
        """The personal chat SnowOps has with ``user`` (an Entra object id or Teams id)."""
        doc = await self._store.get_document(NAMESPACE, _user_key(workspace, user))
        return str(doc["conversation"]) if doc and doc.get("conversation") else None

    async def remember_email(self, workspace: str, email: str, user: str) -> None:
        """``user`` (an Entra object id) has this email: the person SnowOps DMs when a
        ServiceNow record names the email (an approver). Kept once per process and person."""
        key = f"{workspace}|email:{email.lower()}"
        if not email or not user or self._saved.get(key) == (user, None):
            return
        await self._store.put_document(NAMESPACE, key, {"user": user})
        self._saved[key] = (user, None)

    async def by_email(self, workspace: str, email: str) -> str | None:
        """The Teams user with this email, as SnowOps learnt it from their personal chat."""
        doc = await self._store.get_document(NAMESPACE, f"{workspace}|email:{email.lower()}")
        return str(doc["user"]) if doc and doc.get("user") else None

    async def team(self, workspace: str, conversation: str) -> Team | None:
        """The team of a channel, as far as SnowOps knows it (None: not a channel, or a
        reference saved before teams were kept)."""
        doc = await self._store.get_document(NAMESPACE, _team_key(workspace, conversation))
        if doc is None or not doc.get("id"):
            return None
        return Team(str(doc["id"]), str(doc.get("aadGroupId") or "") or None)

    async def remember_team(self, workspace: str, conversation: str, team: Team) -> None:
        """Keep the team of a channel (its group id, once the connector told it)."""
        doc = {"id": team.id, "aadGroupId": team.aad_group_id}
        await self._store.put_document(NAMESPACE, _team_key(workspace, conversation), doc)

    async def _keep_team(self, workspace: str, conversation: str, team: Team) -> None:
        known = await self.team(workspace, conversation)
        if known == team or (known and known.id == team.id and team.aad_group_id is None):
            return  # what is stored says as much or more
        await self.remember_team(workspace, conversation, team)

    async def forget(self, workspace: str, conversation: str) -> None:
        """The bot was removed: drop the reference."""
        self._saved.pop(_key(workspace, conversation), None)
        await self._store.delete_document(NAMESPACE, _key(workspace, conversation))
        await self._store.delete_document(NAMESPACE, _team_key(workspace, conversation))
