"""The words the `/snow` grammar reads as ticket kinds, and ticket numbers.

The words are the command contract (the same in every language): a table's plain name,
its plural, its number prefix and its ServiceNow table name, so what a ServiceNow admin
types is understood: ``incident``/``inc``, ``change``/``chg``/``change_request``,
``problem``/``prb``, ``security-incident``/``security``/``sir``/``sn_si_incident``.
"""

from __future__ import annotations

import re

from core.models import TicketKind

__all__ = ["KIND_WORDS", "NUMBER", "kind_word", "kinds_text"]

KIND_WORDS: dict[str, TicketKind] = {
    "incident": TicketKind.INCIDENT,
    "incidents": TicketKind.INCIDENT,
    "inc": TicketKind.INCIDENT,
    "change": TicketKind.CHANGE,
    "changes": TicketKind.CHANGE,
    "chg": TicketKind.CHANGE,
    "change_request": TicketKind.CHANGE,
    "problem": TicketKind.PROBLEM,
    "problems": TicketKind.PROBLEM,
    "prb": TicketKind.PROBLEM,
    "security-incident": TicketKind.SECURITY,
    "security-incidents": TicketKind.SECURITY,
    "security_incident": TicketKind.SECURITY,
    "security": TicketKind.SECURITY,
    "sir": TicketKind.SECURITY,
    "sn_si_incident": TicketKind.SECURITY,
}

#: A ticket number of a table SnowOps knows (INC, CHG, PRB, SIR and seven digits or more).
NUMBER = re.compile(r"^(INC|CHG|PRB|SIR)[0-9]{7,}$")

#: The word the grammar writes for each kind (commands behind buttons, help).
_WRITTEN = {
    TicketKind.INCIDENT: "incident",
    TicketKind.CHANGE: "change",
    TicketKind.PROBLEM: "problem",
    TicketKind.SECURITY: "security-incident",
}


def kind_word(kind: TicketKind) -> str:
    """The word that stands for ``kind`` in a command (``security-incident``)."""
    return _WRITTEN[kind]


def kinds_text(kinds: frozenset[TicketKind]) -> str:
    """``all``, or the words of ``kinds`` in TicketKind order (``incident problem``)."""
    if kinds >= frozenset(TicketKind):
        return "all"
    return " ".join(kind_word(k) for k in TicketKind if k in kinds)
