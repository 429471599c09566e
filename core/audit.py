"""The audit trail: who did what, where and when, written by every use case.

Use cases call :class:`AuditTrail` with who and what; *where* (the conversation) and the
person's display name come from the request being handled, which the router marks with
:func:`handling` for the duration of the request. Keeping that in a context variable (as
log request ids are) spares every service an extra parameter it would only pass through.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.i18n import N_, _, ngettext
from core.storage import AuditLog, Doc
from core.store.codec import parse_at

__all__ = ["AuditEntry", "AuditTrail", "describe", "handling"]


@dataclass(frozen=True, slots=True)
class _Place:
    where: str
    by: str


_PLACE: ContextVar[_Place | None] = ContextVar("snowops_audit_place", default=None)


@contextlib.contextmanager
def handling(where: str, by: str) -> Iterator[None]:
    """Entries written inside this block say they came from ``where``, by ``by``."""
    token = _PLACE.set(_Place(where, by))
    try:
        yield
    finally:
        _PLACE.reset(token)


class AuditTrail:
    """An :class:`~core.storage.AuditLog` that adds where and by whom to every entry."""

    def __init__(self, log: AuditLog) -> None:
        self._log = log

    async def audit(self, workspace: str, actor: str, action: str, detail: Doc) -> None:
        """Append an entry; ``detail`` gains ``where`` and ``by`` when a request is handled."""
        place = _PLACE.get()
        if place is not None:
            extra = {"where": place.where, "by": place.by}
            detail = {**{k: v for k, v in extra.items() if v}, **detail}
        await self._log.audit(workspace, actor, action, detail)

    async def list_audit(self, workspace: str, limit: int = 50) -> list[Doc]:
        """Newest entries first."""
        return await self._log.list_audit(workspace, limit)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One entry as people read it."""

    at: datetime
    who: str
    what: str
    where: str  # a conversation id; empty when it did not come from chat (a sign-in page)

    def line(self) -> str:
        """``Beth (slack:U1) created INC0010001 — in C0SEC``, in the current language."""
        where = _("in {where}", where=self.where) if self.where else _("outside chat")
        return f"{self.who} {self.what} — {where}"


#: What each action did, in words (translated where shown, then filled from the detail).
_PHRASES: dict[str, str] = {
    "connection.client": N_("set the ServiceNow OAuth client {id}"),
    "connection.start": N_("started connecting to {instance}"),
    "connection.connected": N_("connected {instance} as {as}"),
    "connection.disconnect": N_("disconnected from ServiceNow"),
    "ticket.create": N_("created {number}"),
    "subscription.save": N_("subscribed {channel} to {levels}"),
    "subscription.delete": N_("unsubscribed {channel}"),
    "subscription.refused": N_("tried to subscribe {channel}, which SnowOps cannot post to"),
    "states.rename": N_("renamed {kind} state {value} to “{label}”"),
    "notifications.retry": N_("retried {count} undelivered notifications"),
    "recommendation.add": N_("added recommendation {id}"),
    "recommendation.remove": N_("removed recommendation {id}"),
    "securescore.link": N_("linked Microsoft tenant {tenant}"),
    "account.link": N_("linked their ServiceNow account {as}"),
    "account.unlink": N_("unlinked their ServiceNow account {as}"),
    "language.set": N_("set the channels' language to {language}"),
    "lookup.set": N_("set lookup to {mode}"),
    "mapping.set": N_("changed the mapping of {kind} {category}"),
    "mapping.reset": N_("reset the mapping of {what}"),
    "mapping.source": N_("set the source field to {field}"),
    "notify.me": N_("turned on direct messages about their tickets"),
    "rule.add": N_("added the rule {rule}"),
    "rule.remove": N_("removed the rule {rule}"),
    "subscription.digest": N_("set the digest of {channel} to {every} ({zone})"),
    "subscription.quiet": N_("set the quiet hours of {channel} to {from}–{to} ({zone})"),
    "ticket.thread_reply": N_("replied to {number} from its thread"),
    "ticket.note": N_("wrote on {number}"),
    "ticket.assign": N_("assigned {number}"),
    "ticket.resolve": N_("resolved {number}"),
    "ticket.reopen": N_("reopened {number}"),
    "ticket.act": N_("changed {number}"),
    "watch.add": N_("made {channel} watch {kind} records matching “{query}”"),
    "watch.remove": N_("stopped {channel} watching “{query}”"),
}
#: The same actions, undone (quiet hours off, no digest).
_OFF: dict[str, str] = {
    "subscription.digest": N_("turned off the digest of {channel}"),
    "subscription.quiet": N_("turned off the quiet hours of {channel}"),
}


#: Characters of one entry's "what" (a chat field holds 2,000; a line should read at a glance).
_WHAT_MAX = 300


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def _levels(value: Any) -> str:
    if not isinstance(value, dict):
        return str(value)
    parts = [
        _("{kind} (priority ≤{n})", kind=kind, n=n) if n < 5 else str(kind)
        for kind, n in value.items()
    ]
    if len(parts) > 1:
        return _("{items} and {last}", items=", ".join(parts[:-1]), last=parts[-1])
    return parts[0] if parts else _("nothing")


def describe(entry: Doc) -> AuditEntry:
    """An entry of :meth:`~core.storage.AuditLog.list_audit` in words."""
    raw = entry.get("detail")
    detail: Doc = raw if isinstance(raw, dict) else {}
    action = str(entry.get("action", "?"))
    values = _Blank({k: _levels(v) if k == "levels" else v for k, v in detail.items()})
    phrase = _PHRASES.get(action)
    if action in _OFF and (detail.get("every") == "off" or detail.get("from") == ""):
        phrase = _OFF[action]
    what = _(phrase).format_map(values) if phrase else f"{action} {detail}"
    count = detail.get("count")
    if action == "notifications.retry" and isinstance(count, int):
        what = ngettext(
            "retried {n} undelivered notification", "retried {n} undelivered notifications", count
        )
    what = what if len(what) <= _WHAT_MAX else what[: _WHAT_MAX - 1] + "…"
    actor = str(entry.get("actor", "?"))
    who = f"{detail['by']} ({actor})" if detail.get("by") else actor
    where = str(detail.get("where") or "")
    return AuditEntry(parse_at(str(entry["at"])), who, what, where)
