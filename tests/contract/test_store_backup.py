"""Export, import and key rotation hold for every backend (``snowops export`` / ``import`` /
``rotate-key`` are thin wrappers around :mod:`core.store.backup`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from core.models import CardLocation, ChannelRef, Subscription, TicketKind
from core.secrets import SecretBox, SecretKeyError, generate_key
from core.store.backup import BackupError, export_records, import_records, rotate_key
from core.store.memory import MemoryStore
from core.store.port import Store
from tests.contract.test_store import OTHER_WS, WS, connection, ticket

if TYPE_CHECKING:
    from tests.contract.conftest import Backend

NOW = datetime.now(UTC)


async def fill(store: Store) -> None:
    """One of everything a deployment keeps for good."""
    await store.save_connection(connection())
    await store.save_connection(connection(OTHER_WS, client_secret="other-SECRET"))
    await store.put_document("state_labels", "slack:T1|incident", {"1": "Triage"})
    await store.put_document("slack_install", "T1", {"bot_token": "xoxb-SECRET"}, secret=True)
    await store.save_ticket(ticket("INC0010001"))
    await store.save_ticket(ticket("CHG0030001", 1, kind=TicketKind.CHANGE))
    await store.add_card_location(WS, "INC0010001", CardLocation(ChannelRef(WS, "C1"), "1.1"))
    await store.add_card_location(
        WS, "INC0010001", CardLocation(ChannelRef(WS, "C2", "2.0"), "2.1")
    )
    await store.save_subscription(Subscription(ChannelRef(WS, "C9")))
    await store.outbox_put("d-queued", {"do": "post", "n": 1})
    await store.outbox_put("d-parked", {"do": "post", "n": 2})
    await store.outbox_put("d-done", {"do": "post", "n": 3})
    assert len(await store.outbox_claim("r1", 3, 60, NOW)) == 3
    assert await store.outbox_retry("d-queued", "r1", "slack 503", NOW - timedelta(seconds=1))
    assert await store.outbox_park("d-parked", "r1", "channel_not_found")
    assert await store.outbox_ack("d-done", "r1")
    await store.audit(WS, "slack:U1", "ticket.create", {"number": "INC0010001"})
    await store.audit(OTHER_WS, "teams:U2", "subscription.save", {"channel": "19:x"})


async def same_content(source: Store, target: Store) -> None:
    """Everything ``fill`` wrote is in ``target`` as in ``source``."""
    assert sorted(await target.list_connections(), key=lambda c: c.workspace) == sorted(
        await source.list_connections(), key=lambda c: c.workspace
    )
    assert await target.get_document("slack_install", "T1") == {"bot_token": "xoxb-SECRET"}
    assert await target.get_document("state_labels", "slack:T1|incident") == {"1": "Triage"}
    assert await target.list_tickets(WS) == await source.list_tickets(WS)
    assert [t.number for t in await target.list_tickets(WS)] == ["CHG0030001", "INC0010001"]
    assert await target.list_card_locations(WS, "INC0010001") == await source.list_card_locations(
        WS, "INC0010001"
    )
    assert await target.list_subscriptions(WS) == [Subscription(ChannelRef(WS, "C9"))]
    parked = await target.outbox_parked()
    assert [(p.delivery_id, p.last_error) for p in parked] == [("d-parked", "channel_not_found")]
    # The queued delivery is handed out again, with its history; the delivered one is not.
    claimed = await target.outbox_claim("r2", 10, 60, NOW + timedelta(seconds=5))
    assert [(c.delivery_id, c.attempts, c.last_error) for c in claimed] == [
        ("d-queued", 2, "slack 503")
    ]
    assert [(e["actor"], e["action"]) for e in await target.audit_since(None)] == [
        ("slack:U1", "ticket.create"),
        ("teams:U2", "subscription.save"),
    ]


async def round_trip(source: Store, target: Store, box: SecretBox) -> list[str]:
    lines = [json.dumps(r) async for r in export_records(source, box)]
    report = await import_records(target, box, lines)
    assert report.counts["ticket"] == 2
    return lines


async def test_export_from_each_backend_imports_elsewhere(store: Store, box: SecretBox) -> None:
    await fill(store)
    target = MemoryStore(box)
    lines = await round_trip(store, target, box)
    await same_content(store, target)
    # Secrets travel encrypted: no token or client secret in the file.
    text = "\n".join(lines)
    for secret in ("xoxb-SECRET", "cs-0123456789-SUPERSECRET", "at-ACCESSTOKEN", "other-SECRET"):
        assert secret not in text


async def test_import_into_each_backend(store: Store, box: SecretBox) -> None:
    source = MemoryStore(box)
    await fill(source)
    await round_trip(source, store, box)
    await same_content(source, store)


async def test_import_needs_the_same_key(box: SecretBox) -> None:
    source = MemoryStore(box)
    await fill(source)
    lines = [json.dumps(r) async for r in export_records(source, box)]
    other = SecretBox(generate_key())
    with pytest.raises(BackupError, match="import with the SNOWOPS_SECRET_KEY"):
        await import_records(MemoryStore(other), other, lines)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['{"hello": 1}'], "line 1: not a SnowOps export"),
        (["[]"], "line 1: not a SnowOps export"),
        (['{"format": "snowops-export/1"}', "{nope"], "line 2: unreadable record"),
        (['{"format": "snowops-export/1"}', '{"type": "x"}'], "line 2: unknown record type"),
        (['{"format": "snowops-export/1"}', '{"type": "ticket"}'], "line 2: unreadable record"),
    ],
)
async def test_a_file_that_is_not_an_export_is_refused(
    lines: list[str], message: str, box: SecretBox
) -> None:
    with pytest.raises(BackupError, match=message):
        await import_records(MemoryStore(box), box, lines)


async def test_rotate_key_leaves_everything_readable_under_the_new_key_only(
    durable: Backend, secret_key: str
) -> None:
    old = SecretBox(secret_key)
    first = await durable.open(old)
    await fill(first)
    new_key = generate_key()
    both = await durable.open(SecretBox(f"{new_key},{secret_key}"))
    assert await rotate_key(both) == 3  # two connections and one secret document
    only_new = await durable.open(SecretBox(new_key))
    assert await only_new.get_connection(WS) == connection()
    assert await only_new.get_document("slack_install", "T1") == {"bot_token": "xoxb-SECRET"}
    # …and the old key alone no longer reads them.
    with pytest.raises(SecretKeyError):
        await (await durable.open(old)).get_connection(WS)
