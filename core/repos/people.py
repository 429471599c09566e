"""Who a ticket concerns in chat (who asked for it, who took it), and who asked to hear of
their tickets' changes by direct message (``/snow notify me on``)."""

from __future__ import annotations

from collections.abc import Sequence

from core.models import ChannelRef
from core.storage import Doc, Documents

__all__ = ["NotifyPrefs", "TicketPeople"]

_PEOPLE = "ticket_people"
_PREFS = "notify_me"


class TicketPeople:
    """Per ticket, the chat users (``platform:user``) who requested it or are assigned."""

    def __init__(self, docs: Documents) -> None:
        self._docs = docs

    async def _add(self, workspace: str, number: str, role: str, user: str) -> None:
        key = f"{workspace}|{number}"
        doc = await self._docs.get_document(_PEOPLE, key) or {}
        if role == "requester":
            doc["requester"] = user
        else:
            # One assignee at a time, as in ServiceNow: the newest one who took it.
            doc["assignee"] = user
        await self._docs.put_document(_PEOPLE, key, doc)

    async def requested(self, workspace: str, number: str, user: str) -> None:
        """``user`` asked for the ticket (made it from chat)."""
        await self._add(workspace, number, "requester", user)

    async def assigned(self, workspace: str, number: str, user: str) -> None:
        """``user`` took the ticket (``/snow assign … me``)."""
        await self._add(workspace, number, "assignee", user)

    async def requester(self, workspace: str, number: str) -> str:
        """Who asked for the ticket ("" when it was not made from chat)."""
        doc = await self._docs.get_document(_PEOPLE, f"{workspace}|{number}") or {}
        return str(doc.get("requester") or "")

    async def of(self, workspace: str, number: str) -> list[str]:
        """The requester and the assignee, each once, in that order."""
        return _people(await self._docs.get_document(_PEOPLE, f"{workspace}|{number}") or {})

    async def of_across(self, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
        """:meth:`of` for (workspace, number) pairs of any workspaces, in one read; the
        tickets nobody in chat asked for or took are left out."""
        keys = {f"{ws}|{number}": (ws, number) for ws, number in pairs}
        docs = await self._docs.get_documents(_PEOPLE, list(keys)) if keys else {}
        found = {keys[key]: _people(doc) for key, doc in docs.items() if key in keys}
        return {pair: people for pair, people in found.items() if people}


def _people(doc: Doc) -> list[str]:
    found = [str(doc.get(k) or "") for k in ("requester", "assignee")]
    return list(dict.fromkeys(u for u in found if u))


class NotifyPrefs:
    """Who hears of their tickets by direct message, and where that conversation is."""

    def __init__(self, docs: Documents) -> None:
        self._docs = docs

    async def set(self, workspace: str, user: str, direct: ChannelRef | None) -> None:
        """Direct messages to ``direct`` from now on (None: no more)."""
        key = f"{workspace}|{user}"
        if direct is None:
            await self._docs.delete_document(_PREFS, key)
            return
        doc = {"channel": direct.channel, "thread": direct.thread}
        await self._docs.put_document(_PREFS, key, doc)

    async def direct(self, workspace: str, user: str) -> ChannelRef | None:
        """Where ``user`` hears of their tickets, or None when they asked not to (default)."""
        doc = await self._docs.get_document(_PREFS, f"{workspace}|{user}")
        if doc is None:
            return None
        thread = doc.get("thread")
        return ChannelRef(workspace, str(doc["channel"]), str(thread) if thread else None)
