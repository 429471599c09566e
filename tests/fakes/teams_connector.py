"""A local fake of the Bot Framework connector (Teams' ``serviceUrl``) that records every
reply, update and proactive post, on a real loopback socket; and of the Microsoft Graph
endpoints that read those messages back.

Paths follow the Bot Framework REST API (``/v3/conversations/{id}/activities[/{id}]``,
``PUT`` to update, ``GET …/members/{user}``, ``GET /v3/teams/{team id}``). With ``tokens``
set (the fake sign-in's issued tokens), a call without one of them gets 401, as the real
connector answers. A test makes a conversation refuse the bot with
:meth:`FakeConnector.remove_bot`, and loses the answer of the next post (after recording
it) with :meth:`FakeConnector.lose_answer_next`; with :attr:`FakeConnector.latency` set, it
carries out each post and update at once and answers that many seconds later (meanwhile the
call is in :attr:`FakeConnector.unanswered`).

Graph (``/v1.0/teams/{group}/channels/{channel}/messages[/{id}/replies]``,
``/v1.0/chats/{chat}/messages``) answers in Graph's format (``chatMessage``: the card as a
JSON string in ``attachments[].content``), newest first, ``$top`` at most 50 with
``@odata.nextLink`` paging, built from what the bot posted; with ``graph_tokens`` set a call
needs one of them. :meth:`FakeConnector.refuse_graph` answers 403 (no consent).
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

CARD = "application/vnd.microsoft.card.adaptive"


@dataclass(frozen=True)
class Sent:
    """One call the bot made to the connector."""

    method: str  # POST or PUT
    conversation: str
    activity_id: str | None  # the path's activity id (replyTo for POST, target for PUT)
    activity: dict[str, Any]
    token: str | None
    id: str = ""  # the id the connector gave a new activity (or the updated one's)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    peer: int | None = None  # the caller's TCP port (which process called, see tests/e2e)

    @property
    def cards(self) -> list[dict[str, Any]]:
        """The Adaptive Cards this activity carries."""
        return [
            a["content"]
            for a in self.activity.get("attachments") or []
            if a.get("contentType") == CARD
        ]

    @property
    def text(self) -> str:
        """Text and cards flattened, for assertions on what users see."""
        return f"{self.activity.get('text') or ''} {self.cards}"

    @property
    def texts(self) -> list[str]:
        """The text of every TextBlock (or RichTextBlock, its TextRuns joined) of its cards,
        in order (a short message is a card whose first text is the message)."""
        found: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if node.get("type") == "TextBlock":
                    found.append(str(node.get("text", "")))
                elif node.get("type") == "RichTextBlock":
                    runs = node.get("inlines") or []
                    found.append(
                        "".join(str(r.get("text", "")) for r in runs if isinstance(r, dict))
                    )
                    return
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        for content in self.cards:
            walk(content.get("body") or [])
        return found


@dataclass
class FakeTeam:
    """A team as the connector and Graph know it."""

    id: str  # the Bot Framework team id (its General channel's conversation id)
    aad_group_id: str  # Graph's team id
    name: str = "Security"
    channels: set[str] = field(default_factory=set)
    #: Entra object id → Graph roles (``["owner"]`` or ``[]``), for ``GET …/members``.
    roles: dict[str, list[str]] = field(default_factory=dict)
    #: The tenant the team is in: Graph answers only a token of this tenant (None: any).
    tenant: str | None = None


class FakeConnector:
    """Records every activity; answers with ids like Teams does."""

    def __init__(
        self,
        tokens: Callable[[], list[str]] | None = None,
        graph_tokens: Callable[[], list[str]] | None = None,
        token_tenant: Callable[[str], str | None] | None = None,
    ) -> None:
        self.sent: list[Sent] = []
        self.members: dict[str, dict[str, Any]] = {}
        self.member_lookups = 0
        self.teams: dict[str, FakeTeam] = {}
        self.team_lookups = 0
        #: Graph requests, as ``path?query`` (read-backs the bot made).
        self.graph_calls: list[str] = []
        #: The status every Graph call gets (403: RSC not consented), or None to answer.
        self.graph_refusal: int | None = None
        self._graph_throttle: list[str] = []  # Retry-After values of the next Graph calls
        self._lost: list[int | None] = []  # next POSTs: status to answer, None to hang up
        #: Seconds between carrying out a post or update and answering it (a slow answer).
        self.latency = 0.0
        #: Posts and updates carried out whose answer has not left yet.
        self.unanswered: list[Sent] = []
        self._removed: dict[str, int] = {}
        #: Conversations whose roster leaves the bot out (see :meth:`leave_out`).
        self.outside: set[str] = set()
        self._tokens = tokens
        self._graph_tokens = graph_tokens
        self._token_tenant = token_tenant
        self._ids = itertools.count(1)
        self._server: TestServer | None = None
        self.url = ""

    def set_member(self, user_id: str, **record: Any) -> None:
        """What ``GET …/members/{user_id}`` answers (name, email, aadObjectId, userRole…)."""
        self.members[user_id] = {"id": user_id, **record}

    def set_team(
        self,
        team_id: str,
        aad_group_id: str,
        *channels: str,
        name: str = "Security",
        tenant: str | None = None,
    ) -> FakeTeam:
        """A team (``GET /v3/teams/{team_id}``) and its channels (its own id is one)."""
        team = FakeTeam(team_id, aad_group_id, name, {team_id, *channels}, tenant=tenant)
        self.teams[team_id] = team
        return team

    def remove_bot(self, conversation: str, status: int = 403) -> None:
        """From now on, every call about ``conversation`` gets ``status`` (Graph: 403)."""
        self._removed[conversation] = status

    def leave_out(self, conversation: str) -> None:
        """The bot is not in ``conversation``'s roster: a private or shared channel the app
        was never added to. Its roster (``GET …/pagedmembers``) and new posts there answer
        403 ``BotNotInConversationRoster``; a reply to an activity the bot received still
        goes through (the connector relays the answer to what it delivered)."""
        self.outside.add(conversation)

    def lose_answer_next(self, *, status: int | None = 500) -> None:
        """Carry out the next post, then answer ``status`` (None: close the connection), as
        when Teams posted a message but its answer never reached the bot."""
        self._lost.append(status)

    def refuse_graph(self, status: int | None = 403) -> None:
        """Answer every Graph call with ``status`` (403: the RSC permissions were not
        consented); None answers again."""
        self.graph_refusal = status

    def throttle_graph(self, retry_after: str = "30") -> None:
        """Answer the next Graph call 429 with ``Retry-After``."""
        self._graph_throttle.append(retry_after)

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
        app.router.add_get(base + "/pagedmembers", self._paged_members)
        app.router.add_get("/v3/teams/{team}", self._team)
        channel = "/v1.0/teams/{group}/channels/{channel}/messages"
        app.router.add_get(channel, self._graph_channel)
        app.router.add_get(channel + "/{message}/replies", self._graph_channel)
        app.router.add_get("/v1.0/chats/{chat}/messages", self._graph_chat)
        app.router.add_get("/v1.0/teams/{group}/members", self._graph_members)
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
        conversation = request.match_info.get("conversation", "").split(";messageid=")[0]
        status = self._removed.get(conversation)
        if status is not None:
            code = "BotNotInConversationRoster" if status == 403 else "ConversationNotFound"
            return web.json_response({"error": {"code": code}}, status=status)
        return None

    def _record(self, request: web.Request, body: dict[str, Any], new_id: str) -> Sent:
        header = request.headers.get("Authorization", "")
        peer = request.transport.get_extra_info("peername") if request.transport else None
        sent = Sent(
            request.method,
            request.match_info["conversation"],
            request.match_info.get("activity"),
            body,
            header.removeprefix("Bearer ").strip() or None,
            new_id,
            peer=int(peer[1]) if peer else None,
        )
        self.sent.append(sent)
        return sent

    async def _answer_late(self, sent: Sent) -> None:
        """Wait :attr:`latency` before answering ``sent`` (carried out already)."""
        if not self.latency:
            return
        self.unanswered.append(sent)
        try:
            await asyncio.sleep(self.latency)
        finally:
            self.unanswered.remove(sent)

    def _not_in_roster(self, request: web.Request) -> web.Response | None:
        conversation = request.match_info.get("conversation", "").split(";messageid=")[0]
        if conversation in self.outside:
            return web.json_response({"error": {"code": "BotNotInConversationRoster"}}, status=403)
        return None

    async def _post(self, request: web.Request) -> web.StreamResponse:
        refused = self._refusal(request)
        if refused is None and "activity" not in request.match_info:
            refused = self._not_in_roster(request)
        if refused is not None:
            return refused
        body = await request.json()
        new_id = f"1700000000{next(self._ids):03d}"
        await self._answer_late(self._record(request, body, new_id))
        if self._lost:
            status = self._lost.pop(0)
            if status is None:
                assert request.transport is not None
                request.transport.close()  # posted, and the answer never leaves
                return web.Response()
            return web.json_response({"error": {"code": "ServiceError"}}, status=status)
        return web.json_response({"id": new_id}, status=201)

    async def _put(self, request: web.Request) -> web.Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        body = await request.json()
        await self._answer_late(self._record(request, body, request.match_info["activity"]))
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

    async def _paged_members(self, request: web.Request) -> web.Response:
        refused = self._refusal(request) or self._not_in_roster(request)
        if refused is not None:
            return refused
        size = int(request.query.get("pageSize") or 100)
        members = list(self.members.values())[:size]
        return web.json_response({"members": members})

    async def _team(self, request: web.Request) -> web.Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        self.team_lookups += 1
        team = self.teams.get(request.match_info["team"])
        if team is None:
            return web.json_response({"error": {"code": "TeamNotFound"}}, status=404)
        return web.json_response(
            {"id": team.id, "name": team.name, "aadGroupId": team.aad_group_id, "type": "standard"}
        )

    # -- Microsoft Graph ---------------------------------------------------------------------

    def _graph_refusal(self, request: web.Request, conversation: str) -> web.Response | None:
        self.graph_calls.append(request.path_qs)
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip()
        allowed = self._graph_tokens or self._tokens
        if allowed is not None and token not in allowed():
            return _graph_error(
                401, "InvalidAuthenticationToken", "Access token validation failure."
            )
        if self._graph_throttle:
            wait = self._graph_throttle.pop(0)
            response = _graph_error(429, "TooManyRequests", "Too many requests.")
            response.headers["Retry-After"] = wait
            return response
        status = self.graph_refusal or (403 if conversation in self._removed else None)
        if status is not None:
            return _graph_error(
                status,
                "Forbidden",
                "Missing role permissions on the request. API requires one of "
                "'ChannelMessage.Read.All, ChannelMessage.Read.Group, ChatMessage.Read.Chat'.",
            )
        return None

    async def _graph_channel(self, request: web.Request) -> web.Response:
        channel = request.match_info["channel"]
        refused = self._graph_refusal(request, channel)
        if refused is not None:
            return refused
        group = request.match_info["group"]
        team = next((t for t in self.teams.values() if t.aad_group_id == group), None)
        if team is None or channel not in team.channels:
            return _graph_error(404, "NotFound", "No team or channel found with this id.")
        thread = request.match_info.get("message")
        found = [
            m
            for m in self.graph_messages(channel, team=team)
            if m["replyToId"] == thread  # top-level posts have none
        ]
        return _page(request, found)

    async def _graph_chat(self, request: web.Request) -> web.Response:
        chat = request.match_info["chat"]
        refused = self._graph_refusal(request, chat)
        if refused is not None:
            return refused
        if not chat.startswith("19:") or not chat.endswith(("@thread.v2", "@unq.gbl.spaces")):
            return _graph_error(404, "NotFound", "Resource not found for the segment 'chats'.")
        return _page(request, self.graph_messages(chat))

    async def _graph_members(self, request: web.Request) -> web.Response:
        """A team's members as Graph lists them (``conversationMember``), filtered on
        ``microsoft.graph.aadUserConversationMember/userId eq '…'`` as the docs show."""
        refused = self._graph_refusal(request, "")
        if refused is not None:
            return refused
        team = next(
            (t for t in self.teams.values() if t.aad_group_id == request.match_info["group"]),
            None,
        )
        if team is None:
            return _graph_error(404, "NotFound", "No team found with this id.")
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if team.tenant and self._token_tenant and self._token_tenant(token) != team.tenant:
            return _graph_error(401, "InvalidAuthenticationToken", "Token of another tenant.")
        match = re.fullmatch(
            r"\(microsoft\.graph\.aadUserConversationMember/userId eq '([^']*)'\)",
            request.query.get("$filter", ""),
        )
        users = [match.group(1)] if match else list(team.roles)
        value = [
            {
                "@odata.type": "#microsoft.graph.aadUserConversationMember",
                "id": f"member-{user}",
                "roles": team.roles[user],
                "displayName": user,
                "userId": user,
                "tenantId": team.tenant,
            }
            for user in users
            if user in team.roles
        ]
        return web.json_response({"@odata.count": len(value), "value": value})

    def graph_messages(
        self, conversation: str, *, team: FakeTeam | None = None
    ) -> list[dict[str, Any]]:
        """What Graph holds of a channel or chat: the bot's messages as ``chatMessage``s (as
        last updated), newest first."""
        found: dict[str, dict[str, Any]] = {}
        for sent in self.sent:
            base, _, root = sent.conversation.partition(";messageid=")
            if base != conversation:
                continue
            if sent.method == "POST":
                found[sent.id] = _chat_message(sent, base, root or None, team)
            elif sent.id in found:  # an update: same message, new content
                updated = _chat_message(sent, base, found[sent.id]["replyToId"], team)
                found[sent.id].update(
                    body=updated["body"],
                    attachments=updated["attachments"],
                    lastModifiedDateTime=updated["lastModifiedDateTime"],
                    lastEditedDateTime=updated["lastModifiedDateTime"],
                )
        # The connector's ids grow with time, as Teams' do.
        return sorted(found.values(), key=lambda m: int(m["id"]), reverse=True)


def _graph_error(status: int, code: str, message: str) -> web.Response:
    body = {"error": {"code": code, "message": message, "innerError": {"date": _iso()}}}
    return web.json_response(body, status=status)


def _iso(at: datetime | None = None) -> str:
    return (at or datetime.now(UTC)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _page(request: web.Request, messages: list[dict[str, Any]]) -> web.Response:
    """One page, as Graph pages: ``$top`` (default 20, at most 50), ``@odata.nextLink``."""
    try:
        top = int(request.query.get("$top", "20"))
        start = int(request.query.get("$skiptoken", "0"))
    except ValueError:
        return _graph_error(400, "BadRequest", "Invalid query.")
    if not 1 <= top <= 50:
        return _graph_error(400, "BadRequest", "Invalid page size requested: at most 50.")
    body: dict[str, Any] = {
        "@odata.context": f"{request.url.origin()}/v1.0/$metadata#chatMessages",
        "@odata.count": len(messages[start : start + top]),
        "value": messages[start : start + top],
    }
    if start + top < len(messages):
        next_page = request.url.with_query({"$top": str(top), "$skiptoken": str(start + top)})
        body["@odata.nextLink"] = str(next_page)
    return web.json_response(body)


def _chat_message(
    sent: Sent, conversation: str, reply_to: str | None, team: FakeTeam | None
) -> dict[str, Any]:
    """An activity the bot posted, as Graph shows it (a ``chatMessage``)."""
    attachments = []
    for n, a in enumerate(sent.activity.get("attachments") or []):
        att_id = hashlib.sha256(f"{sent.id}/{n}".encode()).hexdigest()[:32]
        content = a.get("content")
        attachments.append(
            {
                "id": att_id,
                "contentType": a.get("contentType"),
                "contentUrl": a.get("contentUrl"),
                "content": json.dumps(content) if isinstance(content, dict) else content,
                "name": a.get("name"),
                "thumbnailUrl": None,
                "teamsAppId": None,
            }
        )
    html = (sent.activity.get("text") or "") + "".join(
        f'<attachment id="{a["id"]}"></attachment>' for a in attachments
    )
    bot = str((sent.activity.get("from") or {}).get("id") or "").removeprefix("28:")
    return {
        "id": sent.id,
        "replyToId": reply_to,
        "etag": sent.id,
        "messageType": "message",
        "createdDateTime": _iso(sent.at),
        "lastModifiedDateTime": _iso(sent.at),
        "lastEditedDateTime": None,
        "deletedDateTime": None,
        "subject": None,
        "summary": sent.activity.get("summary"),
        "chatId": None if team is not None else conversation,
        "importance": "normal",
        "locale": "en-us",
        "webUrl": None,
        "channelIdentity": (
            {"teamId": team.aad_group_id, "channelId": conversation} if team is not None else None
        ),
        "from": {
            "application": {
                "@odata.type": "#microsoft.graph.teamworkApplicationIdentity",
                "id": bot or None,
                "displayName": "SnowOps",
                "applicationIdentityType": "bot",
            },
            "device": None,
            "user": None,
        },
        "body": {"contentType": "html", "content": html},
        "attachments": attachments,
        "mentions": [],
        "reactions": [],
    }
