"""Small helpers to answer a turn: a card message, an invoke response, a dialog."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from microsoft_agents.activity import Activity, InvokeResponse, ResourceResponse
from microsoft_agents.hosting.core import TurnContext

from adapters.teams.cards import (
    CARD_CONTENT_TYPE,
    attachment,
    card,
    card_attachment,
    open_dialog,
    summary_text,
)
from adapters.teams.cards_actions import action_card
from adapters.teams.cards_form import client_card, form_card
from adapters.teams.cards_reason import reason_card
from core.actions import FormContext
from core.i18n import _
from core.outcomes import (
    AskClient,
    AskReason,
    Audience,
    Marked,
    Outcome,
    PrivateLink,
    Reply,
    ShowActionForm,
    ShowForm,
    StillWorking,
    TicketMade,
)
from core.views import Notice, View

__all__ = [
    "CONNECT_CLIENT",
    "answer",
    "card_response",
    "dialog",
    "dialog_answer",
    "error_response",
    "invoke_answer",
    "message_response",
    "outcome_card",
    "send_outcome",
    "send_view",
    "task_message",
]

#: The dialog verb that opens the private OAuth client form.
CONNECT_CLIENT = "connect_client"

JSON = dict[str, Any]


async def send_view(context: TurnContext, view: View) -> ResourceResponse:
    """Reply in the conversation with the view's card."""
    activity = Activity(
        type="message", summary=summary_text(view), attachments=[card_attachment(card(view))]
    )
    return await context.send_activity(activity)


async def send_card(context: TurnContext, content: JSON, summary: str) -> ResourceResponse:
    """Reply in the conversation with a prepared card."""
    activity = Activity(type="message", summary=summary, attachments=[card_attachment(content)])
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


def _client_prompt(instance: str) -> JSON:
    """A card with the button that opens the private OAuth client dialog."""
    content = card(
        Notice(
            _(
                "To connect {instance}, SnowOps needs the OAuth client of the instance's "
                "Application Registry entry. Enter it privately:",
                instance=instance,
            )
        )
    )
    content["actions"] = [
        open_dialog(_("Enter the OAuth client"), CONNECT_CLIENT, {"value": instance})
    ]
    return content


def outcome_card(outcome: Outcome, *, inline_form: bool) -> JSON | None:
    """The one card that shows ``outcome`` (None: nothing to show)."""
    match outcome:
        case Reply(view=view):
            return card(view)
        case ShowForm(form=form, banner=banner, context=context, link=link):
            context = context or FormContext.of(form)
            return form_card(form, context, inline=inline_form, banner=banner, link=link)
        case AskClient(instance=instance):
            return _client_prompt(instance)
        case PrivateLink(notice=notice):
            return card(notice)
        case TicketMade(card=ticket):
            return card(ticket)
        case StillWorking(notice=notice):
            return card(notice)
        case ShowActionForm(form=form):
            return action_card(form, inline=inline_form)
        case AskReason():
            return reason_card(outcome)
        case Marked(notice=notice):
            return card(notice)
    return None


async def send_outcome(context: TurnContext, outcome: Outcome) -> None:
    """Answer a message in the conversation."""
    content = outcome_card(outcome, inline_form=True)
    if content is not None:
        await send_card(context, content, _summary(outcome))


def _summary(outcome: Outcome) -> str:
    match outcome:
        case Reply(view=view):
            return summary_text(view)
        case ShowForm(form=form) | ShowActionForm(form=form):
            return form.title
        case PrivateLink(notice=notice) | StillWorking(notice=notice) | TicketMade(notice=notice):
            return notice.text
    return "SnowOps"


async def invoke_answer(context: TurnContext, outcome: Outcome) -> JSON:
    """A universal action's answer: the card that replaces the clicked one. A reply that
    should not replace it is a short message to the one who clicked when it is a notice
    for them alone, and otherwise a new message in the conversation."""
    if isinstance(outcome, Reply) and not outcome.replace:
        if isinstance(outcome.view, Notice) and outcome.audience is Audience.ASKER:
            return message_response(outcome.view.text)
        await send_card(context, card(outcome.view), summary_text(outcome.view))
        return message_response(summary_text(outcome.view))
    if isinstance(outcome, StillWorking):
        return message_response(outcome.notice.text)
    content = outcome_card(outcome, inline_form=True)
    return card_response(content) if content is not None else message_response(_("Done."))


def dialog_answer(outcome: Outcome, title: str) -> JSON:
    """A dialog's answer: the form (again), or what happened, and close."""
    match outcome:
        case ShowForm(form=form, banner=banner, context=context, link=link):
            context = context or FormContext.of(form)
            shown_form = form_card(form, context, inline=False, banner=banner, link=link)
            return dialog(title, shown_form)
        case TicketMade(notice=notice, card=ticket):
            return task_message(f"{notice.text} {notice.hint}".strip() or ticket.number)
        case StillWorking(notice=notice):
            return task_message(notice.text)
        case AskClient(instance=instance):
            return dialog(_("ServiceNow OAuth client"), client_card(instance), height="medium")
        case ShowActionForm(form=form):
            return dialog(form.title, action_card(form, inline=False), height="medium")
    shown = outcome_card(outcome, inline_form=False)
    return dialog(title, shown or card(Notice(_("Done."))), height="small")
