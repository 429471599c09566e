"""``/snow subscribe query <kind> "<encoded query>"``, ``/snow subscribe query`` (the
channel's filters) and ``/snow unsubscribe query [N]``: a channel watches any ServiceNow
filter on a supported table (:mod:`core.watch`)."""

from __future__ import annotations

from collections.abc import Callable

from core import commands as c
from core.errors import UsageError
from core.i18n import _, format_number
from core.models import TicketKind

__all__ = ["MAX_QUERY", "watch_parsers", "watch_text"]

Parser = Callable[[list[str]], c.Command]

#: Characters of a filter (a ServiceNow list URL's query is rarely longer).
MAX_QUERY = 1000
_EXAMPLE = '/snow subscribe query incident "priority=1^assignment_group.name=SOC"'


def _kinds() -> dict[str, TicketKind]:
    words: dict[str, TicketKind] = {}
    for kind in TicketKind:
        words.update({kind.value: kind, kind.table: kind, f"{kind.value}s": kind})
    return words


def _kind(word: str) -> TicketKind:
    kind = _kinds().get(word.lower())
    if kind is None:
        raise UsageError(
            _(
                "'{word}' is not a ticket table: use one of {kinds}, e.g. {example}",
                word=word[:40],
                kinds=", ".join(k.value for k in TicketKind),
                example=_EXAMPLE,
            )
        )
    return kind


def _query(text: str) -> str:
    # Read as typed (the words were split on spaces): one pair of quotes around it goes.
    query = text.strip()
    if len(query) >= 2 and query[0] == query[-1] and query[0] in "\"'":
        query = query[1:-1].strip()
    if not query:
        raise UsageError(_("Give the filter to watch, e.g. {example}", example=_EXAMPLE))
    if len(query) > MAX_QUERY:
        raise UsageError(
            _("A filter can be {n} characters at most.", n=format_number(MAX_QUERY)),
        )
    if any(ch in query for ch in "\r\n\t"):
        raise UsageError(_("A filter is one line: copy it from ServiceNow's list view."))
    upper = query.upper()
    if "^NQ" in upper or upper.startswith("NQ"):
        raise UsageError(
            _("A filter with a new query (^NQ) cannot be watched: subscribe to each part.")
        )
    if "ORDERBY" in upper:
        raise UsageError(_("Leave the sort order (ORDERBY…) out of a filter to watch."))
    return query


def _with_query(subscribe: Parser) -> Parser:
    def parse(args: list[str]) -> c.Command:
        if not args or args[0].lower() != "query":
            return subscribe(args)
        if len(args) == 1:
            return c.ShowWatches()
        if len(args) < 3:
            raise UsageError(
                _(
                    "Say the table, then the filter in quotes, e.g. {example}",
                    example=_EXAMPLE,
                )
            )
        return c.WatchQuery(_kind(args[1]), _query(" ".join(args[2:])))

    return parse


def _unsubscribe(args: list[str]) -> c.Command:
    if not args or args[0].lower() != "query" or len(args) > 2:
        raise UsageError(
            _(
                "Say /snow unsubscribe to stop everything here, or /snow unsubscribe query "
                "[N] to stop watching this channel's filters (its N-th only)."
            )
        )
    if len(args) == 1:
        return c.Unwatch()
    if not args[1].isdigit() or not 1 <= int(args[1]) <= 99:
        raise UsageError(
            _(
                "'{word}' is not a filter's number: /snow subscribe query lists them.",
                word=args[1][:40],
            )
        )
    return c.Unwatch(int(args[1]))


def watch_parsers(parsers: dict[str, Parser]) -> dict[str, Parser]:
    """``parsers`` with ``subscribe`` also reading ``query …``, and ``unsubscribe query``."""
    return {**parsers, "subscribe": _with_query(parsers["subscribe"]), "unsubscribe": _unsubscribe}


def watch_text(command: c.Command) -> str | None:
    """The text :func:`core.grammar.parse` reads back to ``command``, or None when it is
    not one of these."""
    match command:
        case c.WatchQuery(kind=kind, query=query):
            return f'subscribe query {kind.value} "{query}"'
        case c.ShowWatches():
            return "subscribe query"
        case c.Unwatch(number=number):
            return f"unsubscribe query {number}" if number else "unsubscribe query"
    return None
