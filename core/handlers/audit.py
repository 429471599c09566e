"""`/snow audit [n]`: the workspace's audit log, for its admins."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import commands as c
from core.audit import describe
from core.handlers.context import RequestContext
from core.handlers.router import Handler
from core.i18n import _, ngettext
from core.outcomes import Outcome, Reply
from core.storage import AuditLog
from core.views import Notice, StatusView, format_when

__all__ = ["AuditHandlers"]


class AuditHandlers:
    """Shows who did what, where and when."""

    def __init__(self, audit: AuditLog) -> None:
        self._audit = audit

    def routes(self) -> Mapping[type[Any], Handler]:
        """The requests this group answers."""
        return {c.Audit: self.show}

    async def show(self, ctx: RequestContext, command: c.Audit) -> Outcome:
        """The newest ``command.count`` entries, newest first."""
        entries = [describe(e) for e in await self._audit.list_audit(ctx.workspace, command.count)]
        if not entries:
            return Reply(Notice(_("The audit log of this workspace is empty.")))
        lines = tuple((format_when(e.at), e.line()) for e in entries)
        return Reply(
            StatusView(
                ngettext("Audit log: the newest {n}", "Audit log: the newest {n}", len(entries)),
                lines,
                hint=_("All of it, as JSON lines: snowops audit --since 30d"),
            )
        )
