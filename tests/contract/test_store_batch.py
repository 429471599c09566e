"""Store contract: documents, tickets and deliveries read or written several at a time
(sync and the Notifier handle a page in one round trip each). Every backend, through the
``store`` fixture."""

from __future__ import annotations

from datetime import timedelta

from core.models import CardLocation, ChannelRef
from core.store.port import Store
from tests.contract.test_store import OTHER_WS, T0, WS, numbers, ticket


async def test_get_documents_returns_only_those_that_exist(store: Store) -> None:
    await store.put_document("ns", "a", {"v": 1})
    await store.put_document("ns", "b", {"v": 2}, secret=True)
    await store.put_document("other", "c", {"v": 3})
    found = await store.get_documents("ns", ["a", "b", "c", "missing", "a"])
    assert found == {"a": {"v": 1}, "b": {"v": 2}}
    assert await store.get_documents("ns", []) == {}


async def test_put_documents_creates_and_replaces(store: Store) -> None:
    await store.put_document("ns", "a", {"v": 0}, secret=True)
    # Read once first: a caching store must not answer with the copy from before the write.
    assert await store.get_document("ns", "a") == {"v": 0}
    await store.put_documents("ns", {"a": {"v": 1}, "b": {"v": [2, "x"]}})
    await store.put_documents("ns", {})
    assert await store.get_document("ns", "a") == {"v": 1}
    assert await store.get_documents("ns", ["a", "b"]) == {"a": {"v": 1}, "b": {"v": [2, "x"]}}
    assert await store.get_document("other", "a") is None
    assert list(await store.list_documents("ns")) == ["a", "b"]


async def test_many_documents_at_once(store: Store) -> None:
    docs = {f"WS|INC{n:07d}": {"n": n} for n in range(1_200)}
    await store.put_documents("sync_baseline", docs)
    keys = [*docs, "WS|NOPE"]
    assert await store.get_documents("sync_baseline", keys) == docs


async def test_get_tickets_returns_only_those_of_the_workspace(store: Store) -> None:
    one, two = ticket("INC0000001"), ticket("INC0000002", 5)
    await store.save_ticket(one)
    await store.save_ticket(two)
    await store.save_ticket(ticket("INC0000003", workspace=OTHER_WS))
    found = await store.get_tickets(WS, ["INC0000002", "INC0000001", "INC0000003", "NOPE"])
    assert found == {"INC0000001": one, "INC0000002": two}
    assert await store.get_tickets(WS, []) == {}


async def test_get_tickets_across_workspaces(store: Store) -> None:
    one, two = ticket("INC0000001"), ticket("INC0000002", 5)
    theirs = ticket("INC0000001", workspace=OTHER_WS, title="Theirs")
    await store.save_tickets([one, two, theirs])
    pairs = [(WS, "INC0000002"), (OTHER_WS, "INC0000001"), (WS, "INC0000001")]
    found = await store.get_tickets_across([*pairs, (OTHER_WS, "INC0000002"), pairs[0]])
    assert found == {pairs[0]: two, pairs[1]: theirs, pairs[2]: one}
    assert await store.get_tickets_across([]) == {}


async def test_many_tickets_across_at_once(store: Store) -> None:
    made = [ticket(f"INC{n:07d}", workspace=(WS, OTHER_WS)[n % 2]) for n in range(900)]
    await store.save_tickets(made)
    found = await store.get_tickets_across([(t.workspace, t.number) for t in made])
    assert found == {(t.workspace, t.number): t for t in made}


async def test_card_locations_across_workspaces(store: Store) -> None:
    a = CardLocation(ChannelRef(WS, "C1"), "m1")
    b = CardLocation(ChannelRef(WS, "C2", "1700.5"), "m2")
    c = CardLocation(ChannelRef(OTHER_WS, "19:x"), "m3")
    for number, where in (("INC1", b), ("INC1", a), ("INC2", a), ("INC1", b)):
        await store.add_card_location(WS, number, where)
    await store.add_card_location(OTHER_WS, "INC1", c)
    pairs = [(WS, "INC1"), (OTHER_WS, "INC1"), (WS, "INC2"), (WS, "INC3"), (WS, "INC1")]
    found = await store.card_locations_across(pairs)
    # Oldest first, as list_card_locations; a ticket without a card is left out.
    assert found == {(WS, "INC1"): [b, a], (OTHER_WS, "INC1"): [c], (WS, "INC2"): [a]}
    assert await store.card_locations_across([]) == {}


async def test_many_card_locations_across_at_once(store: Store) -> None:
    where = CardLocation(ChannelRef(WS, "C1"), "m1")
    pairs = [(WS, f"INC{n:07d}") for n in range(900)]
    for ws, number in pairs[::2]:
        await store.add_card_location(ws, number, where)
    found = await store.card_locations_across(pairs)
    assert found == {pair: [where] for pair in pairs[::2]}


async def test_save_tickets_stores_and_indexes_each(store: Store) -> None:
    old = ticket("INC0000001", 1)
    await store.save_ticket(old)
    newer = ticket("INC0000001", 1, state="Closed", active=False)
    other = ticket("INC0000002", 2)
    await store.save_tickets([newer, other])
    await store.save_tickets([])
    assert await store.get_ticket(WS, "INC0000001") == newer
    assert numbers(await store.list_tickets(WS)) == ["INC0000002", "INC0000001"]
    assert numbers(await store.list_tickets(WS, active_only=True)) == ["INC0000002"]
    assert await store.find_ticket_by_correlation(WS, "corr-INC0000002") == other


async def test_outbox_put_many_queues_each_id_once(store: Store) -> None:
    assert await store.outbox_put("d1", {"n": 1}) is True
    answers = await store.outbox_put_many([("d2", {"n": 2}), ("d1", {"n": 9}), ("d3", {"n": 3})])
    assert answers == [True, False, True]
    assert await store.outbox_put_many([("d3", {"n": 3}), ("d4", {"n": 4}), ("d4", {"n": 4})]) == [
        False,
        True,
        False,
    ]
    assert await store.outbox_put_many([]) == []
    claimed = await store.outbox_claim("c", 10, 60, T0 + timedelta(days=3650))
    assert [(i.delivery_id, i.payload) for i in claimed] == [
        ("d1", {"n": 1}),
        ("d2", {"n": 2}),
        ("d3", {"n": 3}),
        ("d4", {"n": 4}),
    ]


async def test_outbox_put_many_over_many_statements_keeps_order_and_answers(store: Store) -> None:
    """A batch longer than one statement holds (SQLite writes 400 rows per statement): each
    answer is its own id's, an id given again in a later part is not new, and deliveries
    are claimed in the order they were given."""
    await store.outbox_put("d0007", {"n": -1})
    ids = [f"d{n:04d}" for n in range(900)] + ["d0003", "d0450"]
    answers = await store.outbox_put_many([(i, {"n": n}) for n, i in enumerate(ids)])
    expected = [i != "d0007" for i in ids[:900]] + [False, False]
    assert answers == expected
    claimed = await store.outbox_claim("c", 1000, 60, T0 + timedelta(days=3650))
    order = [i.delivery_id for i in claimed]
    assert order == ["d0007"] + [i for i in ids[:900] if i != "d0007"]
    assert claimed[0].payload == {"n": -1}
    assert claimed[451].payload == {"n": 451}
