"""Block Kit rendering: core views → Slack JSON, as pure functions (no I/O, no bolt).

``message(view)`` gives a ``chat.postMessage`` / ``respond`` payload; the ``*_modal`` and
``home_view`` functions give ``views.open`` / ``views.update`` / ``views.publish`` views.
The work is split by surface: ``blocks_text`` (escaping, limits, primitives),
``blocks_cards`` (message cards) and ``blocks_surfaces`` (modals, App Home).

Every button that runs a command has action id ``snow`` and the command's text as its
value; link buttons have action id ``link`` and only need an ack. Repeated ids within one
actions block become ``{id}:{n}`` (see ``actions_block``).
"""

from __future__ import annotations

from typing import Any

from adapters.slack.blocks_cards import (
    config_layout,
    notice_layout,
    post_message,
    recommendation_blocks,
    recommendation_text,
    states_layout,
    status_layout,
    ticket_blocks,
    ticket_list_layout,
    ticket_text,
)
from adapters.slack.blocks_guide import confirm_layout, help_layout, recommendation_list_layout
from adapters.slack.blocks_score import score_layout
from adapters.slack.blocks_surfaces import (
    FORM_CALLBACK_ID,
    form_values,
    home_layout,
    home_view,
    progress_modal,
    result_modal,
    ticket_form_modal,
    ticket_list_modal,
)
from adapters.slack.blocks_text import (
    MESSAGE_BLOCKS_MAX,
    SECTION_TEXT_MAX,
    Layout,
    escape,
    more_block,
    truncate,
    truncate_mrkdwn,
)
from core.forms import TicketFormView
from core.i18n import _
from core.score_views import SecureScoreView
from core.views import (
    ConfigurationView,
    ConfirmView,
    HelpView,
    HomeView,
    Notice,
    RecommendationCard,
    RecommendationListView,
    StatesView,
    StatusView,
    TicketCard,
    TicketListView,
    View,
)

__all__ = [
    "FORM_CALLBACK_ID",
    "escape",
    "form_values",
    "home_view",
    "message",
    "post_message",
    "progress_modal",
    "recommendation_blocks",
    "result_modal",
    "ticket_blocks",
    "ticket_form_modal",
    "ticket_list_modal",
    "truncate",
]

JSON = dict[str, Any]


def message(view: View) -> JSON:
    """A message payload ``{"text", "blocks"}`` for any view but the ticket form.

    ``text`` is the plain fallback Slack uses for notifications and screen readers. At most
    50 blocks: lists drop whole cards and say "…and N more"; a tuple of views is rendered in
    order, each view getting the room the earlier ones left.
    """
    blocks, text = _render(view, MESSAGE_BLOCKS_MAX)
    return {"text": truncate_mrkdwn(text or "SnowOps", SECTION_TEXT_MAX), "blocks": blocks}


def _render(view: View, limit: int) -> tuple[list[JSON], str]:
    if limit <= 0:
        return [], ""
    if isinstance(view, tuple):
        out: list[JSON] = []
        texts: list[str] = []
        for i, sub in enumerate(view):
            # Keep one block free for "…and N more" while later views are still to come.
            reserve = 1 if i < len(view) - 1 else 0
            blocks, text = _render(sub, limit - len(out) - reserve)
            if not blocks:
                if len(out) < limit:
                    out.append(more_block(len(view) - i))
                break
            out += blocks
            texts.append(text)
        return out, "\n".join(t for t in texts if t)
    layout, text = _layout(view)
    return layout.fit(limit), text


def _layout(view: View) -> tuple[Layout, str]:
    match view:
        case Notice():
            return notice_layout(view)
        case TicketCard():
            return Layout(head=ticket_blocks(view)), ticket_text(view)
        case RecommendationCard():
            return Layout(head=recommendation_blocks(view)), recommendation_text(view)
        case RecommendationListView():
            return recommendation_list_layout(view)
        case TicketListView():
            return ticket_list_layout(view)
        case HelpView():
            return help_layout(view)
        case StatusView():
            return status_layout(view)
        case StatesView():
            return states_layout(view)
        case HomeView():
            return home_layout(view), _("SnowOps: incidents and changes")
        case ConfigurationView():
            return config_layout(view)
        case SecureScoreView():
            return score_layout(view)
        case ConfirmView():
            return confirm_layout(view)
        case TicketFormView():
            raise TypeError("the ticket form is a modal: render it with ticket_form_modal()")
    raise TypeError(f"cannot render {type(view).__name__} as a Slack message")
