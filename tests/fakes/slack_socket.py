"""A local Socket Mode endpoint: sends envelopes to the connected app, records its acks."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Self

from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

__all__ = ["FakeSocketMode"]


class FakeSocketMode:
    """What Slack's Socket Mode websocket does, minus the internet."""

    def __init__(self) -> None:
        self.acks: list[dict[str, Any]] = []
        self.connected = asyncio.Event()
        self._outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._server: TestServer | None = None
        self._sockets: list[web.WebSocketResponse] = []

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_get("/link", self._link)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
        for ws in self._sockets:
            await ws.close()
        if self._server is not None:
            await self._server.close()

    @property
    def url(self) -> str:
        """The ``wss_url`` to hand out (plain ws on loopback)."""
        assert self._server is not None
        return str(self._server.make_url("/link")).replace("http://", "ws://")

    def send(self, envelope: dict[str, Any]) -> None:
        """Queue an envelope (``envelope_id``, ``type``, ``payload``) for the app."""
        self._outbox.put_nowait(envelope)

    async def wait_for_ack(self, envelope_id: str, seconds: float = 5.0) -> dict[str, Any]:
        """The app's acknowledgement of an envelope."""
        async with asyncio.timeout(seconds):
            while True:
                for ack in self.acks:
                    if ack.get("envelope_id") == envelope_id:
                        return ack
                await asyncio.sleep(0.02)

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {}})
        self.connected.set()
        sender = asyncio.create_task(self._send_loop(ws))
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self.acks.append(json.loads(msg.data))
        finally:
            sender.cancel()
        return ws

    async def _send_loop(self, ws: web.WebSocketResponse) -> None:
        while True:
            envelope = await self._outbox.get()
            await ws.send_json(envelope)
