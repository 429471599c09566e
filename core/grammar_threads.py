"""The commands of thread replies and change approvals: ``threads``, ``approve`` and
``reject``. Like the other action commands, a reason is read as typed (the rest of the line)."""

from __future__ import annotations

import re
from collections.abc import Callable

from core import commands as c
from core.errors import UsageError
from core.i18n import _, format_number

__all__ = ["THREAD_MODES", "THREAD_PARSERS", "thread_text"]

#: What a thread reply becomes: nothing, a comment (the caller sees it), or a work note.
THREAD_MODES = ("off", "comments", "work_notes")
_CHANGE = re.compile(r"^CHG[0-9]{7,}$")
#: A ServiceNow sys_id: 32 hex digits.
_SYS_ID = re.compile(r"^[0-9a-f]{32}$")
#: Characters of a rejection reason (it goes in the approval's comments; a command is
#: 2,000 characters at most).
MAX_REASON = 1000


def _threads(rest: str) -> c.Command:
    mode = rest.strip().lower().replace("-", "_")
    if mode == "work_note":
        mode = "work_notes"
    if mode == "comment":
        mode = "comments"
    if mode and mode not in THREAD_MODES:
        raise UsageError(_("Usage: /snow threads comments|work_notes|off"))
    return c.SetThreads(mode)


def _target(rest: str, verb: str) -> tuple[str, str, str]:
    words = rest.strip().split(None, 2)
    if len(words) < 2:
        raise UsageError(
            _(
                "Usage: /snow {verb} CHG0030001 <approval> (the button of an approval request "
                "fills these in)",
                verb=verb,
            )
        )
    number, approval = words[0].upper(), words[1].lower()
    if not _CHANGE.match(number):
        raise UsageError(_("'{word}' is not a change number: use CHG0030001.", word=words[0][:40]))
    if not _SYS_ID.match(approval):
        raise UsageError(
            _("'{word}' is not an approval id (32 hexadecimal digits).", word=words[1][:40])
        )
    return number, approval, words[2].strip() if len(words) == 3 else ""


def _approve(rest: str) -> c.Command:
    number, approval, tail = _target(rest, "approve")
    if tail:
        raise UsageError(
            _("/snow approve takes the change and the approval only: {number} …", number=number)
        )
    return c.Approve(number, approval)


def _reject(rest: str) -> c.Command:
    number, approval, reason = _target(rest, "reject")
    if len(reason) >= 2 and reason[0] == reason[-1] and reason[0] in "\"'":
        reason = reason[1:-1]  # one layer: what thread_text quoted, or the person typed
    if len(reason) > MAX_REASON:
        raise UsageError(
            _("The reason is too long ({most} characters at most).", most=format_number(MAX_REASON))
        )
    return c.Reject(number, approval, reason)


THREAD_PARSERS: dict[str, Callable[[str], c.Command]] = {
    "threads": _threads,
    "approve": _approve,
    "reject": _reject,
}


def thread_text(command: c.Command) -> str | None:
    """The text that reads back to one of these commands, or None."""
    match command:
        case c.SetThreads(mode=mode):
            return f"threads {mode}".strip()
        case c.Approve(number=number, approval=approval):
            return f"approve {number} {approval}"
        case c.Reject(number=number, approval=approval, reason=reason):
            # Always quoted, so a reason that is itself in quotes reads back as written.
            return (
                f'reject {number} {approval} "{reason}"'
                if reason
                else f"reject {number} {approval}"
            )
    return None
