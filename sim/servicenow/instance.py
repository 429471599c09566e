"""SimInstance: every bit of state of one simulated instance, usable in-process by tests."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from . import approvals
from .catalog import PLUGINS, TICKET_TABLES
from .config import SimConfig
from .faults import Fault
from .ids import format_timestamp
from .progress import AGENT, closing_fields, next_state
from .push import Pusher
from .schema import JOURNAL_ELEMENTS
from .seed import seed_store
from .store import Record, RecordStore
from .tokens import TokenStore
from .writes import Actor, insert_record, update_record


def _system_clock() -> datetime:
    return datetime.now(UTC)


class SimInstance:
    """One simulated ServiceNow instance: tables, users, OAuth tokens, faults, request log.

    Time comes from `clock` (UTC now by default) plus an offset moved by `advance_clock`,
    so tests can age tokens and codes without sleeping.
    """

    def __init__(
        self, config: SimConfig | None = None, *, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.config = config or SimConfig()
        self._clock = clock or _system_clock
        self._offset = 0.0
        self.store = RecordStore()
        self.tokens = TokenStore(self.now)
        self.faults: list[Fault] = []
        self.request_log: list[tuple[str, str]] = []
        self.passwords: dict[str, str] = {}
        self.pusher = Pusher()
        self._seed()

    # -- time -----------------------------------------------------------------------------

    def now(self) -> datetime:
        """Current simulated UTC time."""
        return self._clock() + timedelta(seconds=self._offset)

    def timestamp(self) -> str:
        """Current simulated time as `YYYY-MM-DD HH:MM:SS` UTC."""
        return format_timestamp(self.now())

    def advance_clock(self, seconds: float) -> None:
        """Move simulated time forward (tokens, codes and timestamps all follow)."""
        self._offset += seconds

    # -- lifecycle --------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to a freshly started instance (same config), clock offset included."""
        self._offset = 0.0
        self.store = RecordStore()
        self.tokens.clear()
        self.faults.clear()
        self.pusher.rule = None
        self.request_log.clear()
        self._seed()

    def _seed(self) -> None:
        self.store.after_write.append(self._after_write)
        self.store.after_rules.append(partial(approvals.on_write, self.store))
        self.passwords = seed_store(self.store, self.timestamp())
        for plugin in self.config.missing_plugins:
            for table in PLUGINS[plugin]:
                self.store.drop_table(table)
        if self.config.seed_demo_tickets:
            self._seed_demo_tickets()

    def _seed_demo_tickets(self) -> None:
        admin = self.actor("admin")
        now = self.timestamp()
        incident, change = self.store.schemas["incident"], self.store.schemas["change_request"]
        insert_record(
            self.store,
            incident,
            {
                "short_description": "Email delivery to external domains is delayed",
                "caller_id": "abel.tuter",
                "impact": "2",
                "urgency": "2",
            },
            admin,
            now,
        )
        insert_record(
            self.store,
            incident,
            {
                "short_description": "VPN drops every hour",
                "caller_id": "beth.anglin",
                "assignment_group": "Network",
                "cmdb_ci": "Corporate VPN",
            },
            admin,
            now,
        )
        insert_record(
            self.store,
            change,
            {
                "short_description": "Patch the mail relay cluster",
                "requested_by": "abel.tuter",
                "assignment_group": "Network",
                "cmdb_ci": "MailServerUS",
            },
            admin,
            now,
        )

    def _after_write(self, table: str, record: Record) -> None:
        self.pusher.written(self.store, table, record, self.now().timestamp())

    # -- users ------------------------------------------------------------------------------

    def authenticate(self, user_name: str, password: str) -> Record | None:
        """The active, unlocked sys_user row for these credentials, or None."""
        user = self.store.user_by_name(user_name)
        if user is None or self.passwords.get(user_name) != password or not password:
            return None
        if user["active"] != "true" or user["locked_out"] == "true":
            return None
        return user

    def roles(self, actor: Actor) -> frozenset[str]:
        """The roles of the user behind `actor`."""
        return self.store.roles_of(actor.sys_id)

    def actor(self, user_name: str) -> Actor:
        """The Actor for a seeded or created user (KeyError when unknown)."""
        user = self.store.user_by_name(user_name)
        if user is None:
            raise KeyError(user_name)
        return Actor(user["sys_id"], user["user_name"])

    def user_by_sys_id(self, sys_id: str) -> Record | None:
        """A sys_user row by sys_id."""
        return self.store.get("sys_user", sys_id)

    # -- records ----------------------------------------------------------------------------

    def get_record(self, table: str, sys_id: str) -> dict[str, str] | None:
        """A copy of a stored row (raw values: references are sys_ids)."""
        record = self.store.get(table, sys_id)
        return dict(record) if record else None

    def find_by_number(self, number: str) -> tuple[str, dict[str, str]] | None:
        """(table, copy of row) for an INC/CHG number."""
        found = self.store.find_by_number(number)
        return (found[0], dict(found[1])) if found else None

    def _ticket(self, number: str) -> tuple[str, Record]:
        found = self.store.find_by_number(number)
        if found is None:
            raise KeyError(f"no ticket {number}")
        return found

    def set_state(
        self, number: str, state: str, *, close_code: str | None = None
    ) -> dict[str, str]:
        """Move a ticket to `state` as the agent beth.anglin would (a real update: mod count
        and sys_updated_* move). Resolving/closing fills close code and notes when absent.
        Raises KeyError for an unknown number and ValueError for an unknown state."""
        table, record = self._ticket(number)
        schema = self.store.schemas[table]
        if state not in self.store.choice_values(table, "state"):
            raise ValueError(f"unknown {table} state {state!r}")
        payload: dict[str, Any] = {
            "state": state,
            **closing_fields(table, record, state, close_code),
        }
        update_record(self.store, schema, record, payload, self.actor(AGENT), self.timestamp())
        return dict(record)

    def add_journal(
        self, number: str, text: str, element: str = "comments", author: str = AGENT
    ) -> dict[str, str]:
        """Add a comment or work note to a ticket as `author`; returns the journal row."""
        if element not in JOURNAL_ELEMENTS:
            raise ValueError(f"element must be one of {JOURNAL_ELEMENTS}")
        if not text:
            raise ValueError("text must not be empty")
        table, record = self._ticket(number)
        update_record(
            self.store,
            self.store.schemas[table],
            record,
            {element: text},
            self.actor(author),
            self.timestamp(),
        )
        return dict(self.store.rows("sys_journal_field")[-1])

    def advance_tickets(self) -> list[str]:
        """Move every open ticket one state forward (one auto-progress tick); returns numbers."""
        moved = []
        for table in TICKET_TABLES:
            for record in self.store.rows(table):
                waiting = approvals.pending(self.store, record["sys_id"])
                if waiting:  # the approvers approve, which moves the change on
                    for approval in waiting:
                        self.decide_approval(approval["sys_id"], "approved")
                    moved.append(record["number"])
                    continue
                state = next_state(table, record)
                if state is not None:
                    self.set_state(record["number"], state)
                    moved.append(record["number"])
        return moved

    def decide_approval(
        self, sys_id: str, state: str, comments: str = "", approver: str | None = None
    ) -> dict[str, str]:
        """Approve or reject one approval as its approver (or as `approver`); the change moves
        on as the approval engine decides. KeyError: unknown; ValueError: bad state."""
        if state not in ("approved", "rejected"):
            raise ValueError("state must be approved or rejected")
        row = self.store.get("sysapproval_approver", sys_id)
        if row is None:
            raise KeyError(f"no approval {sys_id}")
        user = self.store.get("sys_user", row["approver"])
        actor = (
            self.actor(approver)
            if approver
            else Actor(row["approver"], user["user_name"] if user else "admin")
        )
        payload = {"state": state, **({"comments": comments} if comments else {})}
        schema = self.store.schemas["sysapproval_approver"]
        update_record(self.store, schema, row, payload, actor, self.timestamp())
        return dict(row)

    # -- tokens and faults ------------------------------------------------------------------

    def expire_access_tokens(self) -> None:
        """Make every issued access token expired (refresh tokens stay valid)."""
        self.tokens.expire_access()

    def revoke_refresh_tokens(self) -> None:
        """Revoke every refresh token, so the next refresh grant fails with 401."""
        self.tokens.revoke_refresh()

    def inject_fault(self, fault: Fault) -> None:
        """Queue a fault; the first matching queued fault answers a request."""
        self.faults.append(copy.copy(fault))

    def clear_faults(self) -> None:
        """Drop all queued faults."""
        self.faults.clear()

    def take_fault(self, method: str, path: str) -> Fault | None:
        """The fault answering this request, counting it down (and dropping it at zero)."""
        for fault in self.faults:
            if fault.applies_to(method, path):
                if fault.skip > 0:
                    fault.skip -= 1  # let this one through
                    continue
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
        return None
