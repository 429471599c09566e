"""ServiceNowGateway: the TicketGateway port on the Table API (README: Architecture).

Every encoded query SnowOps sends lives here: tickets are found by their
``correlation_id`` (``snowops:<workspace>:…``), changes by ``sys_updated_on``, comments in
``sys_journal_field``, one request for many tickets. Every value that goes into a query is
checked by :func:`~core.servicenow.query.query_value` first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from core.gateway import (
    ApprovalRequest,
    Changes,
    Comment,
    Identity,
    Known,
    TicketAction,
    keep_local,
)
from core.i18n import gettext
from core.instance_meta import ChoiceEntry, DictionaryField
from core.models import Ticket, TicketKind, TicketRequest
from core.servicenow.actions import action_fields, close_code_query, group_search_query
from core.servicenow.approvals import decide_approval
from core.servicenow.errors import (
    BadRequestError,
    ForbiddenError,
    KindsRefused,
    NotConnectedError,
    NotFoundError,
)
from core.servicenow.journal import ID_CHUNK, recent_comments
from core.servicenow.mapping import (
    TICKET_FIELDS,
    correlation_prefix,
    format_sn_datetime,
    parse_sn_datetime,
    record_version,
    request_fields,
    ticket_from_record,
)
from core.servicenow.metadata import choice_entries, dictionary_fields, named_records
from core.servicenow.prefetch import JournalReads
from core.servicenow.query import query_value
from core.servicenow.table import TableClient, patch_with
from core.servicenow.tables import PARENT_TABLE, TableProbe
from core.storage import ConnectionStore

__all__ = ["ServiceNowGateway"]

_TABLES = {kind: kind.table for kind in TicketKind}
_PREFIXES = {kind.prefix: kind for kind in TicketKind}
_CLASSES: dict[str, TicketKind] = {kind.table: kind for kind in TicketKind}


class ServiceNowGateway:
    """Tickets of every workspace, through its connection's Table API."""

    def __init__(self, table: TableClient, connections: ConnectionStore) -> None:
        self._table = table
        self._connections = connections
        self._probe = TableProbe(table, connections)
        self._journal = JournalReads(table)

    async def _instance(self, workspace: str) -> str:
        conn = await self._connections.get_connection(workspace)
        if conn is None:
            raise NotConnectedError(gettext("this workspace is not connected to ServiceNow"))
        return conn.instance_url

    async def create(
        self, request: TicketRequest, correlation_id: str, caller: str | None
    ) -> Ticket:
        """POST the ticket (never retried blindly: see TableClient.create)."""
        instance = await self._instance(request.workspace)
        fields = request_fields(request, correlation_id, caller)
        record = await self._table.create(request.workspace, request.kind.table, fields)
        return ticket_from_record(
            request.workspace, request.kind, instance, record, request=request
        )

    async def kinds(self, workspace: str) -> tuple[TicketKind, ...]:
        """The kinds the instance offers: see :class:`~core.servicenow.tables.TableProbe`."""
        return await self._probe.kinds(workspace)

    async def find_by_correlation(
        self, workspace: str, correlation_id: str, *, open_only: bool
    ) -> Ticket | None:
        """One query per table, newest first (this workspace's correlation ids only)."""
        if not correlation_id.startswith(correlation_prefix(workspace)):
            return None
        instance = await self._instance(workspace)
        active = "^active=true" if open_only else ""
        for kind in await self.kinds(workspace):
            records = await self._table.query(
                workspace,
                kind.table,
                f"correlation_id={query_value(correlation_id)}{active}^ORDERBYDESCsys_created_on",
                fields=TICKET_FIELDS,
                max_records=1,
            )
            if records:
                return ticket_from_record(workspace, kind, instance, records[0])
        return None

    async def get(self, workspace: str, kind: TicketKind, sys_id: str) -> Ticket:
        """GET one record."""
        instance = await self._instance(workspace)
        record = await self._table.get(
            workspace, kind.table, query_value(sys_id), fields=TICKET_FIELDS
        )
        ticket = ticket_from_record(workspace, kind, instance, record)
        if not ticket.correlation_id.startswith(correlation_prefix(workspace)):
            # Another workspace's (or nobody's) ticket: not a window on the whole instance.
            raise NotFoundError(
                gettext("SnowOps has no incident {number} here", number=ticket.number)
                if kind is TicketKind.INCIDENT
                else gettext("SnowOps has no change {number} here", number=ticket.number)
            )
        return ticket

    async def get_many(self, workspace: str, tickets: Sequence[Ticket]) -> list[Ticket]:
        """``sys_idIN`` queries, a hundred ids each, per table."""
        if not tickets:
            return []
        instance = await self._instance(workspace)
        own = f"correlation_idSTARTSWITH{query_value(correlation_prefix(workspace))}"
        known = {t.sys_id: t for t in tickets}
        out: list[Ticket] = []
        for kind in TicketKind:
            ids = [t.sys_id for t in tickets if t.kind is kind]
            for start in range(0, len(ids), ID_CHUNK):
                chunk = ",".join(query_value(i) for i in ids[start : start + ID_CHUNK])
                records = await self._table.query(
                    workspace, kind.table, f"sys_idIN{chunk}^{own}", fields=TICKET_FIELDS
                )
                for record in records:
                    fresh = ticket_from_record(workspace, kind, instance, record)
                    out.append(keep_local(fresh, known.get(fresh.sys_id)))
        return out

    async def find_own(self, workspace: str, number: str) -> Ticket | None:
        """Only tickets SnowOps made for this workspace: not a window on the whole instance."""
        kind = _PREFIXES.get(number[:3].upper(), TicketKind.INCIDENT)
        instance = await self._instance(workspace)
        prefix = correlation_prefix(workspace)
        records = await self._table.query(
            workspace,
            kind.table,
            f"number={query_value(number)}^correlation_idSTARTSWITH{query_value(prefix)}",
            fields=TICKET_FIELDS,
            max_records=1,
        )
        return ticket_from_record(workspace, kind, instance, records[0]) if records else None

    async def find_any(
        self, workspace: str, kind: TicketKind, *, number: str = "", sys_id: str = ""
    ) -> Ticket | None:
        """One query on the kind's table, whoever made the ticket."""
        instance = await self._instance(workspace)
        field, value = ("number", number) if number else ("sys_id", sys_id)
        records = await self._table.query(
            workspace,
            kind.table,
            f"{field}={query_value(value)}",
            fields=TICKET_FIELDS,
            max_records=1,
        )
        return ticket_from_record(workspace, kind, instance, records[0]) if records else None

    async def kind_groups(self, workspace: str) -> tuple[tuple[TicketKind, ...], ...]:
        """Every kind in one group where the connection may read them through ``task``
        (:class:`~core.servicenow.tables.TableProbe`), else one group per kind."""
        kinds = await self._probe.kinds(workspace)
        if len(kinds) > 1 and await self._probe.together(workspace):
            return (kinds,)
        return tuple((kind,) for kind in kinds)

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
        """One paged query, scoped by this workspace's correlation prefix: on the kind's
        own table, or on ``task`` for several (refused there: ``KindsRefused``, and
        :meth:`kind_groups` has one kind per group from then on)."""
        query = f"correlation_idSTARTSWITH{query_value(correlation_prefix(workspace))}"
        try:
            return await self._changed(workspace, kinds, query, since, limit, offset, known)
        except (BadRequestError, ForbiddenError, NotFoundError) as exc:
            if len(kinds) == 1:
                raise
            self._probe.refused_together(workspace)
            raise KindsRefused(exc.message, status=exc.status, detail=exc.detail) from exc

    async def matching(
        self,
        workspace: str,
        kind: TicketKind,
        query: str,
        since: datetime | None,
        *,
        limit: int,
    ) -> Changes:
        """One query: the channel's filter, and changed since ``since``."""
        # The filter has no ^NQ (core.grammar_watch refuses it), so the bound applies to all.
        return await self._changed(workspace, (kind,), query, since, limit, 0)

    async def _changed(
        self,
        workspace: str,
        kinds: Sequence[TicketKind],
        query: str,
        since: datetime | None,
        limit: int,
        offset: int,
        known: Known | None = None,
    ) -> Changes:
        """Records of ``kinds`` matching ``query`` and changed at or after ``since``, oldest
        change first: one request (on ``task`` for several kinds, each row's class telling
        its kind). A record whose version ``known`` has handled is only counted."""
        instance = await self._instance(workspace)
        if since is not None:
            query += f"^sys_updated_on>={format_sn_datetime(since)}"
        table, fields = kinds[0].table, TICKET_FIELDS
        if len(kinds) > 1:
            table, fields = PARENT_TABLE, [*TICKET_FIELDS, "sys_class_name"]
            query = f"sys_class_nameIN{','.join(k.table for k in kinds)}^{query}"
        records, answered = await self._table.query_timed(
            workspace,
            table,
            query + "^ORDERBYsys_updated_on",
            fields=fields,
            max_records=limit,
            offset=offset,
        )
        tickets, skipped, newest_skipped = [], 0, ""
        for record in records:
            if known is not None and (version := record_version(record)) and known(*version):
                # Back in the overlap, handled already: only its change time matters.
                skipped += 1
                updated = record.get("sys_updated_on")
                if isinstance(updated, str) and updated > newest_skipped:
                    newest_skipped = updated
                continue
            kind: TicketKind | None = kinds[0]
            if len(kinds) > 1:
                # An odd value (a display-value object, nothing) is no class asked for.
                kind = _CLASSES.get(str(record.get("sys_class_name") or ""))
            if kind is not None and kind in kinds:
                tickets.append(ticket_from_record(workspace, kind, instance, record))
        return Changes(
            tickets,
            answered,
            complete=len(records) < limit,
            known=skipped,
            known_newest=parse_sn_datetime(newest_skipped),
        )

    async def comments_since(
        self,
        workspace: str,
        tickets: Sequence[Ticket],
        since: datetime | None,
        *,
        approvals_of: Sequence[Ticket] = (),
    ) -> list[Comment]:
        """One ``sys_journal_field`` query per hundred tickets (this workspace's only), in
        one Batch API request with the approvals of ``approvals_of`` where it can."""
        return await self._journal.comments_since(workspace, tickets, since, approvals_of)

    async def recent_comments(self, workspace: str, ticket: Ticket, limit: int) -> list[Comment]:
        """The newest comments of one ticket (of this workspace's)."""
        return await recent_comments(self._table, workspace, ticket, limit)

    async def user_by_email(self, workspace: str, email: str) -> str | None:
        """``sys_user`` by email; None when unreadable (the caller carries on without)."""
        if not email or "@" not in email or "^" in email or len(email) > 200:
            return None
        users = await self._table.query(
            workspace,
            "sys_user",
            f"email={query_value(email)}^active=true",
            fields=["sys_id"],
            max_records=1,
        )
        return str(users[0]["sys_id"]) if users else None

    async def act(
        self,
        workspace: str,
        ticket: Ticket,
        action: TicketAction,
        *,
        token: str | None = None,
        note: str = "",
    ) -> Ticket:
        """One PATCH (:func:`~core.servicenow.actions.action_fields`), with the person's own
        token when given, else the connection's."""
        instance = await self._instance(workspace)
        fields = action_fields(ticket.kind, action, "" if token else note)
        table, sys_id = ticket.kind.table, query_value(ticket.sys_id)
        if token:
            record = await patch_with(self._table.pool, instance, token, table, sys_id, fields)
        else:
            record = await self._table.patch(workspace, table, sys_id, fields)
        return keep_local(ticket_from_record(workspace, ticket.kind, instance, record), ticket)

    async def close_codes(self, workspace: str, kind: TicketKind) -> list[tuple[str, str]]:
        """Active ``close_code`` choices of the kind's table, as the instance orders them."""
        rows = await self._table.query(
            workspace, "sys_choice", close_code_query(kind.table), fields=["value", "label"]
        )
        return [(str(r.get("value") or ""), str(r.get("label") or "")) for r in rows]

    async def group_by_name(self, workspace: str, name: str) -> tuple[str, str] | None:
        """An active ``sys_user_group`` by exact name."""
        rows = await self._table.query(
            workspace,
            "sys_user_group",
            f"name={query_value(name)}^active=true",
            fields=["sys_id", "name"],
            max_records=2,
        )
        if len(rows) != 1:
            return None
        return str(rows[0].get("sys_id") or ""), str(rows[0].get("name") or "")

    async def groups_matching(self, workspace: str, text: str, limit: int) -> list[tuple[str, str]]:
        """One ``sys_user_group`` query (``nameLIKE``), ``limit`` rows at most."""
        rows = await self._table.query(
            workspace,
            "sys_user_group",
            group_search_query(text),
            fields=["sys_id", "name"],
            max_records=limit,
            page_size=limit,
        )
        return [(str(r.get("sys_id") or ""), str(r.get("name") or "")) for r in rows]

    async def whoami(self, workspace: str) -> Identity | None:
        """The user the tokens act as, by ``gs.getUserID()``."""
        rows = await self._table.query(
            workspace,
            "sys_user",
            "sys_id=javascript:gs.getUserID()",
            fields=["user_name", "name", "email"],
            max_records=2,
        )
        if len(rows) != 1:
            # An instance that ignored the condition answers with many users: trust none.
            return None
        row = rows[0]
        return Identity(
            str(row.get("user_name") or row.get("name") or ""), str(row.get("email") or "")
        )

    async def choices(self, workspace: str, table: str, element: str) -> list[ChoiceEntry]:
        """One ``sys_choice`` query."""
        return await choice_entries(self._table, workspace, table, element)

    async def dictionary(self, workspace: str, table: str) -> list[DictionaryField]:
        """One ``sys_dictionary`` query (the table and task)."""
        return await dictionary_fields(self._table, workspace, table)

    async def named_records(
        self, workspace: str, table: str, text: str, limit: int, *, exact: bool = False
    ) -> list[tuple[str, str]]:
        """One query on ``table`` by ``name``."""
        return await named_records(self._table, workspace, table, text, limit, exact)

    # -- change approvals (core/servicenow/approvals.py) -----------------------------------

    async def approvals(self, workspace: str, ticket: Ticket) -> list[ApprovalRequest]:
        """The ``sysapproval_approver`` records ``ticket`` waits on (kept or read now)."""
        return await self._journal.approvals(workspace, ticket)

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
        """The approver's decision, with their own token."""
        instance = await self._instance(workspace)
        return await decide_approval(
            self._table.pool, instance, ticket, approval, approve, comments, token
        )
