"""The reason form on Teams (a rejection asks why): core's
:class:`~core.outcomes.AskReason` as a card with one text input, answered in place of the
clicked card. Its action carries the command it completes (the command's text, encoded and
read back by :mod:`core.actions`); Teams adds what was typed as ``reason``."""

from __future__ import annotations

from typing import Any

from adapters.teams.cards import adaptive_card, execute
from adapters.teams.cards_text import text
from core.actions import button_value
from core.grammar_threads import MAX_REASON
from core.i18n import _
from core.outcomes import AskReason

__all__ = ["REASON_INPUT", "REASON_VERB", "reason_card"]

REASON_VERB = "snowops_reason"
REASON_INPUT = "reason"


def reason_card(ask: AskReason) -> dict[str, Any]:
    """The prompt, the input and *Send*."""
    field = {
        "type": "Input.Text",
        "id": REASON_INPUT,
        "label": _("Reason"),
        "isMultiline": True,
        "isRequired": True,
        "errorMessage": _("Say why, in a few words."),
        "maxLength": MAX_REASON,
    }
    send = execute(_("Send"), REASON_VERB, {"value": button_value(ask.command)}, primary=True)
    return adaptive_card(
        [text(ask.title, weight="Bolder"), text(ask.prompt, wrap=True), field], [send]
    )
