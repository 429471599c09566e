"""Change approvals for the in-memory ticket gateway: the approvals a change waits on, and
decisions as their approver, as the simulator models them (sim/servicenow/approvals.py)
in the little the contract needs: every approver of a step must approve; one rejection
sends the change back to New."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from core.gateway import ApprovalRequest
from core.servicenow.errors import NotFoundError

__all__ = ["FakeApprovals"]

_NEXT = {"-4": "-3", "-3": "-2"}


@dataclass
class FakeApprovals:
    """Approval rows by id: (change sys_id, approver, state)."""

    #: The approvers asked at each approval step: (sys_id, user_name, name, email).
    approvers: list[tuple[str, str, str, str]] = field(default_factory=list)
    rows: dict[str, tuple[str, ApprovalRequest, str]] = field(default_factory=dict)

    def request(self, change: str) -> None:
        """The change entered a step that asks for approval."""
        for sys_id, user_name, name, email in self.approvers:
            approval = uuid.uuid4().hex
            self.rows[approval] = (
                change,
                ApprovalRequest(approval, sys_id, user_name, name, email),
                "requested",
            )

    def requested(self, change: str) -> list[ApprovalRequest]:
        """What ``change`` waits on."""
        return [r for c, r, s in self.rows.values() if c == change and s == "requested"]

    def decide(self, change: str, approval: str, user_name: str, approve: bool) -> tuple[str, str]:
        """(the approval's state now, the change's next state or "" when it stays)."""
        row = self.rows.get(approval)
        if row is None or row[0] != change or row[1].user_name != user_name:
            raise NotFoundError("not found: No Record found", status=404)
        if row[2] != "requested":
            return row[2], ""
        state = "approved" if approve else "rejected"
        self.rows[approval] = (row[0], row[1], state)
        if not approve:
            for key, (c, r, s) in list(self.rows.items()):
                if c == change and s == "requested":
                    self.rows[key] = (c, r, "not_required")
            return state, "-5"
        return state, "" if self.requested(change) else "next"

    @staticmethod
    def next_state(state: str) -> str:
        """Where an approved step goes."""
        return _NEXT.get(state, state)
