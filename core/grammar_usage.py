"""What the grammar's modules share: the ticket-type words, and how to write a command
(its line of the help table), in the asker's language."""

from __future__ import annotations

from core.command_help import COMMAND_HELP
from core.errors import UsageError
from core.grammar_kinds import KIND_WORDS
from core.i18n import _
from core.models import CATEGORIES, TicketKind

__all__ = ["KINDS", "MAX_PAGE", "category", "kind", "not_understood", "page", "usage"]

MAX_PAGE = 1000
#: The words of the ticket types (command words: the same in every language).
KINDS = KIND_WORDS


def usage(cmd: str) -> str:
    """How to write command ``cmd``, from the help table."""
    for form, what in COMMAND_HELP:
        if form.split()[0] == cmd:
            return _("Usage: /snow {form} ({what})", form=form, what=_(what))
    return _("Type /snow help to see every command.")


def not_understood(word: str, cmd: str) -> UsageError:
    """The error for a word ``cmd`` does not take."""
    return UsageError(_("'{word}' is not understood. {usage}", word=word[:40], usage=usage(cmd)))


def kind(word: str, cmd: str) -> TicketKind:
    """The ticket type ``word`` names, or how to write ``cmd``."""
    found = KINDS.get(word.lower())
    if found is None:
        raise UsageError(
            _(
                "'{word}' is not a ticket type: use incident, change, problem or "
                "security-incident. {usage}",
                word=word[:40],
                usage=usage(cmd),
            )
        )
    return found


def category(word: str) -> str:
    """The category ``word`` names (``device`` → ``Devices``)."""
    for name in CATEGORIES:
        if word.lower() in (name.lower(), name.lower().rstrip("s")):
            return name
    raise UsageError(
        _(
            "'{word}' is not a category: use one of {categories}.",
            word=word[:40],
            categories=", ".join(CATEGORIES),
        )
    )


def page(words: list[str], i: int, cmd: str) -> int:
    """The page number after ``page`` at ``words[i]``."""
    number = words[i + 1] if i + 1 < len(words) else ""
    if not (number.isascii() and number.isdigit() and len(number) <= 4) or not (
        1 <= int(number) <= MAX_PAGE
    ):
        raise UsageError(
            _(
                "Give a page number from 1 to {most}, e.g. /snow {cmd} page 2",
                most=MAX_PAGE,
                cmd=cmd,
            )
        )
    return int(number)
