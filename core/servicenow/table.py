"""The ServiceNow Table API for a workspace: create, get, patch, query with pagination.

Every call takes a workspace id; its connection and a valid token come from the
:class:`TokenKeeper`. A 401 from the Table API gets one forced refresh and one retry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.i18n import gettext
from core.servicenow.errors import ServiceNowError, UnexpectedResponseError
from core.servicenow.http import Answer, table_url
from core.servicenow.responses import error_for, parse_json
from core.servicenow.tokens import TokenKeeper
from core.servicenow.transport import InstancePool, send_with_retries

__all__ = ["BATCH_REFUSED", "Page", "Record", "TableClient"]

Record = dict[str, Any]
TABLE_PATH = "/api/now/table/"
BATCH_PATH = "/api/now/v1/batch"
#: Answers that say the instance will not take the Batch API here (an older release, a
#: REST API ACL or a proxy that lets only the Table API through): read one by one.
BATCH_REFUSED = frozenset({400, 403, 404, 405, 501})
_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
)}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a query, with what is needed to fetch the next."""

    records: list[Record]
    total: int | None
    next_offset: int | None
    #: The instance's clock when it answered (its ``Date`` header), if it said.
    server_time: datetime | None = None


def _server_time(response: Answer) -> datetime | None:
    """The ``Date`` header (RFC 9110's IMF-fixdate, ``Sun, 06 Nov 1994 08:49:37 GMT``), read
    by hand: the email parser's generality costs more than the rest of a request's
    decoding. Anything else (the obsolete formats) counts as not said."""
    raw = response.headers.get("date", "")
    try:
        _, day, month, year, clock, zone = raw.split()
        hour, minute, second = clock.split(":")
        if zone != "GMT":
            return None
        return datetime(
            int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=UTC
        )
    except (KeyError, ValueError):
        return None


def _result(response: Answer, body: Any) -> Any:
    if not isinstance(body, dict) or "result" not in body:
        raise UnexpectedResponseError(
            gettext("ServiceNow answered without a 'result' envelope"),
            status=response.status_code,
        )
    return body["result"]


