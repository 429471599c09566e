"""One console user's conversation with SnowOps, in-process or over HTTP.

:class:`LocalSession` hands requests to core's router like the Slack and Teams adapters
do, and renders the outcome as text; :class:`RemoteSession` asks a running ``snowops dev``
to do the same through ``/console/…`` (see :mod:`adapters.console.routes`). The terminal
talks to either through the same three calls: ``command``, ``submit`` and ``events``.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp

from adapters.console.render import clean, render
from adapters.console.sink import ConsoleSink, FeedEntry
from core.actions import FormContext, SubmitTicket, button_value
from core.forms import TicketFormView
from core.grammar import strip_invocation
from core.handlers.context import RequestContext
from core.handlers.router import Router
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
    ShowForm,
    StillWorking,
    TicketMade,
)
from core.outcomes import (
    Reply as Answer,
)
from core.views import Notice, NoticeLevel, View

__all__ = [
    "CONSOLE_HEADER",
    "CONSOLE_WORKSPACE",
    "ConsoleError",
    "FormReply",
    "LocalSession",
    "RemoteSession",
    "Reply",
    "Session",
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
class Reply:
    """What a command printed, and the form to fill when it opened one."""

    text: str
    form: TicketFormView | None = None


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

    async def close(self) -> None:
        """Release connections."""
        ...


def console_context(user: str | None = None) -> RequestContext:
    """The local console user: an admin of workspace ``console:local``."""
    name = user or getpass.getuser() or "console"
    return RequestContext(
        workspace=CONSOLE_WORKSPACE,
        requester=Requester("console", name, name, None),
        channel=ChannelRef(CONSOLE_WORKSPACE, "terminal"),
        is_admin=True,
    )


def _text(outcome: Outcome) -> Reply:
    """An outcome as text, and the form to ask for field by field when it is one."""
    match outcome:
        case Answer(view=view):
            return Reply(render(view))
        case ShowForm(form=form, banner=banner):
            # The banner may quote ServiceNow: no control sequence reaches the terminal.
            return Reply(clean(f"[!] {banner}") if banner else "", form)
        case AskClient(instance=instance):
            notice = Notice(
                f"SnowOps has no OAuth client for {instance}.",
                NoticeLevel.WARNING,
                hint="Set SERVICENOW_CLIENT_ID and SERVICENOW_CLIENT_SECRET, then connect again.",
            )
            return Reply(render(notice))
        case PrivateLink(notice=notice):
            return Reply(render(notice))
        case TicketMade(notice=notice, card=card):
            parts: tuple[View, ...] = (notice, card)
            return Reply(render(parts))
        case StillWorking(notice=notice) | Marked(notice=notice):
            return Reply(render(notice))
        case AskReason(prompt=prompt, command=command):
            # The terminal asks no free text outside the ticket form: say what to type.
            asked = Notice(prompt, hint=f'Send: /snow {button_value(command)} "<reason>"')
            return Reply(render(asked))
        case Ignored():
            return Reply("")
    raise TypeError(f"no console text for {outcome!r}")


class LocalSession:
    """The console in the process that runs SnowOps."""

    def __init__(
        self,
        router: Router,
        sink: ConsoleSink,
        ctx: RequestContext,
    ) -> None:
        self._router = router
        self._sink = sink
        self._ctx = ctx

    async def command(self, text: str) -> Reply:
        """Run one line through core (which opens no ticket form while no ticket can be
        made, so the console never asks a field in vain)."""
        outcome = await self._router.handle_text(self._ctx, strip_invocation(text))
        return _text(outcome)

    async def submit(self, form: TicketFormView, values: dict[str, str], key: str) -> FormReply:
        """Validate and create the ticket; core posts its card to this console, which then
        hears of its changes."""
        request = SubmitTicket(values, FormContext.of(form), key)
        outcome = await self._router.handle(self._ctx, request)
        if isinstance(outcome, ShowForm) and outcome.form.errors:
            return FormReply(errors=dict(outcome.form.errors))
        return FormReply(_text(outcome).text)

    async def events(self, after: int, wait: float) -> list[FeedEntry]:
        """Wait on the sink's feed."""
        return await self._sink.wait(after, wait)

    async def close(self) -> None:
        """Nothing to release: the services belong to the caller."""


def form_to_doc(form: TicketFormView) -> dict[str, Any]:
    """A form as JSON for ``/console/…``."""
    return {
        "kind": form.kind.value,
        "name": form.name,
        "description": form.description,
        "priority": int(form.priority),
        "due": form.due,
        "category": form.category,
        "source": form.source.value,
        "recommendation_id": form.recommendation_id,
        "recommendation_url": form.recommendation_url,
        "title": form.title,
    }


def form_from_doc(doc: Any) -> TicketFormView:
    """The form back from JSON; ``ValueError`` when it is not one."""
    if not isinstance(doc, dict):
        raise ValueError("form must be an object")
    try:
        return TicketFormView(
            kind=TicketKind(doc.get("kind") or "incident"),
            name=str(doc.get("name") or ""),
            description=str(doc.get("description") or ""),
            priority=Priority(int(doc.get("priority") or 3)),
            due=str(doc.get("due") or ""),
            category=doc.get("category") or None,
            source=RecommendationSource(doc.get("source") or "User"),
            recommendation_id=doc.get("recommendation_id") or None,
            recommendation_url=doc.get("recommendation_url") or None,
            title=str(doc.get("title") or "New ServiceNow ticket"),
        )
    except (TypeError, ValueError) as exc:
        raise ValueError(f"not a ticket form: {exc}") from None


class RemoteSession:
    """The console attached to a running ``snowops dev`` over loopback HTTP."""

    def __init__(self, base_url: str, token: str) -> None:
        self._base = base_url.rstrip("/")
        self._http = aiohttp.ClientSession(
            headers={CONSOLE_HEADER: token}, timeout=aiohttp.ClientTimeout(total=120)
        )

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            async with self._http.request(method, self._base + path, **kwargs) as response:
                if response.status != 200:
                    raise ConsoleError(
                        f"{self._base} answered HTTP {response.status} to {path}: is it "
                        "`snowops dev` (or `snowops chat`) of this version?"
                    )
                body: dict[str, Any] = await response.json()
                return body
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise ConsoleError(
                f"cannot reach SnowOps at {self._base} ({type(exc).__name__}): "
                "is `make dev` running?"
            ) from None

    async def ping(self) -> None:
        """Raise :class:`ConsoleError` unless a console-capable SnowOps answers."""
        await self._call("GET", "/console/events", params={"after": "0", "wait": "0"})

    async def command(self, text: str) -> Reply:
        """POST /console/commands."""
        body = await self._call("POST", "/console/commands", json={"text": text})
        form = form_from_doc(body["form"]) if body.get("form") else None
        return Reply(str(body.get("text") or ""), form)

    async def submit(self, form: TicketFormView, values: dict[str, str], key: str) -> FormReply:
        """POST /console/forms."""
        body = await self._call(
            "POST",
            "/console/forms",
            json={"form": form_to_doc(form), "values": values, "key": key},
        )
        return FormReply(str(body.get("text") or ""), dict(body.get("errors") or {}))

    async def events(self, after: int, wait: float) -> list[FeedEntry]:
        """GET /console/events (long poll)."""
        body = await self._call(
            "GET", "/console/events", params={"after": str(after), "wait": f"{wait:g}"}
        )
        return [FeedEntry(int(e["seq"]), str(e["text"])) for e in body.get("events", [])]

    async def close(self) -> None:
        """Close the HTTP session."""
        await self._http.close()
