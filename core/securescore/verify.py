"""Did it work? A ticket made from a Microsoft recommendation is resolved or closed: each
Secure Score refresh re-reads that control's score, and says so on the ticket's card and in
its thread when points were gained, or, when the window ends without a gain, that Secure
Score still shows it open (with *Reopen* on a resolved incident's card).

Graph updates the daily score about once a day, so the check goes on for ``days`` days
after the day SnowOps first saw the ticket resolved. The baseline is the control's score on the
day the ticket was made (Graph keeps 90 days), so a fix made before the resolve counts.
Each ticket's check is one document; its outcome is told once, whatever the number of
refreshes or replicas (the notification has a deterministic id).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from core.clock import Clock
from core.i18n import current_locale, gettext, ngettext, use_locale
from core.languages import WorkspaceLanguage
from core.models import RecommendationSource, Ticket, TicketEvent, TicketKind
from core.notify import SCORE_CHANGE, Notifier
from core.securescore.snapshot import TenantScores
from core.storage import Doc, Documents, TicketStore

__all__ = ["SCORE_CHANGE", "ScoreVerifier", "points"]

log = logging.getLogger(__name__)

_CHECKS = "score_check"
#: Resolved or closed: the work is said to be done (not canceled).
_DONE = {
    TicketKind.INCIDENT: frozenset({"6", "7"}),
    TicketKind.CHANGE: frozenset({"3"}),
    TicketKind.PROBLEM: frozenset({"106", "107"}),
    TicketKind.SECURITY: frozenset({"3"}),
}
_TRACKED_MAX = 1000


def points(value: float) -> str:
    """``9``, ``2.5``, ``6.75``: a score as people read it (``2,5`` in Swedish)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".") if value % 1 else str(int(value))
    # No grouping, two decimals at most: only the decimal sign is the locale's.
    return text.replace(".", ",") if current_locale() == "sv" else text


def _key(workspace: str, number: str) -> str:
    return f"{workspace}|{number}"


class ScoreVerifier:
    """Checks resolved recommendation tickets against the control's score."""

    def __init__(
        self, tickets: TicketStore, docs: Documents, notifier: Notifier, clock: Clock, days: int
    ) -> None:
        self._tickets = tickets
        self._docs = docs
        self._notifier = notifier
        self._clock = clock
        self._window = timedelta(days=days)

    async def note(self, workspace: str, number: str) -> str:
        """What the ticket's card says about its check ("" while none is told)."""
        doc = await self._docs.get_document(_CHECKS, _key(workspace, number))
        return str(doc.get("note", "")) if doc and doc.get("status") != "pending" else ""

    async def gained(self, workspace: str) -> float:
        """Points gained through this workspace's tickets, as verified."""
        docs = await self._docs.list_documents(_CHECKS, f"{workspace}|")
        return sum(float(d.get("gain", 0.0)) for d in docs.values() if d.get("status") == "gained")

    async def check(self, workspace: str, scores: TenantScores) -> int:
        """Check every resolved recommendation ticket of ``workspace``; returns how many
        outcomes were told."""
        told = 0
        tickets = await self._tickets.list_tickets(workspace, limit=_TRACKED_MAX)
        for ticket in tickets:
            if not ticket.active or ticket.source is not RecommendationSource.MICROSOFT:
                continue
            if not ticket.recommendation_id:
                continue
            key = _key(workspace, ticket.number)
            if ticket.state not in _DONE[ticket.kind]:
                # Reopened (or never resolved): a later resolve is checked afresh.
                if ticket.state in ("8", "4") or await self._docs.get_document(_CHECKS, key):
                    await self._docs.delete_document(_CHECKS, key)
                continue
            try:
                told += await self._check_one(ticket, key, scores)
            except Exception:  # one ticket's trouble must not hold up the others
                log.exception("Secure Score check of %s failed", ticket.number)
        return told

    async def _check_one(self, ticket: Ticket, key: str, scores: TenantScores) -> int:
        doc = await self._docs.get_document(_CHECKS, key)
        if doc is not None and doc.get("status") != "pending":
            return 0
        control = str(ticket.recommendation_id)
        latest = scores.latest
        rec = scores.recommendation(control)
        if latest is None or control not in latest.controls or rec is None:
            return 0  # Graph no longer scores this control: nothing to say
        now = self._clock.now()
        if doc is None:
            doc = self._start(ticket, control, scores, now)
            await self._docs.put_document(_CHECKS, key, doc)
        baseline, current = float(doc["baseline"]), latest.controls[control]
        maximum = rec.max_score or 0.0
        # Told in the ticket's channel and kept on its card: the workspace's language.
        with use_locale(await WorkspaceLanguage(self._docs).language(ticket.workspace)):
            if current > baseline:
                gain = current - baseline
                note = gettext(
                    "+{gain} points: {baseline} → {current} of {maximum} (Secure Score)",
                    gain=points(gain),
                    baseline=points(baseline),
                    current=points(current),
                    maximum=points(maximum),
                )
                doc.update(status="gained", gain=gain, note=note)
            elif now.date() - date.fromisoformat(str(doc["since"])) >= self._window:
                note = ngettext(
                    "Resolved, but Secure Score still shows it open: {current} of {maximum} "
                    "after {n} day. Reopen it (/snow reopen {number}) or check the fix.",
                    "Resolved, but Secure Score still shows it open: {current} of {maximum} "
                    "after {n} days. Reopen it (/snow reopen {number}) or check the fix.",
                    self._window.days,
                    current=points(current),
                    maximum=points(maximum),
                    number=ticket.number,
                )
                doc.update(status="unchanged", note=note)
            else:
                return 0
        await self._docs.put_document(_CHECKS, key, doc)
        return min(1, await self._tell(ticket, doc, now))  # 0: another replica told it

    @staticmethod
    def _start(ticket: Ticket, control: str, scores: TenantScores, now: datetime) -> Doc:
        made = (ticket.created_at or now).date()
        then = scores.on_or_before(made)
        baseline = then.controls.get(control) if then is not None else None
        if baseline is None and scores.latest is not None:
            baseline = scores.latest.controls.get(control, 0.0)
        # The day, not the moment: replicas that both start the check agree on it, and so
        # on the outcome's delivery id.
        return {"status": "pending", "since": now.date().isoformat(), "baseline": baseline or 0.0}

    async def _tell(self, ticket: Ticket, doc: Doc, now: datetime) -> int:
        event = TicketEvent(
            event_id=f"{ticket.workspace}|{ticket.number}|{SCORE_CHANGE}|{doc['since']}",
            workspace=ticket.workspace,
            number=ticket.number,
            kind=ticket.kind,
            change=SCORE_CHANGE,
            old=None,
            new=str(doc["note"]),
            at=now,
        )
        return await self._notifier.enqueue(event)
