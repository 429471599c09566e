"""The reason modal (a rejection asks why): core's :class:`~core.outcomes.AskReason` as
Block Kit. It carries the command it completes as its private metadata."""

from __future__ import annotations

from typing import Any

from adapters.slack.blocks_surfaces import modal
from adapters.slack.blocks_text import escape, section
from core.actions import button_value
from core.grammar_threads import MAX_REASON
from core.i18n import _
from core.outcomes import AskReason

__all__ = ["BLOCK", "REASON_CALLBACK", "reason_modal"]

REASON_CALLBACK = "snowops_reason"
BLOCK = "reason"


def reason_modal(ask: AskReason) -> dict[str, Any]:
    """One multi-line input; submitting it completes ``ask.command``."""
    field = {
        "type": "input",
        "block_id": BLOCK,
        "label": {"type": "plain_text", "text": _("Reason")},
        "element": {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": True,
            "max_length": MAX_REASON,
        },
    }
    return modal(
        ask.title[:24],
        [section(escape(ask.prompt)), field],
        close=_("Cancel"),
        submit={"type": "plain_text", "text": _("Send")},
        callback_id=REASON_CALLBACK,
        private_metadata=button_value(ask.command),
    )
