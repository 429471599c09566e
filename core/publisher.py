"""CardPublisher: post a ticket card and remember where it went, on every platform.

The notifier updates a card in place from then on, so its location is recorded before
anyone is told. A channel that cannot be reached (the bot is not in it, it is archived)
gets the card in the asker's direct messages instead, with what to do about the channel; a
failure that may hide a post that landed is reported, never posted again elsewhere.

A card in a channel is read by everyone there: build it in :meth:`CardPublisher.language`,
the workspace's language (``with use_locale(await publisher.language(workspace))``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from core.i18n import DEFAULT_LOCALE, _, use_locale
from core.languages import WorkspaceLanguage
from core.models import CardLocation, ChannelRef, workspace_platform
from core.ports import ChatSink, DeliveryError
from core.storage import TicketStore
from core.views import Notice, NoticeLevel, TicketCard

__all__ = ["CardPublisher"]

log = logging.getLogger(__name__)


class CardPublisher:
    """Publishes ticket cards through the platform's ChatSink."""

    def __init__(
        self,
        sinks: Mapping[str, ChatSink],
        tickets: TicketStore,
        languages: WorkspaceLanguage | None = None,
    ) -> None:
        self._sinks = sinks
        self._tickets = tickets
        self._languages = languages

    async def language(self, workspace: str) -> str:
        """The language of the cards posted in ``workspace``'s channels."""
        if self._languages is None:
            return DEFAULT_LOCALE
        return await self._languages.language(workspace)

    def _sink(self, workspace: str) -> ChatSink:
        sink = self._sinks.get(workspace_platform(workspace))
        if sink is None:
            raise DeliveryError(f"no chat platform for {workspace}", permanent=True)
        return sink

    async def publish(
        self, workspace: str, card: TicketCard, channel: ChannelRef | None, user: str
    ) -> CardLocation:
        """Post ``card`` in ``channel`` (or to ``user`` directly, when there is no channel
        or it cannot be reached) and remember where it went. The card is rendered in the
        workspace's language; the notice of a fallback, in the asker's (the current one)."""
        sink = self._sink(workspace)
        where: CardLocation | None = None
        problem: DeliveryError | None = None
        language = await self.language(workspace)
        if channel is not None:
            try:
                with use_locale(language):
                    where = await sink.post_card(channel, card)
            except DeliveryError as exc:
                if not exc.permanent:
                    # It may have landed (a lost answer): posting it elsewhere would double it.
                    raise
                log.info("card of %s not posted in %s: %s", card.number, channel.channel, exc)
                problem = exc
        if where is None:
            dm = await sink.direct(workspace, user)
            with use_locale(language):
                where = await sink.post_card(dm, card)
            await self._tickets.add_card_location(workspace, card.number, where)
            if problem is not None:
                text = _(
                    "{number} could not be posted in the channel: {problem}.",
                    number=card.number,
                    problem=problem,
                )
                notice = Notice(text, NoticeLevel.WARNING, hint=problem.hint)
                await sink.post(dm, notice, key=f"fallback|{workspace}|{card.number}")
            return where
        await self._tickets.add_card_location(workspace, card.number, where)
        return where

    async def adopt(self, workspace: str, number: str, where: CardLocation) -> None:
        """A card the platform already shows (it replaced the form it was made from)."""
        await self._tickets.add_card_location(workspace, number, where)
