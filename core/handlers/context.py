"""Who asks, where, and what they may do: the context every request is handled in."""

from __future__ import annotations

from dataclasses import dataclass

from core.models import ChannelRef, Requester

__all__ = ["RequestContext"]


@dataclass(frozen=True, slots=True)
class RequestContext:
    """Who asks, where, and whether they may administer this workspace.

    ``private``: an answer here can be for the asker's eyes only (a Slack ephemeral
    message, a Teams personal chat, the console); a sign-in link is never given otherwise.
    """

    workspace: str
    requester: Requester
    channel: ChannelRef | None = None
    is_admin: bool = False
    private: bool = True

    @property
    def actor(self) -> str:
        """``platform:user`` for the audit log."""
        return f"{self.requester.platform}:{self.requester.user_id}"
