"""`/snow link` and `/snow unlink`: a person's own ServiceNow account."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import commands as c
from core.accounts import AccountService
from core.handlers.context import RequestContext
from core.handlers.router import Handler
from core.i18n import _
from core.outcomes import Outcome, PrivateLink, Reply
from core.views import Notice, NoticeLevel

__all__ = ["AccountHandlers"]


def _link_privately() -> Notice:
    return Notice(
        _("Sign-in links are sent privately."),
        NoticeLevel.WARNING,
        hint=_("Run /snow link in a direct message with SnowOps (Teams: its personal chat)."),
    )


class AccountHandlers:
    """Links and unlinks the asker's own account; nobody can act on another's."""

    def __init__(self, accounts: AccountService) -> None:
        self._accounts = accounts

    def routes(self) -> Mapping[type[Any], Handler]:
        """The requests this group answers."""
        return {c.Link: self.link, c.Unlink: self.unlink}

    async def link(self, ctx: RequestContext, command: c.Link) -> Outcome:
        """A private sign-in link for the asker's own account."""
        if not ctx.private:
            return Reply(_link_privately())
        url = await self._accounts.start(
            ctx.workspace, ctx.actor, ctx.requester.display_name, ctx.channel
        )
        return PrivateLink(
            Notice(
                _(
                    "Open this link and sign in to ServiceNow as yourself. The link works once, "
                    "for 10 minutes."
                ),
                link=url,
            )
        )

    async def unlink(self, ctx: RequestContext, command: c.Unlink) -> Outcome:
        """Forget the asker's account; its tokens are revoked."""
        gone = await self._accounts.unlink(ctx.workspace, ctx.actor)
        if gone is None:
            return Reply(Notice(_("Your chat account is not linked to ServiceNow.")))
        return Reply(
            Notice(
                _(
                    "Unlinked: SnowOps no longer holds a token for {user}.",
                    user=gone.user_name,
                ),
                NoticeLevel.SUCCESS,
            )
        )
