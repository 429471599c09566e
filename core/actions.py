"""Action payloads, encoded and decoded here only.

- A button carries the command it stands for as text (:func:`button_value`), read back by
  the one grammar (:func:`read_button`): a click and the typed command are one request.
- A form carries a :class:`FormContext` (Slack ``private_metadata``, Teams card data):
  where it was opened, what it shares, and its submission id.
- Submitting a form is a request of its own: :class:`SubmitTicket`, :class:`SubmitClient`.
- A ticket action's form (Add comment, Assign to group, Resolve…) carries an
  :class:`ActionFormContext`; its submission (:class:`SubmitActionForm`) is read by
  :func:`action_from_inputs` into the command a person could have typed. The assignment
  group type-ahead asks :class:`SuggestGroups`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from core.actions_fit import SuggestRecords
from core.actions_legacy import OLD_BUTTON_IDS, OLD_CARD, OLD_LINKS, read_old_button
from core.commands import AddNote, Assign, Command, Reject, RenameState, ResolveTicket
from core.errors import UsageError
from core.forms import TicketFormView
from core.grammar import command_text, parse
from core.grammar_actions import MAX_NOTE, number_of
from core.grammar_threads import MAX_REASON
from core.i18n import _, format_number
from core.models import CardLocation, RecommendationSource, TicketKind
from core.previews import PreviewLinks

__all__ = [
    "ACTION_FIELDS",
    "FORM_ACTIONS",
    "OLD_BUTTON_IDS",
    "OLD_CARD",
    "OLD_LINKS",
    "SUGGEST_MAX",
    "ActionFormContext",
    "ClientFormContext",
    "FieldError",
    "FormContext",
    "RenameInConfiguration",
    "Request",
    "ShareMessage",
    "SubmitActionForm",
    "SubmitClient",
    "SubmitTicket",
    "SuggestGroups",
    "ThreadPost",
    "action_from_inputs",
    "action_values",
    "button_value",
    "read_button",
    "read_old_button",
    "rename_from_inputs",
    "state_pick_value",
    "with_reason",
]

#: Slack's private_metadata holds 3,000 characters; a URL gets at most half of that.
_URL_MAX = 1500
_SID_MAX = 100
_ID_MAX = 200


def button_value(command: Command) -> str:
    """What a button that runs ``command`` carries."""
    return command_text(command)


def read_button(value: object) -> Command:
    """The command a button carried; :class:`UsageError` when it carries none."""
    if not isinstance(value, str) or not value.strip():
        raise UsageError(_(OLD_CARD))
    return parse(value, typed=False)


@dataclass(frozen=True, slots=True)
class FormContext:
    """What a ticket form remembers between opening and submitting.

    ``sid`` is the submission id: one form, one ticket, however often it is submitted.
    """

    source: RecommendationSource = RecommendationSource.USER
    recommendation_id: str | None = None
    recommendation_url: str | None = None
    channel: str | None = None
    sid: str = field(default_factory=lambda: uuid.uuid4().hex)

    @classmethod
    def of(cls, form: TicketFormView, channel: str | None = None) -> FormContext:
        """The context of a form about to be shown."""
        return cls(form.source, form.recommendation_id, form.recommendation_url, channel)

    def to_doc(self) -> dict[str, str]:
        """Compact JSON-able form (short keys: Slack keeps 3,000 characters)."""
        doc = {
            "s": self.source.value,
            "r": (self.recommendation_id or "")[:_ID_MAX],
            "u": (self.recommendation_url or "")[:_URL_MAX],
            "c": (self.channel or "")[:_ID_MAX],
            "sid": self.sid[:_SID_MAX],
        }
        return {k: v for k, v in doc.items() if v}

    def dumps(self) -> str:
        """As a string (Slack ``private_metadata``)."""
        return json.dumps(self.to_doc(), separators=(",", ":"))

    @classmethod
    def from_doc(cls, doc: object) -> FormContext:
        """Read it back; anything unreadable gives the defaults (a new submission id)."""
        if not isinstance(doc, dict):
            doc = {}
        source = (
            RecommendationSource.MICROSOFT
            if doc.get("s") == RecommendationSource.MICROSOFT.value
            else RecommendationSource.USER
        )
        return cls(
            source=source,
            recommendation_id=_text(doc.get("r"), _ID_MAX),
            recommendation_url=_text(doc.get("u"), _URL_MAX),
            channel=_text(doc.get("c"), _ID_MAX),
            sid=_text(doc.get("sid"), _SID_MAX) or uuid.uuid4().hex,
        )

    @classmethod
    def loads(cls, text: object) -> FormContext:
        """Read :meth:`dumps` back (anything unreadable gives a form of no context)."""
        try:
            doc: Any = json.loads(text if isinstance(text, str) and text else "{}")
        except (ValueError, RecursionError):
            doc = {}
        return cls.from_doc(doc)


@dataclass(frozen=True, slots=True)
class ClientFormContext:
    """What the private OAuth client form remembers: the instance, and where it was asked."""

    instance: str
    channel: str | None = None

    def dumps(self) -> str:
        """Compact JSON (Slack ``private_metadata``)."""
        doc = {"i": self.instance[:_URL_MAX], "c": self.channel or ""}
        return json.dumps({k: v for k, v in doc.items() if v}, separators=(",", ":"))

    @classmethod
    def loads(cls, text: object) -> ClientFormContext:
        """Read :meth:`dumps` back; anything unreadable gives no instance."""
        try:
            doc: Any = json.loads(text if isinstance(text, str) and text else "{}")
        except (ValueError, RecursionError):
            doc = {}
        if not isinstance(doc, dict):
            doc = {}
        return cls(_text(doc.get("i"), _URL_MAX) or "", _text(doc.get("c"), 200))


def _text(value: object, limit: int) -> str | None:
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    text = str(value)[:limit]
    return text or None


@dataclass(frozen=True, slots=True)
class SubmitTicket:
    """The ticket form, submitted. ``key`` makes a repeat return the first ticket;
    ``shown_at`` is the message the form sits in, when the ticket card will replace it."""

    values: Mapping[str, str | None]
    context: FormContext
    key: str
    shown_at: CardLocation | None = None
    admin: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class SubmitClient:
    """The private OAuth client form, submitted."""

    instance: str
    client_id: str
    client_secret: str = field(repr=False)
    admin: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class ShareMessage:
    """A chat message to turn into a ticket (Slack's message shortcut, Teams' message
    action): its text, and a link back to it."""

    text: str
    link: str = ""
    admin: ClassVar[bool] = False
    forms: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class RenameInConfiguration:
    """A state rename from the configuration surface (answered with that surface)."""

    rename: RenameState
    admin: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class ActionFormContext:
    """What a ticket action's form remembers: the ticket, the action (``comment``,
    ``note``, ``assign``, ``resolve``, ``close``) and where it was opened. Never who opened
    it: a form acts as whoever submits it."""

    number: str
    action: str
    channel: str | None = None

    def to_doc(self) -> dict[str, str]:
        """Compact JSON-able form (Teams card data, console)."""
        doc = {"n": self.number, "a": self.action, "c": (self.channel or "")[:_ID_MAX]}
        return {k: v for k, v in doc.items() if v}

    def dumps(self) -> str:
        """As a string (Slack ``private_metadata``)."""
        return json.dumps(self.to_doc(), separators=(",", ":"))

    @classmethod
    def from_doc(cls, doc: object) -> ActionFormContext:
        """Read :meth:`to_doc` back; :class:`UsageError` when it names no ticket action."""
        if not isinstance(doc, dict):
            raise UsageError(_(OLD_CARD))
        number, action = doc.get("n"), doc.get("a")
        if not isinstance(number, str) or action not in FORM_ACTIONS:
            raise UsageError(_(OLD_CARD))
        number = number_of(number[:40], str(action))
        if action == "close" and not number.startswith("CHG"):
            raise UsageError(_("Only a change can be closed."))
        return cls(number, str(action), _text(doc.get("c"), _ID_MAX))

    @classmethod
    def loads(cls, text: object) -> ActionFormContext:
        """Read :meth:`dumps` back; :class:`UsageError` when it is not one."""
        try:
            doc: Any = json.loads(text if isinstance(text, str) and text else "{}")
        except (ValueError, RecursionError):
            doc = {}
        return cls.from_doc(doc)


#: The actions that have a form.
FORM_ACTIONS = ("comment", "note", "assign", "resolve", "close")
#: Every input a ticket action's form may have.
ACTION_FIELDS = ("text", "group", "close_code", "close_notes")


class FieldError(UsageError):
    """A form input that cannot be sent as it is; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _input(values: Mapping[str, object], name: str, limit: int, missing: str) -> str:
    value = values.get(name)
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise FieldError(name, missing)
    if len(text) > limit:
        raise FieldError(name, _("At most {most} characters.", most=format_number(limit)))
    return text


