"""The text of a channel's digest: one summary of a period's ticket events.

Plain text, as every notice is: ticket titles were typed by people, so each platform's
renderer escapes the whole text (Slack mrkdwn, Teams card Markdown).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from core.i18n import N_, _, format_datetime, ngettext
from core.models import TicketEvent
from core.notify import change_text
from core.repos.labels import StateNames
from core.servicenow.states import is_open
from core.storage import TicketStore

__all__ = ["CREATED", "SECTIONS", "digest_text", "section_of"]

#: The change of a ticket made in the period (only digests hear of it as a change).
CREATED = "created"
#: The digest's sections, in the order shown (translated where shown).
SECTIONS = (N_("Created"), N_("Resolved"), N_("Moved"), N_("Overdue"), N_("Other changes"))


def section_of(event: TicketEvent) -> str:
    """Which section of a digest ``event`` is listed in (its English name)."""
    if event.change == CREATED:
        return "Created"
    if event.change == "overdue":
        return "Overdue"
    if event.change == "state":
        return "Moved" if is_open(event.kind, event.new or "") else "Resolved"
    return "Other changes"


def _when(at: datetime, zone: ZoneInfo) -> str:
    """``Mon 30 Nov 09:00`` (``mån 30 nov. 09:00``), in the digest's zone."""
    return format_datetime(at.astimezone(zone), "EEE dd MMM HH:mm")


async def digest_text(
    events: Sequence[TicketEvent],
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    tickets: TicketStore,
    names: StateNames,
) -> str:
    """ "Digest, Mon 30 Nov 09:00 – Tue 01 Dec 09:00 (Europe/Stockholm): 3 changes" and one
    line per event under its section, oldest first; in the current language (the
    workspace's: the caller sets it)."""
    sections: dict[str, list[str]] = {name: [] for name in SECTIONS}
    for event in sorted(events, key=lambda e: (e.at, e.event_id)):
        ticket = await tickets.get_ticket(event.workspace, event.number)
        title = ticket.title if ticket is not None else ""
        labels = await names.names(event.workspace, event.kind)
        sections[section_of(event)].append(f"• {change_text(event, labels, title)}")
    changes = ngettext("{n} change", "{n} changes", len(events))
    head = _(
        "Digest, {start} – {end} ({zone}): {changes}",
        start=_when(start, zone),
        end=_when(end, zone),
        zone=zone.key,
        changes=changes,
    )
    body = [f"{_(name)} ({len(ls)}):\n" + "\n".join(ls) for name, ls in sections.items() if ls]
    return "\n\n".join([head, *body])
