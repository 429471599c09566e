"""The `/snow` commands as typed values (the grammar that reads and writes them is
:mod:`core.grammar`).

A command is what a person asked for, whether typed or clicked: every button carries the
command it stands for, written as text (:func:`core.grammar.command_text`), so a click and
the typed command take the same path through core. Two class-level facts steer the
platforms without them knowing command types:

- ``admin``: only workspace admins may run it (checked in core);
- ``channel_scoped``: an admin command that concerns only the channel it is run in, which
  the channel's own admins may run too (a Teams team owner in the team's channels);
- ``forms``: its answer may be a form (Slack keeps a modal open for it, Teams opens a
  dialog from its button).

Which commands can be answered from SnowOps's own state alone (Slack answers those in its
acknowledgement) is for core's handlers to say: :meth:`core.handlers.router.Router.answer_now`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from core.command_base import CommandBase as _Base
from core.command_help import COMMAND_HELP, help_lines
from core.commands_language import SetLanguage
from core.commands_mapping import MapFields
from core.commands_watch import ShowWatches, Unwatch, WatchQuery
from core.commands_work import (
    ActionForm,
    AddNote,
    Approve,
    Assign,
    Reject,
    ReopenTicket,
    ResolveTicket,
    SetIdentity,
    SetThreads,
)
from core.models import TicketKind

__all__ = [
    "COMMAND_HELP",
    "ActionForm",
    "AddNote",
    "AddRecommendation",
    "AddRule",
    "Approve",
    "Assign",
    "Audit",
    "Command",
    "Configure",
    "Connect",
    "Create",
    "DigestSubscribe",
    "Disconnect",
    "Help",
    "Home",
    "Link",
    "LinkTenant",
    "ListRules",
    "Lookup",
    "MapFields",
    "NotifyMe",
    "Quiet",
    "Recommendations",
    "Reconnect",
    "Reject",
    "RemoveRecommendation",
    "RemoveRule",
    "RenameState",
    "ReopenTicket",
    "ResolveTicket",
    "RetryNotifications",
    "SetIdentity",
    "SetLanguage",
    "SetThreads",
    "Share",
    "ShowStates",
    "ShowTicket",
    "ShowWatches",
    "Status",
    "Subscribe",
    "Tickets",
    "Unlink",
    "Unsubscribe",
    "Unwatch",
    "WatchQuery",
    "help_lines",
]


@dataclass(frozen=True, slots=True)
class Help(_Base):
    """``/snow help``."""


@dataclass(frozen=True, slots=True)
class Home(_Base):
    """``/snow home``: the incident and change cards."""


@dataclass(frozen=True, slots=True)
class Connect(_Base):
    """``/snow connect <instance>``."""

    instance: str
    admin: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Reconnect(_Base):
    """``/snow reconnect``: a fresh sign-in link for the instance already connected."""

    admin: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Status(_Base):
    """``/snow status``."""


@dataclass(frozen=True, slots=True)
class Configure(_Base):
    """``/snow config``: connection, state names, Reconnect and Disconnect in one place."""

    admin: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Disconnect(_Base):
    """``/snow disconnect``: asks first (``confirmed`` False); ``/snow disconnect confirm``
    (and the confirmation's own button) disconnects."""

    confirmed: bool = False
    admin: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Recommendations(_Base):
    """``/snow recommendations [category] [all] [page N]``."""

    category: str | None = None
    include_done: bool = False
    page: int = 1


@dataclass(frozen=True, slots=True)
class AddRecommendation(_Base):
    """``/snow recommendations add <category> "<title>" ["<description>"]``."""

    category: str
    title: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class RemoveRecommendation(_Base):
    """``/snow recommendations remove <id>`` (a team's own only)."""

    recommendation_id: str
    admin: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class LinkTenant:
    """``/snow securescore [<tenant-id>]``: show or set the Microsoft tenant."""

    tenant: str | None = None
    forms: ClassVar[bool] = False

    @property
    def admin(self) -> bool:
        """Only changing the tenant needs an admin."""
        return self.tenant is not None


@dataclass(frozen=True, slots=True)
class Share(_Base):
    """``/snow share <recommendation-id>``."""

    recommendation_id: str
    forms: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Create(_Base):
    """``/snow create [incident|change] [title…]``."""

    kind: TicketKind = TicketKind.INCIDENT
    title: str = ""
    forms: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Tickets(_Base):
    """``/snow tickets [incident|change] [open|all] [page N]``; ``fresh=False`` answers from
    SnowOps's own store (never typed)."""

    kind: TicketKind | None = None
    open_only: bool = True
    page: int = 1
    fresh: bool = True


@dataclass(frozen=True, slots=True)
class ShowTicket(_Base):
    """``/snow ticket <number>``."""

    number: str


@dataclass(frozen=True, slots=True)
class Subscribe(_Base):
    """``/snow subscribe [incident|change|all] [priority<=N]``."""

    kinds: frozenset[TicketKind]
    max_priority: int = 5
    admin: ClassVar[bool] = True
    channel_scoped: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class DigestSubscribe(_Base):
    """``/snow subscribe … digest daily|hourly [HH:MM] [zone Z]`` or ``… digest off``."""

    kinds: frozenset[TicketKind]
    max_priority: int = 5
    every: str = "daily 09:00"  # "daily HH:MM", "hourly HH:MM" (its minute) or "off"
    zone: str = ""  # "" keeps the channel's zone (UTC until one is set)
    admin: ClassVar[bool] = True
    channel_scoped: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Quiet(_Base):
    """``/snow quiet 18:00-08:00 [zone …]``, ``/snow quiet off`` or ``/snow quiet``."""

    window: str = ""  # "18:00-08:00"; "": show them; "off": no quiet hours
    zone: str = ""
    admin: ClassVar[bool] = True
    channel_scoped: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class NotifyMe(_Base):
    """``/snow notify me on|off``: direct messages of changes to my tickets (default off)."""

    on: bool


@dataclass(frozen=True, slots=True)
class Unsubscribe(_Base):
    """``/snow unsubscribe``."""

    admin: ClassVar[bool] = True
    channel_scoped: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class RetryNotifications(_Base):
    """``/snow notifications retry``: try undelivered (parked) notifications again."""

    admin: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Link(_Base):
    """``/snow link``: link your own ServiceNow account (a private sign-in link)."""


@dataclass(frozen=True, slots=True)
class Unlink(_Base):
    """``/snow unlink``: forget your ServiceNow account and revoke its tokens."""


@dataclass(frozen=True, slots=True)
class Audit(_Base):
    """``/snow audit [n]``: the workspace's newest audit entries (who did what, where)."""

    count: int
    admin: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class ShowStates(_Base):
    """``/snow states [incident|change]``."""

    kind: TicketKind | None = None


@dataclass(frozen=True, slots=True)
class RenameState(_Base):
    """``/snow states incident 2 "Being fixed"`` (an empty name restores the default)."""

    kind: TicketKind
    value: str
    label: str
    admin: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class ListRules(_Base):
    """``/snow rules``: the rules that open tickets on a Secure Score refresh."""


@dataclass(frozen=True, slots=True)
class AddRule(_Base):
    """``/snow rules add when "new recommendation" [category <c>] [points>=N] then
    incident|change [priority N]``, or ``when "score drops" by>=N then …``."""

    trigger: str  # NEW_RECOMMENDATION or SCORE_DROPS
    kind: TicketKind
    priority: int = 3
    category: str | None = None
    min_points: int = 0  # a new recommendation worth at least this many points
    drop: int = 0  # the tenant's score fell by at least this many points in a day
    admin: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class RemoveRule(_Base):
    """``/snow rules remove N`` (N as ``/snow rules`` numbers them)."""

    number: int
    admin: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Lookup(_Base):
    """``/snow lookup [any|own]``: which tickets ``ticket`` and link previews show (any the
    connection can read, or only SnowOps's own); bare, the current setting."""

    mode: str = ""
    admin: ClassVar[bool] = True


Command = (
    Help
    | Home
    | Connect
    | Reconnect
    | Status
    | Configure
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
    | DigestSubscribe
    | Quiet
    | NotifyMe
    | RetryNotifications
    | Link
    | Unlink
    | AddNote
    | Assign
    | ResolveTicket
    | ReopenTicket
    | ActionForm
    | SetIdentity
    | SetThreads
    | Approve
    | Reject
    | Audit
    | ShowStates
    | RenameState
    | ListRules
    | AddRule
    | RemoveRule
    | Lookup
    | WatchQuery
    | ShowWatches
    | Unwatch
    | SetLanguage
    | MapFields
)
