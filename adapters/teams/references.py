"""Conversation references, kept in the Store so any replica can post proactively later."""

from __future__ import annotations

import logging
from typing import Any

from microsoft_agents.activity import Activity, ConversationReference

from adapters.teams.context import split_conversation
from core.store.port import Store

__all__ = ["NAMESPACE", "References"]

log = logging.getLogger(__name__)

NAMESPACE = "teams-conversations"


def _key(workspace: str, conversation: str) -> str:
    return f"{workspace}|{conversation}"


class References:
    """Saves a conversation's reference on first contact (and when its serviceUrl moves)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._saved: dict[str, str] = {}  # key → serviceUrl already stored by this process

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
        if self._saved.get(key) == activity.service_url:
            return
        ref = activity.get_conversation_reference()
        doc: dict[str, Any] = ref.model_dump(mode="json", by_alias=True, exclude_none=True)
        doc["conversation"] = {**doc.get("conversation", {}), "id": base}
        doc.pop("activityId", None)
        await self._store.put_document(NAMESPACE, key, doc)
        self._saved[key] = activity.service_url
        if len(self._saved) > 10_000:
            self._saved.clear()

    async def get(self, workspace: str, conversation: str) -> ConversationReference | None:
        """The stored reference of a conversation, or None if the bot never heard from it."""
        doc = await self._store.get_document(NAMESPACE, _key(workspace, conversation))
        if doc is None:
            return None
        return ConversationReference.model_validate(doc)

    async def forget(self, workspace: str, conversation: str) -> None:
        """The bot was removed: drop the reference."""
        self._saved.pop(_key(workspace, conversation), None)
        await self._store.delete_document(NAMESPACE, _key(workspace, conversation))
