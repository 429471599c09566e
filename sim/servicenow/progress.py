"""How tickets move forward when the sim plays the ServiceNow agent (set_state, auto-progress)."""

from __future__ import annotations

from .store import Record

INCIDENT_NEXT = {"1": "2", "3": "2", "2": "6", "6": "7"}
CHANGE_NEXT = {
    # Normal: New, Assess, Authorize, Scheduled, Implement, Review, Closed.
    "normal": {"-5": "-4", "-4": "-3", "-3": "-2", "-2": "-1", "-1": "0", "0": "3"},
    # Standard changes are pre-approved: New, Scheduled, Implement, Review, Closed.
    "standard": {"-5": "-2", "-2": "-1", "-1": "0", "0": "3"},
    # Emergency skips Assess: New, Authorize, Scheduled, Implement, Review, Closed.
    "emergency": {"-5": "-3", "-3": "-2", "-2": "-1", "-1": "0", "0": "3"},
}
# The demo agent who works tickets when the sim plays the service desk.
AGENT = "beth.anglin"
DEFAULT_INCIDENT_CLOSE_CODE = "Solution provided"
DEFAULT_INCIDENT_CLOSE_NOTES = "Resolved by the service desk (ServiceNow simulator)."
DEFAULT_CHANGE_CLOSE_CODE = "successful"
DEFAULT_CHANGE_CLOSE_NOTES = "Implemented successfully (ServiceNow simulator)."


def next_state(table: str, record: Record) -> str | None:
    """The state after the current one, or None when the ticket is finished."""
    if table == "incident":
        return INCIDENT_NEXT.get(record["state"])
    steps = CHANGE_NEXT.get(record.get("type", "normal"), CHANGE_NEXT["normal"])
    return steps.get(record["state"])


def closing_fields(
    table: str, record: Record, state: str, close_code: str | None
) -> dict[str, str]:
    """Fields an agent fills when moving a ticket to `state`, so data policies are satisfied."""
    if table == "incident" and state in ("6", "7"):
        code, notes = DEFAULT_INCIDENT_CLOSE_CODE, DEFAULT_INCIDENT_CLOSE_NOTES
    elif table == "change_request" and state == "3":
        code, notes = DEFAULT_CHANGE_CLOSE_CODE, DEFAULT_CHANGE_CLOSE_NOTES
    elif table == "sn_si_incident" and state == "3":
        code, notes = "confirmed", "Contained and eradicated (ServiceNow simulator)."
    elif table == "problem":
        return _problem_fields(record, state, close_code)
    else:
        return {"close_code": close_code} if close_code else {}
    return {
        "close_code": close_code or record.get("close_code") or code,
        "close_notes": record.get("close_notes") or notes,
    }


def _problem_fields(record: Record, state: str, code: str | None) -> dict[str, str]:
    fields = {} if state == "101" or record.get("assigned_to") else {"assigned_to": AGENT}
    if state in ("106", "107"):
        fields["resolution_code"] = code or record.get("resolution_code") or "fix_applied"
        fields["fix_notes"] = record.get("fix_notes") or "Fixed (ServiceNow simulator)."
    return fields
