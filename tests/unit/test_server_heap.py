"""A served process freezes what start-up made out of the garbage collector's walks: a full
collection then walks only what the process made since (see ``bot.server.settle_heap``)."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import socket

import aiohttp
from aiohttp import web

from bot.server import run_sites


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_what_start_up_made_is_frozen_and_what_came_after_is_not() -> None:
    gc.unfreeze()
    made_at_start = [object()]  # a long-lived object of start-up (a module's, a service's)

    async def up(_: web.Request) -> web.Response:
        return web.Response(text="up")

    app = web.Application()
    app.router.add_get("/", up)
    port = _free_port()
    serving = asyncio.create_task(run_sites([(app, "127.0.0.1", port)]))
    try:
        async with aiohttp.ClientSession() as http:
            # Frozen in the same step that run_sites's start-up ends with (or it failed).
            for _ in range(1000):
                if gc.get_freeze_count() or serving.done():
                    break
                await asyncio.sleep(0.01)
            assert not serving.done(), f"run_sites stopped: {serving.exception()!r}"
            assert gc.get_freeze_count(), "serving, but nothing was frozen"
            async with http.get(f"http://127.0.0.1:{port}/") as answer:
                assert await answer.text() == "up"
        made_later = [object()]
        tracked = gc.get_objects()  # what a full collection walks
        assert not any(o is made_at_start for o in tracked)
        assert any(o is made_later for o in tracked)
        os.kill(os.getpid(), signal.SIGTERM)  # run_sites's handler: a clean stop
        await asyncio.wait_for(serving, 10)
    finally:
        serving.cancel()
        gc.unfreeze()  # the rest of the test run collects as usual
