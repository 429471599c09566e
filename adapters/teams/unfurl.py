"""Teams link unfurling: a message extension's ``composeExtension/queryLink`` → core's
previews → a card answer.

Teams sends ``queryLink`` for URLs of the domains in the message extension's
``messageHandlers`` (``manifests/teams/manifest.json``; the customer's ServiceNow domain,
see README) as they are typed or pasted in a compose box. A ticket that may not be shown
here gets an empty result: Teams then leaves the link as it is.
"""

from __future__ import annotations

from typing import Any

from microsoft_agents.hosting.core import TurnContext, TurnState

from adapters.teams.cards import adaptive_card
from adapters.teams.cards_text import text
from adapters.teams.handlers import TeamsHandlers
from adapters.teams.replies import answer
from core.i18n import _
from core.outcomes import Previews
from core.previews import PreviewLinks, TicketPreview

__all__ = ["TeamsUnfurl", "preview_attachment"]

JSON = dict[str, Any]
_URL_MAX = 3000


def _facts(preview: TicketPreview) -> str:
    facts = [preview.kind.label, preview.state, preview.priority]
    if preview.due and preview.due != "—":
        facts.append(_("due {date}", date=preview.due))
    return " · ".join(facts)


def preview_attachment(preview: TicketPreview) -> JSON:
    """The card of a ticket's compact preview, with the preview Teams shows in the compose
    box (a thumbnail card: plain text only)."""
    body = [
        text(f"{preview.number}: {preview.title}", weight="Bolder"),
        text(_facts(preview), isSubtle=True, spacing="None"),
    ]
    actions = [{"type": "Action.OpenUrl", "title": _("Open in ServiceNow"), "url": preview.url}]
    return {
        "contentType": "application/vnd.microsoft.card.adaptive",
        "content": adaptive_card(body, actions),
        "preview": {
            "contentType": "application/vnd.microsoft.card.thumbnail",
            "content": {"title": f"{preview.number}: {preview.title}", "text": _facts(preview)},
        },
    }


def _result(attachments: list[JSON]) -> JSON:
    return {
        "composeExtension": {
            "type": "result",
            "attachmentLayout": "list",
            "attachments": attachments,
        }
    }


class TeamsUnfurl:
    """Answers ``composeExtension/queryLink`` as whoever pasted the link may see it."""

    def __init__(self, handlers: TeamsHandlers) -> None:
        self.h = handlers

    async def query_link(self, context: TurnContext, state: TurnState) -> None:
        """The preview card of the linked ticket, or an empty result."""
        value = context.activity.value
        url = value.get("url") if isinstance(value, dict) else None
        if not isinstance(url, str) or not 0 < len(url) <= _URL_MAX:
            await answer(context, _result([]))
            return
        ctx = await self.h.request_context(context)
        outcome = await self.h.handle(context, ctx, PreviewLinks((url,)))
        previews = outcome.items if isinstance(outcome, Previews) else ()
        await answer(context, _result([preview_attachment(p) for p in previews[:1]]))