class TableClient:
    """Table API calls on behalf of workspaces."""

    def __init__(self, pool: InstancePool, tokens: TokenKeeper) -> None:
        self._pool = pool
        self._tokens = tokens

    @property
    def pool(self) -> InstancePool:
        """The instances' HTTP clients."""
        return self._pool

    async def _call(
        self,
        workspace: str,
        what: str,
        method: str,
        path: str,
        *,
        params: dict[str, str | int] | None = None,
        body: Record | None = None,
        ok: tuple[int, ...] = (200,),
        idempotent: bool = True,
        refused: frozenset[int] = frozenset(),
        raw: bool = False,
    ) -> tuple[Answer, Any]:
        """One call as the workspace's connection: the answer and its decoded JSON body
        (None for an answer in ``refused``, which is the caller's to handle, not the
        connection's error; None too with ``raw``, whose caller decodes the body)."""
        conn, token = await self._tokens.access_token(workspace)
        url = table_url(conn.instance_url, path, params)
        try:
            response = await self._send(method, url, token, body, what, idempotent)
            if response.status_code == 401:
                # One forced refresh and one retry for a token ServiceNow refused.
                conn, token = await self._tokens.access_token(workspace, rejected=token)
                url = table_url(conn.instance_url, path, params)
                response = await self._send(method, url, token, body, what, idempotent)
            if response.status_code in refused:
                return response, None
            if response.status_code not in ok:
                raise error_for(response)
            # A 200 HTML login page must not pass for success.
            decoded = parse_json(response) if response.status_code != 204 and not raw else None
        except ServiceNowError as exc:
            await self._tokens.record_error(workspace, exc)
            raise
        if conn.last_error:
            await self._tokens.clear_error(workspace)
        return response, decoded

    async def _send(
        self, method: str, url: str, token: str, body: Any, what: str, idempotent: bool
    ) -> Answer:
        http = self._pool.table_http
        return await send_with_retries(
            self._pool.retry,
            lambda: http.send(method, url, token, body=body),
            what=what,
            idempotent=idempotent,
        )

    async def create(self, workspace: str, table: str, fields: Record) -> Record:
        """POST a record; returns it as ServiceNow stored it."""
        # Not retried once sent: a lost answer must not become a second ticket.
        response, body = await self._call(
            workspace,
            f"create in {table}",
            "POST",
            TABLE_PATH + table,
            body=fields,
            ok=(200, 201),
            idempotent=False,
        )
        record: Record = _result(response, body)
        return record

    async def get(
        self, workspace: str, table: str, sys_id: str, *, fields: list[str] | None = None
    ) -> Record:
        """GET one record by sys_id."""
        params: dict[str, str | int] = {"sysparm_fields": ",".join(fields)} if fields else {}
        response, body = await self._call(
            workspace, f"read from {table}", "GET", f"{TABLE_PATH}{table}/{sys_id}", params=params
        )
        record: Record = _result(response, body)
        return record

    async def patch(self, workspace: str, table: str, sys_id: str, fields: Record) -> Record:
        """PATCH a record; journal fields (comments, work_notes) append an entry."""
        # Journal fields append: a blind retry could post a comment twice.
        response, body = await self._call(
            workspace,
            f"update in {table}",
            "PATCH",
            f"{TABLE_PATH}{table}/{sys_id}",
            body=fields,
            idempotent=False,
        )
        record: Record = _result(response, body)
        return record

    async def batch(self, workspace: str, requests: list[Record]) -> Any | None:
        """POST ``requests`` (Batch API items) to ``/api/now/v1/batch``: the decoded answer,
        or None when the instance refuses the endpoint (:data:`BATCH_REFUSED`, or an
        answer that is not JSON)."""
        # Reads only: a lost answer may be asked again.
        response, _ = await self._call(
            workspace,
            "batch of reads",
            "POST",
            BATCH_PATH,
            body={"batch_request_id": "1", "rest_requests": requests},
            refused=BATCH_REFUSED,
            raw=True,
        )
        if response.status_code in BATCH_REFUSED:
            return None
        try:
            # Not JSON (a proxy's page for a path it does not know): refused too, not an
            # error of the connection's, whose Table API reads still get through.
            return response.json()
        except (ValueError, RecursionError):
            return None

    async def query_page(
        self,
        workspace: str,
        table: str,
        query: str,
        *,
        fields: list[str] | None = None,
        limit: int = 100,
        offset: int = 0,
        display_value: str = "false",
    ) -> Page:
        """One page of records matching an encoded query."""
        params: dict[str, str | int] = {
            "sysparm_query": query,
            "sysparm_limit": limit,
            "sysparm_offset": offset,
            "sysparm_display_value": display_value,
            "sysparm_exclude_reference_link": "true",
        }
        if fields:
            params["sysparm_fields"] = ",".join(fields)
        response, body = await self._call(
            workspace, f"query of {table}", "GET", TABLE_PATH + table, params=params
        )
        records = _result(response, body)
        if not isinstance(records, list):
            raise UnexpectedResponseError(gettext("a query answered without a list of records"))
        total_raw = response.headers.get("x-total-count")
        total = int(total_raw) if total_raw and total_raw.isdigit() else None
        more = response.has_next() if total is None else offset + len(records) < total
        # A short page ends the query whatever the headers say.
        next_offset = offset + len(records) if more and len(records) == limit else None
        return Page(records, total, next_offset, _server_time(response))

    async def query(
        self,
        workspace: str,
        table: str,
        query: str,
        *,
        fields: list[str] | None = None,
        page_size: int = 100,
        max_records: int = 10_000,
        display_value: str = "false",
    ) -> list[Record]:
        """Every record matching a query, following pages (bounded by ``max_records``)."""
        records, _ = await self.query_timed(
            workspace,
            table,
            query,
            fields=fields,
            page_size=page_size,
            max_records=max_records,
            display_value=display_value,
        )
        return records

    async def query_timed(
        self,
        workspace: str,
        table: str,
        query: str,
        *,
        fields: list[str] | None = None,
        page_size: int = 100,
        max_records: int = 10_000,
        display_value: str = "false",
        offset: int = 0,
    ) -> tuple[list[Record], datetime | None]:
        """:meth:`query` from ``offset`` on, and the instance's clock when it answered the
        first page."""
        out: list[Record] = []
        server_time: datetime | None = None
        at: int | None = offset
        while at is not None and len(out) < max_records:
            page = await self.query_page(
                workspace,
                table,
                query,
                fields=fields,
                limit=min(page_size, max_records - len(out)),
                offset=at,
                display_value=display_value,
            )
            out.extend(page.records)
            server_time = server_time or page.server_time
            at = page.next_offset
        return out, server_time


async def whoami_with(pool: InstancePool, instance_url: str, token: str) -> Record | None:
    """``user_name``, ``name`` and ``email`` of the user ``token`` acts as (a user's own
    token, not the workspace's), or None when the instance will not say."""
    url = table_url(
        instance_url,
        TABLE_PATH + "sys_user",
        {
            "sysparm_query": "sys_id=javascript:gs.getUserID()",
            "sysparm_fields": "sys_id,user_name,name,email",
            "sysparm_limit": 2,
        },
    )
    http = pool.table_http
    response = await send_with_retries(
        pool.retry, lambda: http.send("GET", url, token), what="query of sys_user"
    )
    if response.status_code != 200:
        raise error_for(response)
    rows = _result(response, parse_json(response))
    # An instance that ignored the condition answers with many users: trust none.
    return rows[0] if isinstance(rows, list) and len(rows) == 1 else None


async def patch_with(
    pool: InstancePool, instance_url: str, token: str, table: str, sys_id: str, fields: Record
) -> Record:
    """PATCH a record with a person's own token (their name goes in the journal and their
    ACLs apply); never retried blindly, as journal fields append."""
    url = table_url(instance_url, f"{TABLE_PATH}{table}/{sys_id}", None)
    http = pool.table_http
    response = await send_with_retries(
        pool.retry,
        lambda: http.send("PATCH", url, token, body=fields),
        what=f"update in {table}",
        idempotent=False,
    )
    if response.status_code != 200:
        raise error_for(response)
    record: Record = _result(response, parse_json(response))
    return record
