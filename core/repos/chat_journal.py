"""Journal entries written from a chat thread (core/threads.py), remembered for a while so
the notifier does not post them back into the thread they came from."""

from __future__ import annotations

import hashlib

from core.storage import OneTimeValues

__all__ = ["Echoes"]

_NS = "chat_journal"
#: How long an entry written from chat is remembered: the sync that follows the write
#: finds it at once; a poll well within this otherwise.
_TTL = 6 * 3600.0


def _digest(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:40]


class Echoes:
    """Journal entries written from a chat thread, remembered so they are not echoed."""

    def __init__(self, once: OneTimeValues) -> None:
        self._once = once

    async def mark(self, workspace: str, number: str, channel: str, text: str) -> None:
        """``text`` is about to be written to ``number`` from a thread in ``channel``."""
        key = f"{workspace}|{number}|{_digest(text)}"
        await self._once.put_once(_NS, key, {"channel": channel}, _TTL)

    async def take(self, workspace: str, number: str, text: str) -> str | None:
        """The channel whose thread ``text`` came from (once), or None. When the connection
        wrote it for someone, the line naming them follows a blank line: the entry is
        recognised without it."""
        candidates = [text]
        head, sep, _ = text.rpartition("\n\n(")
        if sep:
            candidates.append(head)
        for candidate in candidates:
            doc = await self._once.take_once(_NS, f"{workspace}|{number}|{_digest(candidate)}")
            if doc is not None:
                return str(doc.get("channel") or "")
        return None
