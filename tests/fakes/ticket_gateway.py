"""InMemoryTicketGateway: the TicketGateway port in memory, for fast unit tests.

It behaves as :class:`core.servicenow.gateway.ServiceNowGateway` does against the
simulator (``sim/servicenow``), and passes the same contract suite
(``tests/contract/test_ticket_gateway.py``):

- records are kept as the Table API keeps them (string fields, ``YYYY-MM-DD HH:MM:SS`` UTC
  timestamps, so second precision) and become tickets through the product's own mapping
  (:func:`core.servicenow.mapping.ticket_from_record`), comments through
  :func:`core.servicenow.gateway.comments_from_rows`;
- numbers ``INC0010001…`` and ``CHG0030001…``, 32-hex sys_ids; a new incident is state
  ``"1"`` with its priority computed from impact x urgency (ServiceNow's default lookup), a
  new change is state ``"-5"`` with the priority given; ``mod_count`` starts at 0 and moves
  on every real change; times come from the injected clock;
- ``active`` follows the platform's business rules (an incident goes inactive when closed
  or canceled, ``"7"``/``"8"``, and active again when reopened from resolved or closed; a
  change when closed or canceled, ``"3"``/``"4"``); a resolved incident stays active;
- ordering ties (same second) keep insertion order, like the simulator's stable sorts;
- ``act`` writes what ServiceNowGateway would PATCH (the product's own
  :func:`core.servicenow.actions.action_fields`): journal fields become journal entries by
  the token's user (``tokens``: token → user name, as the instance knows whose a token is;
  ``NotAuthenticated`` for any other) or by the integration user; the base data policy
  (close code and notes when an incident is resolved or closed) and, for a client's write,
  the change model's state moves are enforced (``ForbiddenError``, nothing written);
- ``close_codes`` answers the base system's choices (the simulator's), ``group_by_name``
  the active groups in ``groups`` (name → sys_id, exact name); a name that cannot go in a
  query is refused before any request (``UserError``), as the real gateway refuses it.
  ``groups_matching`` finds those whose name contains the text, any case, by name.

Stricter than the real gateway on one point: a workspace never sees (nor acts on) another
workspace's tickets, whichever method it calls (``find_own`` and ``changes`` also need the
``snowops:<workspace>:`` correlation prefix, as the real queries do).

Test controls: ``set_state`` (filling close code and notes when it resolves or closes, as
the simulator's agent does), ``set_priority``, ``add_comment``, ``insert`` and ``delete``
change tickets as an admin would in ServiceNow; ``fail_next`` and
``lose_next_create_answer`` inject failures; ``block_next`` holds a call until released;
``record`` and ``journal`` read raw rows; ``calls`` counts every call per method and
``requests`` those that would reach the ticket system (the real gateway sends nothing for
an empty ``get_many``/``comments_since``, an unusable email or group name).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.clock import Clock
from core.gateway import ApprovalRequest, Changes, Identity, Known, TicketAction, keep_local
from core.instance_meta import ChoiceEntry, DictionaryField
from core.lookup import kind_of_number
from core.models import Comment, Priority, Ticket, TicketKind, TicketRequest
from core.servicenow.actions import action_fields
from core.servicenow.errors import (
    BadRequestError,
    ForbiddenError,
    KindsRefused,
    NotAuthenticated,
    NotConnectedError,
    NotFoundError,
    ServiceNowError,
    UnavailableError,
)
from core.servicenow.journal import comment_from_row, comments_from_rows
from core.servicenow.mapping import (
    correlation_prefix,
    format_sn_datetime,
    impact_urgency,
    parse_sn_datetime,
    request_fields,
    ticket_from_record,
)
from core.servicenow.query import query_value
from core.servicenow.responses import HINT_ACL
from core.servicenow.states import DEFAULT_STATES
from sim.servicenow.query import parse_query
from sim.servicenow.schema import PRIORITY_LOOKUP
from sim.servicenow.tables_itsm import INCIDENT_CLOSE_CODES
from tests.fakes.approvals import FakeApprovals
from tests.fakes.instance_meta import InstanceMeta

if TYPE_CHECKING:
    from datetime import datetime

    from core.gateway import TicketGateway

__all__ = [
    "CLOSE_CODES",
    "DEFAULT_IDENTITY",
    "DEFAULT_INSTANCE",
    "Gate",
    "InMemoryTicketGateway",
]

DEFAULT_INSTANCE = "https://fake.service-now.com"
#: The account the simulator's default connection acts as.
DEFAULT_IDENTITY = Identity("snowops.integration", "snowops.integration@example.com")
#: Who works tickets when a test plays the service desk (the simulator's agent).
AGENT = "beth.anglin"

#: The base system's active close codes, in their order: (value, label) per kind.
CLOSE_CODES: dict[TicketKind, list[tuple[str, str]]] = {
    TicketKind.INCIDENT: [(code, code) for code in INCIDENT_CLOSE_CODES],
    TicketKind.CHANGE: [
        ("successful", "Successful"),
        ("successful_issues", "Successful with issues"),
        ("unsuccessful", "Unsuccessful"),
    ],
    TicketKind.PROBLEM: [],
    TicketKind.SECURITY: [
        ("confirmed", "Confirmed security incident"),
        ("false_positive", "False positive"),
        ("duplicate", "Duplicate"),
    ],
}
#: What an agent fills when resolving or closing (the simulator's defaults).
_AGENT_CLOSE = {
    TicketKind.INCIDENT: ("Solution provided", "Resolved by the service desk."),
    TicketKind.CHANGE: ("successful", "Implemented successfully."),
    TicketKind.PROBLEM: ("", ""),
    TicketKind.SECURITY: ("confirmed", "Contained and eradicated."),
}
#: The states in which the agent fills them.
_AGENT_CLOSES = {
    TicketKind.INCIDENT: ("6", "7"),
    TicketKind.CHANGE: ("3",),
    TicketKind.PROBLEM: (),
    TicketKind.SECURITY: ("3",),
}
#: States whose close code and notes are mandatory (the base data policy: incidents).
_CLOSE_INFO_STATES = {
    TicketKind.INCIDENT: ("6", "7"),
    TicketKind.CHANGE: (),
    TicketKind.PROBLEM: (),
    TicketKind.SECURITY: ("3",),
}
#: The states a client may move a normal change to ("Change Model: Check State Transition").
_CHANGE_MOVES: dict[str, set[str]] = {
    "-5": {"-4", "4"},
    "-4": {"-5", "4"},
    "-3": {"-5", "4"},
    "-2": {"-1", "4"},
    "-1": {"0", "4"},
    "0": {"3"},
}
_CLOSE_LABELS = {"close_code": "Resolution code", "close_notes": "Close notes"}
_NUMBERS = {
    TicketKind.INCIDENT: ("INC", 10001),
    TicketKind.CHANGE: ("CHG", 30001),
    TicketKind.PROBLEM: ("PRB", 40001),
    TicketKind.SECURITY: ("SIR", 10001),
}
#: Kinds whose priority is computed from impact x urgency (read-only priority).
_COMPUTED = (TicketKind.INCIDENT, TicketKind.PROBLEM)
#: The states in which a kind is inactive (the platform's business rules).
_INACTIVE = {
    TicketKind.CHANGE: ("3", "4"),
    TicketKind.PROBLEM: ("107",),
    TicketKind.SECURITY: ("3", "7"),
}
_DEFAULTS: dict[TicketKind, dict[str, str]] = {
    TicketKind.INCIDENT: {
        "state": "1",
        "impact": "3",
        "urgency": "3",
        "priority": "5",
        "active": "true",
        "caller_id": "",
        "assigned_to": "",
        "assignment_group": "",
        "close_code": "",
        "close_notes": "",
    },
    TicketKind.CHANGE: {
        "state": "-5",
        "type": "normal",
        "priority": "4",
        "active": "true",
        "requested_by": "",
        "assigned_to": "",
        "assignment_group": "",
        "close_code": "",
        "close_notes": "",
    },
    TicketKind.PROBLEM: {
        "state": "101",
        "impact": "3",
        "urgency": "3",
        "priority": "5",
        "active": "true",
        "assigned_to": "",
        "assignment_group": "",
        "resolution_code": "",
        "close_notes": "",
    },
    TicketKind.SECURITY: {
        "state": "10",
        "priority": "4",
        "active": "true",
        "assigned_to": "",
        "assignment_group": "",
        "close_code": "",
        "close_notes": "",
    },
}
_JOURNAL_ELEMENTS = ("comments", "work_notes")
_METHODS = frozenset(
    {
        "create",
        "kinds",
        "find_by_correlation",
        "get",
        "get_many",
        "find_own",
        "find_any",
        "changes",
        "matching",
        "comments_since",
        "recent_comments",
        "user_by_email",
        "act",
        "close_codes",
        "group_by_name",
        "groups_matching",
        "whoami",
        "choices",
        "dictionary",
        "named_records",
        "approvals",
        "decide",
    }
)

Record = dict[str, str]


@dataclass
class Gate:
    """A call held by :meth:`InMemoryTicketGateway.block_next`: ``entered`` is set once the
    call is inside (its effect not yet done), and it goes on when ``release`` is set."""

    entered: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class _Row:
    workspace: str
    kind: TicketKind
    record: Record


class InMemoryTicketGateway:
    """Tickets of every workspace, in memory (see the module docstring)."""

    def __init__(
        self,
        clock: Clock,
        *,
        instance: str = DEFAULT_INSTANCE,
        workspaces: Iterable[str] | None = None,
        users: dict[str, str] | None = None,
        identity: Identity | None = DEFAULT_IDENTITY,
        groups: dict[str, str] | None = None,
        tokens: dict[str, str] | None = None,
    ) -> None:
        self._clock = clock
        self._default_instance: str | None = instance if workspaces is None else None
        self._instances: dict[str, str] = {ws: instance for ws in workspaces or ()}
        self._disconnected: set[str] = set()
        #: email → sys_user sys_id of the active users ``user_by_email`` finds.
        self.users: dict[str, str] = dict(users or {})
        #: What ``whoami`` answers.
        self.identity = identity
        #: name → sys_user_group sys_id of the active groups ``group_by_name`` finds.
        self.groups: dict[str, str] = dict(groups or {})
        #: A person's access token → their user name (whom ``act`` writes as).
        self.tokens: dict[str, str] = dict(tokens or {})
        #: What ``close_codes`` answers, per kind.
        self.close_choices = {kind: list(codes) for kind, codes in CLOSE_CODES.items()}
        #: Calls per port method, whatever they did.
        self.calls: Counter[str] = Counter()
        #: Records ``changes`` left out as handled already (its ``known``).
        self.left_out = 0
        #: Calls per port method that would have sent a request to the ticket system.
        self.requests: Counter[str] = Counter()
        #: Approvals read with comments: sys_id → (the change's mod_count, them).
        self._kept_approvals: dict[str, tuple[int, list[ApprovalRequest]]] = {}
        self._rows: dict[str, _Row] = {}  # sys_id → row, in insertion order
        self._journal: list[Record] = []
        self._counters = {kind: start for kind, (_, start) in _NUMBERS.items()}
        self._failures: dict[str, deque[ServiceNowError | None]] = {}
        self._gates: dict[str, deque[Gate]] = {}
        self._lost_creates = 0
        #: Kinds the instance lacks (security incidents without the plugin): ``kinds``
        #: leaves them out, and every other call on them fails as the Table API does.
        self.missing: set[TicketKind] = set()
        #: Whether ``changes`` reads every kind at once (the connection may read ``task``).
        self.together = True
        #: ``task`` refuses reads (an ACL changed after the probe): ``changes`` of several
        #: kinds fails with 403 and the next ``kind_groups`` has one kind each.
        self.task_refused = False
        #: Change approvals (``approvals.approvers`` are asked when a change enters a step).
        self.approval_rows = FakeApprovals()
        #: The instance's choice lists, dictionary and named records (CIs, groups).
        self.meta = InstanceMeta()

    # -- connections --------------------------------------------------------------------
    def connect(self, workspace: str, instance: str | None = None) -> None:
        """Connect ``workspace`` (to ``instance``, or the default one)."""
        self._disconnected.discard(workspace)
        self._instances[workspace] = instance or self._default_instance or DEFAULT_INSTANCE

    def disconnect(self, workspace: str) -> None:
        """Every call for ``workspace`` raises ``NotConnectedError`` from now on."""
        self._instances.pop(workspace, None)
        self._disconnected.add(workspace)

    def _instance(self, workspace: str) -> str:
        url = self._instances.get(workspace)
        if url is None and workspace not in self._disconnected:
            url = self._default_instance
        if url is None:
            raise NotConnectedError("this workspace is not connected to ServiceNow")
        return url

    # -- test controls ------------------------------------------------------------------
    def fail_next(self, method: str, exc: ServiceNowError, *, after: int = 0) -> None:
        """The next call of port method ``method`` that reaches the ticket system raises
        ``exc`` (queued: call again to fail several in a row); with ``after``, that many
        calls pass first."""
        self._check_method(method)
        queue = self._failures.setdefault(method, deque())
        queue.extend([None] * after)
        queue.append(exc)

    def lose_next_create_answer(self) -> None:
        """The next create lands, but its answer is lost: it raises ``UnavailableError``."""
        self._lost_creates += 1

    def block_next(self, method: str) -> Gate:
        """Hold the next call of ``method`` before its effect, until the gate's release."""
        self._check_method(method)
        gate = Gate()
        self._gates.setdefault(method, deque()).append(gate)
        return gate

    def insert(
        self,
        workspace: str,
        kind: TicketKind,
        title: str,
        *,
        correlation_id: str = "",
        priority: Priority = Priority.MODERATE,
    ) -> Ticket:
        """A ticket made in ServiceNow without SnowOps (no call counted)."""
        fields: Record = {"short_description": title, "correlation_id": correlation_id}
        if kind in _COMPUTED:
            impact, urgency = impact_urgency(priority)
            fields.update(impact=str(impact), urgency=str(urgency))
        else:
            fields["priority"] = str(int(priority))
        return self._ticket(self._insert(workspace, kind, fields))

    def set_state(self, number: str, state: str) -> Ticket:
        """Move a ticket to ``state`` as an agent would (``ValueError`` for an unknown
        state, ``KeyError`` for an unknown number)."""
        row = self._row(number)
        if state not in DEFAULT_STATES[row.kind]:
            raise ValueError(f"unknown {row.kind.table} state {state!r}")
        values = {"state": state}
        if state in _AGENT_CLOSES[row.kind]:
            code, notes = _AGENT_CLOSE[row.kind]
            values["close_code"] = row.record["close_code"] or code
            values["close_notes"] = row.record["close_notes"] or notes
        self._update(row, values)
        if row.kind is TicketKind.CHANGE and state in ("-4", "-3"):
            self.approval_rows.request(row.record["sys_id"])
        return self._ticket(row)

    def set_priority(self, number: str, priority: int) -> Ticket:
        """Change a ticket's priority (an incident's through its impact and urgency)."""
        row = self._row(number)
        if row.kind in _COMPUTED:
            impact, urgency = next(
                pair for pair, value in PRIORITY_LOOKUP.items() if value == str(priority)
            )
            self._update(row, {"impact": impact, "urgency": urgency})
        else:
            self._update(row, {"priority": str(priority)})
        return self._ticket(row)

    def add_comment(
        self, number: str, text: str, author: str = AGENT, *, element: str = "comments"
    ) -> Comment:
        """Add a comment (or a work note, ``element="work_notes"``) to a ticket."""
        if element not in _JOURNAL_ELEMENTS:
            raise ValueError(f"element must be one of {_JOURNAL_ELEMENTS}")
        if not text:
            raise ValueError("text must not be empty")
        row = self._row(number)
        [entry] = self._update(row, {}, journal=[(element, text, author)])
        return comment_from_row(entry)

    def delete(self, number: str) -> None:
        """Delete a ticket (an admin cleaning up): it is gone for every method."""
        del self._rows[self._row(number).record["sys_id"]]

    def ticket(self, number: str) -> Ticket:
        """A ticket as the ticket system holds it now (``KeyError`` when unknown)."""
        return self._ticket(self._row(number))

    def record(self, number: str) -> Record:
        """A copy of a ticket's raw record (description, caller, impact, urgency…)."""
        return dict(self._row(number).record)

    def journal(self, number: str) -> list[Record]:
        """Copies of a ticket's journal entries, comments and work notes, oldest first."""
        sys_id = self._row(number).record["sys_id"]
        return [dict(e) for e in self._journal if e["element_id"] == sys_id]

    def tickets(self, workspace: str | None = None) -> list[Ticket]:
        """Every ticket (of one workspace), oldest first."""
        return [
            self._ticket(row)
            for row in self._rows.values()
            if workspace is None or row.workspace == workspace
        ]

    # -- the port -------------------------------------------------------------------------
    async def kinds(self, workspace: str) -> tuple[TicketKind, ...]:
        """Every kind but ``missing`` (answered from a cache: no request counted)."""
        self.calls["kinds"] += 1
        return tuple(k for k in TicketKind if k not in self.missing)

    async def kind_groups(self, workspace: str) -> tuple[tuple[TicketKind, ...], ...]:
        """Every kind in one group while ``together``, else one group per kind."""
        kinds = await self.kinds(workspace)
        if self.together and len(kinds) > 1:
            return (kinds,)
        return tuple((kind,) for kind in kinds)

    def _table(self, kind: TicketKind) -> None:
        """A table the instance lacks answers 400, as the Table API does."""
        if kind in self.missing:
            raise BadRequestError(f"Invalid table {kind.table}", status=400)

    async def create(
        self, request: TicketRequest, correlation_id: str, caller: str | None
    ) -> Ticket:
        """Insert the ticket as ``ServiceNowGateway.create`` would have it inserted."""
        self.calls["create"] += 1
        instance = self._instance(request.workspace)
        await self._reach("create")
        self._table(request.kind)
        fields = request_fields(request, correlation_id, caller)
        missing = self.meta.missing(request.kind.table, fields)
        if missing:
            raise ForbiddenError(
                "ServiceNow refused: Operation Failed (Data Policy Exception: The following "
                f"fields are mandatory: {', '.join(missing)})",
                status=403,
                detail=f"Data Policy Exception: The following fields are mandatory: "
                f"{', '.join(missing)}",
                hint=HINT_ACL,
            )
        row = self._insert(request.workspace, request.kind, fields)
        if self._lost_creates:
            self._lost_creates -= 1
            raise UnavailableError(f"create in {request.kind.table} got no answer in time")
        return ticket_from_record(
            request.workspace, request.kind, instance, row.record, request=request
        )

    async def find_by_correlation(
        self, workspace: str, correlation_id: str, *, open_only: bool
    ) -> Ticket | None:
        """The newest (by creation) ticket carrying ``correlation_id``, incidents first."""
        self.calls["find_by_correlation"] += 1
        self._instance(workspace)
        await self._reach("find_by_correlation")
        for kind in await self.kinds(workspace):
            rows = [
                r
                for r in self._scoped(workspace, kind)
                if r.record["correlation_id"] == correlation_id
                and (not open_only or r.record["active"] == "true")
            ]
            rows.sort(key=lambda r: r.record["sys_created_on"], reverse=True)
            if rows:
                return self._ticket(rows[0])
        return None

    async def get(self, workspace: str, kind: TicketKind, sys_id: str) -> Ticket:
        """One ticket by sys_id (``NotFoundError`` when gone, of another kind or another
        workspace's)."""
        self.calls["get"] += 1
        self._instance(workspace)
        await self._reach("get")
        row = self._rows.get(sys_id)
        if row is None or row.kind is not kind or row.workspace != workspace:
            raise NotFoundError("No Record found", status=404)
        return self._ticket(row)

    async def get_many(self, workspace: str, tickets: Sequence[Ticket]) -> list[Ticket]:
        """Those of ``tickets`` that still exist, incidents first, with local facts kept."""
        self.calls["get_many"] += 1
        if not tickets:
            return []
        self._instance(workspace)
        await self._reach("get_many")
        known = {t.sys_id: t for t in tickets}
        out: list[Ticket] = []
        for kind in TicketKind:
            wanted = {t.sys_id for t in tickets if t.kind is kind}
            for row in self._scoped(workspace, kind):
                if row.record["sys_id"] in wanted:
                    fresh = self._ticket(row)
                    out.append(keep_local(fresh, known.get(fresh.sys_id)))
        return out

    async def find_own(self, workspace: str, number: str) -> Ticket | None:
        """A ticket this workspace created (its correlation prefix), by number."""
        self.calls["find_own"] += 1
        kind = kind_of_number(number) or TicketKind.INCIDENT
        self._instance(workspace)
        await self._reach("find_own")
        prefix = correlation_prefix(workspace)
        for row in self._scoped(workspace, kind):
            if row.record["number"] == number and row.record["correlation_id"].startswith(prefix):
                return self._ticket(row)
        return None

    async def find_any(
        self, workspace: str, kind: TicketKind, *, number: str = "", sys_id: str = ""
    ) -> Ticket | None:
        """Any of this workspace's tickets of ``kind``, SnowOps's or not, by number (else
        by sys_id)."""
        self.calls["find_any"] += 1
        field, value = ("number", number) if number else ("sys_id", sys_id)
        self._instance(workspace)
        query_value(value)
        await self._reach("find_any")
        for row in self._scoped(workspace, kind):
            if row.record[field] == value:
                return self._ticket(row)
        return None

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
        """This workspace's tickets of ``kinds`` updated at or after ``since`` (to the
        second), oldest update first, at most ``limit``; those whose version ``known``
        says was handled are only counted, as the real gateway does."""
        self.calls["changes"] += 1
        self._instance(workspace)
        if limit <= 0:
            return Changes([], None, complete=False)
        await self._reach("changes")
        if len(kinds) > 1 and self.task_refused:
            self.together = False
            raise KindsRefused("User Not Authorized", status=403, hint=HINT_ACL)
        for kind in kinds:
            self._table(kind)
        prefix = correlation_prefix(workspace)
        floor = format_sn_datetime(since) if since is not None else ""
        rows = [
            r
            for kind in kinds
            for r in self._scoped(workspace, kind)
            if r.record["correlation_id"].startswith(prefix) and r.record["sys_updated_on"] >= floor
        ]
        rows.sort(key=lambda r: r.record["sys_updated_on"])
        cut = rows[offset : offset + limit]
        # The instance's Date header: its clock, to the second.
        server_time = self._clock.now().replace(microsecond=0)
        done, read = [], []
        for r in cut:
            handled = known is not None and known(
                r.record["number"], int(r.record["sys_mod_count"])
            )
            (done if handled else read).append(r)
        newest = max((r.record["sys_updated_on"] for r in done), default="")
        self.left_out += len(done)
        return Changes(
            [self._ticket(r) for r in read],
            server_time,
            complete=len(cut) < limit,
            known=len(done),
            known_newest=parse_sn_datetime(newest),
        )

    async def matching(
        self,
        workspace: str,
        kind: TicketKind,
        query: str,
        since: datetime | None,
        *,
        limit: int,
    ) -> Changes:
        """This connection's tickets of ``kind``, SnowOps's or not, that match the encoded
        ``query`` (the simulator's reading of it) and changed at or after ``since``."""
        self.calls["matching"] += 1
        self._instance(workspace)
        await self._reach("matching")
        wanted = parse_query(query)
        floor = format_sn_datetime(since) if since is not None else ""
        rows = [
            r
            for r in self._scoped(workspace, kind)
            if r.record["sys_updated_on"] >= floor and wanted.matches(r.record.get)
        ]
        rows.sort(key=lambda r: r.record["sys_updated_on"])
        cut = rows[:limit]
        server_time = self._clock.now().replace(microsecond=0)
        return Changes([self._ticket(r) for r in cut], server_time, complete=len(cut) < limit)

    async def comments_since(
        self,
        workspace: str,
        tickets: Sequence[Ticket],
        since: datetime | None,
        *,
        approvals_of: Sequence[Ticket] = (),
    ) -> list[Comment]:
        """Comments (not work notes) on any of ``tickets`` at or after ``since``, oldest
        first; the approvals of ``approvals_of`` read in the same request, kept for the
        next :meth:`approvals` of the same version (as ServiceNowGateway's Batch API)."""
        self.calls["comments_since"] += 1
        if not tickets:
            return []
        self._instance(workspace)
        await self._reach("comments_since")
        for change in approvals_of:
            if self._owned(workspace, change.sys_id):
                found = self.approval_rows.requested(change.sys_id)
                self._kept_approvals[change.sys_id] = (change.mod_count, found)
        ids = {t.sys_id for t in tickets}
        floor = format_sn_datetime(since) if since is not None else ""
        entries = [
            e
            for e in self._journal
            if e["element"] == "comments"
            and e["element_id"] in ids
            and self._owned(workspace, e["element_id"])
            and e["sys_created_on"] >= floor
        ]
        entries.sort(key=lambda e: e["sys_created_on"])
        return comments_from_rows(entries)

    async def recent_comments(self, workspace: str, ticket: Ticket, limit: int) -> list[Comment]:
        """The newest ``limit`` comments of one ticket, newest first."""
        self.calls["recent_comments"] += 1
        if limit <= 0:
            return []
        self._instance(workspace)
        await self._reach("recent_comments")
        if not self._owned(workspace, ticket.sys_id):
            return []
        entries = [
            e
            for e in self._journal
            if e["element_id"] == ticket.sys_id and e["element"] == "comments"
        ]
        entries.sort(key=lambda e: e["sys_created_on"], reverse=True)
        return comments_from_rows(entries[:limit])

    async def user_by_email(self, workspace: str, email: str) -> str | None:
        """The id of the user with this email in ``users``; None for an unusable email."""
        self.calls["user_by_email"] += 1
        if not email or "@" not in email or "^" in email or len(email) > 200:
            return None
        self._instance(workspace)
        await self._reach("user_by_email")
        return self.users.get(email)

    async def act(
        self,
        workspace: str,
        ticket: Ticket,
        action: TicketAction,
        *,
        token: str | None = None,
        note: str = "",
    ) -> Ticket:
        """One update with the fields ``ServiceNowGateway.act`` PATCHes, as the token's user
        (``tokens``) or the integration user; local facts kept from ``ticket``."""
        self.calls["act"] += 1
        instance = self._instance(workspace)
        await self._reach("act")
        if token:
            author = self.tokens.get(token)
            if author is None:
                raise NotAuthenticated(
                    "ServiceNow refused the access token: User Not Authenticated", status=401
                )
        else:
            author = (self.identity or DEFAULT_IDENTITY).user_name
        row = self._rows.get(ticket.sys_id)
        if row is None or row.kind is not ticket.kind or row.workspace != workspace:
            raise NotFoundError("not found: No Record found", status=404)
        fields = action_fields(ticket.kind, action, "" if token else note)
        journal = [
            (name, text, author)
            for name, value in fields.items()
            if name in _JOURNAL_ELEMENTS and (text := str(value))
        ]
        values = {k: str(v) for k, v in fields.items() if k not in _JOURNAL_ELEMENTS}
        self._update(row, values, journal=journal, client=True)
        fresh = ticket_from_record(workspace, row.kind, instance, row.record)
        return keep_local(fresh, ticket)

    async def close_codes(self, workspace: str, kind: TicketKind) -> list[tuple[str, str]]:
        """``close_choices`` of ``kind``, in order."""
        self.calls["close_codes"] += 1
        self._instance(workspace)
        await self._reach("close_codes")
        return list(self.close_choices[kind])

    async def group_by_name(self, workspace: str, name: str) -> tuple[str, str] | None:
        """The group of ``groups`` with exactly this name; ``UserError`` (no request) for a
        name that cannot go in a query."""
        self.calls["group_by_name"] += 1
        query_value(name)
        self._instance(workspace)
        await self._reach("group_by_name")
        sys_id = self.groups.get(name)
        return (sys_id, name) if sys_id is not None else None

    async def groups_matching(self, workspace: str, text: str, limit: int) -> list[tuple[str, str]]:
        """The groups of ``groups`` whose name contains ``text`` (any case), by name."""
        self.calls["groups_matching"] += 1
        self._instance(workspace)
        await self._reach("groups_matching")
        words = " ".join(text.replace("^", " ").split())[:80].casefold()
        found = sorted((n, i) for n, i in self.groups.items() if words in n.casefold())
        return [(sys_id, name) for name, sys_id in found[:limit]]

    async def whoami(self, workspace: str) -> Identity | None:
        """``identity``."""
        self.calls["whoami"] += 1
        self._instance(workspace)
        await self._reach("whoami")
        return self.identity

    async def choices(self, workspace: str, table: str, element: str) -> list[ChoiceEntry]:
        """The choices of ``meta`` for this field."""
        self.calls["choices"] += 1
        found = self.meta.choice_list(table, element)
        self._instance(workspace)
        await self._reach("choices")
        return found

    async def dictionary(self, workspace: str, table: str) -> list[DictionaryField]:
        """The fields of ``meta`` for this table."""
        self.calls["dictionary"] += 1
        found = self.meta.dictionary(table)
        self._instance(workspace)
        await self._reach("dictionary")
        return found

    async def named_records(
        self, workspace: str, table: str, text: str, limit: int, *, exact: bool = False
    ) -> list[tuple[str, str]]:
        """The records of ``meta.named[table]`` whose name contains (or is) ``text``."""
        self.calls["named_records"] += 1
        found = self.meta.find(table, text, limit, exact)
        self._instance(workspace)
        await self._reach("named_records")
        return found

    # -- inside ---------------------------------------------------------------------------
    # -- change approvals ---------------------------------------------------------------
    async def approvals(self, workspace: str, ticket: Ticket) -> list[ApprovalRequest]:
        """The requested approvals of ``ticket`` (kept ones once, without a request)."""
        self.calls["approvals"] += 1
        self._instance(workspace)
        kept = self._kept_approvals.pop(ticket.sys_id, None)
        if kept is not None and kept[0] == ticket.mod_count:
            return kept[1]
        await self._reach("approvals")
        return self.approval_rows.requested(ticket.sys_id)

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
        """A decision as the token's user; an approved step or a rejection moves the change."""
        self.calls["decide"] += 1
        self._instance(workspace)
        await self._reach("decide")
        user = self.tokens.get(token)
        if user is None:
            raise NotAuthenticated("ServiceNow refused the access token", status=401)
        state, moves = self.approval_rows.decide(ticket.sys_id, approval, user, approve)
        row = self._rows.get(ticket.sys_id)
        if moves and row is not None:
            target = "-5" if moves == "-5" else FakeApprovals.next_state(row.record["state"])
            self._update(row, {"state": target})
            if target in ("-4", "-3"):
                self.approval_rows.request(ticket.sys_id)
        return state

    @staticmethod
    def _check_method(method: str) -> None:
        if method not in _METHODS:
            raise ValueError(f"{method!r} is not a TicketGateway method")

    async def _reach(self, method: str) -> None:
        """A request reaches the ticket system: counted, held, or failed as told."""
        self.requests[method] += 1
        gates = self._gates.get(method)
        if gates:
            gate = gates.popleft()
            gate.entered.set()
            await gate.release.wait()
        failures = self._failures.get(method)
        if failures:
            failure = failures.popleft()
            if failure is not None:
                raise failure

    def _now(self) -> str:
        return format_sn_datetime(self._clock.now())

    def _row(self, number: str) -> _Row:
        for row in self._rows.values():
            if row.record["number"] == number:
                return row
        raise KeyError(f"no ticket {number}")

    def _scoped(self, workspace: str, kind: TicketKind) -> list[_Row]:
        return [r for r in self._rows.values() if r.kind is kind and r.workspace == workspace]

    def _owned(self, workspace: str, sys_id: str) -> bool:
        row = self._rows.get(sys_id)
        return row is not None and row.workspace == workspace

    def _ticket(self, row: _Row) -> Ticket:
        instance = self._instances.get(row.workspace) or self._default_instance or ""
        return ticket_from_record(row.workspace, row.kind, instance, row.record)

    def _insert(self, workspace: str, kind: TicketKind, fields: Record) -> _Row:
        now = self._now()
        prefix, _ = _NUMBERS[kind]
        number = f"{prefix}{self._counters[kind]:07d}"
        self._counters[kind] += 1
        record: Record = {
            **_DEFAULTS[kind],
            "short_description": "",
            "description": "",
            "correlation_id": "",
            "correlation_display": "",
            "due_date": "",
            **{k: v for k, v in fields.items() if k not in ("priority", "state", "active")},
            "sys_id": uuid.uuid4().hex,
            "number": number,
            "sys_mod_count": "0",
            "sys_created_on": now,
            "sys_updated_on": now,
        }
        if kind not in _COMPUTED and "priority" in fields:
            record["priority"] = fields["priority"]  # read-only on incidents: computed
        self._rules(kind, None, record)
        row = _Row(workspace, kind, record)
        self._rows[record["sys_id"]] = row
        return row

    def _update(
        self,
        row: _Row,
        values: Record,
        *,
        journal: Sequence[tuple[str, str, str]] = (),
        client: bool = False,
    ) -> list[Record]:
        """Apply ``values`` and journal entries (element, text, author); a no-op moves
        nothing, like the platform. ``client``: a Table API write, which the change model
        also checks. Returns the journal entries written."""
        before = row.record
        after = {**before, **values}
        if client:
            self._check_move(row.kind, before, after)
        self._rules(row.kind, before, after)
        if after == before and not journal:
            return []
        self._check_policy(row.kind, after)
        now = self._now()
        after["sys_mod_count"] = str(int(before["sys_mod_count"]) + 1)
        after["sys_updated_on"] = now
        row.record = after
        entries: list[Record] = []
        for element, text, author in journal:
            entries.append(
                {
                    "sys_id": uuid.uuid4().hex,
                    "element_id": after["sys_id"],
                    "element": element,
                    "value": text,
                    "sys_created_by": author,
                    "sys_created_on": now,
                }
            )
        self._journal.extend(entries)
        return entries

    @staticmethod
    def _check_move(kind: TicketKind, before: Record, after: Record) -> None:
        """The change model refuses a client's move that skips a state (the simulator
        knows one model per change type; the fake, the normal one)."""
        old, new = before["state"], after["state"]
        if kind is TicketKind.CHANGE and new != old and new not in _CHANGE_MOVES.get(old, ()):
            raise ForbiddenError(
                "ServiceNow refused: Operation Failed (Operation against file 'change_request' "
                "was aborted by Business Rule 'Change Model: Check State Transition')",
                status=403,
                hint=HINT_ACL,
            )

    @staticmethod
    def _check_policy(kind: TicketKind, after: Record) -> None:
        """The base data policy: close code and notes once an incident is resolved."""
        if after["state"] not in _CLOSE_INFO_STATES[kind]:
            return
        missing = [label for name, label in _CLOSE_LABELS.items() if not after[name]]
        if missing:
            raise ForbiddenError(
                "ServiceNow refused: Operation Failed (Data Policy Exception: The following "
                f"fields are mandatory: {', '.join(missing)})",
                status=403,
                hint=HINT_ACL,
            )

    @staticmethod
    def _rules(kind: TicketKind, before: Record | None, after: Record) -> None:
        """The business rules a client can observe: incident priority and ``active``."""
        old, new = (before or {}).get("state"), after["state"]
        if kind in _COMPUTED:
            key = (after["impact"], after["urgency"])
            after["priority"] = PRIORITY_LOOKUP.get(key, after["priority"])
        if kind is TicketKind.INCIDENT:
            if new != old:
                if new in ("7", "8"):
                    after["active"] = "false"
                if old in ("6", "7") and new in ("1", "2", "3"):
                    after["active"] = "true"
        elif new != old:
            after["active"] = "false" if new in _INACTIVE[kind] else "true"


if TYPE_CHECKING:

    def _is_a_ticket_gateway(fake: InMemoryTicketGateway) -> TicketGateway:
        return fake  # mypy checks the fake against the port
