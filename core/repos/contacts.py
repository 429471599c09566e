"""Where each workspace's admins connected from: they are told there when it breaks."""

from __future__ import annotations

from dataclasses import dataclass

from core.models import ChannelRef
from core.storage import Documents
from core.store import codec

__all__ = ["AdminContact", "AdminContacts"]

_NS = "connection_contact"


@dataclass(frozen=True, slots=True)
class AdminContact:
    """The conversation an admin connected from, and who they are (``platform:user``)."""

    channel: ChannelRef
    by: str


class AdminContacts:
    """One contact per workspace: the latest admin who connected it."""

    def __init__(self, docs: Documents) -> None:
        self._docs = docs

    async def remember(self, workspace: str, channel: ChannelRef, by: str) -> None:
        """Keep where ``by`` connected ``workspace`` from."""
        await self._docs.put_document(
            _NS, workspace, {"channel": codec.channel_to_doc(channel), "by": by}
        )

    async def get(self, workspace: str) -> AdminContact | None:
        """The contact of ``workspace``, if an admin connected it from chat."""
        doc = await self._docs.get_document(_NS, workspace)
        channel = codec.channel_from_doc(doc.get("channel")) if doc else None
        if doc is None or channel is None:
            return None
        return AdminContact(channel, str(doc.get("by") or ""))
