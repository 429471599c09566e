"""Change approvals on the Table API: the ``sysapproval_approver`` records a change waits
on, and a decision written with the approver's own token (the journal and the change's
history then show them, and ServiceNow's ACLs decide whether they may)."""

from __future__ import annotations

from typing import Any

import httpx2

from core.gateway import ApprovalRequest
from core.i18n import gettext
from core.models import Ticket
from core.servicenow.errors import NotFoundError
from core.servicenow.query import query_value
from core.servicenow.responses import error_for, parse_json
from core.servicenow.table import TABLE_PATH, TableClient, patch_with
from core.servicenow.transport import BearerAuth, InstancePool, send_with_retries

__all__ = [
    "APPROVAL_FIELDS",
    "APPROVAL_TABLE",
    "approvals_from_rows",
    "approvals_query",
    "decide_approval",
    "requested_approvals",
]

APPROVAL_TABLE = "sysapproval_approver"
APPROVAL_FIELDS = [
    "sys_id",
    "sysapproval",
    "approver",
    "approver.user_name",
    "approver.name",
    "approver.email",
]


def approvals_query(sys_ids: list[str]) -> str:
    """The requested approvals of the changes ``sys_ids`` (quoted), oldest first."""
    return f"sysapprovalIN{','.join(sys_ids)}^state=requested^ORDERBYsys_created_on"


def approvals_from_rows(rows: list[dict[str, Any]]) -> dict[str, list[ApprovalRequest]]:
    """``sysapproval_approver`` rows as each change's (by sys_id) approval requests."""
    found: dict[str, list[ApprovalRequest]] = {}
    for r in rows:
        if not r.get("sys_id"):
            continue
        found.setdefault(str(r.get("sysapproval") or ""), []).append(
            ApprovalRequest(
                id=str(r.get("sys_id") or ""),
                approver=str(r.get("approver") or ""),
                user_name=str(r.get("approver.user_name") or ""),
                name=str(r.get("approver.name") or ""),
                email=str(r.get("approver.email") or ""),
            )
        )
    return found


async def requested_approvals(
    table: TableClient, workspace: str, ticket: Ticket
) -> list[ApprovalRequest]:
    """The requested approvals of one change (one query)."""
    rows = await table.query(
        workspace,
        APPROVAL_TABLE,
        approvals_query([query_value(ticket.sys_id)]),
        fields=APPROVAL_FIELDS,
        max_records=200,
    )
    return [r for found in approvals_from_rows(rows).values() for r in found]


async def _get_with(pool: InstancePool, instance: str, token: str, sys_id: str) -> dict[str, Any]:
    """One approval record as its approver sees it."""
    client = pool.client(instance)

    async def req() -> httpx2.Response:
        response: httpx2.Response = await client.get(
            f"{TABLE_PATH}{APPROVAL_TABLE}/{sys_id}",
            params={
                "sysparm_fields": "sys_id,state,sysapproval",
                "sysparm_exclude_reference_link": "true",
            },
            auth=BearerAuth(token),
        )
        return response

    response = await send_with_retries(pool.retry, req, what=f"read of {APPROVAL_TABLE}")
    if response.status_code != 200:
        raise error_for(response)
    body = parse_json(response)
    record = body.get("result") if isinstance(body, dict) else None
    if not isinstance(record, dict):
        raise NotFoundError(gettext("ServiceNow has no such approval"))
    return record


async def decide_approval(
    pool: InstancePool,
    instance: str,
    ticket: Ticket,
    approval: str,
    approve: bool,
    comments: str,
    token: str,
) -> str:
    """Read the approval as its approver, then write the decision if it is still asked."""
    sys_id = query_value(approval)
    record = await _get_with(pool, instance, token, sys_id)
    if str(record.get("sysapproval") or "") != ticket.sys_id:
        raise NotFoundError(gettext("that approval is not one of {number}", number=ticket.number))
    state = str(record.get("state") or "")
    if state != "requested":
        return state
    fields = {"state": "approved" if approve else "rejected"}
    if comments:
        fields["comments"] = comments
    written = await patch_with(pool, instance, token, APPROVAL_TABLE, sys_id, fields)
    return str(written.get("state") or fields["state"])
