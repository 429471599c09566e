"""The list commands' grammar: ``recommendations [category] [all] [page N]`` (and their
``add`` and ``remove``) and ``tickets [incident|change] [open|all] [page N]``."""

from __future__ import annotations

from core import commands as c
from core.errors import UsageError
from core.grammar_usage import KINDS, category, not_understood, page
from core.i18n import _
from core.models import TicketKind

__all__ = ["parse_recommendations", "parse_tickets", "title_is_quoted"]


def title_is_quoted(args: list[str], rest: str) -> None:
    """``recommendations add identity Rotate keys`` would make "Rotate" the title and "keys"
    the description: a title of several words must be quoted."""
    if len(args) < 3 or args[0].lower() != "add":
        return
    after = rest.strip().split(None, 2)
    text = after[2] if len(after) == 3 else ""
    if len(args) > 3 and not any(q in text for q in "\"'"):
        raise UsageError(
            _(
                'Put the title in quotes: /snow recommendations add {category} "{title}" '
                "(and the description after it, in quotes too)",
                category=args[1][:40],
                title=text[:60],
            )
        )


def parse_recommendations(args: list[str]) -> c.Command:
    """``recommendations …``."""
    if args and args[0].lower() == "add":
        if len(args) not in (3, 4):
            raise UsageError(
                _(
                    'Add one like this: /snow recommendations add identity "Review guest '
                    'access" "Quarterly review of guest accounts"'
                )
            )
        return c.AddRecommendation(category(args[1]), args[2], args[3] if len(args) == 4 else "")
    if args and args[0].lower() == "remove":
        if len(args) != 2:
            raise UsageError(_("Usage: /snow recommendations remove <id> (ids start with own-)"))
        return c.RemoveRecommendation(args[1])
    chosen: str | None = None
    include_done = False
    number = 1
    skip = False
    for i, word in enumerate(args):
        w = word.lower()
        if skip:
            skip = False
        elif w == "all":
            include_done = True
        elif w == "page":
            number, skip = page(args, i, "recommendations"), True
        elif chosen is None:
            chosen = category(word)
        else:
            raise not_understood(word, "recommendations")
    return c.Recommendations(chosen, include_done, number)


def parse_tickets(args: list[str]) -> c.Command:
    """``tickets …``."""
    kind: TicketKind | None = None
    open_only = True
    number = 1
    skip = False
    for i, word in enumerate(args):
        w = word.lower()
        if skip:
            skip = False
        elif w in KINDS:
            kind = KINDS[w]
        elif w in ("open", "all"):
            open_only = w == "open"
        elif w == "page":
            number, skip = page(args, i, "tickets"), True
        else:
            raise not_understood(word, "tickets")
    return c.Tickets(kind, open_only, number)
