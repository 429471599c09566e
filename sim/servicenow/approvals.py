"""Change approvals: sysapproval_approver rows that move a change through its model.

The sim's approval policy, modelled on ServiceNow's normal change model (README has the
details and sources):

- A normal change entering Assess asks its assignment group's manager (or, without one, every
  member of "CAB Approval"); entering Authorize asks every member of "CAB Approval". An
  emergency change only has the Authorize step; a standard change none.
- A step is approved when every approval of the step is approved, rejected when any is
  (SNDocs c_ApprovalStatus.md). Approved: Assess moves on to Authorize, Authorize to
  Scheduled (approval "approved"). Rejected: the change goes back to New (approval
  "rejected"), as SNDocs c_ChangeStateModel.md says; the step's open approvals become
  "No Longer Required".
- Leaving a waiting state by hand (back to New, Canceled) cancels the open approvals.
"""

from __future__ import annotations

from .rules import APPROVAL_STATES, Actor
from .store import Record, RecordStore
from .writes import insert_record, update_record

CAB_GROUP = "CAB Approval"
_NEXT = {"-4": "-3", "-3": "-2"}


def _batches(store: RecordStore) -> dict[str, list[str]]:
    """change sys_id -> approval sys_ids of the step it waits on (kept on the store)."""
    return store.approval_batches


def approvers_for(store: RecordStore, change: Record) -> list[str]:
    """Who approves the step the change just entered (user sys_ids)."""
    if change["state"] == "-4":
        group = store.get("sys_user_group", change.get("assignment_group", ""))
        if group is not None and group["manager"]:
            return [group["manager"]]
    cab = store.group_by_name(CAB_GROUP)
    return store.members(cab["sys_id"]) if cab else []


def on_write(
    store: RecordStore, table: str, old: Record | None, record: Record, actor: Actor, now: str
) -> None:
    """The after rule: request approvals, react to decisions, tidy up on manual moves."""
    if table == "change_request":
        _change_moved(store, old, record, actor, now)
    elif table == "sysapproval_approver":
        decided = old is None or old["state"] != record["state"]
        if decided and record["state"] in ("approved", "rejected"):
            _decided(store, record, now)


def _change_moved(
    store: RecordStore, old: Record | None, change: Record, actor: Actor, now: str
) -> None:
    before_state = (old or {}).get("state")
    if before_state == change["state"]:
        return
    waiting = APPROVAL_STATES.get(change.get("type") or "normal", ())
    if before_state in waiting:
        leftover = "cancelled" if change["state"] in ("-5", "4") else "not_required"
        _close_open(store, change["sys_id"], leftover, actor, now)
    if change["state"] in waiting:
        _request(store, change, actor, now)


def _request(store: RecordStore, change: Record, actor: Actor, now: str) -> None:
    schema = store.schemas["sysapproval_approver"]
    batch = []
    for approver in approvers_for(store, change):
        row = insert_record(
            store,
            schema,
            {
                "approver": approver,
                "sysapproval": change["sys_id"],
                "document_id": change["sys_id"],
                "source_table": "change_request",
                "state": "requested",
            },
            actor,
            now,
        )
        batch.append(row["sys_id"])
    _batches(store)[change["sys_id"]] = batch
    if not batch:  # nobody to ask: the step passes, as an empty approval does
        _advance(store, change, actor, now)


def _close_open(store: RecordStore, change_id: str, state: str, actor: Actor, now: str) -> None:
    schema = store.schemas["sysapproval_approver"]
    for sys_id in _batches(store).pop(change_id, []):
        row = store.get("sysapproval_approver", sys_id)
        if row is not None and row["state"] == "requested":
            update_record(store, schema, row, {"state": state}, actor, now)


def _decided(store: RecordStore, approval: Record, now: str) -> None:
    change = store.get("change_request", approval["sysapproval"])
    batch = _batches(store).get(approval["sysapproval"], [])
    if change is None or approval["sys_id"] not in batch:
        return  # an approval of an earlier step, or of something else
    approver = store.get("sys_user", approval["approver"])
    actor = Actor(approval["approver"], approver["user_name"] if approver else "system")
    rows = [r for r in (store.get("sysapproval_approver", s) for s in batch) if r is not None]
    if approval["state"] == "rejected":
        _close_open(store, change["sys_id"], "not_required", actor, now)
        update_record(
            store,
            store.schemas["change_request"],
            change,
            {"state": "-5", "approval": "rejected"},
            actor,
            now,
        )
    elif all(r["state"] == "approved" for r in rows):
        _batches(store).pop(change["sys_id"], None)
        _advance(store, change, actor, now)


def _advance(store: RecordStore, change: Record, actor: Actor, now: str) -> None:
    target = _NEXT.get(change["state"])
    if target is None:
        return
    payload = {"state": target}
    if target == "-2":
        payload["approval"] = "approved"
    update_record(store, store.schemas["change_request"], change, payload, actor, now)


def pending(store: RecordStore, change_id: str) -> list[Record]:
    """The approvals a change waits on now (state requested)."""
    rows = (store.get("sysapproval_approver", s) for s in _batches(store).get(change_id, []))
    return [r for r in rows if r is not None and r["state"] == "requested"]