def action_from_inputs(context: ActionFormContext, values: Mapping[str, object]) -> Command:
    """The command a submitted action form stands for; :class:`FieldError` names the first
    input that is missing or too long."""
    number = context.number
    match context.action:
        case "comment" | "note":
            text = _input(values, "text", MAX_NOTE, _("Write something to add."))
            return AddNote(number, text, context.action == "note")
        case "assign":
            return Assign(number, _input(values, "group", 100, _("Pick an assignment group.")))
        case "resolve" | "close":
            code = _input(values, "close_code", 100, _("Pick a close code."))
            notes = _input(values, "close_notes", MAX_NOTE, _("Say what was done."))
            return ResolveTicket(number, code, notes)
    raise UsageError(_(OLD_CARD))


@dataclass(frozen=True, slots=True)
class SubmitActionForm:
    """A ticket action's form, submitted: its context and its inputs as sent."""

    context: ActionFormContext
    values: Mapping[str, str | None]
    admin: ClassVar[bool] = False


#: Characters of a type-ahead query that are looked up (a group name is at most 80).
SUGGEST_MAX = 80


@dataclass(frozen=True, slots=True)
class SuggestGroups:
    """The assignment-group type-ahead: what has been typed so far."""

    query: str
    admin: ClassVar[bool] = False


