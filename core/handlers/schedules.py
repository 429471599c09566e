"""A channel's notification schedule (``/snow subscribe … digest …``, ``/snow quiet``) and
a person's own (``/snow notify me on|off``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from core import commands as c
from core.handlers.context import RequestContext
from core.handlers.router import Handler
from core.handlers.subscriptions import SubscriptionHandlers
from core.i18n import _
from core.models import ChannelRef, workspace_platform
from core.outcomes import Audience, Outcome, Reply
from core.ports import ChatSink, DeliveryError
from core.repos.people import NotifyPrefs
from core.repos.schedules import ChannelSchedules
from core.schedules import HOURLY, ChannelSchedule
from core.storage import AuditLog
from core.views import Notice, NoticeLevel

__all__ = ["ScheduleHandlers", "schedule_words"]


def schedule_words(schedule: ChannelSchedule) -> str:
    """ "one digest a day at 09:00 (Europe/Stockholm); quiet 18:00–08:00" and the like."""
    parts = []
    if schedule.digest == HOURLY:
        parts.append(_("one digest an hour, at minute {minute}", minute=schedule.digest_at[3:]))
    elif schedule.digest:
        parts.append(_("one digest a day at {time}", time=schedule.digest_at))
    else:
        parts.append(_("each change as it happens"))
    if schedule.quiet_from:
        parts.append(
            _(
                "quiet {start}–{end}: priority 3–5 news waits until it ends, priority 1–2 "
                "comes at once",
                start=schedule.quiet_from,
                end=schedule.quiet_to,
            )
        )
    return f"{'; '.join(parts)} ({schedule.zone})"


class ScheduleHandlers:
    """Digests and quiet hours of the channel a command was typed in."""

    def __init__(
        self,
        subscriptions: SubscriptionHandlers,
        schedules: ChannelSchedules,
        prefs: NotifyPrefs,
        sinks: Mapping[str, ChatSink],
        audit: AuditLog,
    ) -> None:
        self._subscriptions = subscriptions
        self._schedules = schedules
        self._prefs = prefs
        self._sinks = sinks
        self._audit = audit

    def routes(self) -> Mapping[type[Any], Handler]:
        """The requests this group answers."""
        return {c.DigestSubscribe: self.digest, c.Quiet: self.quiet, c.NotifyMe: self.notify_me}

    async def notify_me(self, ctx: RequestContext, command: c.NotifyMe) -> Outcome:
        """Direct messages of changes to the asker's tickets, on or off."""
        user = ctx.requester.user_id
        if not command.on:
            await self._prefs.set(ctx.workspace, user, None)
            return Reply(Notice(_("You will no longer get direct messages about your tickets.")))
        sink = self._sinks.get(workspace_platform(ctx.workspace))
        if sink is None:
            return Reply(Notice(_("Direct messages are not available here."), NoticeLevel.WARNING))
        try:
            direct = await sink.direct(ctx.workspace, user)
        except DeliveryError as exc:
            text = _("SnowOps cannot message you directly: {reason}.", reason=exc)
            return Reply(Notice(text, NoticeLevel.WARNING, hint=exc.hint))
        await self._prefs.set(ctx.workspace, user, direct)
        await self._audit.audit(ctx.workspace, ctx.actor, "notify.me", {"on": True})
        text = _(
            "You will get a direct message when a ticket you asked for or took changes "
            "(not when you change it yourself)."
        )
        hint = _("/snow notify me off stops them.")
        return Reply(Notice(text, NoticeLevel.SUCCESS, hint=hint))

    async def digest(self, ctx: RequestContext, command: c.DigestSubscribe) -> Outcome:
        """Subscribe as ``/snow subscribe`` does, then set (or stop) the digest."""
        subscribed = await self._subscriptions.subscribe(
            ctx, c.Subscribe(command.kinds, command.max_priority)
        )
        view = subscribed.view if isinstance(subscribed, Reply) else None
        if ctx.channel is None or not isinstance(view, Notice):
            return subscribed
        if view.level != NoticeLevel.SUCCESS:
            return subscribed  # refused (SnowOps cannot post there): said why already
        channel = ChannelRef(ctx.workspace, ctx.channel.channel)
        current = await self._schedules.get(channel)
        every, _sep, at = command.every.partition(" ")
        schedule = replace(current, digest="" if every == "off" else every, digest_at=at or "09:00")
        schedule = replace(schedule, zone=command.zone or current.zone)
        await self._schedules.save(channel, schedule)
        await self._audit.audit(
            ctx.workspace,
            ctx.actor,
            "subscription.digest",
            {"channel": channel.channel, "every": command.every, "zone": schedule.zone},
        )
        text = f"{view.text} {_('It gets {schedule}.', schedule=schedule_words(schedule))}"
        return Reply(Notice(text, NoticeLevel.SUCCESS), Audience.CONVERSATION)

    async def quiet(self, ctx: RequestContext, command: c.Quiet) -> Outcome:
        """Show, set or end the channel's quiet hours."""
        if ctx.channel is None:
            return Reply(Notice(_("Set quiet hours from inside the channel."), NoticeLevel.WARNING))
        channel = ChannelRef(ctx.workspace, ctx.channel.channel)
        current = await self._schedules.get(channel)
        if not command.window:
            return Reply(
                Notice(_("This channel gets {schedule}.", schedule=schedule_words(current)))
            )
        start, _sep, end = ("" if command.window == "off" else command.window).partition("-")
        schedule = replace(current, quiet_from=start, quiet_to=end)
        schedule = replace(schedule, zone=command.zone or current.zone)
        await self._schedules.save(channel, schedule)
        await self._audit.audit(
            ctx.workspace,
            ctx.actor,
            "subscription.quiet",
            {"channel": channel.channel, "from": start, "to": end, "zone": schedule.zone},
        )
        text = _("This channel now gets {schedule}.", schedule=schedule_words(schedule))
        return Reply(Notice(text, NoticeLevel.SUCCESS), Audience.CONVERSATION)
