"""The one place every request is routed: a table from request type to its handler.

Adapters call :meth:`Router.handle` with a request (a command typed or clicked, a form
submitted) and render the :class:`~core.outcomes.Outcome` it returns; they never look at
request types themselves. Admin-only requests are refused here, and every failure becomes a
notice here (:func:`~core.handlers.failures.failure_notice`), so no adapter sees an
exception from a use case.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any, Protocol

from core import commands as c
from core.actions import Request
from core.audit import handling
from core.errors import UsageError
from core.grammar import parse
from core.handlers.context import RequestContext
from core.handlers.failures import failure_notice
from core.i18n import _
from core.outcomes import Outcome, Reply, ShowForm
from core.personal import acting
from core.views import Notice, NoticeLevel
from core.zones import zone_name

__all__ = ["Handler", "HandlerGroup", "QuickHandler", "Router", "in_zone"]

log = logging.getLogger(__name__)

Handler = Callable[[RequestContext, Any], Awaitable[Outcome]]
#: A quick handler answers from SnowOps's own state, or says None: the full path is needed.
QuickHandler = Callable[[RequestContext, Any], Awaitable[Outcome | None]]

#: Fits a ticket form to the instance (:meth:`core.form_fit.FormFit.form`), and the same
#: without asking the instance (:meth:`~core.form_fit.FormFit.form_now`).
FitForm = Callable[[str, Outcome], Awaitable[Outcome]]
FitFormNow = Callable[[str, Outcome], Outcome]


def admins_only() -> Notice:
    """The refusal of an admin-only request, in the asker's language."""
    return Notice(
        _("Only workspace admins can do that."),
        NoticeLevel.WARNING,
        hint=_("Ask an admin, or have your user id added to SNOWOPS_ADMINS."),
    )


def in_zone(outcome: Outcome, zone: str) -> Outcome:
    """A ticket form's due date is entered in the asker's zone: its label says which."""
    if isinstance(outcome, ShowForm) and zone:
        return replace(outcome, form=replace(outcome.form, zone=zone_name(zone)))
    return outcome


class HandlerGroup(Protocol):
    """Handlers of one concern (tickets, connections…), with the requests they take."""

    def routes(self) -> Mapping[type[Any], Handler]:
        """Request type → the handler that answers it."""
        ...


def _quick_routes(group: HandlerGroup) -> Mapping[type[Any], QuickHandler]:
    quick = getattr(group, "quick_routes", None)
    return quick() if quick is not None else {}


class Router:
    """Routes every request to its handler, checking admin rights and mapping failures."""

    def __init__(
        self,
        groups: Iterable[HandlerGroup],
        *,
        fit_form: tuple[FitForm, FitFormNow] | None = None,
    ) -> None:
        self._table: dict[type[Any], Handler] = {}
        self._quick: dict[type[Any], QuickHandler] = {}
        #: Fits a ticket form to the workspace's instance (core.form_fit), and the same
        #: from what is known already, for quick answers.
        self.fit_form: FitForm | None = fit_form[0] if fit_form else None
        self.fit_form_now: FitFormNow | None = fit_form[1] if fit_form else None
        for group in groups:
            for kind, handler in group.routes().items():
                if kind in self._table:
                    raise ValueError(f"{kind.__name__} is routed twice")
                self._table[kind] = handler
            self._quick.update(_quick_routes(group))

    @property
    def routed(self) -> frozenset[type[Any]]:
        """Every request type this router answers."""
        return frozenset(self._table)

    @staticmethod
    def parse(text: str) -> c.Command | Reply:
        """The command ``text`` asks for, or the usage notice that says how to write it."""
        try:
            return parse(text)
        except UsageError as exc:
            return Reply(Notice(exc.message, NoticeLevel.WARNING, hint=exc.hint))

    async def handle_text(self, ctx: RequestContext, text: str) -> Outcome:
        """Parse the words after ``/snow`` and handle them."""
        request = self.parse(text)
        if isinstance(request, Reply):
            return request
        return await self.handle(ctx, request)

    async def handle(self, ctx: RequestContext, request: Request) -> Outcome:
        """Answer ``request``; never raises for a use case's failure."""
        if not ctx.may(request):
            return Reply(admins_only())
        handler = self._table.get(type(request))
        if handler is None:
            raise TypeError(f"no handler for {type(request).__name__}")
        where = ctx.channel.channel if ctx.channel else ""
        try:
            with handling(where, ctx.requester.display_name), acting(ctx.actor):
                outcome = in_zone(await handler(ctx, request), ctx.zone)
                if self.fit_form is not None:
                    outcome = await self.fit_form(ctx.workspace, outcome)
                return outcome
        except Exception as exc:
            return Reply(failure_notice(exc, f"{type(request).__name__} in {ctx.workspace}"))

    async def answer_now(self, ctx: RequestContext, request: Request) -> Outcome | None:
        """An answer from SnowOps's own state alone, fast enough to go in an
        acknowledgement (``ctx`` need not know who is an admin), or None when ``request``
        needs the full path: an admin check, the ticket system, or Graph."""
        if request.admin:
            return None
        quick = self._quick.get(type(request))
        if quick is None:
            return None
        try:
            answer = await quick(ctx, request)
            if answer is not None and self.fit_form_now is not None:
                answer = self.fit_form_now(ctx.workspace, answer)
            return None if answer is None else in_zone(answer, ctx.zone)
        except Exception as exc:
            return Reply(failure_notice(exc, f"{type(request).__name__} in {ctx.workspace}"))
