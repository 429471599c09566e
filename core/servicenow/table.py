"""The ServiceNow Table API for a workspace: create, get, patch, query with pagination.

Every call takes a workspace id; its connection and a valid token come from the
:class:`TokenKeeper`. A 401 from the Table API gets one forced refresh and one retry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx2

from core.servicenow.errors import ServiceNowError, UnexpectedResponseError
from core.servicenow.responses import error_for, parse_json
from core.servicenow.tokens import TokenKeeper
from core.servicenow.transport import JSON_HEADERS, BearerAuth, InstancePool, send_with_retries

__all__ = ["Page", "Record", "TableClient"]

Record = dict[str, Any]
TABLE_PATH = "/api/now/table/"


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a query, with what is needed to fetch the next."""

    records: list[Record]
    total: int | None
    next_offset: int | None
    #: The instance's clock when it answered (its ``Date`` header), if it said.
    server_time: datetime | None = None


def _server_time(response: httpx2.Response) -> datetime | None:
    try:
        at = parsedate_to_datetime(response.headers.get("date", ""))
    except (TypeError, ValueError):
        return None
    return at if at.tzinfo is not None else None


def _result(response: httpx2.Response) -> Any:
    body = parse_json(response)
    if not isinstance(body, dict) or "result" not in body:
        raise UnexpectedResponseError(
            "ServiceNow answered without a 'result' envelope", status=response.status_code
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
        request: Callable[[httpx2.AsyncClient, BearerAuth], Awaitable[httpx2.Response]],
        ok: tuple[int, ...] = (200,),
        *,
        idempotent: bool = True,
    ) -> httpx2.Response:
        conn, token = await self._tokens.access_token(workspace)
        client = self._pool.client(conn.instance_url)
        try:
            response = await self._send(client, token, what, request, idempotent)
            if response.status_code == 401:
                # One forced refresh and one retry for a token ServiceNow refused.
                conn, token = await self._tokens.access_token(workspace, rejected=token)
                response = await self._send(client, token, what, request, idempotent)
            if response.status_code not in ok:
                raise error_for(response)
            if response.status_code != 204:
                parse_json(response)  # a 200 HTML login page must not pass for success
        except ServiceNowError as exc:
            await self._tokens.record_error(workspace, exc)
            raise
        if conn.last_error:
            await self._tokens.clear_error(workspace)
        return response

    async def _send(
        self,
        client: httpx2.AsyncClient,
        token: str,
        what: str,
        request: Callable[[httpx2.AsyncClient, BearerAuth], Awaitable[httpx2.Response]],
        idempotent: bool,
    ) -> httpx2.Response:
        auth = BearerAuth(token)
        return await send_with_retries(
            self._pool.retry, lambda: request(client, auth), what=what, idempotent=idempotent
        )

    async def create(self, workspace: str, table: str, fields: Record) -> Record:
        """POST a record; returns it as ServiceNow stored it."""

        async def req(c: httpx2.AsyncClient, auth: BearerAuth) -> httpx2.Response:
            return await c.post(
                TABLE_PATH + table,
                json=fields,
                headers=JSON_HEADERS,
                auth=auth,
            )

        # Not retried once sent: a lost answer must not become a second ticket.
        response = await self._call(
            workspace, f"create in {table}", req, ok=(200, 201), idempotent=False
        )
        record: Record = _result(response)
        return record

    async def get(
        self, workspace: str, table: str, sys_id: str, *, fields: list[str] | None = None
    ) -> Record:
        """GET one record by sys_id."""
        params = {"sysparm_fields": ",".join(fields)} if fields else {}

        async def req(c: httpx2.AsyncClient, auth: BearerAuth) -> httpx2.Response:
            return await c.get(
                f"{TABLE_PATH}{table}/{sys_id}",
                params=params,
                auth=auth,
            )

        record: Record = _result(await self._call(workspace, f"read from {table}", req))
        return record

    async def patch(self, workspace: str, table: str, sys_id: str, fields: Record) -> Record:
        """PATCH a record; journal fields (comments, work_notes) append an entry."""

        async def req(c: httpx2.AsyncClient, auth: BearerAuth) -> httpx2.Response:
            return await c.patch(
                f"{TABLE_PATH}{table}/{sys_id}",
                json=fields,
                headers=JSON_HEADERS,
                auth=auth,
            )

        # Journal fields append: a blind retry could post a comment twice.
        record: Record = _result(
            await self._call(workspace, f"update in {table}", req, idempotent=False)
        )
        return record

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

        async def req(c: httpx2.AsyncClient, auth: BearerAuth) -> httpx2.Response:
            return await c.get(
                TABLE_PATH + table,
                params=params,
                auth=auth,
            )

        response = await self._call(workspace, f"query of {table}", req)
        records = _result(response)
        if not isinstance(records, list):
            raise UnexpectedResponseError("a query answered without a list of records")
        total_raw = response.headers.get("x-total-count")
        total = int(total_raw) if total_raw and total_raw.isdigit() else None
        more = "next" in response.links if total is None else offset + len(records) < total
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
    ) -> tuple[list[Record], datetime | None]:
        """:meth:`query`, and the instance's clock when it answered the first page."""
        out: list[Record] = []
        server_time: datetime | None = None
        offset: int | None = 0
        while offset is not None and len(out) < max_records:
            page = await self.query_page(
                workspace,
                table,
                query,
                fields=fields,
                limit=min(page_size, max_records - len(out)),
                offset=offset,
                display_value=display_value,
            )
            out.extend(page.records)
            server_time = server_time or page.server_time
            offset = page.next_offset
        return out, server_time


async def whoami_with(pool: InstancePool, instance_url: str, token: str) -> Record | None:
    """``user_name``, ``name`` and ``email`` of the user ``token`` acts as (a user's own
    token, not the workspace's), or None when the instance will not say."""
    client = pool.client(instance_url)

    async def req() -> httpx2.Response:
        response: httpx2.Response = await client.get(
            TABLE_PATH + "sys_user",
            params={
                "sysparm_query": "sys_id=javascript:gs.getUserID()",
                "sysparm_fields": "sys_id,user_name,name,email",
                "sysparm_limit": 2,
            },
            auth=BearerAuth(token),
        )
        return response

    response = await send_with_retries(pool.retry, req, what="query of sys_user")
    if response.status_code != 200:
        raise error_for(response)
    rows = _result(response)
    # An instance that ignored the condition answers with many users: trust none.
    return rows[0] if isinstance(rows, list) and len(rows) == 1 else None


async def patch_with(
    pool: InstancePool, instance_url: str, token: str, table: str, sys_id: str, fields: Record
) -> Record:
    """PATCH a record with a person's own token (their name goes in the journal and their
    ACLs apply); never retried blindly, as journal fields append."""
    client = pool.client(instance_url)

    async def req() -> httpx2.Response:
        response: httpx2.Response = await client.patch(
            f"{TABLE_PATH}{table}/{sys_id}",
            json=fields,
            headers=JSON_HEADERS,
            auth=BearerAuth(token),
        )
        return response

    response = await send_with_retries(pool.retry, req, what=f"update in {table}", idempotent=False)
    if response.status_code != 200:
        raise error_for(response)
    record: Record = _result(response)
    return record
