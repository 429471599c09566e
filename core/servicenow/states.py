"""ServiceNow state catalogs with the default labels, and per-workspace renames."""

from __future__ import annotations

from collections.abc import Mapping

from core.models import TicketKind

__all__ = ["CLOSED_STATES", "DEFAULT_STATES", "is_open", "state_label", "state_labels"]

#: value → label, in workflow order (SNDocs incident and change state models).
DEFAULT_STATES: dict[TicketKind, dict[str, str]] = {
    TicketKind.INCIDENT: {
        "1": "New",
        "2": "In Progress",
        "3": "On Hold",
        "6": "Resolved",
        "7": "Closed",
        "8": "Canceled",
    },
    TicketKind.CHANGE: {
        "-5": "New",
        "-4": "Assess",
        "-3": "Authorize",
        "-2": "Scheduled",
        "-1": "Implement",
        "0": "Review",
        "3": "Closed",
        "4": "Canceled",
    },
}

#: States in which a ticket no longer blocks a new share of the same recommendation.
CLOSED_STATES: dict[TicketKind, frozenset[str]] = {
    TicketKind.INCIDENT: frozenset({"6", "7", "8"}),
    TicketKind.CHANGE: frozenset({"3", "4"}),
}


def is_open(kind: TicketKind, state: str) -> bool:
    """True while the ticket is still being worked on."""
    return state not in CLOSED_STATES[kind]


def state_labels(kind: TicketKind, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The catalog for ``kind`` with a workspace's renames applied."""
    labels = dict(DEFAULT_STATES[kind])
    for value, label in (overrides or {}).items():
        if value in labels and label:
            labels[value] = label
    return labels


def state_label(kind: TicketKind, value: str, overrides: Mapping[str, str] | None = None) -> str:
    """One state's display name; unknown values show as ``State <value>``."""
    return state_labels(kind, overrides).get(value, f"State {value}")
