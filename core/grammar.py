"""The `/snow` grammar: text → :class:`~core.commands.Command` and back.

One parser for every platform; :func:`command_text` writes the text :func:`parse` reads
back to the same command, which is what buttons carry. Adapters strip their own decoration
(``/snow``, ``snow``, an @mention) with :func:`strip_invocation`.
"""

from __future__ import annotations

import difflib
import re
import shlex

from core import commands as c
from core.errors import UsageError
from core.grammar_actions import ACTION_PARSERS, action_text
from core.grammar_confirm import CONFIRM_PARSERS, confirm_text
from core.grammar_kinds import NUMBER, kind_word, kinds_text
from core.grammar_lists import parse_recommendations, parse_tickets, title_is_quoted
from core.grammar_schedule import schedule_parsers, schedule_text
from core.grammar_usage import KINDS as _KINDS
from core.grammar_usage import MAX_PAGE, not_understood, usage
from core.grammar_usage import kind as _kind
from core.i18n import N_, _, format_number
from core.models import TicketKind

__all__ = ["MAX_PAGE", "MAX_TEXT", "command_text", "parse", "strip_invocation", "usage"]

MAX_TEXT = 2000
MAX_ARG = 200
MAX_AUDIT = 100
AUDIT_DEFAULT = 20

_MENTION = re.compile(r"^\s*(?:<at>[^<]*</at>|@\S+)\s*", re.IGNORECASE)
_SNOW = re.compile(r"^\s*/?snow\b", re.IGNORECASE)
_PRIORITY = re.compile(r"^(?:priority|p)\s*(<=|<|=)\s*([1-5])$")
_PRIORITY_LIKE = re.compile(r"^(?:priority|p)\s*(<=|<|=|>=|>)")
_PRIORITIES = N_(
    "priorities go from 1 (Critical) to 4 (Low), e.g. /snow subscribe priority<=2; "
    "without one, every priority is followed."
)
_DIGITS = re.compile(r"[0-9]{1,4}")
_SIMPLE: dict[
    str,
    type[
        c.Help
        | c.Home
        | c.Status
        | c.Configure
        | c.Reconnect
        | c.Disconnect
        | c.Unsubscribe
        | c.Link
        | c.Unlink
    ],
] = {
    "help": c.Help,
    "hjälp": c.Help,
    "?": c.Help,
    "home": c.Home,
    "status": c.Status,
    "config": c.Configure,
    "configure": c.Configure,
    "reconnect": c.Reconnect,
    "disconnect": c.Disconnect,
    "unsubscribe": c.Unsubscribe,
    "link": c.Link,
    "unlink": c.Unlink,
}


def strip_invocation(text: str) -> str:
    """Drop a leading ``/snow``, ``snow``, ``@SnowOps`` or ``@SnowOps snow`` from a message."""
    stripped = _MENTION.sub("", text, count=1)
    return _SNOW.sub("", stripped, count=1).strip()


def parse(text: str, *, typed: bool = True) -> c.Command:
    """Parse the words after ``/snow``; raise :class:`UsageError` with a fix if unclear.

    ``typed``: a person wrote it, so curly quotes (which phones put in) count as quotes;
    a button's text (:func:`command_text`) is read exactly as written.
    """
    if len(text) > MAX_TEXT:
        raise UsageError(
            _("That command is too long ({most} characters at most).", most=format_number(MAX_TEXT))
        )
    if typed:
        text = text.replace("“", '"').replace("”", '"')
    text = text.strip()
    if not text:
        return c.Help()
    verb_raw, _space, rest = text.partition(" ")
    verb = verb_raw.lower()
    if len(verb) > MAX_ARG:
        raise UsageError(_("Unknown command. Type /snow help."))
    if verb == "create":
        return _create(rest.strip())
    action = ACTION_PARSERS.get(verb)
    if action is not None:
        return action(rest)
    if verb in ("help", "hjälp", "?") or (verb in _SIMPLE and not rest.strip()):
        return _SIMPLE[verb]()
    args = _args(verb, rest)
    parser = _PARSERS.get(verb)
    if parser is None:
        if verb in _SIMPLE:
            raise UsageError(
                _("/snow {verb} takes nothing more. {usage}", verb=verb, usage=usage(verb))
            )
        raise _unknown(verb)
    if parser is parse_recommendations:
        title_is_quoted(args, rest)
    return parser(args)


