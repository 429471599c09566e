"""Cadence: the poll's wait doubles towards the ceiling while pushes arrive, and is back on the
interval the moment one is missed or fails verification (README: Ticket notifications)."""

from __future__ import annotations

import asyncio

from core.cadence import Cadence, default_ceiling


def test_without_pushes_the_interval_always() -> None:
    cadence = Cadence(5.0)
    assert [cadence.after_turn("w", 0) for _ in range(4)] == [5.0] * 4
    assert cadence.lease_seconds("w") == 15.0


def test_pushes_double_the_wait_up_to_the_ceiling_and_a_miss_resets_it() -> None:
    cadence = Cadence(5.0)
    cadence.pushed("w", "https://acme.service-now.com")
    assert [cadence.after_turn("w", 0) for _ in range(5)] == [10.0, 20.0, 40.0, 60.0, 60.0]
    assert cadence.lease_seconds("w") == 60.0 + 2 * 5.0  # the poller keeps its connection
    assert cadence.after_turn("w", 1) == 5.0  # the poll found what no push brought
    assert not cadence.pushing("w")
    assert cadence.after_turn("w", 0) == 5.0


def test_a_rejected_push_resets_every_connection_of_its_instance_only() -> None:
    cadence = Cadence(5.0)
    cadence.pushed("a", "https://acme.service-now.com")
    cadence.pushed("b", "https://acme.service-now.com")
    cadence.pushed("c", "https://other.service-now.com")
    cadence.rejected("https://acme.service-now.com")
    assert [cadence.pushing(w) for w in "abc"] == [False, False, True]


def test_the_ceiling_is_twelve_intervals_at_most_five_minutes() -> None:
    assert default_ceiling(5) == 60
    assert default_ceiling(60) == 300
    assert default_ceiling(600) == 600  # never below the interval


async def test_a_miss_wakes_a_waiting_poll_and_a_wake_during_a_turn_is_not_lost() -> None:
    cadence = Cadence(5.0)
    cadence.pushed("w", "https://acme.service-now.com")
    waiting = asyncio.create_task(cadence.sleep("w", 600))
    await asyncio.sleep(0.01)
    cadence.missed("w")
    await asyncio.wait_for(waiting, 1)
    cadence.pushed("w", "https://acme.service-now.com")
    cadence.rejected("https://acme.service-now.com")  # while the loop is polling
    await asyncio.wait_for(cadence.sleep("w", 600), 1)
