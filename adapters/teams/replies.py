"""Small helpers to answer a turn: a card message, an invoke response, a dialog."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from microsoft_agents.activity import Activity, InvokeResponse, ResourceResponse
from microsoft_agents.hosting.core import TurnContext

from adapters.teams.cards import CARD_CONTENT_TYPE, attachment, card, summary_text
from core.views import View

__all__ = [
    "answer",
    "card_response",
    "dialog",
    "error_response",
    "message_response",
    "send_view",
    "task_message",
]

JSON = dict[str, Any]


async def send_view(context: TurnContext, view: View) -> ResourceResponse:
    """Reply in the conversation with the view's card."""
    activity = Activity(
        type="message", summary=summary_text(view), attachments=[attachment(card(view))]
    )
    return await context.send_activity(activity)


async def send_card(context: TurnContext, content: JSON, summary: str) -> ResourceResponse:
    """Reply in the conversation with a prepared card."""
    activity = Activity(type="message", summary=summary, attachments=[attachment(content)])
    return await context.send_activity(activity)


async def answer(context: TurnContext, body: JSON | None, status: int = HTTPStatus.OK) -> None:
    """The HTTP answer of an invoke."""
    await context.send_activity(
        Activity(type="invokeResponse", value=InvokeResponse(status=int(status), body=body))
    )


def card_response(content: JSON) -> JSON:
    """A universal action's answer: Teams replaces the clicked card with ``content``."""
    return {"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": content}


def message_response(text: str) -> JSON:
    """A universal action's answer that leaves the card as it is and shows ``text``."""
    return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": text}


def error_response(status: int, message: str) -> JSON:
    """A universal action's error answer (Teams shows ``message``)."""
    code = "BadRequest" if status == 400 else "Unauthorized" if status == 401 else "Error"
    return {
        "statusCode": status,
        "type": "application/vnd.microsoft.error",
        "value": {"code": code, "message": message},
    }


def dialog(title: str, content: JSON, *, height: str = "large") -> JSON:
    """A dialog (task module) showing ``content``."""
    return {
        "task": {
            "type": "continue",
            "value": {
                "title": title[:64],
                "height": height,
                "width": "medium",
                "card": attachment(content),
            },
        }
    }


def task_message(text: str) -> JSON:
    """Close the dialog and show ``text``."""
    return {"task": {"type": "message", "value": text}}
