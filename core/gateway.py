"""The TicketGateway port: the ticket system, in the domain's words.

Core services ask for tickets (create one, find it by correlation id, what changed since a
watermark, comments since, one by number…) and never build a query: every ServiceNow table
name, encoded query and field mapping lives behind this port in
:class:`core.servicenow.gateway.ServiceNowGateway`. Unit tests use an in-memory fake
(``tests/fakes/ticket_gateway.py``) that passes the same contract suite.

Tickets come back with only what the ticket system knows; what only SnowOps knows (who
asked, the recommendation, where it was asked) is kept by :func:`keep_local`. Failures are
those of :mod:`core.servicenow.errors`; a create whose answer was lost raises
``UnavailableError`` or ``UnexpectedResponseError`` (it may have landed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from core.instance_meta import ChoiceEntry, DictionaryField
from core.models import Comment, Ticket, TicketKind, TicketRequest

__all__ = [
    "AddJournal",
    "ApprovalRequest",
    "AssignTo",
    "Changes",
    "Comment",
    "Identity",
    "Known",
    "Reopen",
    "Resolve",
    "TicketAction",
    "TicketGateway",
    "keep_local",
]


@dataclass(frozen=True, slots=True)
class Changes:
    """Tickets changed since a watermark, oldest change first.

    ``server_time`` is the ticket system's own clock when it answered (None if it did not
    say); ``complete`` is False when the answer was cut off and more changes wait.
    ``known`` counts the records of the answer left out unread because the caller had
    handled their version already (``Known``); ``known_newest`` is the newest change among
    them (a watermark must still pass them).
    """

    tickets: list[Ticket]
    server_time: datetime | None
    complete: bool
    known: int = 0
    known_newest: datetime | None = None

    @property
    def read(self) -> int:
        """Records in the answer, those left out included (the next page's offset)."""
        return len(self.tickets) + self.known


#: (number, mod_count) → True when that version of the ticket was handled already: a
#: record the watermark overlap brings back again need not be read into a Ticket.
Known = Callable[[str, int], bool]


@dataclass(frozen=True, slots=True)
class Identity:
    """The account a connection acts as."""

    user_name: str
    email: str


@dataclass(frozen=True, slots=True)
class AddJournal:
    """A comment (the caller sees it) or a work note (the service desk only)."""

    text: str
    work_note: bool = False


@dataclass(frozen=True, slots=True)
class AssignTo:
    """Assign to a user and/or a group (the ticket system's ids)."""

    user: str | None = None
    group: str | None = None


@dataclass(frozen=True, slots=True)
class Resolve:
    """Resolve an incident, or close a change, with a close code and notes."""

    close_code: str
    notes: str


@dataclass(frozen=True, slots=True)
class Reopen:
    """Put a resolved incident back in progress."""


TicketAction = AddJournal | AssignTo | Resolve | Reopen


@dataclass(frozen=True, slots=True)
class ApprovalRequest:
    """One approval a change waits on: the approval record and its approver (the ticket
    system's ids; ``email`` matches the approver to a chat user)."""

    id: str
    approver: str
    user_name: str
    name: str
    email: str


class TicketGateway(Protocol):
    """A workspace's ticket system. Every call names the workspace whose connection to use."""

    async def create(
        self, request: TicketRequest, correlation_id: str, caller: str | None
    ) -> Ticket:
        """Create the ticket ``request`` asks for, carrying ``correlation_id``; ``caller``
        is the ticket system's id of the person it is for, when known."""
        ...

    async def kinds(self, workspace: str) -> tuple[TicketKind, ...]:
        """The kinds this workspace's ticket system offers (security incidents only where
        the instance has them), in TicketKind order; cheap: answered from a cache."""
        ...

    async def find_by_correlation(
        self, workspace: str, correlation_id: str, *, open_only: bool
    ) -> Ticket | None:
        """The newest ticket carrying ``correlation_id`` (an active one with ``open_only``)."""
        ...

    async def get(self, workspace: str, kind: TicketKind, sys_id: str) -> Ticket:
        """One ticket as it is now (``NotFoundError`` when it is gone or hidden)."""
        ...

    async def get_many(self, workspace: str, tickets: Sequence[Ticket]) -> list[Ticket]:
        """Those of ``tickets`` that still exist, as they are now (a few requests at most)."""
        ...

    async def find_own(self, workspace: str, number: str) -> Ticket | None:
        """A ticket this workspace created, by number (None when there is none)."""
        ...

    async def find_any(
        self, workspace: str, kind: TicketKind, *, number: str = "", sys_id: str = ""
    ) -> Ticket | None:
        """Any ticket of ``kind`` the connection can read, SnowOps's or not, by ``number``
        or else by ``sys_id`` (None when there is none). Whether it may be shown is core's
        call (:mod:`core.lookup`)."""
        ...

    async def kind_groups(self, workspace: str) -> tuple[tuple[TicketKind, ...], ...]:
        """The workspace's kinds (:meth:`kinds`) grouped as :meth:`changes` may read them:
        all in one group where the ticket system answers for them together, else one group
        per kind; cheap: answered from a cache."""
        ...

    async def changes(
        self,
        workspace: str,
        kinds: Sequence[TicketKind],
        since: datetime | None,
        *,
        limit: int,
        offset: int = 0,
        known: Known | None = None,
    ) -> Changes:
        """This workspace's tickets of ``kinds`` (one group of :meth:`kind_groups`) changed
        at or after ``since`` (all of them when None), oldest change first, at most
        ``limit`` after skipping ``offset``: one request. Records whose version ``known``
        says was handled may be left out (counted in :attr:`Changes.known`)."""
        ...

    async def matching(
        self,
        workspace: str,
        kind: TicketKind,
        query: str,
        since: datetime | None,
        *,
        limit: int,
    ) -> Changes:
        """Tickets of ``kind`` matching the encoded ``query`` (whoever made them) changed
        at or after ``since``, oldest change first, at most ``limit``: one request (a
        channel's ``/snow subscribe query``, :mod:`core.watch`)."""
        ...

    async def comments_since(
        self,
        workspace: str,
        tickets: Sequence[Ticket],
        since: datetime | None,
        *,
        approvals_of: Sequence[Ticket] = (),
    ) -> list[Comment]:
        """Comments on any of ``tickets`` made at or after ``since``, oldest first (one
        request, however many tickets). ``approvals_of``: changes whose approvals are
        about to be asked for (:meth:`approvals`); a gateway may read them with the
        comments, in the same request, and answer that ask from what it read."""
        ...

    async def recent_comments(self, workspace: str, ticket: Ticket, limit: int) -> list[Comment]:
        """The newest ``limit`` comments of one ticket, newest first."""
        ...

    async def user_by_email(self, workspace: str, email: str) -> str | None:
        """The ticket system's id of the active user with this email, if it may be read."""
        ...

    async def act(
        self,
        workspace: str,
        ticket: Ticket,
        action: TicketAction,
        *,
        token: str | None = None,
        note: str = "",
    ) -> Ticket:
        """Do ``action`` to ``ticket`` and return it as it is now. ``token``: a person's own
        (the ticket system records them and applies their rights); without it the
        connection acts, and ``note`` (who asked, from where) goes in the work notes."""
        ...

    async def close_codes(self, workspace: str, kind: TicketKind) -> list[tuple[str, str]]:
        """The close codes this instance offers for ``kind``: (value, label), in order."""
        ...

    async def group_by_name(self, workspace: str, name: str) -> tuple[str, str] | None:
        """An active assignment group by its exact name: (id, name), or None; a name that
        cannot be queried safely (``^``, empty) is refused with a UserError."""
        ...

    async def groups_matching(self, workspace: str, text: str, limit: int) -> list[tuple[str, str]]:
        """Active assignment groups whose name contains ``text`` (any case; all when it is
        empty), at most ``limit``, by name: (id, name). Characters that cannot go in a
        query are read as spaces."""
        ...

    async def whoami(self, workspace: str) -> Identity | None:
        """Who the connection acts as (None when the ticket system will not say)."""
        ...

    # -- the instance's own fields (core/instance_fields.py, core/field_mapping.py) --------

    async def choices(self, workspace: str, table: str, element: str) -> list[ChoiceEntry]:
        """The active choices of ``table``'s field ``element`` (``sys_choice``), in the
        instance's order; a table or element that cannot be queried safely is a UserError."""
        ...

    async def dictionary(self, workspace: str, table: str) -> list[DictionaryField]:
        """The fields of ``table`` (``sys_dictionary``, with those it inherits from task)."""
        ...

    async def named_records(
        self, workspace: str, table: str, text: str, limit: int, *, exact: bool = False
    ) -> list[tuple[str, str]]:
        """Records of ``table`` (``cmdb_ci``, ``sys_user_group``… any with a ``name``)
        whose name contains ``text`` (any case; equals it with ``exact``), by name, at
        most ``limit``: (sys_id, name)."""
        ...

    # -- change approvals (core/approvals.py) ----------------------------------------------

    async def approvals(self, workspace: str, ticket: Ticket) -> list[ApprovalRequest]:
        """The approvals ``ticket`` (a change) waits on now (state requested)."""
        ...

    async def decide(
        self,
        workspace: str,
        ticket: Ticket,
        approval: str,
        approve: bool,
        comments: str,
        *,
        token: str,
    ) -> str:
        """Approve or reject approval record ``approval`` of ``ticket`` as the person whose
        ``token`` it is (never the connection: an approval is personal). Returns the state
        it has now; one no longer requested is left as it is. ``NotFoundError`` or
        ``ForbiddenError`` when it is not theirs (hidden from them, or theirs to read only)."""
        ...


def keep_local(fresh: Ticket, known: Ticket | None) -> Ticket:
    """``fresh`` from the ticket system, with what only SnowOps knows taken from ``known``
    (who asked, the recommendation, its category and source, where it was asked, and the
    comments last read)."""
    if known is None:
        return fresh
    return replace(
        fresh,
        requested_by=known.requested_by,
        recommendation_id=known.recommendation_id,
        category=known.category,
        source=known.source,
        origin=known.origin,
        history=fresh.history or known.history,
    )
