"""Outcomes: what core says should happen in answer to a request; adapters render them.

Core never posts an answer itself (it posts cards and notifications through the ChatSink
port); it says *what* the person should see and *who* may see it, and each platform decides
*how* (an ephemeral message or a modal on Slack, a card, an invoke answer or a dialog on
Teams, text in the console).

::

    Outcome
    ├── Reply            a view, for the asker alone or for the whole conversation
    ├── ShowForm         the ticket form to fill in (prefilled, perhaps with errors)
    ├── ShowActionForm   a ticket action's form (comment, work note, group, resolve, close)
    ├── Suggestions      what a type-ahead offers for what has been typed
    ├── AskClient        the private form for an instance's OAuth client
    ├── PrivateLink      a sign-in link: for the asker's eyes only, never in a shared place
    ├── TicketMade       a ticket exists now (or already did): its card, what to say
    ├── StillWorking     the same request is still being handled: nothing new to show
    ├── AskReason        ask why before a command goes ahead (a rejection): one text field
    ├── Marked           a message the person posted was acted on: mark it where it is
    ├── Ignored          the message was not for SnowOps: say nothing
    └── Previews         compact previews of the tickets a message links to
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.action_forms import ActionFormView
from core.actions import FormContext
from core.commands import Command
from core.forms import TicketFormView
from core.models import CardLocation
from core.previews import TicketPreview
from core.views import Notice, TicketCard, View

__all__ = [
    "AskClient",
    "AskReason",
    "Audience",
    "Ignored",
    "Marked",
    "Outcome",
    "Previews",
    "PrivateLink",
    "Reply",
    "ShowActionForm",
    "ShowForm",
    "StillWorking",
    "Suggestions",
    "TicketMade",
]


class Audience(StrEnum):
    """Who may see a reply."""

    #: Only the person who asked (Slack ephemeral; Teams: the card they clicked, or the chat).
    ASKER = "asker"
    #: Everyone in the conversation where it was asked.
    CONVERSATION = "conversation"


@dataclass(frozen=True, slots=True)
class Reply:
    """Show ``view``. ``replace``: it takes the place of the message whose button was
    clicked. ``refresh``: this answer came from SnowOps's own store; run ``refresh`` after
    answering, and replace the answer with its reply if that differs."""

    view: View
    audience: Audience = Audience.ASKER
    replace: bool = False
    refresh: Command | None = None


@dataclass(frozen=True, slots=True)
class ShowForm:
    """Open the ticket form. ``context`` is set when it is shown again after a submit: the
    form keeps its submission id (one form, one ticket) and where it was opened."""

    form: TicketFormView
    banner: str = ""
    context: FormContext | None = None
    #: ServiceNow's own form, pre-filled with what was typed (after it refused the record).
    link: str = ""


@dataclass(frozen=True, slots=True)
class AskClient:
    """Ask the admin, privately, for the OAuth client of ``instance``."""

    instance: str


@dataclass(frozen=True, slots=True)
class PrivateLink:
    """A sign-in link for the asker alone (never a message in a shared conversation)."""

    notice: Notice


@dataclass(frozen=True, slots=True)
class TicketMade:
    """The ticket form went through. ``created``: this request made the ticket (else it
    existed: a retry, or a recommendation already tracked). ``posted``: where its card
    was published (None when it was not, e.g. shown in place of the form)."""

    card: TicketCard
    notice: Notice
    created: bool
    posted: CardLocation | None = None


@dataclass(frozen=True, slots=True)
class StillWorking:
    """A double submit: the first submission is still creating the ticket and answers."""

    notice: Notice


@dataclass(frozen=True, slots=True)
class ShowActionForm:
    """Open the form of a ticket action (perhaps again, with ``form.errors``)."""

    form: ActionFormView


@dataclass(frozen=True, slots=True)
class Suggestions:
    """A type-ahead's options for what was typed: (value, label), best first."""

    options: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class AskReason:
    """Ask the person why before ``command`` goes ahead (a rejection): one text field, whose
    answer completes the command (:func:`core.actions.with_reason`)."""

    title: str
    prompt: str
    command: Command


@dataclass(frozen=True, slots=True)
class Marked:
    """A message the person posted was acted on (a thread reply went to ServiceNow): mark
    it where it was posted (a reaction on Slack, a short reply on Teams). ``notice`` says
    what was done."""

    notice: Notice


@dataclass(frozen=True, slots=True)
class Ignored:
    """The message was not for SnowOps (its thread is no ticket card's, or the channel does
    not send replies to ServiceNow): say nothing."""


@dataclass(frozen=True, slots=True)
class Previews:
    """Compact previews of the linked tickets that may be shown here (none: no preview)."""

    items: tuple[TicketPreview, ...]


Outcome = (
    Reply
    | ShowForm
    | AskClient
    | PrivateLink
    | TicketMade
    | StillWorking
    | ShowActionForm
    | Suggestions
    | AskReason
    | Marked
    | Ignored
    | Previews
)
