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
    ``channel_admin``: the asker administers ``channel`` itself (a Teams team owner in a
    channel of the team), so may run the admin commands that concern only this channel.
    ``zone``: the asker's time zone (Slack's user ``tz``, Teams' ``localTimezone``, the
    console's system zone).
    ``locale``: the asker's language tag as the platform gives it (Slack's user ``locale``,
    Teams' activity ``locale``, the console's ``LANG``); see :func:`core.i18n.negotiate`.
    """

    workspace: str
    requester: Requester
    channel: ChannelRef | None = None
    is_admin: bool = False
    private: bool = True
    channel_admin: bool = False
    zone: str = ""
    locale: str = ""

    def may(self, request: object) -> bool:
        """True if the asker may make ``request`` here: anyone, unless it is for admins;
        a channel's admin, for what concerns only the channel (``channel_scoped``)."""
        if not getattr(request, "admin", False) or self.is_admin:
            return True
        return self.channel_admin and bool(getattr(request, "channel_scoped", False))

    @property
    def actor(self) -> str:
        """``platform:user`` for the audit log."""
        return f"{self.requester.platform}:{self.requester.user_id}"
