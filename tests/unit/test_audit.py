"""The audit trail: where and by whom come from the request being handled."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from core import commands as c
from core.audit import AuditTrail, describe, handling
from core.handlers.audit import AuditHandlers
from core.handlers.context import RequestContext
from core.i18n import use_locale
from core.models import Requester
from core.outcomes import Reply
from core.secrets import SecretBox, generate_key
from core.store.memory import MemoryStore
from core.views import Notice, StatusView

WS = "slack:T1"


def store() -> MemoryStore:
    return MemoryStore(SecretBox(generate_key()))


async def test_entries_written_while_handling_a_request_say_where_and_by_whom() -> None:
    s = store()
    trail = AuditTrail(s)
    with handling("C0SEC", "Beth Anglin"):
        await trail.audit(WS, "slack:U1", "ticket.create", {"number": "INC0010001"})
    await trail.audit(WS, "oauth", "connection.connected", {"instance": "https://x", "as": "i"})
    [later, first] = await s.list_audit(WS)
    assert first["detail"] == {"where": "C0SEC", "by": "Beth Anglin", "number": "INC0010001"}
    assert later["detail"] == {"instance": "https://x", "as": "i"}
    shown = describe(first)
    assert (shown.who, shown.what, shown.where) == (
        "Beth Anglin (slack:U1)",
        "created INC0010001",
        "C0SEC",
    )
    assert describe(later).line() == "oauth connected https://x as i — outside chat"


def test_describe_reads_any_entry() -> None:
    at = datetime(2026, 12, 3, 8, 0, tzinfo=UTC).isoformat()
    levels = {"incident": 2, "change": 5}
    sub = describe(
        {
            "at": at,
            "actor": "a",
            "action": "subscription.save",
            "detail": {"channel": "C1", "levels": levels},
        }
    )
    assert sub.what == "subscribed C1 to incident (priority ≤2) and change"
    odd = describe({"at": at, "actor": "a", "action": "future.thing", "detail": "not a dict"})
    assert odd.what == "future.thing {}"
    missing = describe({"at": at, "actor": "a", "action": "ticket.create", "detail": {}})
    assert missing.what == "created ?"


async def test_an_empty_log_says_so() -> None:
    ctx = RequestContext(WS, Requester("slack", "U1"), is_admin=True)
    handlers = AuditHandlers(AuditTrail(store()))
    outcome = await handlers.show(ctx, c.Audit(20))
    assert isinstance(outcome, Reply)
    assert isinstance(outcome.view, Notice)
    assert "empty" in outcome.view.text


async def test_the_newest_entries_first_and_at_most_count() -> None:
    s = store()
    for i in range(5):
        await s.audit(WS, "slack:U1", "ticket.create", {"number": f"INC{i}"})
    ctx = RequestContext(WS, Requester("slack", "U1"), is_admin=True)
    outcome = await AuditHandlers(AuditTrail(s)).show(ctx, c.Audit(3))
    assert isinstance(outcome, Reply)
    assert isinstance(outcome.view, StatusView)
    assert [what for _, what in outcome.view.lines] == [
        f"slack:U1 created INC{i} — outside chat" for i in (4, 3, 2)
    ]


def test_a_long_entry_is_cut_to_a_line() -> None:
    at = datetime(2026, 12, 3, 8, 0, tzinfo=UTC).isoformat()
    long = describe({"at": at, "actor": "a", "action": "x.y", "detail": {"t": "z" * 5000}})
    assert len(long.what) == 300
    assert long.what.endswith("…")


def _audited_actions() -> set[str]:
    """Every action name the product writes to the audit log (found in its source)."""
    root = Path(__file__).resolve().parents[2]
    found: set[str] = set()
    for folder in ("core", "adapters", "bot"):
        for path in (root / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for call in re.finditer(r"\.audit\((.{0,200}?)\)", text, re.DOTALL):
                found |= set(re.findall(r'"([a-z_]+\.[a-z_]+)"', call.group(1)))
    # Ticket actions name their verb at run time (core.ticket_actions._verb).
    return found | {f"ticket.{v}" for v in ("note", "assign", "resolve", "reopen", "act")}


def test_every_audited_action_reads_as_words_in_both_languages() -> None:
    actions = _audited_actions()
    assert {"rule.add", "subscription.quiet", "watch.add", "language.set"} <= actions
    detail = {"where": "C1", "by": "Beth", "channel": "C1", "number": "INC0010001"}
    for action in sorted(actions):
        entry = {"at": "2026-12-03T10:00:00+00:00", "actor": "slack:U1", "action": action}
        for locale in ("en", "sv"):
            with use_locale(locale):
                what = describe({**entry, "detail": detail}).what
            assert action not in what, (locale, what)
            assert "{'" not in what, (locale, what)
