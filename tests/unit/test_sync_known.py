"""A poll leaves the versions it handled already unread: the watermark overlap brings them
back every cycle, and only their change time matters."""

from __future__ import annotations

from core.models import TicketKind
from tests.unit.test_status_sync import WS, Env, changes_of, env

__all__ = ["env"]


async def test_the_overlap_brings_back_handled_versions_that_are_left_unread(env: Env) -> None:
    sync = env.sync(page=2)
    made = []
    for key in "abcde":
        made.append(await env.create(key))
        env.clock.advance(1)
    await sync.cycle(WS)  # every ticket read once, nothing to tell
    assert env.fake.left_out == 0
    stored = await env.watermarks.get(WS, TicketKind.INCIDENT)
    env.clock.advance(10)
    env.fake.set_state(made[-1].number, "2")

    moved = await sync.cycle(WS)

    # Pages of two: the four handled versions come back in the overlap, left out, and the
    # page after them still arrives (the offset counts what was left out).
    assert changes_of(moved) == [(made[-1].number, "state", "1", "2")]
    assert env.fake.left_out == 4
    assert moved.records == 5
    # The process's own mark moved (the quiet cycle below reads from it); the stored one
    # waits until it would lag MARK_LAG.
    assert await env.watermarks.get(WS, TicketKind.INCIDENT) == stored

    env.clock.advance(5)
    quiet = await sync.cycle(WS)
    assert (changes_of(quiet), quiet.records, env.fake.left_out) == ([], 5, 9)
