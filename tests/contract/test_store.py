"""The Store contract: every implementation behaves the same (README: Architecture)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from core.models import (
    CardLocation,
    ChannelRef,
    Connection,
    ConnectionStatus,
    RecommendationSource,
    Subscription,
    Ticket,
    TicketKind,
)
from core.secrets import SecretBox, SecretKeyError, generate_key
from core.store.port import Store

if TYPE_CHECKING:
    from tests.contract.conftest import Backend

WS = "slack:T1"
OTHER_WS = "teams:tenant-2"
T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def ticket(number: str, minutes: int = 0, **changes: object) -> Ticket:
    """A ticket created ``minutes`` after T0."""
    base = Ticket(
        workspace=WS,
        kind=TicketKind.INCIDENT,
        sys_id="sys-" + number,
        number=number,
        title="Fix " + number,
        state="New",
        priority=3,
        url="https://example.service-now.com/" + number,
        correlation_id="corr-" + number,
        created_at=T0 + timedelta(minutes=minutes),
    )
    fields = {f: getattr(base, f) for f in base.__slots__}
    fields.update(changes)
    return Ticket(**fields)  # type: ignore[arg-type]


def connection(workspace: str = WS, **changes: object) -> Connection:
    """A connection with every field set."""
    fields: dict[str, object] = {
        "workspace": workspace,
        "instance_url": "https://acme.service-now.com",
        "client_id": "client-123",
        "client_secret": "cs-0123456789-SUPERSECRET",
        "access_token": "at-ACCESSTOKEN-abcdef",
        "refresh_token": "rt-REFRESHTOKEN-uvwxyz",
        "expires_at": T0 + timedelta(hours=1),
        "connected_as": "admin@acme",
        "status": ConnectionStatus.NEEDS_REAUTH,
        "created_at": T0,
        "last_sync_at": T0 + timedelta(minutes=5),
        "last_error": "401 from instance",
    }
    fields.update(changes)
    return Connection(**fields)  # type: ignore[arg-type]


def numbers(tickets: list[Ticket]) -> list[str]:
    """Ticket numbers, in order."""
    return [t.number for t in tickets]


# -- life cycle ---------------------------------------------------------------------------
async def test_open_is_idempotent_and_ping_answers(store: Store) -> None:
    await store.open()
    await store.ping()


async def test_data_outlives_the_store(durable: Backend, box: SecretBox) -> None:
    first = await durable.open(box)
    await first.save_connection(connection())
    await first.put_document("install", "k", {"a": 1})
    await first.close()
    second = await durable.open(box)
    assert await second.get_connection(WS) == connection()
    assert await second.get_document("install", "k") == {"a": 1}


# -- documents ----------------------------------------------------------------------------
async def test_documents_plain_and_secret(store: Store) -> None:
    await store.put_document("install", "T1", {"bot_token": "x", "n": [1, 2]})
    await store.put_document("install", "T2", {"bot_token": "y"}, secret=True)
    assert await store.get_document("install", "T1") == {"bot_token": "x", "n": [1, 2]}
    assert await store.get_document("install", "T2") == {"bot_token": "y"}
    assert await store.get_document("install", "nope") is None
    assert await store.get_document("other", "T1") is None


async def test_document_replace_and_delete(store: Store) -> None:
    await store.put_document("ns", "k", {"v": 1}, secret=True)
    await store.put_document("ns", "k", {"v": 2})
    assert await store.get_document("ns", "k") == {"v": 2}
    assert await store.delete_document("ns", "k") is True
    assert await store.delete_document("ns", "k") is False
    assert await store.get_document("ns", "k") is None


async def test_list_documents_by_prefix(store: Store) -> None:
    for key in ("conv:b", "conv:a", "convo", "state:1", "x*y", "x%_", "X1"):
        await store.put_document("ns", key, {"k": key}, secret=key == "conv:a")
    await store.put_document("other", "conv:z", {"k": "z"})
    assert list(await store.list_documents("ns", "conv:")) == ["conv:a", "conv:b"]
    assert (await store.list_documents("ns", "conv:"))["conv:a"] == {"k": "conv:a"}
    assert list(await store.list_documents("ns", "x*")) == ["x*y"]
    assert list(await store.list_documents("ns", "x%")) == ["x%_"]
    assert list(await store.list_documents("ns", "x")) == ["x%_", "x*y"]
    assert len(await store.list_documents("ns")) == 7
    assert await store.list_documents("empty") == {}


# -- single-use values ----------------------------------------------------------------------
async def test_take_once_is_single_use(store: Store) -> None:
    await store.put_once("oauth", "s1", {"verifier": "v"}, ttl_seconds=60)
    assert await store.take_once("oauth", "s1") == {"verifier": "v"}
    assert await store.take_once("oauth", "s1") is None
    assert await store.take_once("oauth", "never") is None
    assert await store.take_once("other", "s1") is None


async def test_take_once_expires(store: Store) -> None:
    await store.put_once("oauth", "short", {"a": 1}, ttl_seconds=0.05)
    await store.put_once("oauth", "long", {"a": 2}, ttl_seconds=60)
    await asyncio.sleep(0.12)
    assert await store.take_once("oauth", "short") is None
    assert await store.take_once("oauth", "long") == {"a": 2}


# -- connections --------------------------------------------------------------------------
async def test_connection_round_trip_every_field(store: Store) -> None:
    conn = connection()
    await store.save_connection(conn)
    assert await store.get_connection(WS) == conn
    bare = connection(
        OTHER_WS,
        access_token="",
        refresh_token="",
        expires_at=None,
        created_at=None,
        last_sync_at=None,
        last_error=None,
        status=ConnectionStatus.ACTIVE,
    )
    await store.save_connection(bare)
    assert await store.get_connection(OTHER_WS) == bare
    assert sorted(c.workspace for c in await store.list_connections()) == [WS, OTHER_WS]
    assert {c.workspace: c for c in await store.list_connections()}[WS] == conn


async def test_connection_replace_and_delete(store: Store) -> None:
    await store.save_connection(connection())
    await store.save_connection(connection(access_token="at-new", status=ConnectionStatus.ACTIVE))
    got = await store.get_connection(WS)
    assert got is not None
    assert got.access_token == "at-new"
    assert got.status is ConnectionStatus.ACTIVE
    assert len(await store.list_connections()) == 1
    assert await store.delete_connection(WS) is True
    assert await store.delete_connection(WS) is False
    assert await store.get_connection(WS) is None
    assert await store.list_connections() == []


# -- tickets ------------------------------------------------------------------------------
async def test_ticket_round_trip_and_upsert(store: Store) -> None:
    full = ticket(
        "INC1",
        mod_count=4,
        due=T0 + timedelta(days=3),
        updated_at=T0 + timedelta(hours=1),
        recommendation_id="rec-9",
        category="Identity",
        source=RecommendationSource.MICROSOFT,
        requested_by="U123",
        origin=ChannelRef(WS, "C1", "1700.1"),
        priority=1,
    )
    await store.save_ticket(full)
    assert await store.get_ticket(WS, "INC1") == full
    await store.save_ticket(ticket("INC1", state="Resolved", active=False))
    got = await store.get_ticket(WS, "INC1")
    assert got is not None
    assert got.state == "Resolved"
    assert not got.active
    assert await store.get_ticket(WS, "INC404") is None
    assert await store.get_ticket(OTHER_WS, "INC1") is None
    assert numbers(await store.list_tickets(WS)) == ["INC1"]


async def test_list_tickets_newest_first_with_filters_and_paging(store: Store) -> None:
    await store.save_ticket(ticket("INC1", 1))
    await store.save_ticket(ticket("CHG2", 2, kind=TicketKind.CHANGE))
    await store.save_ticket(ticket("INC3", 3, active=False))
    await store.save_ticket(ticket("INC4", 4))
    await store.save_ticket(ticket("CHG5", 5, kind=TicketKind.CHANGE, active=False))
    await store.save_ticket(ticket("INC9", 0, created_at=None))
    await store.save_ticket(ticket("INC6", 6, workspace=OTHER_WS))
    assert numbers(await store.list_tickets(WS)) == ["CHG5", "INC4", "INC3", "CHG2", "INC1", "INC9"]
    assert numbers(await store.list_tickets(WS, TicketKind.INCIDENT)) == [
        "INC4",
        "INC3",
        "INC1",
        "INC9",
    ]
    assert numbers(await store.list_tickets(WS, TicketKind.CHANGE)) == ["CHG5", "CHG2"]
    assert numbers(await store.list_tickets(WS, active_only=True)) == [
        "INC4",
        "CHG2",
        "INC1",
        "INC9",
    ]
    assert numbers(await store.list_tickets(WS, TicketKind.CHANGE, active_only=True)) == ["CHG2"]
    assert numbers(await store.list_tickets(WS, limit=2)) == ["CHG5", "INC4"]
    assert numbers(await store.list_tickets(WS, limit=2, offset=2)) == ["INC3", "CHG2"]
    assert numbers(await store.list_tickets(WS, limit=2, offset=5)) == ["INC9"]
    assert await store.list_tickets(WS, offset=50) == []
    assert numbers(await store.list_tickets(OTHER_WS)) == ["INC6"]


async def test_list_tickets_with_an_offset_or_limit_past_64_bits_finds_nothing(
    store: Store,
) -> None:
    """A page number of 30 digits once reached SQLite as an offset it cannot hold."""
    await store.save_ticket(ticket("INC1", 1))
    assert await store.list_tickets(WS, offset=10**30) == []
    assert await store.list_tickets(WS, offset=-(10**30)) == await store.list_tickets(WS)
    assert numbers(await store.list_tickets(WS, limit=10**30)) == ["INC1"]


async def test_list_tickets_ties_order_by_number(store: Store) -> None:
    for n in ("INC2", "INC10", "INC3"):
        await store.save_ticket(ticket(n, 7))
    assert numbers(await store.list_tickets(WS)) == ["INC3", "INC2", "INC10"]


async def test_upsert_moves_ticket_between_filters(store: Store) -> None:
    await store.save_ticket(ticket("T1", 1))
    await store.save_ticket(ticket("T1", 1, kind=TicketKind.CHANGE, active=False))
    assert await store.list_tickets(WS, TicketKind.INCIDENT) == []
    assert await store.list_tickets(WS, active_only=True) == []
    assert numbers(await store.list_tickets(WS, TicketKind.CHANGE)) == ["T1"]
    await store.save_ticket(ticket("T1", 1, kind=TicketKind.CHANGE))
    assert numbers(await store.list_tickets(WS, TicketKind.CHANGE, active_only=True)) == ["T1"]


async def test_find_ticket_by_correlation(store: Store) -> None:
    await store.save_ticket(ticket("INC1", 1, correlation_id="rec-1"))
    await store.save_ticket(ticket("INC2", 2, correlation_id="rec-1"))
    await store.save_ticket(ticket("INC3", 3, correlation_id="rec-3"))
    await store.save_ticket(ticket("INC4", 4, correlation_id="rec-1", workspace=OTHER_WS))
    found = await store.find_ticket_by_correlation(WS, "rec-1")
    assert found is not None
    assert found.number == "INC2"
    await store.save_ticket(ticket("INC2", 2, correlation_id="rec-2"))
    found = await store.find_ticket_by_correlation(WS, "rec-1")
    assert found is not None
    assert found.number == "INC1"
    found = await store.find_ticket_by_correlation(WS, "rec-2")
    assert found is not None
    assert found.number == "INC2"
    assert await store.find_ticket_by_correlation(WS, "rec-404") is None


async def test_card_locations_dedupe_and_order(store: Store) -> None:
    a = CardLocation(ChannelRef(WS, "C1"), "m1")
    b = CardLocation(ChannelRef(WS, "C2", "1700.5"), "m2")
    c = CardLocation(ChannelRef(WS, "C1", "1700.6"), "m1")
    for where in (a, b, a, c, b):
        await store.add_card_location(WS, "INC1", where)
    await store.add_card_location(WS, "INC2", b)
    assert await store.list_card_locations(WS, "INC1") == [a, b, c]
    assert await store.list_card_locations(WS, "INC2") == [b]
    assert await store.list_card_locations(WS, "INC3") == []
    assert await store.list_card_locations(OTHER_WS, "INC1") == []


# -- subscriptions ------------------------------------------------------------------------
async def test_subscriptions(store: Store) -> None:
    s1 = Subscription(ChannelRef(WS, "C1"))
    s2 = Subscription(ChannelRef(WS, "C2"), ((TicketKind.CHANGE, 2),))
    s3 = Subscription(ChannelRef(OTHER_WS, "C1"), ((TicketKind.INCIDENT, 1),))
    for s in (s1, s2, s3):
        await store.save_subscription(s)
    assert sorted(await store.list_subscriptions(WS), key=lambda s: s.channel.channel) == [s1, s2]
    replaced = Subscription(ChannelRef(WS, "C1"), ((TicketKind.INCIDENT, 4),))
    await store.save_subscription(replaced)
    subs = {s.channel.channel: s for s in await store.list_subscriptions(WS)}
    assert subs == {"C1": replaced, "C2": s2}
    assert await store.delete_subscription(ChannelRef(WS, "C1")) is True
    assert await store.delete_subscription(ChannelRef(WS, "C1")) is False
    assert await store.list_subscriptions(WS) == [s2]
    assert await store.list_subscriptions(OTHER_WS) == [s3]
    assert await store.list_subscriptions("slack:none") == []


# -- idempotency --------------------------------------------------------------------------
async def test_idempotency_claim_pending_finish(store: Store) -> None:
    assert await store.begin_idempotent("req-1", 60) is None
    assert await store.begin_idempotent("req-1", 60) == ""
    await store.finish_idempotent("req-1", "INC0001", 60)
    assert await store.begin_idempotent("req-1", 60) == "INC0001"
    assert await store.begin_idempotent("req-2", 60) is None


async def test_idempotency_abort_lets_a_retry_run(store: Store) -> None:
    assert await store.begin_idempotent("req-1", 60) is None
    await store.abort_idempotent("req-1")
    assert await store.begin_idempotent("req-1", 60) is None
    await store.abort_idempotent("never-claimed")


async def test_idempotency_claims_and_results_expire(store: Store) -> None:
    assert await store.begin_idempotent("claim", 0.05) is None
    await store.begin_idempotent("done", 60)
    await store.finish_idempotent("done", "r", 0.05)
    await asyncio.sleep(0.12)
    assert await store.begin_idempotent("claim", 60) is None
    assert await store.begin_idempotent("done", 60) is None


async def test_idempotency_claims_and_results_many_at_once(store: Store) -> None:
    """Claimed together, each key is answered as it would be alone: None when claimed
    now, "" while its owner works, the result once finished; duplicates count once."""
    assert await store.begin_idempotent("pending", 60) is None
    await store.begin_idempotent("done", 60)
    await store.finish_idempotent("done", "r1", 60)
    keys = ["new-1", "pending", "done", "new-2", "new-1"]

    got = await store.begin_idempotent_many(keys, 60)

    assert got == {"new-1": None, "pending": "", "done": "r1", "new-2": None}
    assert await store.begin_idempotent("new-2", 60) == ""  # claimed by the batch
    await store.finish_idempotent_many({"new-1": "sent", "new-2": "nobody"}, 60)
    again = await store.begin_idempotent_many(["new-1", "new-2", "other"], 60)
    assert again == {"new-1": "sent", "new-2": "nobody", "other": None}
    assert await store.begin_idempotent_many([], 60) == {}
    await store.finish_idempotent_many({}, 60)


async def test_idempotency_many_at_once_beyond_one_statement(store: Store) -> None:
    keys = [f"k{i}" for i in range(1200)]
    await store.finish_idempotent("k7", "seven", 60)
    got = await store.begin_idempotent_many(keys, 60)
    assert len(got) == 1200
    assert got["k7"] == "seven"
    assert [k for k, v in got.items() if v is not None] == ["k7"]
    assert (await store.begin_idempotent_many(keys, 60))["k1199"] == ""


async def test_idempotency_many_at_once_expire(store: Store) -> None:
    assert await store.begin_idempotent_many(["claim", "done"], 0.05) == {
        "claim": None,
        "done": None,
    }
    await store.finish_idempotent_many({"done": "r"}, 0.05)
    await asyncio.sleep(0.12)
    assert await store.begin_idempotent_many(["claim", "done"], 60) == {
        "claim": None,
        "done": None,
    }


# -- outbox -------------------------------------------------------------------------------
async def test_outbox_put_dedupes_even_after_ack(store: Store) -> None:
    assert await store.outbox_put("d1", {"text": "hello", "n": 1}) is True
    assert await store.outbox_put("d1", {"text": "other"}) is False
    [item] = await store.outbox_claim("w1", 10, 30, T0)
    assert (item.delivery_id, item.payload, item.attempts) == ("d1", {"text": "hello", "n": 1}, 1)
    assert item.last_error is None
    assert not item.parked
    assert await store.outbox_ack("d1", "w1") is True
    assert await store.outbox_put("d1", {"text": "again"}) is False
    assert await store.outbox_claim("w1", 10, 30, T0 + timedelta(days=1)) == []


async def test_outbox_claim_limit_order_and_leases(store: Store) -> None:
    for i in range(5):
        await store.outbox_put(f"d{i}", {"i": i})
    first = await store.outbox_claim("w1", 2, 30, T0)
    assert [i.delivery_id for i in first] == ["d0", "d1"]
    second = await store.outbox_claim("w2", 10, 30, T0)
    assert [i.delivery_id for i in second] == ["d2", "d3", "d4"]
    assert await store.outbox_claim("w3", 10, 30, T0 + timedelta(seconds=29)) == []
    assert await store.outbox_claim("w3", 0, 30, T0 + timedelta(hours=1)) == []


async def test_outbox_expired_lease_goes_to_another_consumer(store: Store) -> None:
    await store.outbox_put("d1", {"x": 1})
    await store.outbox_put("d2", {"x": 2})
    [a] = await store.outbox_claim("dead", 1, 10, T0)
    assert a.delivery_id == "d1"
    [b] = await store.outbox_claim("live", 1, 30, T0 + timedelta(seconds=1))
    assert b.delivery_id == "d2"
    again = await store.outbox_claim("live", 5, 30, T0 + timedelta(seconds=11))
    assert [(i.delivery_id, i.attempts, i.payload) for i in again] == [("d1", 2, {"x": 1})]
    assert await store.outbox_ack("d1", "live") is True
    assert await store.outbox_ack("d2", "live") is True
    assert await store.outbox_claim("any", 5, 30, T0 + timedelta(hours=1)) == []


async def test_outbox_retry_is_not_handed_out_early(store: Store) -> None:
    await store.outbox_put("d1", {"x": 1})
    await store.outbox_claim("w1", 1, 30, T0)
    assert await store.outbox_retry("d1", "w1", "429 slow down", T0 + timedelta(seconds=60))
    assert await store.outbox_claim("w2", 5, 30, T0 + timedelta(seconds=59)) == []
    [item] = await store.outbox_claim("w2", 5, 30, T0 + timedelta(seconds=60))
    assert (item.delivery_id, item.attempts, item.last_error) == ("d1", 2, "429 slow down")
    assert await store.outbox_retry("d1", "w2", "boom", T0)
    [item] = await store.outbox_claim("w3", 5, 30, T0 + timedelta(seconds=61))
    assert (item.attempts, item.last_error) == (3, "boom")


async def test_outbox_settling_needs_a_lease(store: Store) -> None:
    await store.outbox_put("d1", {"x": 1})
    # Queued but never claimed: nobody holds it.
    assert await store.outbox_ack("d1", "w1") is False
    assert await store.outbox_park("d1", "w1", "e") is False
    await store.outbox_claim("w1", 1, 30, T0)
    assert await store.outbox_retry("d1", "w1", "e", T0 + timedelta(seconds=60)) is True
    # Waiting for its retry: the lease was given back, settling again is refused.
    assert await store.outbox_ack("d1", "w1") is False
    assert await store.outbox_retry("d1", "w1", "e", T0) is False
    assert await store.outbox_claim("w2", 5, 30, T0 + timedelta(seconds=59)) == []
    [item] = await store.outbox_claim("w2", 5, 30, T0 + timedelta(seconds=60))
    assert item.attempts == 2


async def test_outbox_lapsed_lease_can_still_settle_if_nobody_claimed(store: Store) -> None:
    await store.outbox_put("d1", {"x": 1})
    await store.outbox_claim("slow", 1, 10, T0)
    # The lease ran out (by the claimers' clock) but nobody took the item over.
    assert await store.outbox_ack("d1", "slow") is True
    assert await store.outbox_claim("w", 5, 10, T0 + timedelta(days=1)) == []


async def test_outbox_park(store: Store) -> None:
    await store.outbox_put("d1", {"x": 1})
    await store.outbox_put("d2", {"x": 2})
    await store.outbox_put("d3", {"x": 3})
    await store.outbox_claim("w1", 3, 30, T0)
    assert await store.outbox_park("d2", "w1", "channel_not_found") is True
    assert await store.outbox_park("d1", "w1", "403") is True
    assert await store.outbox_ack("d3", "w1") is True
    parked = await store.outbox_parked()
    assert [(p.delivery_id, p.payload, p.attempts, p.last_error, p.parked) for p in parked] == [
        ("d1", {"x": 1}, 1, "403", True),
        ("d2", {"x": 2}, 1, "channel_not_found", True),
    ]
    # Parked is final for consumers too.
    assert await store.outbox_ack("d1", "w1") is False
    assert await store.outbox_retry("d1", "w1", "again", T0) is False
    assert await store.outbox_park("d1", "w1", "again") is False
    assert [p.last_error for p in await store.outbox_parked()] == ["403", "channel_not_found"]
    assert await store.outbox_claim("w2", 5, 30, T0 + timedelta(days=1)) == []
    assert await store.outbox_put("d2", {}) is False


async def test_outbox_requeue_hands_a_parked_delivery_out_again(store: Store) -> None:
    await store.outbox_put("d1", {"x": 1})
    await store.outbox_put("d2", {"x": 2})
    await store.outbox_claim("w1", 2, 30, T0)
    assert await store.outbox_park("d1", "w1", "channel_not_found") is True
    assert await store.outbox_requeue("d2") is False  # leased, not parked
    assert await store.outbox_requeue("nope") is False
    assert await store.outbox_requeue("d1") is True
    assert await store.outbox_requeue("d1") is False  # once
    assert await store.outbox_parked() == []
    [item] = await store.outbox_claim("w2", 5, 30, T0)
    assert (item.delivery_id, item.payload, item.attempts, item.last_error) == (
        "d1",
        {"x": 1},
        1,
        None,
    )
    assert await store.outbox_ack("d1", "w2") is True
    assert await store.outbox_put("d1", {}) is False  # delivered: its id stays taken


async def test_outbox_ack_is_final(store: Store) -> None:
    await store.outbox_put("d1", {"x": 1})
    await store.outbox_claim("slow", 1, 10, T0)
    [item] = await store.outbox_claim("fast", 1, 10, T0 + timedelta(seconds=20))
    assert await store.outbox_ack(item.delivery_id, "fast") is True
    # The slow consumer wakes up after its lease ran out and reports a failure.
    assert await store.outbox_retry("d1", "slow", "timeout", T0) is False
    assert await store.outbox_park("d1", "slow", "timeout") is False
    assert await store.outbox_ack("d1", "slow") is False
    # Even the consumer that delivered it cannot settle it twice.
    assert await store.outbox_ack("d1", "fast") is False
    assert await store.outbox_retry("d1", "fast", "timeout", T0) is False
    assert await store.outbox_claim("w", 5, 10, T0 + timedelta(days=1)) == []
    assert await store.outbox_parked() == []


async def test_outbox_ack_many_settles_each_as_ack_would(store: Store) -> None:
    """A delivery round's acknowledgements in one call: the consumer's own leases are
    settled; another consumer's lease, an id settled already, an unknown id and an id
    given twice are refused, each in its place."""
    for n in range(1, 5):
        await store.outbox_put(f"d{n}", {"n": n})
    mine = await store.outbox_claim("w1", 3, 30, T0)
    assert [i.delivery_id for i in mine] == ["d1", "d2", "d3"]
    [theirs] = await store.outbox_claim("w2", 5, 30, T0)
    assert theirs.delivery_id == "d4"
    assert await store.outbox_ack("d3", "w1") is True
    assert await store.outbox_ack_many([], "w1") == []

    answers = await store.outbox_ack_many(["d1", "d4", "d3", "nope", "d2", "d1"], "w1")

    assert answers == [True, False, False, False, True, False]
    assert await store.outbox_put("d1", {}) is False  # delivered: its id stays taken
    # Nothing acknowledged comes back, even once every lease has run out; w2's item does.
    again = await store.outbox_claim("w3", 5, 30, T0 + timedelta(minutes=5))
    assert [(i.delivery_id, i.attempts) for i in again] == [("d4", 2)]


async def test_outbox_stale_consumer_cannot_settle(store: Store) -> None:
    await store.outbox_put("d1", {"x": 1})
    [a] = await store.outbox_claim("A", 1, 10, T0)
    [b] = await store.outbox_claim("B", 1, 30, T0 + timedelta(seconds=11))
    assert (a.delivery_id, b.delivery_id, b.attempts) == ("d1", "d1", 2)
    # A's lease ran out and B holds the item now: everything A says is ignored...
    assert await store.outbox_ack("d1", "A") is False
    assert await store.outbox_retry("d1", "A", "timeout", T0) is False
    assert await store.outbox_park("d1", "A", "timeout") is False
    # ...and changed nothing: B's lease stands, nothing is parked or due early.
    assert await store.outbox_parked() == []
    assert await store.outbox_claim("C", 5, 30, T0 + timedelta(seconds=40)) == []
    assert await store.outbox_ack("d1", "B") is True
    assert await store.outbox_ack("d1", "A") is False
    for later in (timedelta(seconds=42), timedelta(minutes=5), timedelta(days=2)):
        assert await store.outbox_claim("C", 5, 30, T0 + later) == []
    assert await store.outbox_parked() == []
    assert await store.outbox_put("d1", {"x": 1}) is False


async def test_outbox_stale_retry_does_not_hand_out_early(store: Store) -> None:
    await store.outbox_put("d1", {"x": 1})
    await store.outbox_claim("A", 1, 10, T0)
    await store.outbox_claim("B", 1, 30, T0 + timedelta(seconds=11))
    assert await store.outbox_retry("d1", "A", "timeout", T0) is False
    # B still holds it and fails; only B's retry schedule counts.
    assert await store.outbox_retry("d1", "B", "503", T0 + timedelta(seconds=100)) is True
    assert await store.outbox_claim("C", 5, 30, T0 + timedelta(seconds=99)) == []
    [item] = await store.outbox_claim("C", 5, 30, T0 + timedelta(seconds=100))
    assert (item.attempts, item.last_error) == (3, "503")


async def test_outbox_unknown_ids_are_ignored(store: Store) -> None:
    assert await store.outbox_ack("nope", "w") is False
    assert await store.outbox_retry("nope", "w", "e", T0) is False
    assert await store.outbox_park("nope", "w", "e") is False
    assert await store.outbox_parked() == []
    assert await store.outbox_claim("w", 5, 10, T0) == []
    assert await store.outbox_put("nope", {"x": 1}) is True


async def test_outbox_forget_done(store: Store) -> None:
    for i in range(3):
        await store.outbox_put(f"d{i}", {"i": i})
    await store.outbox_claim("w", 3, 30, T0)
    assert await store.outbox_ack("d0", "w") is True
    assert await store.outbox_park("d1", "w", "403") is True
    # d2 stays leased. The acked-at time is the wall clock, so cut off around it.
    past = datetime.now(UTC) - timedelta(hours=1)
    future = datetime.now(UTC) + timedelta(hours=1)
    assert await store.outbox_forget_done(past) == 0
    assert await store.outbox_put("d0", {"i": 0}) is False
    assert await store.outbox_forget_done(future) == 1
    assert await store.outbox_forget_done(future) == 0
    # Parked and leased deliveries are kept; the forgotten id can be queued afresh.
    assert [p.delivery_id for p in await store.outbox_parked()] == ["d1"]
    assert await store.outbox_put("d1", {}) is False
    assert await store.outbox_put("d2", {}) is False
    assert await store.outbox_put("d0", {"i": "again"}) is True
    # d2's lease (until T0 + 30 s) still stands, so only the new d0 is handed out.
    [item] = await store.outbox_claim("w2", 5, 30, T0 + timedelta(seconds=10))
    assert (item.delivery_id, item.payload, item.attempts, item.last_error) == (
        "d0",
        {"i": "again"},
        1,
        None,
    )
    assert await store.outbox_ack("d0", "w2") is True
    assert await store.outbox_ack("d2", "w") is True
    assert await store.outbox_forget_done(future) == 2


async def test_outbox_forget_done_in_batches(store: Store) -> None:
    n = 1203
    for i in range(n):
        await store.outbox_put(f"d{i}", {"i": i})
    items = await store.outbox_claim("w", n, 30, T0)
    assert len(items) == n
    for item in items:
        assert await store.outbox_ack(item.delivery_id, "w")
    assert await store.outbox_forget_done(datetime.now(UTC) + timedelta(hours=1)) == n
    assert await store.outbox_put("d0", {}) is True


# -- leases -------------------------------------------------------------------------------
async def test_lease_is_exclusive_and_renewable(store: Store) -> None:
    fence = await store.acquire_lease("poll:acme", "r1", 30)
    assert fence is not None
    assert await store.acquire_lease("poll:acme", "r2", 30) is None
    assert await store.acquire_lease("poll:acme", "r1", 30) == fence
    other = await store.acquire_lease("poll:other", "r2", 30)
    assert other is not None
    await store.release_lease("poll:acme", "r2")
    assert await store.acquire_lease("poll:acme", "r2", 30) is None
    await store.release_lease("poll:acme", "r1")
    taken = await store.acquire_lease("poll:acme", "r2", 30)
    assert taken is not None
    assert taken > fence


async def test_lease_expiry_gives_a_bigger_fence(store: Store) -> None:
    fence = await store.acquire_lease("poll:acme", "r1", 0.05)
    assert fence is not None
    await asyncio.sleep(0.12)
    taken = await store.acquire_lease("poll:acme", "r2", 30)
    assert taken is not None
    assert taken > fence
    assert await store.acquire_lease("poll:acme", "r1", 30) is None


# -- audit --------------------------------------------------------------------------------
async def test_audit_newest_first_per_workspace(store: Store) -> None:
    for i in range(5):
        await store.audit(WS, "U1", f"act{i}", {"i": i})
    await store.audit(OTHER_WS, "U2", "connect", {})
    entries = await store.list_audit(WS, limit=3)
    assert [e["action"] for e in entries] == ["act4", "act3", "act2"]
    assert entries[0]["actor"] == "U1"
    assert entries[0]["detail"] == {"i": 4}
    assert datetime.fromisoformat(entries[0]["at"]).tzinfo is not None
    assert len(await store.list_audit(WS)) == 5
    assert [e["action"] for e in await store.list_audit(OTHER_WS)] == ["connect"]
    assert await store.list_audit("slack:none") == []


# -- concurrency (two stores on the same data, as two replicas would be) ---------------------
async def test_concurrent_take_once_has_one_winner(backend: Backend, box: SecretBox) -> None:
    a, b = await backend.open(box), await backend.open(box)
    await a.put_once("oauth", "s", {"v": 1}, 60)
    got = await asyncio.gather(*(s.take_once("oauth", "s") for s in [a, b] * 10))
    assert [g for g in got if g is not None] == [{"v": 1}]


async def test_concurrent_begin_idempotent_has_one_owner(backend: Backend, box: SecretBox) -> None:
    a, b = await backend.open(box), await backend.open(box)
    got = await asyncio.gather(*(s.begin_idempotent("k", 60) for s in [a, b] * 10))
    assert got.count(None) == 1
    assert got.count("") == 19


async def test_concurrent_claims_of_many_have_one_owner_each(
    backend: Backend, box: SecretBox
) -> None:
    a, b = await backend.open(box), await backend.open(box)
    keys = ["k1", "k2", "k3"]
    got = await asyncio.gather(*(s.begin_idempotent_many(keys, 60) for s in [a, b] * 5))
    for key in keys:
        answers = [g[key] for g in got]
        assert answers.count(None) == 1
        assert answers.count("") == 9


async def test_concurrent_lease_has_one_holder(backend: Backend, box: SecretBox) -> None:
    a, b = await backend.open(box), await backend.open(box)
    stores = [a, b] * 10
    got = await asyncio.gather(
        *(s.acquire_lease("poll", f"r{i}", 30) for i, s in enumerate(stores))
    )
    assert len([g for g in got if g is not None]) == 1


async def test_concurrent_consumers_never_share_an_item(backend: Backend, box: SecretBox) -> None:
    a, b = await backend.open(box), await backend.open(box)
    for i in range(30):
        await a.outbox_put(f"d{i}", {"i": i})

    async def drain(store: Store, consumer: str) -> list[str]:
        mine: list[str] = []
        while batch := await store.outbox_claim(consumer, 3, 60, T0):
            mine += [i.delivery_id for i in batch]
            await asyncio.sleep(0)
        return mine

    first, second = await asyncio.gather(drain(a, "w1"), drain(b, "w2"))
    assert not set(first) & set(second)
    assert sorted(first + second) == sorted(f"d{i}" for i in range(30))


# -- secrets at rest ----------------------------------------------------------------------
SECRETS = (
    "cs-0123456789-SUPERSECRET",
    "at-ACCESSTOKEN-abcdef",
    "rt-REFRESHTOKEN-uvwxyz",
    "doc-BOTTOKEN-xoxb-999",
    "once-VERIFIER-qwerty",
)


async def write_secrets(store: Store) -> None:
    """Every kind of secret the port stores."""
    await store.save_connection(connection())
    await store.put_document("install", "T1", {"bot_token": SECRETS[3]}, secret=True)
    await store.put_once("oauth", "st", {"code_verifier": SECRETS[4]}, 600)
    await store.put_once("oauth", "st2", {"code_verifier": SECRETS[4]}, 600)


async def test_no_plaintext_at_rest(durable: Backend, box: SecretBox) -> None:
    store = await durable.open(box)
    await write_secrets(store)
    await store.save_ticket(ticket("INC1"))
    dumps = [await durable.raw_dump()]
    await store.close()
    if durable.name == "sqlite":  # closing checkpoints the WAL into the main file
        dumps.append(await durable.raw_dump())
    for raw in dumps:
        assert b"acme.service-now.com" in raw  # the dump does see the stored data
        for secret in SECRETS:
            assert secret.encode() not in raw, secret


async def test_wrong_key_cannot_read_and_rotation_reads_old(
    durable: Backend, box: SecretBox, secret_key: str
) -> None:
    await write_secrets(await durable.open(box))
    await durable.open(box)
    stranger = await durable.open(SecretBox(generate_key()))
    with pytest.raises(SecretKeyError):
        await stranger.get_connection(WS)
    with pytest.raises(SecretKeyError):
        await stranger.list_connections()
    with pytest.raises(SecretKeyError):
        await stranger.get_document("install", "T1")
    with pytest.raises(SecretKeyError):
        await stranger.take_once("oauth", "st")
    rotated = await durable.open(SecretBox([generate_key(), secret_key]))
    assert await rotated.get_connection(WS) == connection()
    assert await rotated.get_document("install", "T1") == {"bot_token": SECRETS[3]}
    assert await rotated.take_once("oauth", "st2") == {"code_verifier": SECRETS[4]}


async def test_subscriptions_across_workspaces(store: Store) -> None:
    s1 = Subscription(ChannelRef(WS, "C1"))
    s2 = Subscription(ChannelRef(WS, "C2"), ((TicketKind.CHANGE, 2),))
    s3 = Subscription(ChannelRef(OTHER_WS, "C1"), ((TicketKind.INCIDENT, 1),))
    for s in (s2, s3, s1):
        await store.save_subscription(s)
    found = await store.subscriptions_across([OTHER_WS, WS, "slack:none", WS])
    # Each workspace's by channel, as list_subscriptions; one without any is left out.
    assert {ws: sorted(subs, key=lambda s: s.channel.channel) for ws, subs in found.items()} == {
        WS: [s1, s2],
        OTHER_WS: [s3],
    }
    assert await store.subscriptions_across([]) == {}
