"""Ticket changes reach Teams through the notifier and the Teams ChatSink: the card updated
in place (``update_activity``), a reply under it, subscribed channels told once; a
conversation the bot was removed from becomes a permanent failure with a hint."""

from __future__ import annotations

import json

import pytest

from core import commands as c
from core.handlers.context import RequestContext
from core.models import CardLocation, ChannelRef, Requester
from core.outcomes import Reply
from core.ports import DeliveryError
from core.views import Notice, TicketCard
from tests.e2e.teams_harness import (
    ADMIN,
    WORKSPACE,
    TeamsHarness,
    create_inline,
    sync_and_deliver,
)
from tests.fakes import bot_activities as bf


async def test_a_state_change_updates_the_card_replies_and_tells_subscribers(
    teams: TeamsHarness,
) -> None:
    number, form = await create_inline(teams)
    await teams.say("subscribe incident", conv=bf.CHANNEL, mention=True, **ADMIN)
    teams.connector.sent.clear()
    assert await sync_and_deliver(teams) == 0

    teams.sim.instance.set_state(number, "2")
    assert await sync_and_deliver(teams) == 3
    [update] = teams.connector.updates()
    assert update.conversation == bf.PERSONAL
    assert update.activity_id == form.id  # the form card, now the ticket card, in place
    assert "In Progress" in json.dumps(update.cards)
    replies = [s for s in teams.connector.posts(bf.PERSONAL)]
    # A short message is a small card: its text is the card's only TextBlock.
    assert [r.texts for r in replies] == [
        [f"{number} Patch the VPN concentrator: New → In Progress"]
    ]
    [told] = teams.connector.posts(bf.CHANNEL)
    assert "New → In Progress" in told.texts[0]
    ticket = await teams.services.store.get_ticket(WORKSPACE, number)
    assert ticket is not None
    link = {"type": "Action.OpenUrl", "title": "Open", "url": ticket.url}
    assert link in told.cards[0]["actions"]  # subscribers get the link to the ticket
    # Every proactive call carried the bot's token.
    assert all(s.token in teams.entra.issued for s in teams.connector.sent)
    assert await sync_and_deliver(teams) == 0
    assert len(teams.connector.updates()) == 1


async def test_a_card_in_a_channel_gets_its_reply_in_its_thread(teams: TeamsHarness) -> None:
    await teams.say("snow help", conv=bf.CHANNEL, mention=True)  # first contact
    sink = teams.services.teams.sink if teams.services.teams else None
    assert sink is not None
    number, _ = await create_inline(teams)
    card = await ticket_card_of(teams, number)
    where = await sink.post_card(ChannelRef(WORKSPACE, bf.CHANNEL), card)
    await sink.post(where.channel, Notice("Resolved"), key="reply-1", thread=where.message_id)
    post, reply = teams.connector.sent[-2:]
    assert post.conversation == bf.CHANNEL
    assert reply.conversation == f"{bf.CHANNEL};messageid={where.message_id}"
    assert reply.texts == ["Resolved"]


def _ctx() -> RequestContext:
    return RequestContext(WORKSPACE, Requester("teams", bf.USER_AAD, "Abel Tuter"))


async def ticket_card_of(teams: TeamsHarness, number: str) -> TicketCard:
    """The ticket's card, as `snow ticket <number>` shows it."""
    shown = await teams.services.router.handle(_ctx(), c.ShowTicket(number))
    assert isinstance(shown, Reply)
    assert isinstance(shown.view, TicketCard)
    return shown.view


@pytest.mark.parametrize("status", [403, 404])
async def test_a_conversation_the_bot_was_removed_from_is_a_permanent_failure(
    teams: TeamsHarness, status: int
) -> None:
    number, form = await create_inline(teams)
    teams.connector.remove_bot(bf.PERSONAL, status)
    sink = teams.services.teams.sink if teams.services.teams else None
    assert sink is not None
    where = CardLocation(ChannelRef(WORKSPACE, bf.PERSONAL), form.id)
    card = await ticket_card_of(teams, number)
    with pytest.raises(DeliveryError) as info:
        await sink.update_card(where, card)
    assert info.value.permanent
    assert "removed" in info.value.hint


async def test_removal_is_parked_for_admins_with_the_hint(teams: TeamsHarness) -> None:
    number, _ = await create_inline(teams)
    teams.connector.remove_bot(bf.PERSONAL, 403)
    teams.sim.instance.set_state(number, "2")
    await sync_and_deliver(teams)
    parked = await teams.services.store.outbox_parked()
    assert parked
    assert all("removed" in (item.last_error or "") for item in parked)


async def test_a_conversation_never_seen_is_a_permanent_failure(teams: TeamsHarness) -> None:
    sink = teams.services.teams.sink if teams.services.teams else None
    assert sink is not None
    with pytest.raises(DeliveryError) as info:
        await sink.post(ChannelRef(WORKSPACE, "19:never@thread.tacv2"), Notice("hello"), key="k")
    assert info.value.permanent
    assert "Add SnowOps" in info.value.hint


async def test_the_reference_is_kept_durably_on_first_contact(teams: TeamsHarness) -> None:
    await teams.say("snow help", conv=bf.GROUP, mention=True)
    docs = await teams.services.store.list_documents("teams-conversations")
    doc = docs[f"{WORKSPACE}|{bf.GROUP}"]
    assert doc["serviceUrl"] == teams.service_url
    assert doc["conversation"]["id"] == bf.GROUP
