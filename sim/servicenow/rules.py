"""Before-business rules: what the platform changes or refuses before a row is saved.

Incident, problem and security incident keep their state fields in step and stamp resolved /
closed fields; priority follows the Data Lookup rule; a change request follows its change
model, and a Table API write that skips a state is refused the way the business rule
"Change Model: Check State Transition" refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .schema import PRIORITY_LOOKUP, TableSchema
from .store import Record

_RESOLVED = ("6", "7")
# Which state a change may be moved to by hand, per change type (SNDocs
# normal-standard-emergency-states.md, c_ChangeStateModel.md): no skipping; leaving Assess and
# Authorize forward is the approvals' job; back to New and Canceled are allowed until Review.
CHANGE_MOVES: dict[str, dict[str, set[str]]] = {
    "normal": {
        "-5": {"-4", "4"},
        "-4": {"-5", "4"},
        "-3": {"-5", "4"},
        "-2": {"-1", "4"},
        "-1": {"0", "4"},
        "0": {"3"},
    },
    "standard": {"-5": {"-2", "4"}, "-2": {"-1", "4"}, "-1": {"0", "4"}, "0": {"3"}},
    "emergency": {
        "-5": {"-3", "4"},
        "-3": {"-5", "4"},
        "-2": {"-1", "4"},
        "-1": {"0", "4"},
        "0": {"3"},
    },
}
# The states where a change waits for approvals, per type.
APPROVAL_STATES = {"normal": ("-4", "-3"), "emergency": ("-3",), "standard": ()}
TRANSITION_RULE = ("Change Model: Check State Transition", "b9e1c3f1c3310010c1a3a1d4ed40dd6f")


class BusinessRuleAbort(Exception):
    """A before rule aborted the write (`current.setAbortAction(true)`)."""

    def __init__(self, table: str, rule: tuple[str, str]) -> None:
        name, sys_id = rule
        super().__init__(
            f"Operation against file '{table}' was aborted by Business Rule '{name}^{sys_id}'. "
            f"Business Rule Stack:{name}"
        )


@dataclass(frozen=True)
class Actor:
    """The user a write is made as (the token's user)."""

    sys_id: str
    user_name: str


def before(
    schema: TableSchema,
    old: Record | None,
    after: Record,
    written: set[str],
    actor: Actor,
    now: str,
    enforce_model: bool = False,
) -> None:
    """Run the before rules of `schema`'s table on the row about to be saved."""
    if schema.name == "incident":
        _incident(old, after, written, actor, now)
    elif schema.name == "problem":
        _problem(old, after, written, actor, now)
    elif schema.name == "change_request":
        _change(old, after, actor, now, enforce_model)
    elif schema.name == "sn_si_incident":
        _closing(old, after, actor, now, closed=("3", "7"), stamped=("3",))


def _sync(after: Record, written: set[str], legacy: str) -> None:
    # state and the legacy per-table state field are kept in step by a business rule.
    if "state" in written:
        after[legacy] = after["state"]
    elif legacy in written:
        after["state"] = after[legacy]


def _priority(after: Record) -> None:
    after["priority"] = PRIORITY_LOOKUP.get((after["impact"], after["urgency"]), after["priority"])


def _incident(old: Record | None, after: Record, written: set[str], actor: Actor, now: str) -> None:
    _sync(after, written, "incident_state")
    _priority(after)
    _resolving(old, after, actor, now, resolved=_RESOLVED, closed="7", reopened=("1", "2", "3"))
    if after["state"] != (old or {}).get("state") and after["state"] == "8":
        after["active"] = "false"


def _problem(old: Record | None, after: Record, written: set[str], actor: Actor, now: str) -> None:
    _sync(after, written, "problem_state")
    _priority(after)
    _resolving(
        old,
        after,
        actor,
        now,
        resolved=("106", "107"),
        closed="107",
        reopened=("101", "102", "103", "104"),
    )


def _resolving(
    old: Record | None,
    after: Record,
    actor: Actor,
    now: str,
    *,
    resolved: tuple[str, ...],
    closed: str,
    reopened: tuple[str, ...],
) -> None:
    """Stamp resolved/closed fields on the way in, clear them (reopen_count + 1) on reopen."""
    before_state, new = (old or {}).get("state"), after["state"]
    if new == before_state:
        return
    if new in resolved and not after["resolved_at"]:
        after["resolved_at"], after["resolved_by"] = now, actor.sys_id
    if new == closed:
        after["closed_at"], after["closed_by"] = now, actor.sys_id
        after["active"] = "false"
    if before_state in resolved and new in reopened:
        after["reopen_count"] = str(int(after["reopen_count"] or "0") + 1)
        for name in ("resolved_at", "resolved_by", "closed_at", "closed_by"):
            after[name] = ""
        after["active"] = "true"


def _closing(
    old: Record | None,
    after: Record,
    actor: Actor,
    now: str,
    *,
    closed: tuple[str, ...],
    stamped: tuple[str, ...],
) -> None:
    if after["state"] == (old or {}).get("state"):
        return
    if after["state"] in stamped:
        after["closed_at"], after["closed_by"] = now, actor.sys_id
    after["active"] = "false" if after["state"] in closed else "true"


def _change(old: Record | None, after: Record, actor: Actor, now: str, enforce_model: bool) -> None:
    before_state, new = (old or {}).get("state"), after["state"]
    if new == before_state:
        return
    kind = after.get("type") or "normal"
    if enforce_model and before_state is not None:
        allowed = CHANGE_MOVES.get(kind, CHANGE_MOVES["normal"]).get(before_state, set())
        if new not in allowed:
            raise BusinessRuleAbort("change_request", TRANSITION_RULE)
    waiting = APPROVAL_STATES.get(kind, ())
    if new in waiting:
        after["approval"] = "requested"
    elif before_state in waiting and new in ("-5", "4") and after["approval"] == "requested":
        after["approval"] = "not requested"
    _closing(old, after, actor, now, closed=("3", "4"), stamped=("3",))
