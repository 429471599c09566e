"""``disconnect confirm``: the explicit form of a command that otherwise asks first.

``/snow disconnect`` answers with a confirmation step (every platform: a card with Confirm
and Cancel, or a y/N question in the terminal); ``/snow disconnect confirm`` is what its
Confirm button carries, and what an admin types who means it (a script, a runbook).
"""

from __future__ import annotations

from core import commands as c
from core.errors import UsageError
from core.i18n import _

__all__ = ["CONFIRM_PARSERS", "CONFIRM_WORD", "confirm_text"]

CONFIRM_WORD = "confirm"


def _disconnect(args: list[str]) -> c.Command:
    if [a.lower() for a in args] != [CONFIRM_WORD]:
        raise UsageError(
            _("Usage: /snow disconnect (asks first), or /snow disconnect confirm (does it at once)")
        )
    return c.Disconnect(confirmed=True)


#: Parsers of the commands' words after the verb (the bare verb is the asking form).
CONFIRM_PARSERS = {"disconnect": _disconnect}


def confirm_text(command: c.Command) -> str | None:
    """The text of a confirmed command (what the Confirm button carries), or None."""
    match command:
        case c.Disconnect(confirmed=True):
            return f"disconnect {CONFIRM_WORD}"
    return None