def _unknown(verb: str) -> UsageError:
    """Unknown command, with ``Did you mean /snow status?`` for a near miss (``stauts``)."""
    known = [*_SIMPLE, *_PARSERS, *ACTION_PARSERS, "create"]
    close = difflib.get_close_matches(verb, known, n=1, cutoff=0.7)
    if close:
        return UsageError(
            _(
                "Unknown command '{verb}'. Did you mean /snow {suggestion}? "
                "Type /snow help to see every command.",
                verb=verb[:40],
                suggestion=close[0],
            )
        )
    return UsageError(
        _("Unknown command '{verb}'. Type /snow help to see every command.", verb=verb[:40])
    )


def _args(verb: str, rest: str) -> list[str]:
    # Quotes matter only where a value may hold spaces (state names, recommendation titles).
    if verb == "states" or (verb.startswith("rec") and rest.lstrip().startswith("add")):
        try:
            return shlex.split(rest)
        except ValueError:
            raise UsageError(_('A quote is not closed: write names like "Being fixed".')) from None
    return rest.split()


def _connect(args: list[str]) -> c.Command:
    if len(args) != 1:
        raise UsageError(
            _(
                "Give the instance name or URL, e.g. /snow connect acme "
                "(the client secret is never typed in chat)."
            )
        )
    return c.Connect(args[0])


def _securescore(args: list[str]) -> c.Command:
    if len(args) > 1:
        raise UsageError(usage("securescore"))
    return c.LinkTenant(args[0] if args else None)


def _share(args: list[str]) -> c.Command:
    if len(args) != 1 or len(args[0]) > MAX_ARG:
        raise UsageError(
            _(
                "Give one recommendation id, e.g. /snow share MFARegistrationV2 "
                "(see /snow recommendations)."
            )
        )
    return c.Share(args[0])


def _ticket(args: list[str]) -> c.Command:
    if len(args) != 1:
        raise UsageError(usage("ticket"))
    number = args[0].upper()
    if not NUMBER.match(number):
        raise UsageError(
            _(
                "'{word}' is not a ticket number: use INC0010001 or CHG0030001.",
                word=args[0][:40],
            )
        )
    return c.ShowTicket(number)


def _notifications(args: list[str]) -> c.Command:
    if [a.lower() for a in args] != ["retry"]:
        raise UsageError(usage("notifications"))
    return c.RetryNotifications()


def _audit(args: list[str]) -> c.Command:
    if len(args) > 1 or (args and not _DIGITS.fullmatch(args[0])):
        raise UsageError(usage("audit"))
    count = int(args[0]) if args else AUDIT_DEFAULT
    if not 1 <= count <= MAX_AUDIT:
        raise UsageError(
            _("Give a number of entries from 1 to {most}, e.g. /snow audit 50", most=MAX_AUDIT)
        )
    return c.Audit(count)


def _create(rest: str) -> c.Create:
    # The title is the rest of the line as typed: apostrophes and backslashes included.
    first, _space, title = rest.partition(" ")
    if first.lower() in _KINDS:
        return c.Create(_KINDS[first.lower()], title.strip())
    return c.Create(TicketKind.INCIDENT, rest)


def _subscribe(args: list[str]) -> c.Command:
    kinds: frozenset[TicketKind] = frozenset()
    max_priority = 5
    # Accept "priority <= 2" with spaces as well as "priority<=2".
    words = re.sub(r"\s*(<=|<|=)\s*", r"\1", " ".join(args)).split()
    for word in words:
        w = word.lower()
        match = _PRIORITY.match(w)
        if w == "all":
            kinds = frozenset(TicketKind)
        elif w in _KINDS:
            kinds |= {_KINDS[w]}  # several types: "subscribe incident problem"
        elif match:
            op, n = match.group(1), int(match.group(2))
            max_priority = n - 1 if op == "<" else n
            if max_priority < 1:
                raise UsageError(
                    _("{word} matches nothing: {priorities}", word=w, priorities=_(_PRIORITIES))
                )
        elif _PRIORITY_LIKE.match(w):
            raise UsageError(
                _(
                    "'{word}' is not a priority: {priorities}",
                    word=word[:40],
                    priorities=_(_PRIORITIES),
                )
            )
        else:
            raise not_understood(word, "subscribe")
    return c.Subscribe(kinds or frozenset(TicketKind), max_priority)


