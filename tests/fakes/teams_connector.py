"""A local fake of the Bot Framework connector (Teams' ``serviceUrl``) that records every
reply, update and proactive post, on a real loopback socket.

Paths follow the Bot Framework REST API (``/v3/conversations/{id}/activities[/{id}]``,
``PUT`` to update, ``GET …/members/{user}``). With ``tokens`` set (the fake sign-in's issued
tokens), a call without one of them gets 401, as the real connector answers. A test makes a
conversation refuse the bot with :meth:`FakeConnector.remove_bot`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass(frozen=True)
class Sent:
    """One call the bot made to the connector."""

    method: str  # POST or PUT
    conversation: str
    activity_id: str | None  # the path's activity id (replyTo for POST, target for PUT)
    activity: dict[str, Any]
    token: str | None
    id: str = ""  # the id the connector gave a new activity (or the updated one's)

    @property
    def cards(self) -> list[dict[str, Any]]:
        """The Adaptive Cards this activity carries."""
        return [
            a["content"]
            for a in self.activity.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]

    @property
    def text(self) -> str:
        """Text and cards flattened, for assertions on what users see."""
        return f"{self.activity.get('text') or ''} {self.cards}"


class FakeConnector:
    """Records every activity; answers with ids like Teams does."""

    def __init__(self, tokens: Callable[[], list[str]] | None = None) -> None:
        self.sent: list[Sent] = []
        self.members: dict[str, dict[str, Any]] = {}
        self.member_lookups = 0
        self._removed: dict[str, int] = {}
        self._tokens = tokens
        self._ids = itertools.count(1)
        self._server: TestServer | None = None
        self.url = ""

    def set_member(self, user_id: str, **record: Any) -> None:
        """What ``GET …/members/{user_id}`` answers (name, email, aadObjectId, userRole…)."""
        self.members[user_id] = {"id": user_id, **record}

    def remove_bot(self, conversation: str, status: int = 403) -> None:
        """From now on, every call about ``conversation`` gets ``status``."""
        self._removed[conversation] = status

    def posts(self, conversation: str | None = None) -> list[Sent]:
        """New activities (replies and proactive posts), optionally of one conversation."""
        return [
            s
            for s in self.sent
            if s.method == "POST" and (conversation is None or s.conversation == conversation)
        ]

    def updates(self) -> list[Sent]:
        """In-place updates."""
        return [s for s in self.sent if s.method == "PUT"]

    def all_cards(self) -> list[dict[str, Any]]:
        """Every Adaptive Card the bot sent."""
        return [c for s in self.sent for c in s.cards]

    async def start(self) -> None:
        """Listen on a loopback port."""
        app = web.Application()
        base = "/v3/conversations/{conversation}"
        app.router.add_post(base + "/activities", self._post)
        app.router.add_post(base + "/activities/{activity}", self._post)
        app.router.add_put(base + "/activities/{activity}", self._put)
        app.router.add_get(base + "/members/{user}", self._member)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        self.url = str(self._server.make_url("")).rstrip("/") + "/"

    async def close(self) -> None:
        """Stop listening."""
        if self._server is not None:
            await self._server.close()

    def _refusal(self, request: web.Request) -> web.Response | None:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip() or None
        if self._tokens is not None and token not in self._tokens():
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        conversation = request.match_info["conversation"].split(";messageid=")[0]
        status = self._removed.get(conversation)
        if status is not None:
            code = "BotNotInConversationRoster" if status == 403 else "ConversationNotFound"
            return web.json_response({"error": {"code": code}}, status=status)
        return None

    def _record(self, request: web.Request, body: dict[str, Any], new_id: str) -> None:
        header = request.headers.get("Authorization", "")
        self.sent.append(
            Sent(
                request.method,
                request.match_info["conversation"],
                request.match_info.get("activity"),
                body,
                header.removeprefix("Bearer ").strip() or None,
                new_id,
            )
        )

    async def _post(self, request: web.Request) -> web.Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        body = await request.json()
        new_id = f"1700000000{next(self._ids):03d}"
        self._record(request, body, new_id)
        return web.json_response({"id": new_id}, status=201)

    async def _put(self, request: web.Request) -> web.Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        body = await request.json()
        self._record(request, body, request.match_info["activity"])
        return web.json_response({"id": request.match_info["activity"]})

    async def _member(self, request: web.Request) -> web.Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        self.member_lookups += 1
        member = self.members.get(request.match_info["user"])
        if member is None:
            return web.json_response({"error": {"code": "MemberNotFound"}}, status=404)
        return web.json_response(member)
