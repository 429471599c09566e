"""The `/snow` command grammar: text → typed command, or a usage error that says why.

One parser for every platform. Adapters strip their own decoration (``/snow``, ``snow``,
an @mention) with :func:`strip_invocation` and hand the rest to :func:`parse`.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from core.models import CATEGORIES, TicketKind

__all__ = [
    "COMMAND_HELP",
    "AddRecommendation",
    "Command",
    "Connect",
    "Create",
    "Disconnect",
    "Help",
    "Home",
    "LinkTenant",
    "Recommendations",
    "RemoveRecommendation",
    "RenameState",
    "RetryNotifications",
    "Share",
    "ShowStates",
    "ShowTicket",
    "Status",
    "Subscribe",
    "Tickets",
    "Unsubscribe",
    "UsageError",
    "parse",
    "strip_invocation",
]

MAX_ARG = 200


class UsageError(ValueError):
    """A command that cannot be understood; the message says how to write it."""


@dataclass(frozen=True, slots=True)
class Help:
    """``/snow help``."""

    admin = False


@dataclass(frozen=True, slots=True)
class Home:
    """``/snow home``: the incident and change cards."""

    admin = False


@dataclass(frozen=True, slots=True)
class Connect:
    """``/snow connect <instance>``."""

    instance: str
    admin = True


@dataclass(frozen=True, slots=True)
class Status:
    """``/snow status``."""

    admin = False


@dataclass(frozen=True, slots=True)
class Disconnect:
    """``/snow disconnect``."""

    admin = True


@dataclass(frozen=True, slots=True)
class Recommendations:
    """``/snow recommendations [category] [all] [page N]``."""

    category: str | None = None
    include_done: bool = False
    page: int = 1
    admin = False


@dataclass(frozen=True, slots=True)
class AddRecommendation:
    """``/snow recommendations add <category> "<title>" ["<description>"]``."""

    category: str
    title: str
    description: str = ""
    admin = False


@dataclass(frozen=True, slots=True)
class RemoveRecommendation:
    """``/snow recommendations remove <id>`` (a team's own only)."""

    recommendation_id: str
    admin = True


@dataclass(frozen=True, slots=True)
class LinkTenant:
    """``/snow securescore [<tenant-id>]``: show or set the Microsoft tenant."""

    tenant: str | None = None

    @property
    def admin(self) -> bool:
        """Only changing the tenant needs an admin."""
        return self.tenant is not None


@dataclass(frozen=True, slots=True)
class Share:
    """``/snow share <recommendation-id>``."""

    recommendation_id: str
    admin = False


@dataclass(frozen=True, slots=True)
class Create:
    """``/snow create [incident|change] [title…]``."""

    kind: TicketKind = TicketKind.INCIDENT
    title: str = ""
    admin = False


@dataclass(frozen=True, slots=True)
class Tickets:
    """``/snow tickets [incident|change] [open|all]``."""

    kind: TicketKind | None = None
    open_only: bool = True
    admin = False


@dataclass(frozen=True, slots=True)
class ShowTicket:
    """``/snow ticket <number>``."""

    number: str
    admin = False


@dataclass(frozen=True, slots=True)
class Subscribe:
    """``/snow subscribe [incident|change|all] [priority<=N]``."""

    kinds: frozenset[TicketKind]
    max_priority: int = 5
    admin = True


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    """``/snow unsubscribe``."""

    admin = True


@dataclass(frozen=True, slots=True)
class RetryNotifications:
    """``/snow notifications retry``: try undelivered (parked) notifications again."""

    admin = True


@dataclass(frozen=True, slots=True)
class ShowStates:
    """``/snow states [incident|change]``."""

    kind: TicketKind | None = None
    admin = False


@dataclass(frozen=True, slots=True)
class RenameState:
    """``/snow states incident 2 "Being fixed"`` (an empty label restores the default)."""

    kind: TicketKind
    value: str
    label: str
    admin = True


Command = (
    Help
    | Home
    | Connect
    | Status
    | Disconnect
    | Recommendations
    | AddRecommendation
    | RemoveRecommendation
    | LinkTenant
    | Share
    | Create
    | Tickets
    | ShowTicket
    | Subscribe
    | Unsubscribe
    | RetryNotifications
    | ShowStates
    | RenameState
)

COMMAND_HELP: tuple[tuple[str, str], ...] = (
    ("help", "what SnowOps can do here"),
    ("home", "incident and change overview"),
    ("connect <instance>", "connect this workspace to ServiceNow (admins)"),
    ("status", "connection health, last sync, last error"),
    ("disconnect", "revoke tokens and forget the connection (admins)"),
    ("recommendations [category] [all] [page N]", "Secure Score improvement actions to share"),
    ('recommendations add <category> "<title>" ["<description>"]', "keep your own"),
    ("recommendations remove <id>", "forget one of your own (admins)"),
    ("securescore [<tenant-id>]", "show or link the Microsoft tenant (admins link)"),
    ("share <recommendation-id>", "open the ticket form for a recommendation"),
    ("create [incident|change] [title]", "open the ticket form"),
    ("tickets [incident|change] [open|all]", "list tickets"),
    ("ticket <number>", "one ticket and its recent history"),
    ("subscribe [incident|change|all] [priority<=N]", "notify this channel (admins)"),
    ("unsubscribe", "stop notifying this channel (admins)"),
    ("notifications retry", "try undelivered notifications again, once fixed (admins)"),
    ('states [incident|change] [<value> "<name>"]', "show or rename state names"),
)

_MENTION = re.compile(r"^\s*(?:<at>[^<]*</at>|@\S+)\s*", re.IGNORECASE)
_SNOW = re.compile(r"^\s*/?snow\b", re.IGNORECASE)
_KINDS = {
    "incident": TicketKind.INCIDENT,
    "incidents": TicketKind.INCIDENT,
    "inc": TicketKind.INCIDENT,
    "change": TicketKind.CHANGE,
    "changes": TicketKind.CHANGE,
    "chg": TicketKind.CHANGE,
    "change_request": TicketKind.CHANGE,
}
_NUMBER = re.compile(r"^(INC|CHG)\d{7,}$")
_PRIORITY = re.compile(r"^(?:priority|p)\s*(<=|<|=)\s*([1-5])$")


def strip_invocation(text: str) -> str:
    """Drop a leading ``/snow``, ``snow``, ``@SnowOps`` or ``@SnowOps snow`` from a message."""
    stripped = _MENTION.sub("", text, count=1)
    return _SNOW.sub("", stripped, count=1).strip()


def _usage(cmd: str) -> str:
    for usage, what in COMMAND_HELP:
        if usage.split()[0] == cmd:
            return f"Usage: /snow {usage} ({what})"
    return "Type /snow help to see every command."


def _kind(word: str, cmd: str) -> TicketKind:
    kind = _KINDS.get(word.lower())
    if kind is None:
        raise UsageError(f"'{word}' is not a ticket type: use incident or change. {_usage(cmd)}")
    return kind


def _category(word: str) -> str:
    for name in CATEGORIES:
        if word.lower() in (name.lower(), name.lower().rstrip("s")):
            return name
    raise UsageError(f"'{word}' is not a category: use one of {', '.join(CATEGORIES)}.")


def parse(text: str) -> Command:
    """Parse the words after ``/snow``; raise :class:`UsageError` with a fix if unclear."""
    if len(text) > 2000:
        raise UsageError("That command is too long (2,000 characters at most).")
    text = text.replace("“", '"').replace("”", '"').strip()
    if not text:
        return Help()
    verb_raw, _, rest = text.partition(" ")
    verb = verb_raw.lower()
    if len(verb) > MAX_ARG:
        raise UsageError("Unknown command. Type /snow help.")
    if verb == "create":
        return _create(rest.strip())
    # Quotes matter only where a value may hold spaces (state names, recommendation titles).
    quoted = verb == "states" or (verb.startswith("rec") and rest.lstrip().startswith("add"))
    if quoted:
        try:
            args = shlex.split(rest)
        except ValueError:
            raise UsageError('A quote is not closed: write names like "Being fixed".') from None
    else:
        args = rest.split()
    if verb in ("help", "?"):
        return Help()
    if verb == "home":
        return Home()
    if verb == "status":
        return Status()
    if verb == "disconnect":
        return Disconnect()
    if verb == "unsubscribe":
        return Unsubscribe()
    if verb == "connect":
        if len(args) != 1:
            raise UsageError(
                "Give the instance name or URL, e.g. /snow connect acme "
                "(the client secret is never typed in chat)."
            )
        return Connect(args[0])
    if verb in ("recommendations", "recs", "recommendation"):
        return _recommendations(args)
    if verb == "securescore":
        if len(args) > 1:
            raise UsageError(_usage("securescore"))
        return LinkTenant(args[0] if args else None)
    if verb == "share":
        if len(args) != 1 or len(args[0]) > MAX_ARG:
            raise UsageError(
                "Give one recommendation id, e.g. /snow share MFARegistrationV2 "
                "(see /snow recommendations)."
            )
        return Share(args[0])
    if verb == "tickets":
        return _tickets(args)
    if verb == "ticket":
        if len(args) != 1:
            raise UsageError(_usage("ticket"))
        number = args[0].upper()
        if not _NUMBER.match(number):
            raise UsageError(
                f"'{args[0][:40]}' is not a ticket number: use INC0010001 or CHG0030001."
            )
        return ShowTicket(number)
    if verb == "subscribe":
        return _subscribe(args)
    if verb == "notifications":
        if [a.lower() for a in args] != ["retry"]:
            raise UsageError(_usage("notifications"))
        return RetryNotifications()
    if verb == "states":
        return _states(args)
    raise UsageError(f"Unknown command '{verb[:40]}'. Type /snow help to see every command.")


def _create(rest: str) -> Create:
    # The title is the rest of the line as typed: apostrophes and backslashes included.
    first, _, title = rest.partition(" ")
    if first.lower() in _KINDS:
        return Create(_KINDS[first.lower()], title.strip())
    return Create(TicketKind.INCIDENT, rest)


def _recommendations(
    args: list[str],
) -> Recommendations | AddRecommendation | RemoveRecommendation:
    if args and args[0].lower() == "add":
        if len(args) not in (3, 4):
            raise UsageError(
                'Add one like this: /snow recommendations add identity "Review guest access" '
                '"Quarterly review of guest accounts"'
            )
        return AddRecommendation(_category(args[1]), args[2], args[3] if len(args) == 4 else "")
    if args and args[0].lower() == "remove":
        if len(args) != 2:
            raise UsageError("Usage: /snow recommendations remove <id> (ids start with own-)")
        return RemoveRecommendation(args[1])
    category: str | None = None
    include_done = False
    page = 1
    words = iter(args)
    for word in words:
        w = word.lower()
        if w == "all":
            include_done = True
        elif w == "page":
            number = next(words, "")
            if not number.isdigit() or not 1 <= int(number) <= 1000:
                raise UsageError("Give a page number, e.g. /snow recommendations page 2")
            page = int(number)
        elif category is None:
            category = _category(word)
        else:
            raise UsageError(f"'{word[:40]}' is not understood. {_usage('recommendations')}")
    return Recommendations(category, include_done, page)


def _tickets(args: list[str]) -> Tickets:
    kind: TicketKind | None = None
    open_only = True
    for word in args:
        w = word.lower()
        if w in _KINDS:
            kind = _KINDS[w]
        elif w in ("open", "all"):
            open_only = w == "open"
        else:
            raise UsageError(f"'{word[:40]}' is not understood. {_usage('tickets')}")
    return Tickets(kind, open_only)


def _subscribe(args: list[str]) -> Subscribe:
    kinds = frozenset(TicketKind)
    max_priority = 5
    joined = " ".join(args)
    # Accept "priority <= 2" with spaces as well as "priority<=2".
    words = re.sub(r"\s*(<=|<|=)\s*", r"\1", joined).split()
    for word in words:
        w = word.lower()
        match = _PRIORITY.match(w)
        if w == "all":
            kinds = frozenset(TicketKind)
        elif w in _KINDS:
            kinds = frozenset({_KINDS[w]})
        elif match:
            op, n = match.group(1), int(match.group(2))
            max_priority = n - 1 if op == "<" else n
            if max_priority < 1:
                raise UsageError("priority<1 matches nothing: priorities go from 1 to 5.")
        else:
            raise UsageError(f"'{word[:40]}' is not understood. {_usage('subscribe')}")
    return Subscribe(kinds, max_priority)


def _states(args: list[str]) -> ShowStates | RenameState:
    if not args:
        return ShowStates()
    kind = _kind(args[0], "states")
    if len(args) == 1:
        return ShowStates(kind)
    if len(args) != 3:
        raise UsageError('Rename a state like this: /snow states incident 2 "Being fixed"')
    value, label = args[1], args[2].strip()
    if len(label) > 40:
        raise UsageError("A state name can be 40 characters at most.")
    return RenameState(kind, value, label)