def action_values(data: Mapping[str, object]) -> dict[str, str | None]:
    """The action form's inputs of a submitted payload, as text (None when absent)."""
    return {
        name: None if not isinstance(data.get(name), str) else str(data.get(name))[:5000]
        for name in ACTION_FIELDS
    }


@dataclass(frozen=True, slots=True)
class ThreadPost:
    """A message someone posted in a thread: ``thread`` is the id of the message the thread
    hangs under (a ticket card's, when it is for SnowOps), in ``channel``."""

    channel: str
    thread: str
    text: str
    admin: ClassVar[bool] = False


Request = (
    Command
    | SubmitTicket
    | SubmitClient
    | ShareMessage
    | RenameInConfiguration
    | SubmitActionForm
    | SuggestGroups
    | SuggestRecords
    | ThreadPost
    | PreviewLinks
)


def _state_pick(value: str) -> tuple[TicketKind, str]:
    kind_raw, _colon, state = value.partition(":")
    if kind_raw not in (k.value for k in TicketKind) or not state:
        raise UsageError(_("Pick a state."))
    return TicketKind(kind_raw), state


def state_pick_value(kind: TicketKind, value: str) -> str:
    """The option value of a state in the configuration surface's picker."""
    return f"{kind.value}:{value}"


def rename_from_inputs(pick: object, label: object) -> RenameInConfiguration:
    """The rename a configuration surface asks for (its state picker and name input);
    :class:`UsageError` when no state was picked or the name is too long."""
    kind, value = _state_pick(pick if isinstance(pick, str) else "")
    name = label.strip() if isinstance(label, str) else ""
    if len(name) > 40:
        raise UsageError(_("A state name can be 40 characters at most."))
    return RenameInConfiguration(RenameState(kind, value, name))


def with_reason(value: object, reason: object) -> Command:
    """The command a reason form completes: ``value`` is what the form carries (the
    command's text, :func:`button_value`), ``reason`` what was typed. :class:`UsageError`
    when the form carries no command that takes a reason, or the reason is empty or long."""
    command = read_button(value)
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise UsageError(_("Say why, in a few words."))
    if len(text) > MAX_REASON:
        raise UsageError(
            _("The reason is too long ({most} characters at most).", most=format_number(MAX_REASON))
        )
    if not isinstance(command, Reject):
        raise UsageError(_(OLD_CARD))
    return Reject(command.number, command.approval, text)
