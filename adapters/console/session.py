"""One console user's conversation with SnowOps, in-process or over HTTP.

:class:`LocalSession` hands requests to core's router like the Slack and Teams adapters
do, and renders the outcome as text, both in the asker's language; :class:`RemoteSession`
(:mod:`adapters.console.remote`) asks a running ``snowops dev`` to do the same through
``/console/…`` (see :mod:`adapters.console.routes`). The terminal talks to either through the
same calls: ``command``, ``submit``, ``act``, ``suggest`` and ``events``.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from adapters.console.form_fields import extra_from_doc, extra_to_doc
from adapters.console.language import console_locale
from adapters.console.render import clean, render
from adapters.console.sink import ConsoleSink, FeedEntry
from adapters.console.zone import system_zone
from core.action_forms import ActionFormView
from core.actions import (
    ActionFormContext,
    FormContext,
    SubmitActionForm,
    SubmitTicket,
    SuggestGroups,
    button_value,
)
from core.forms import DEFAULT_KINDS, TicketFormView
from core.grammar import strip_invocation
from core.handlers.context import RequestContext
from core.handlers.router import Router
from core.i18n import _, use_locale
from core.models import (
    ChannelRef,
    Priority,
    RecommendationSource,
    Requester,
    TicketKind,
)
from core.outcomes import (
    AskClient,
    AskReason,
    Ignored,
    Marked,
    Outcome,
    PrivateLink,
    ShowActionForm,
    ShowForm,
    StillWorking,
    Suggestions,
    TicketMade,
)
from core.outcomes import (
    Reply as Answer,
)
from core.views import Button, ConfirmView, Notice, NoticeLevel, View

__all__ = [
    "CONSOLE_HEADER",
    "CONSOLE_WORKSPACE",
    "Confirm",
    "ConsoleError",
    "FormReply",
    "LocalSession",
    "Reply",
    "Session",
    "confirm_from_doc",
    "confirm_to_doc",
    "console_context",
    "form_from_doc",
    "form_to_doc",
]

CONSOLE_WORKSPACE = "console:local"
#: Sent with every console request; browsers cannot add it without a CORS preflight,
#: which the server never grants, so a web page cannot drive the console API.
CONSOLE_HEADER = "X-SnowOps-Console"


class ConsoleError(Exception):
    """The console could not reach SnowOps; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Confirm:
    """A question to answer y/N before a command that cannot be undone: ``command`` is
    the text to run on yes, ``cancelled`` what to say on no."""

    question: str
    command: str
    cancelled: str


@dataclass(frozen=True, slots=True)
class Reply:
    """What a command printed, and the form to fill when it opened one (the ticket form,
    or a ticket action's), or the question to answer."""

    text: str
    form: TicketFormView | None = None
    action: ActionFormView | None = None
    confirm: Confirm | None = None


@dataclass(frozen=True, slots=True)
class FormReply:
    """The outcome of submitting a form: errors per field, or what happened."""

    text: str = ""
    errors: dict[str, str] = field(default_factory=dict)


class Session(Protocol):
    """What the terminal needs from SnowOps."""

    async def command(self, text: str) -> Reply:
        """Run one ``/snow …`` line."""
        ...

    async def submit(self, form: TicketFormView, values: dict[str, str], key: str) -> FormReply:
        """Submit a filled form; ``key`` makes a repeated submit create one ticket."""
        ...

    async def events(self, after: int, wait: float) -> list[FeedEntry]:
        """Announcements newer than ``after`` (waits up to ``wait`` seconds for one)."""
        ...

    async def act(self, context: ActionFormContext, values: dict[str, str]) -> FormReply:
        """Submit a ticket action's form as the console user."""
        ...

    async def suggest(self, text: str) -> list[str]:
        """The active assignment groups whose name contains ``text``."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


def console_context(user: str | None = None) -> RequestContext:
    """The local console user: an admin of workspace ``console:local``, in this machine's
    zone and this process's language (a remote terminal says its own with each request)."""
    name = user or getpass.getuser() or "console"
    return RequestContext(
        workspace=CONSOLE_WORKSPACE,
        requester=Requester("console", name, name, None),
        channel=ChannelRef(CONSOLE_WORKSPACE, "terminal"),
        is_admin=True,
        zone=system_zone(),
        locale=console_locale(),
    )


def _text(outcome: Outcome) -> Reply:
    """An outcome as text, and the form to ask for field by field when it is one."""
    match outcome:
        case Answer(view=ConfirmView(confirm=Button(command=yes)) as step) if yes is not None:
            question = clean(_("{question}? [y/N] ", question=step.confirm.label))
            confirm = Confirm(question, button_value(yes), clean(step.cancelled))
            return Reply(render(step), confirm=confirm)
        case Answer(view=view):
            return Reply(render(view))
        case ShowForm(form=form, banner=banner, link=link):
            # The banner may quote ServiceNow: no control sequence reaches the terminal.
            text = clean(f"[!] {banner}") if banner else ""
            return Reply(text + (f"\n    {clean(link)}" if link else ""), form)
        case AskClient(instance=instance):
            notice = Notice(
                _("SnowOps has no OAuth client for {instance}.", instance=instance),
                NoticeLevel.WARNING,
                hint=_(
                    "Set SERVICENOW_CLIENT_ID and SERVICENOW_CLIENT_SECRET, then connect again."
                ),
            )
            return Reply(render(notice))
        case PrivateLink(notice=notice):
            return Reply(render(notice))
        case TicketMade(notice=notice, card=card):
            parts: tuple[View, ...] = (notice, card)
            return Reply(render(parts))
        case StillWorking(notice=notice) | Marked(notice=notice):
            return Reply(render(notice))
        case ShowActionForm(form=form):
            return Reply("", action=form)
        case Suggestions(options=options):
            return Reply("\n".join(clean(label) for _, label in options))
        case AskReason(prompt=prompt, command=command):
            # The terminal asks no free text outside the ticket form: say what to type.
            send = f'/snow {button_value(command)} "<reason>"'
            asked = Notice(prompt, hint=_("Send: {command}", command=send))
            return Reply(render(asked))
        case Ignored():
            return Reply("")
    raise TypeError(f"no console text for {outcome!r}")


