"""Commands that work a ticket from chat as the person (comment, note, assign, resolve,
reopen, their forms), who acts for them, thread replies and change approvals. Re-exported
by :mod:`core.commands`, where every command is listed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from core.command_base import CommandBase as _Base

__all__ = [
    "ActionForm",
    "AddNote",
    "Approve",
    "Assign",
    "Reject",
    "ReopenTicket",
    "ResolveTicket",
    "SetIdentity",
    "SetThreads",
]


@dataclass(frozen=True, slots=True)
class AddNote(_Base):
    """``/snow comment INC0010001 "…"`` (the caller sees it) or ``/snow note …`` (a work
    note, the service desk only)."""

    number: str
    text: str
    work_note: bool = False


@dataclass(frozen=True, slots=True)
class Assign(_Base):
    """``/snow assign INC0010001 me|"<group>"``."""

    number: str
    to: str  # "me" or an assignment group's name


@dataclass(frozen=True, slots=True)
class ResolveTicket(_Base):
    """``/snow resolve INC0010001 <close code> "<notes>"`` (a change: closes it)."""

    number: str
    close_code: str
    notes: str


@dataclass(frozen=True, slots=True)
class ReopenTicket(_Base):
    """``/snow reopen INC0010001``."""

    number: str


@dataclass(frozen=True, slots=True)
class ActionForm(_Base):
    """``/snow comment INC0010001`` without its text (or a card's *Add comment*, *Add work
    note*, *Assign to group*, *Resolve*, *Close*): the form for that action.
    ``action`` is ``comment``, ``note``, ``assign``, ``resolve`` or ``close``."""

    number: str
    action: str
    forms: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class SetIdentity(_Base):
    """``/snow identity [linked|email]``: who acts for people who have not linked."""

    mode: str = ""  # "" shows the current one
    admin: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class SetThreads(_Base):
    """``/snow threads [comments|work_notes|off]``: what replies in the thread of a ticket
    card in this channel become in ServiceNow (nothing, by default)."""

    mode: str = ""  # "" shows the current one
    admin: ClassVar[bool] = True
    channel_scoped: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Approve(_Base):
    """``/snow approve CHG0030001 <approval>``: approve a change as yourself (the button of
    an approval request carries it; ``approval`` is the approval record's id)."""

    number: str
    approval: str


@dataclass(frozen=True, slots=True)
class Reject(_Base):
    """``/snow reject CHG0030001 <approval> "<reason>"``; without a reason it is asked for
    (a form of its own: core answers at once, so no modal needs opening ahead)."""

    number: str
    approval: str
    reason: str = ""