def _states(args: list[str]) -> c.Command:
    if not args:
        return c.ShowStates()
    which = _kind(args[0], "states")
    if len(args) == 1:
        return c.ShowStates(which)
    if len(args) != 3:
        raise UsageError(_('Rename a state like this: /snow states incident 2 "Being fixed"'))
    value, label = args[1], args[2].strip()
    if len(label) > 40:
        raise UsageError(_("A state name can be 40 characters at most."))
    return c.RenameState(which, value, label)


_PARSERS = {
    "connect": _connect,
    "recommendations": parse_recommendations,
    "recommendation": parse_recommendations,
    "recs": parse_recommendations,
    "securescore": _securescore,
    "share": _share,
    "tickets": parse_tickets,
    "ticket": _ticket,
    **schedule_parsers(_subscribe),
    "notifications": _notifications,
    "audit": _audit,
    "states": _states,
    **CONFIRM_PARSERS,
}


def _quote(text: str) -> str:
    # shlex reads back what shlex quotes, spaces, quotes and all.
    return shlex.quote(text)


def _quoted(text: str) -> str:
    # shlex.quote leaves plain words bare; this quotes every time, as shlex reads it back.
    return "'" + text.replace("'", "'\"'\"'") + "'"


def _page_text(page: int) -> list[str]:
    return [f"page {page}"] if page != 1 else []


def command_text(command: c.Command) -> str:
    """The text that :func:`parse` reads back to ``command`` (what a button carries)."""
    text = action_text(command) or confirm_text(command) or schedule_text(command)
    if text is not None:
        return text
    match command:
        case c.Connect(instance=instance):
            return f"connect {instance}"
        case c.Recommendations(category=category, include_done=done, page=page):
            words = [category or "", "all" if done else "", *_page_text(page)]
            return " ".join(["recommendations", *(w for w in words if w)])
        case c.AddRecommendation(category=category, title=title, description=description):
            # Always quoted: an unquoted title and description would be refused as ambiguous.
            parts = ["recommendations add", category, _quoted(title)]
            return " ".join(parts + ([_quoted(description)] if description else []))
        case c.RemoveRecommendation(recommendation_id=rec_id):
            return f"recommendations remove {rec_id}"
        case c.LinkTenant(tenant=tenant):
            return f"securescore {tenant}" if tenant else "securescore"
        case c.Share(recommendation_id=rec_id):
            return f"share {rec_id}"
        case c.Create(kind=kind, title=title):
            return f"create {kind_word(kind)} {title}".rstrip()
        case c.Tickets(kind=kind, open_only=open_only, page=page):
            words = [
                kind_word(kind) if kind else "",
                "open" if open_only else "all",
                *_page_text(page),
            ]
            return " ".join(["tickets", *(w for w in words if w)])
        case c.ShowTicket(number=number):
            return f"ticket {number}"
        case c.Subscribe(kinds=kinds, max_priority=level):
            what = kinds_text(kinds)
            return f"subscribe {what} priority<={level}"
        case c.RetryNotifications():
            return "notifications retry"
        case c.Audit(count=count):
            return f"audit {count}"
        case c.ShowStates(kind=kind):
            return f"states {kind_word(kind)}" if kind else "states"
        case c.RenameState(kind=kind, value=value, label=label):
            return f"states {kind_word(kind)} {_quote(value)} {_quote(label)}"
    for verb, cls in _SIMPLE.items():
        if isinstance(command, cls):
            return verb
    raise TypeError(f"no text for {command!r}")
