"""Direct messages for a sync batch's events (core.personal): the people of every ticket
read at once, each message in its own workspace's language, none for tickets nobody in
chat asked for or took."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.schedule import personal_notices
from core.deliveries import DeliveryQueue
from core.models import ChannelRef, Ticket, TicketEvent, TicketKind
from core.repos.people import NotifyPrefs, TicketPeople
from core.secrets import SecretBox, generate_key
from core.store.memory import MemoryStore

EN, SV = "slack:T_EN", "slack:T_SV"
AT = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


class CountingStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__(SecretBox(generate_key()))
        self.reads: Counter[str] = Counter()

    async def get_documents(self, namespace: str, keys: Sequence[str]) -> dict[str, dict]:  # type: ignore[type-arg]
        self.reads[namespace] += 1
        return await super().get_documents(namespace, keys)


def ticket(ws: str, number: str) -> Ticket:
    return Ticket(ws, TicketKind.INCIDENT, "s" + number, number, "VPN down", "2", 3, "u", "c")


def commented(ws: str, number: str) -> TicketEvent:
    return TicketEvent(
        f"{ws}|{number}|comment|j1", ws, number, TicketKind.INCIDENT, "comment", None,
        "Restarted the gateway", AT, author="beth.anglin",
    )  # fmt: skip


async def test_one_read_for_the_batch_and_each_message_in_its_workspace_language() -> None:
    store = CountingStore()
    await store.open()
    people, prefs = TicketPeople(store), NotifyPrefs(store)
    for ws, number, user in ((EN, "INC1", "U1"), (SV, "INC2", "U2")):
        await people.requested(ws, number, f"slack:{user}")
        await prefs.set(ws, user, ChannelRef(ws, "D" + user))
    told = [
        (commented(EN, "INC1"), ticket(EN, "INC1")),
        (commented(SV, "INC2"), ticket(SV, "INC2")),
        (commented(EN, "INC3"), ticket(EN, "INC3")),  # nobody in chat: no message
    ]
    languages = {EN: "en", SV: "sv"}
    asked: list[str] = []

    async def language(ws: str) -> str:
        asked.append(ws)
        return languages[ws]

    store.reads.clear()
    queued = await personal_notices(store).tell_all(told, language)

    assert queued == 2
    assert store.reads["ticket_people"] == 1
    assert sorted(asked) == [EN, SV]  # only where someone is told
    claimed = await DeliveryQueue(store).claim("t", 10, 60, AT)
    texts = {c.delivery.workspace: c.delivery.text for c in claimed}  # type: ignore[union-attr]
    assert texts[EN] == "INC1 VPN down: new comment from beth.anglin: Restarted the gateway"
    assert texts[SV] == "INC2 VPN down: ny kommentar från beth.anglin: Restarted the gateway"
