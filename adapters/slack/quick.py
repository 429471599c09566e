"""Quick answers to ``/snow``: written in the ack itself (from core's own state), reused
for a second, and, after the ack, answered again when the store may have been stale or the
ack could not know the asker's language (knowing it takes a ``users.info`` round trip,
which must not come before Slack's three seconds are up).
"""

from __future__ import annotations

import functools
import time
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.after import Work
from adapters.slack.blocks import message
from adapters.slack.context import Where, quick_context, team_of, user_of
from adapters.slack.permissions import SlackUsers
from adapters.slack.replies import SlackReplies
from core.actions import Request
from core.handlers.router import Router
from core.i18n import current_locale, negotiate, use_locale
from core.outcomes import Outcome, Reply
from core.views import TicketListView, View

__all__ = ["ANSWER_REUSE_SECONDS", "QuickAnswers", "render"]

#: How long the ack of a quick answer is reused for the same request in the same workspace.
ANSWER_REUSE_SECONDS = 1.0


def render(view: View) -> dict[str, Any]:
    """Block Kit for a view in the current language; views are immutable, so a repeated
    one is rendered once per language. Callers copy the result (``{**render(v), …}``)
    rather than change it."""
    return _rendered(view, current_locale())


@functools.lru_cache(maxsize=256)
def _rendered(view: View, locale: str) -> dict[str, Any]:
    # ``locale`` is only the cache key: message() reads the language being built now.
    return message(view)


class QuickAnswers:
    """Answers ``/snow`` can have in its ack, and what is left to do after one."""

    def __init__(self, router: Router, users: SlackUsers, replies: SlackReplies) -> None:
        self._router = router
        self._users = users
        self._replies = replies
        self._answers: dict[tuple[str, object, str], tuple[float, dict[str, Any]]] = {}

    async def now(
        self, body: dict[str, Any], where: Where, request: Request, locale: str | None
    ) -> Outcome | None:
        """Core's answer from its own state, written in ``locale``, if it has one."""
        ctx = quick_context(body, where.channel, locale or "")
        return await self._router.answer_now(ctx, request)

    def reused(self, body: dict[str, Any], request: Request, quick: Reply) -> dict[str, Any]:
        """The ack of a quick answer; the same one is reused for a second, which is all a
        busy channel asking the same thing needs (the store cache is as short). A list of
        tickets is never reused: a ticket just created must show."""
        if isinstance(quick.view, TicketListView):
            return render(quick.view)
        key = (str(body.get("team_id") or ""), request, current_locale())
        hit = self._answers.get(key)
        now = time.monotonic()
        if hit is not None and hit[0] > now:
            return hit[1]
        answer = render(quick.view)
        if len(self._answers) > 1000:
            self._answers.clear()
        self._answers[key] = (now + ANSWER_REUSE_SECONDS, answer)
        return answer

    def follow_up(
        self,
        body: dict[str, Any],
        client: AsyncWebClient,
        where: Where,
        asked: str | Request,
        shown: Reply,
        known: str | None,
    ) -> Work | None:
        """What is left after a quick answer: nothing, when it was in a language known to
        be the asker's and is not from a store that may be stale."""
        if known is not None and shown.refresh is None:
            return None
        return self._again(body, client, where, asked, shown, known)

    async def _again(
        self,
        body: dict[str, Any],
        client: AsyncWebClient,
        where: Where,
        asked: str | Request,
        shown: Reply,
        known: str | None,
    ) -> None:
        """A quick answer again, replacing the ack's: fresh from the store (if it may be
        stale) and in the asker's own language (if the ack could not know it)."""
        user = await self._users.get(client, team_of(body), user_of(body))
        relanguage = negotiate(user.locale) != negotiate(known)
        if not relanguage and shown.refresh is None:
            return
        with use_locale(user.locale):
            ctx = quick_context(body, where.channel, user.locale)
            fresh: Outcome | Request | None
            if isinstance(asked, str):
                fresh = self._router.parse(asked)  # a usage error, said again
            elif shown.refresh is not None:
                fresh = await self._router.handle(ctx, shown.refresh)
            else:
                fresh = await self._router.answer_now(ctx, asked)
            if isinstance(fresh, Reply) and (relanguage or fresh.view != shown.view):
                answer = {**render(fresh.view), "replace_original": True}
                await self._replies.respond(where, answer)