class LocalSession:
    """The console in the process that runs SnowOps. Each call handles and renders in
    ``locale`` when given (a remote terminal's, from its request), else in the context's."""

    def __init__(
        self,
        router: Router,
        sink: ConsoleSink,
        ctx: RequestContext,
    ) -> None:
        self._router = router
        self._sink = sink
        self._ctx = ctx

    def _asker(self, locale: str | None) -> RequestContext:
        return self._ctx if locale is None else replace(self._ctx, locale=locale)

    async def command(self, text: str, *, locale: str | None = None) -> Reply:
        """Run one line through core (which opens no ticket form while no ticket can be
        made, so the console never asks a field in vain)."""
        ctx = self._asker(locale)
        with use_locale(ctx.locale):
            return _text(await self._router.handle_text(ctx, strip_invocation(text)))

    async def submit(
        self,
        form: TicketFormView,
        values: dict[str, str],
        key: str,
        *,
        locale: str | None = None,
    ) -> FormReply:
        """Validate and create the ticket; core posts its card to this console, which then
        hears of its changes."""
        ctx = self._asker(locale)
        with use_locale(ctx.locale):
            request = SubmitTicket(values, FormContext.of(form), key)
            outcome = await self._router.handle(ctx, request)
            if isinstance(outcome, ShowForm) and outcome.form.errors:
                return FormReply(errors=dict(outcome.form.errors))
            return FormReply(_text(outcome).text)

    async def events(self, after: int, wait: float) -> list[FeedEntry]:
        """Wait on the sink's feed (its lines are already in the workspace's language)."""
        return await self._sink.wait(after, wait)

    async def act(
        self, context: ActionFormContext, values: dict[str, str], *, locale: str | None = None
    ) -> FormReply:
        """Submit a ticket action's form through core, as the console user."""
        ctx = self._asker(locale)
        with use_locale(ctx.locale):
            outcome = await self._router.handle(ctx, SubmitActionForm(context, values))
            if isinstance(outcome, ShowActionForm) and outcome.form.errors:
                return FormReply(errors=dict(outcome.form.errors))
            return FormReply(_text(outcome).text)

    async def suggest(self, text: str, *, locale: str | None = None) -> list[str]:
        """The group type-ahead, through core."""
        ctx = self._asker(locale)
        with use_locale(ctx.locale):
            outcome = await self._router.handle(ctx, SuggestGroups(text))
        if not isinstance(outcome, Suggestions):
            return []
        return [label for _value, label in outcome.options]

    async def close(self) -> None:
        """Nothing to release: the services belong to the caller."""


def form_to_doc(form: TicketFormView) -> dict[str, Any]:
    """A form as JSON for ``/console/…``."""
    return {
        "kind": form.kind.value,
        "kinds": [k.value for k in form.kinds],
        "name": form.name,
        "description": form.description,
        "priority": int(form.priority),
        "due": form.due,
        "category": form.category,
        "source": form.source.value,
        "recommendation_id": form.recommendation_id,
        "recommendation_url": form.recommendation_url,
        "title": form.title,
        "extra": extra_to_doc(form.extra),
    }


def _kinds(raw: Any) -> tuple[TicketKind, ...]:
    """The kinds a form offers, as JSON sent them (the defaults when absent)."""
    if not isinstance(raw, list) or not raw:
        return DEFAULT_KINDS
    return tuple(TicketKind(k) for k in raw)


def form_from_doc(doc: Any) -> TicketFormView:
    """The form back from JSON; ``ValueError`` when it is not one."""
    if not isinstance(doc, dict):
        raise ValueError("form must be an object")
    try:
        return TicketFormView(
            kind=TicketKind(doc.get("kind") or "incident"),
            kinds=_kinds(doc.get("kinds")),
            name=str(doc.get("name") or ""),
            description=str(doc.get("description") or ""),
            priority=Priority(int(doc.get("priority") or 3)),
            due=str(doc.get("due") or ""),
            category=doc.get("category") or None,
            source=RecommendationSource(doc.get("source") or "User"),
            recommendation_id=doc.get("recommendation_id") or None,
            recommendation_url=doc.get("recommendation_url") or None,
            title=str(doc.get("title") or _("New ServiceNow ticket")),
            extra=extra_from_doc(doc.get("extra")),
        )
    except (TypeError, ValueError) as exc:
        raise ValueError(f"not a ticket form: {exc}") from None


def confirm_to_doc(confirm: Confirm | None) -> dict[str, str] | None:
    """A y/N question as JSON for ``/console/commands``."""
    if confirm is None:
        return None
    return {
        "question": confirm.question,
        "command": confirm.command,
        "cancelled": confirm.cancelled,
    }


def confirm_from_doc(doc: Any) -> Confirm | None:
    """The question back from JSON (None when there is none, or it is not one)."""
    if not isinstance(doc, dict):
        return None
    parts = [doc.get(k) for k in ("question", "command", "cancelled")]
    if not all(isinstance(p, str) for p in parts):
        return None
    return Confirm(*(clean(str(p)) for p in parts))
