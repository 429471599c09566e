"""ServiceNow state catalogs with the default labels, and per-workspace renames."""

from __future__ import annotations

from collections.abc import Mapping

from core.i18n import N_, gettext
from core.models import TicketKind

__all__ = [
    "CLOSED_STATES",
    "DEFAULT_STATES",
    "default_states",
    "is_open",
    "state_label",
    "state_labels",
]

#: value → label, in workflow order (SNDocs incident and change state models); English, the
#: catalogue's source: :func:`default_states` gives them in the current language.
DEFAULT_STATES: dict[TicketKind, dict[str, str]] = {
    TicketKind.INCIDENT: {
        "1": N_("New"),
        "2": N_("In Progress"),
        "3": N_("On Hold"),
        "6": N_("Resolved"),
        "7": N_("Closed"),
        "8": N_("Canceled"),
    },
    TicketKind.CHANGE: {
        "-5": N_("New"),
        "-4": N_("Assess"),
        "-3": N_("Authorize"),
        "-2": N_("Scheduled"),
        "-1": N_("Implement"),
        "0": N_("Review"),
        "3": N_("Closed"),
        "4": N_("Canceled"),
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


def default_states(kind: TicketKind) -> dict[str, str]:
    """ServiceNow's own names of ``kind``'s states in the current language (its Swedish
    names under ``sv``), in workflow order."""
    return {value: gettext(label) for value, label in DEFAULT_STATES[kind].items()}


def state_labels(kind: TicketKind, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The catalog for ``kind`` with a workspace's renames applied: ServiceNow's names are
    translated, a workspace's own names are its data and shown as they were typed."""
    labels = default_states(kind)
    for value, label in (overrides or {}).items():
        if value in labels and label:
            labels[value] = label
    return labels


def state_label(kind: TicketKind, value: str, overrides: Mapping[str, str] | None = None) -> str:
    """One state's display name; unknown values show as ``State <value>``."""
    return state_labels(kind, overrides).get(value) or gettext("State {value}", value=value)
