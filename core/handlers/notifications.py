"""Notification requests: an admin sends parked notifications again, once fixed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import commands as c
from core.deliveries import DeliveryQueue
from core.handlers.context import RequestContext
from core.handlers.router import Handler
from core.i18n import _, ngettext
from core.notify import Notifier
from core.outcomes import Outcome, Reply
from core.storage import AuditLog
from core.views import Notice

__all__ = ["NotificationHandlers"]


class NotificationHandlers:
    """`/snow notifications retry`."""

    def __init__(self, deliveries: DeliveryQueue, notifier: Notifier, audit: AuditLog) -> None:
        self._deliveries = deliveries
        self._notifier = notifier
        self._audit = audit

    def routes(self) -> Mapping[type[Any], Handler]:
        """The requests this group answers."""
        return {c.RetryNotifications: self.retry}

    async def retry(self, ctx: RequestContext, command: c.RetryNotifications) -> Outcome:
        """Hand this workspace's parked deliveries out again."""
        parked = await self._deliveries.parked(ctx.workspace)
        for item in parked:
            await self._deliveries.requeue(item.delivery_id)
        if parked:
            self._notifier.queued.set()
        await self._audit.audit(
            ctx.workspace, ctx.actor, "notifications.retry", {"count": len(parked)}
        )
        if not parked:
            return Reply(Notice(_("There are no undelivered notifications.")))
        return Reply(
            Notice(
                ngettext(
                    "{n} undelivered notification will be tried again now.",
                    "{n} undelivered notifications will be tried again now.",
                    len(parked),
                )
            )
        )
