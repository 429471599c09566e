"""ServiceNow state catalogs with the default labels, and per-workspace renames."""

from __future__ import annotations

from collections.abc import Mapping

from core.i18n import N_
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
    # The problem state model of recent releases (Madrid on), as the simulator implements it.
    TicketKind.PROBLEM: {
        "101": N_("New"),
        "102": N_("Assess"),
        "103": N_("Root Cause Analysis"),
        "104": N_("Fix in Progress"),
        "106": N_("Resolved"),
        "107": N_("Closed"),
    },
    # Security Incident Response's states (sn_si_incident), in workflow order.
    TicketKind.SECURITY: {
        "10": N_("Draft"),
        "16": N_("Analysis"),
        "18": N_("Contain"),
        "19": N_("Eradicate"),
        "20": N_("Recover"),
        "100": N_("Review"),
        "3": N_("Closed"),
        "7": N_("Cancelled"),
    },
}

#: States in which a ticket no longer blocks a new share of the same recommendation.
CLOSED_STATES: dict[TicketKind, frozenset[str]] = {
    TicketKind.INCIDENT: frozenset({"6", "7", "8"}),
    TicketKind.CHANGE: frozenset({"3", "4"}),
    TicketKind.PROBLEM: frozenset({"106", "107"}),
    TicketKind.SECURITY: frozenset({"3", "7"}),
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
