"""Two languages: what SnowOps posts in a channel is in the workspace's language, what it
builds for a person in theirs, both in one process; plural forms follow the number."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from core.audit import describe
from core.clock import FakeClock
from core.deliveries import DeliveryQueue
from core.digest_text import digest_text
from core.i18n import use_locale
from core.languages import WorkspaceLanguage
from core.lookup import not_found
from core.models import (
    CardLocation,
    ChannelRef,
    Priority,
    Requester,
    Subscription,
    Ticket,
    TicketEvent,
    TicketKind,
    TicketRequest,
)
from core.notify import Notifier, change_text
from core.ports import ChatSink
from core.publisher import CardPublisher
from core.recommendation_views import recommendation_list
from core.recommendations import RecommendationPage
from core.repos.labels import StateNames
from core.secrets import SecretBox, generate_key
from core.servicenow.mapping import correlation_id
from core.store.memory import MemoryStore
from core.views import TicketListView, ticket_card
from tests.fakes.ticket_gateway import InMemoryTicketGateway
from tests.unit.test_notifier import RecordingSink

SV_WS = "slack:TSWEDEN"
EN_WS = "slack:TENGLAND"


async def _ticket(fake: InMemoryTicketGateway, store: MemoryStore, ws: str) -> Ticket:
    request = TicketRequest(
        workspace=ws,
        kind=TicketKind.INCIDENT,
        name="Require MFA for admins",
        description="",
        priority=Priority.MODERATE,
        requester=Requester("slack", "U_ABEL", "Abel Tuter"),
    )
    ticket = await fake.create(request, correlation_id(ws, "req:1"), None)
    await store.save_ticket(ticket)
    await store.add_card_location(ws, ticket.number, CardLocation(ChannelRef(ws, "C_SEC"), "M1"))
    await store.save_subscription(Subscription(ChannelRef(ws, "C_ALL")))
    return ticket


def _comment(ticket: Ticket, ws: str) -> TicketEvent:
    return TicketEvent(
        event_id=f"{ws}|{ticket.number}|comment|c1",
        workspace=ws,
        number=ticket.number,
        kind=ticket.kind,
        change="comment",
        old=None,
        new="Done",
        at=datetime(2026, 12, 3, 10, 0, tzinfo=UTC),
        author="beth.anglin",
    )


@pytest.fixture
async def store() -> MemoryStore:
    memory = MemoryStore(SecretBox(generate_key()))
    await memory.open()
    return memory


async def test_a_swedish_workspace_is_notified_in_swedish_an_english_one_in_english(
    store: MemoryStore,
) -> None:
    clock = FakeClock()
    fake = InMemoryTicketGateway(clock)
    languages = WorkspaceLanguage(store)
    await languages.set_language(SV_WS, "sv")
    sink = RecordingSink()
    sinks: dict[str, ChatSink] = {"slack": sink}
    notifier = Notifier(
        DeliveryQueue(store), store, store, StateNames(store), sinks, clock, languages=languages
    )
    for ws in (SV_WS, EN_WS):
        ticket = await _ticket(fake, store, ws)
        await notifier.enqueue(_comment(ticket, ws))

    # The worker runs in the asker's language of no one: each workspace's decides.
    with use_locale("en"):
        assert await notifier.deliver("worker") == 6

    said = {(p.channel.workspace, p.channel.channel): p.notice.text for p in sink.posts}
    assert said[(SV_WS, "C_ALL")].endswith(": ny kommentar från beth.anglin: Done")
    assert said[(SV_WS, "C_SEC")].endswith(": ny kommentar från beth.anglin: Done")
    assert said[(EN_WS, "C_ALL")].endswith(": new comment from beth.anglin: Done")
    cards = {where.channel.workspace: card for where, card in sink.updates}
    assert cards[SV_WS].buttons[0].label == "Öppna i ServiceNow"
    assert cards[EN_WS].buttons[0].label == "Open in ServiceNow"
    assert cards[SV_WS].source == "Användare"


async def test_a_channel_card_is_posted_in_the_workspace_language(store: MemoryStore) -> None:
    clock = FakeClock()
    languages = WorkspaceLanguage(store)
    await languages.set_language(SV_WS, "sv")
    seen: list[str] = []

    class Sink(RecordingSink):
        async def post_card(self, channel: ChannelRef, card: object) -> CardLocation:
            from core.i18n import current_locale

            seen.append(current_locale())
            return CardLocation(channel, "M9")

    publisher = CardPublisher({"slack": Sink()}, store, languages)
    ticket = await _ticket(InMemoryTicketGateway(clock), store, SV_WS)
    with use_locale("en"):  # the asker's
        assert await publisher.language(SV_WS) == "sv"
        with use_locale(await publisher.language(SV_WS)):
            card = ticket_card(ticket)
        await publisher.publish(SV_WS, card, ChannelRef(SV_WS, "C1"), "U1")
    assert seen == ["sv"]
    assert "Lägg till kommentar" in [b.label for b in card.buttons]
    assert await CardPublisher({}, store).language(SV_WS) == "en"


def test_views_built_in_swedish_are_swedish_and_in_english_english() -> None:
    when = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    event = TicketEvent("e", EN_WS, "INC0010001", TicketKind.INCIDENT, "priority", "3", "1", when)
    with use_locale("sv"):
        assert change_text(event, {}, "VPN") == "INC0010001 VPN: prioritet 3 → 1"
        assert TicketListView("Ärenden", ()).empty_text == "Inga ärenden än."
        error = not_found("INC0000001", TicketKind.INCIDENT, any_ticket=False)
        assert error.message.startswith("SnowOps har ingen incident INC0000001")
        entry = {"at": when.isoformat(), "actor": "slack:U1", "action": "ticket.create"}
        assert describe({**entry, "detail": {"number": "INC1"}}).line().endswith("utanför chatten")
        retry = {**entry, "action": "notifications.retry"}
        one = describe({**retry, "detail": {"count": 1}}).what
        assert one == "försökte igen med 1 olevererad avisering"
        assert describe({**retry, "detail": {"count": 3}}).what.endswith(
            "3 olevererade aviseringar"
        )
    with use_locale("en"):
        assert change_text(event, {}, "VPN") == "INC0010001 VPN: priority 3 → 1"
        assert TicketListView("Tickets", ()).empty_text == "No tickets yet."


@pytest.mark.parametrize(
    ("hidden", "swedish", "english"),
    [
        (1, "1 helt uppnådd rekommendation är dold", "1 recommendation achieved in full is"),
        (2, "2 helt uppnådda rekommendationer är dolda", "2 recommendations achieved in full are"),
    ],
)
def test_plural_forms_follow_the_number(hidden: int, swedish: str, english: str) -> None:
    page = RecommendationPage([], 0, 0, 8, hidden_done=hidden)
    with use_locale("sv"):
        assert recommendation_list(page, ()).note.startswith(swedish)
    with use_locale("en"):
        assert recommendation_list(page, ()).note.startswith(english)


async def test_a_digest_counts_its_changes_in_swedish(store: MemoryStore) -> None:
    clock = FakeClock()
    ticket = await _ticket(InMemoryTicketGateway(clock), store, SV_WS)
    start = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    end = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    zone = ZoneInfo("Europe/Stockholm")
    one = [_comment(ticket, SV_WS)]
    two = [*one, TicketEvent("e2", SV_WS, ticket.number, ticket.kind, "priority", "3", "2", end)]
    names = StateNames(store)
    with use_locale("sv"):
        text = await digest_text(one, start, end, zone, store, names)
        assert text.startswith("Sammanfattning, mån 30 nov. 09:00 – tis 01 dec. 09:00")
        assert text.split("\n")[0].endswith(": 1 ändring")
        assert "Övriga ändringar (1):" in text
        assert (
            (await digest_text(two, start, end, zone, store, names))
            .split("\n")[0]
            .endswith(": 2 ändringar")
        )
    with use_locale("en"):
        text = await digest_text(two, start, end, zone, store, names)
        assert text.startswith("Digest, Mon 30 Nov 09:00 – Tue 01 Dec 09:00")
        assert text.split("\n")[0].endswith(": 2 changes")
