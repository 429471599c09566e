"""A local fake of the Slack Web API: a real aiohttp server on 127.0.0.1 that records every call.

Modelled on slack-bolt's own ``tests/mock_web_api_server``, but async and scriptable. Point
``slack_sdk.web.async_client.AsyncWebClient(token=..., base_url=fake.base_url)`` at it (the
trailing slash of ``base_url`` matters: slack_sdk joins method names with ``urljoin``).

Answers follow the shapes of Slack's Web API docs (``ok: true`` plus the documented fields).
Anything a test needs to go wrong is scripted with :meth:`FakeSlackApi.fail_next`::

    async with FakeSlackApi() as slack:
        slack.set_user("U0ADMIN", is_admin=True, email="ada@example.com")
        slack.fail_next("chat.postMessage", "not_in_channel")
        ...  # drive SnowOps
        [call] = await slack.wait_for("chat.postEphemeral")
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from aiohttp import web
from aiohttp.test_utils import TestServer

TEAM_ID = "T0123"
TEAM_NAME = "Acme Security"
TEAM_DOMAIN = "acme"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
APP_ID = "A0SNOWOPS"

#: What ``oauth.v2.access`` installs: another workspace, so install tests can tell them apart.
INSTALL_TEAM_ID = "T0456"
INSTALL_TEAM_NAME = "Globex Corporation"
INSTALL_BOT_TOKEN = "xoxb-456-7890-FakeInstalledBotToken"
INSTALL_BOT_USER_ID = "U0456BOT"
INSTALL_BOT_ID = "B0456BOT"
INSTALL_AUTHED_USER_ID = "U0456ADMIN"

#: The bot scopes of ``manifests/slack/manifest.yaml``, as Slack reports them.
DEFAULT_BOT_SCOPES = (
    "commands,chat:write,im:write,users:read,users:read.email,channels:history,groups:history,"
    "reactions:write,links:read,links:write"
)

_FIRST_TS = 1_700_000_000
# Form-encoded requests carry these as JSON strings; JSON requests carry them as objects.
_JSON_FIELDS = frozenset(
    {"blocks", "attachments", "view", "metadata", "unfurls", "user_auth_blocks"}
)
# Methods Slack answers without a bearer token.
_NO_TOKEN_METHODS = frozenset({"api.test", "oauth.v2.access", "oauth.v2.exchange"})


@dataclass(frozen=True)
class SlackCall:
    """One Web API call as the fake received it.

    ``args`` merges the query string and the body (form or JSON); JSON-valued form fields
    (``blocks``, ``view``, ...) are decoded. ``token`` comes from ``Authorization: Bearer``
    (or a ``token`` body field, which is then removed from ``args``).
    """

    method: str
    args: dict[str, Any]
    token: str | None


@dataclass(frozen=True)
class _Identity:
    team_id: str
    team: str
    domain: str
    user_id: str
    bot_id: str
    user: str = "snowops"


@dataclass
class _Failure:
    error: str
    status: int
    headers: dict[str, str]
    remaining: int
    #: Do the call, then answer with the error (the answer was lost on the way back).
    after: bool = False
    #: Answer this body as sent (not Slack's JSON): a proxy's or load balancer's page.
    raw: str | None = None


@dataclass
class FakeChannel:
    """A channel as Slack knows it (see :meth:`FakeSlackApi.set_channel`)."""

    id: str
    name: str
    private: bool = False
    bot_member: bool = True
    archived: bool = False


@dataclass
class _Response:
    name: str
    body: dict[str, Any]


class FakeSlackApi:
    """A Slack Web API on a random loopback port that records calls and answers like Slack.

    ``bot_scopes`` goes out in the ``x-oauth-scopes`` header of ``auth.test`` (bolt reads it).
    ``client_id`` / ``client_secret``, when set, are checked by ``oauth.v2.access``.

    Public state, for assertions: ``calls`` (every Web API call, failed ones too),
    ``responses`` (JSON bodies posted to any ``response_url``), ``users`` (what ``users.info``
    knows), ``views`` (by view id), ``messages`` (by ``(channel, ts)``, as last updated).
    """

    def __init__(
        self,
        *,
        bot_scopes: str = DEFAULT_BOT_SCOPES,
        client_id: str | None = None,
        client_secret: str | None = None,
    ) -> None:
        self.bot_scopes = bot_scopes
        self.client_id = client_id
        self.client_secret = client_secret
        self.calls: list[SlackCall] = []
        self.responses: list[dict[str, Any]] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        #: Reactions added, by ``(channel, ts)``: reaction name → the users who added it.
        self.reactions: dict[tuple[str, str], dict[str, list[str]]] = {}
        self._server: TestServer | None = None
        self._failures: dict[str, list[_Failure]] = {}
        #: Seconds to hold each answer of a method after carrying it out (slow networks,
        #: and a window in which a client can die after Slack acted).
        self.latency: dict[str, float] = {}
        self._response_log: list[_Response] = []
        self._ts_seq = 0
        self._view_seq = 0
        self._home_views: dict[str, str] = {}
        self._default_identity = _Identity(TEAM_ID, TEAM_NAME, TEAM_DOMAIN, BOT_USER_ID, BOT_ID)
        self._identities: dict[str, _Identity] = {}
        #: Where ``apps.connections.open`` sends Socket Mode clients (see slack_socket.py).
        self.socket_url: str | None = None
        #: Channels set up with :meth:`set_channel`; any other is public with the bot in it.
        self.channels: dict[str, FakeChannel] = {}
        self.set_user(BOT_USER_ID, real_name="SnowOps", name="snowops", is_bot=True)

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        if self._server is not None:
            return
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response/{name}", self._handle_response_url)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        self._server = server

    async def close(self) -> None:
        """Stop the server (safe to call twice)."""
        server, self._server = self._server, None
        if server is not None:
            await server.close()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def url(self) -> str:
        """The server root, without a trailing slash (``http://127.0.0.1:PORT``)."""
        if self._server is None:
            raise RuntimeError("FakeSlackApi is not started")
        return f"http://127.0.0.1:{self._server.port}"

    @property
    def base_url(self) -> str:
        """What to pass as slack_sdk's ``base_url``: ``http://127.0.0.1:PORT/api/``."""
        return f"{self.url}/api/"

    def response_url(self, name: str = "default") -> str:
        """A ``response_url`` on the fake; JSON posted to it lands in :attr:`responses`."""
        return f"{self.url}/response/{name}"

    # -- inspecting --------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[SlackCall]:
        """The calls to one method (``"chat.postMessage"``), oldest first."""
        return [call for call in self.calls if call.method == method]

    def responses_to(self, name: str) -> list[dict[str, Any]]:
        """The JSON bodies posted to ``response_url(name)``, oldest first."""
        return [r.body for r in self._response_log if r.name == name]

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """The current state of a message the bot posted (after any ``chat.update``)."""
        return self.messages.get((channel, ts))

    def clear(self) -> None:
        """Forget recorded calls, responses and scripted failures (users and views stay)."""
        self.calls.clear()
        self.responses.clear()
        self._response_log.clear()
        self._failures.clear()

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - a plain deadline reads better in tests
    ) -> list[SlackCall]:
        """Wait until at least ``count`` calls to ``method`` arrived; return all of them.

        SnowOps acks Slack first and calls the Web API afterwards, so tests wait here.
        Raises ``AssertionError`` (listing what did arrive) after ``timeout`` seconds.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            if loop.time() >= deadline:
                seen = [call.method for call in self.calls]
                raise AssertionError(
                    f"expected {count} {method} call(s) within {timeout}s, got {len(found)}; "
                    f"calls seen: {seen}"
                )
            await asyncio.sleep(0.01)

    async def wait_for_response(
        self,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - as wait_for
    ) -> list[dict[str, Any]]:
        """Wait until at least ``count`` ``response_url`` posts arrived; return all bodies."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if len(self.responses) >= count:
                return list(self.responses)
            if loop.time() >= deadline:
                raise AssertionError(
                    f"expected {count} response_url post(s) within {timeout}s, "
                    f"got {len(self.responses)}"
                )
            await asyncio.sleep(0.01)

    # -- scripting ---------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        error: str,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        count: int = 1,
    ) -> None:
        """Answer the next ``count`` calls to ``method`` with ``{"ok": false, "error": error}``.

        Slack reports most errors with HTTP 200; pass ``status=429`` (``Retry-After: 1`` is
        added unless given) for rate limiting, e.g.
        ``fail_next("chat.postMessage", "ratelimited", status=429)``. Scripts queue up.
        """
        hdrs = dict(headers or {})
        if status == 429 and not any(k.lower() == "retry-after" for k in hdrs):
            hdrs["Retry-After"] = "1"
        self._failures.setdefault(method, []).append(_Failure(error, status, hdrs, count))

    def answer_raw_next(
        self, method: str, status: int, body: str, *, content_type: str = "text/html"
    ) -> None:
        """Answer the next call to ``method`` with ``body`` as is (not Slack's JSON), as a
        proxy or load balancer in front of Slack does: e.g. ``503`` and an HTML page, or
        ``502`` with ``application/json`` and a body that is not JSON."""
        headers = {"Content-Type": content_type}
        self._failures.setdefault(method, []).append(_Failure("", status, headers, 1, raw=body))

    def set_channel(
        self,
        channel_id: str,
        *,
        name: str | None = None,
        private: bool = False,
        bot_member: bool = True,
        archived: bool = False,
    ) -> FakeChannel:
        """How Slack answers about ``channel_id``. The bot cannot see a private channel it
        is not in (``channel_not_found`` from every method, as Slack answers); in a public
        one it is not in, ``conversations.info`` says ``is_member: false`` and posting
        fails ``not_in_channel``; an archived one refuses posts with ``is_archived``."""
        channel = FakeChannel(channel_id, name or channel_id.lower(), private, bot_member, archived)
        self.channels[channel_id] = channel
        return channel

    def lose_answer_next(self, method: str, *, status: int = 503) -> None:
        """Carry out the next call to ``method``, then answer an HTTP error as if the answer
        was lost (a crash or a timeout after Slack acted)."""
        self._failures.setdefault(method, []).append(
            _Failure("service_unavailable", status, {}, 1, after=True)
        )

    def set_user(
        self,
        user_id: str,
        *,
        is_admin: bool = False,
        is_owner: bool = False,
        email: str | None = None,
        real_name: str | None = None,
        name: str | None = None,
        team_id: str = TEAM_ID,
        is_bot: bool = False,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        """Make ``users.info`` know ``user_id``; returns the user object (mutable).

        Without ``email`` the profile has no ``email`` key, as when the app lacks
        ``users:read.email`` or the user has none. ``locale`` is in the answer only when
        the call asks ``include_locale``, as with Slack.
        """
        name = name or user_id.lower()
        real_name = real_name or f"User {user_id}"
        profile: dict[str, Any] = {
            "real_name": real_name,
            "real_name_normalized": real_name,
            "display_name": name,
            "display_name_normalized": name,
            "status_text": "",
            "status_emoji": "",
            "image_72": f"https://avatars.slack-edge.com/{user_id}_72.png",
            "team": team_id,
        }
        if email is not None:
            profile["email"] = email
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": team_id,
            "name": name,
            "deleted": False,
            "real_name": real_name,
            "tz": "Europe/London",
            "tz_label": "Greenwich Mean Time",
            "tz_offset": 0,
            "locale": locale,
            "profile": profile,
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": _FIRST_TS,
        }
        self.users[user_id] = user
        return user

    def register_token(
        self, token: str, *, team_id: str, team: str, user_id: str, bot_id: str
    ) -> None:
        """Make ``auth.test`` answer for ``token`` as this workspace's bot (default: T0123)."""
        self._identities[token] = _Identity(team_id, team, team_id.lower(), user_id, bot_id)

    # -- HTTP --------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args, token = await _read_args(request)
        self.calls.append(SlackCall(method, args, token))

        failure = self._take_failure(method)
        if failure is not None and failure.after:
            handler = _HANDLERS.get(method)
            if handler is not None:
                handler(self, args, self._identities.get(token or "", self._default_identity))
        if failure is not None and failure.raw is not None:
            return web.Response(
                status=failure.status, body=failure.raw.encode(), headers=failure.headers
            )
        if failure is not None:
            return web.json_response(
                {"ok": False, "error": failure.error},
                status=failure.status,
                headers=failure.headers,
            )
        if token is None and method not in _NO_TOKEN_METHODS:
            return _error("not_authed")
        handler = _HANDLERS.get(method)
        if handler is None:
            return _error("unknown_method")
        identity = self._identities.get(token or "", self._default_identity)
        body = handler(self, args, identity)
        if self.latency.get(method):
            await asyncio.sleep(self.latency[method])
        headers = {"x-oauth-scopes": self.bot_scopes} if method == "auth.test" else None
        return web.json_response(body, headers=headers)

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {"_raw": raw.decode(errors="replace")}
        if not isinstance(body, dict):
            body = {"_raw": body}
        self._response_log.append(_Response(request.match_info["name"], body))
        self.responses.append(body)
        return web.json_response({"ok": True})

    def _take_failure(self, method: str) -> _Failure | None:
        queue = self._failures.get(method)
        if not queue:
            return None
        failure = queue[0]
        failure.remaining -= 1
        if failure.remaining <= 0:
            queue.pop(0)
        return failure

    # -- method answers ----------------------------------------------------------------------

    def _next_ts(self) -> str:
        self._ts_seq += 100
        return f"{_FIRST_TS + self._ts_seq // 1_000_000}.{self._ts_seq % 1_000_000:06d}"

    def _channel_for(self, channel: str) -> str:
        # Posting to a user ID posts into the bot's DM with that user.
        return _dm_id(channel) if channel[:1] in ("U", "W") else channel

    def _auth_test(self, args: dict[str, Any], ident: _Identity) -> dict[str, Any]:
        return {
            "ok": True,
            "url": f"https://{ident.domain}.slack.com/",
            "team": ident.team,
            "user": ident.user,
            "team_id": ident.team_id,
            "user_id": ident.user_id,
            "bot_id": ident.bot_id,
            "is_enterprise_install": False,
        }

    def _api_test(self, args: dict[str, Any], ident: _Identity) -> dict[str, Any]:
        return {"ok": True, "args": args}

    def _post_message(self, args: dict[str, Any], ident: _Identity) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not (args.get("text") or args.get("blocks") or args.get("attachments")):
            return {"ok": False, "error": "no_text"}
        if (refused := self._post_refusal(str(args["channel"]))) is not None:
            return refused
        channel = self._channel_for(str(args["channel"]))
        ts = self._next_ts()
        message: dict[str, Any] = {
            "type": "message",
            "text": args.get("text", ""),
            "user": ident.user_id,
            "bot_id": ident.bot_id,
            "app_id": APP_ID,
            "team": ident.team_id,
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if args.get(key) is not None:
                message[key] = args[key]
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _update(self, args: dict[str, Any], ident: _Identity) -> dict[str, Any]:
        channel, ts = args.get("channel"), args.get("ts")
        if not channel or not ts:
            return {"ok": False, "error": "invalid_arguments"}
        if (refused := self._post_refusal(str(channel))) is not None:
            return refused
        text = args.get("text", "")
        message = self.messages.setdefault(
            (str(channel), str(ts)),
            {"type": "message", "user": ident.user_id, "bot_id": ident.bot_id, "ts": ts},
        )
        message["text"] = text
        message["edited"] = {"user": ident.user_id, "ts": self._next_ts()}
        for key in ("blocks", "attachments", "metadata"):
            if key in args:
                message[key] = args[key]
        return {"ok": True, "channel": channel, "ts": ts, "text": text, "message": message}

    def _hidden(self, channel: str) -> bool:
        """A private channel the bot is not in: Slack says it does not exist."""
        known = self.channels.get(channel)
        return known is not None and known.private and not known.bot_member

    def _post_refusal(self, channel: str) -> dict[str, Any] | None:
        known = self.channels.get(channel)
        if known is None:
            return None
        if not known.bot_member:
            error = "channel_not_found" if known.private else "not_in_channel"
            return {"ok": False, "error": error}
        if known.archived:
            return {"ok": False, "error": "is_archived"}
        return None

    def _scope_for(self, channel: str, kind: str) -> str | None:
        """The scope a read of ``channel`` needs (``kind``: history or read), if missing."""
        known = self.channels.get(channel)
        private = channel.startswith("G") or (known is not None and known.private)
        needed = f"groups:{kind}" if private else f"channels:{kind}"
        return None if needed in self.bot_scopes.split(",") else needed

    def _read_refusal(self, channel: str, kind: str) -> dict[str, Any] | None:
        if self._hidden(channel):
            return {"ok": False, "error": "channel_not_found"}
        if (missing := self._scope_for(channel, kind)) is not None:
            return {"ok": False, "error": "missing_scope", "needed": missing}
        known = self.channels.get(channel)
        if kind == "history" and known is not None and not known.bot_member:
            return {"ok": False, "error": "not_in_channel"}
        return None

    def _conversations_info(self, args: dict[str, Any], ident: _Identity) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if (refused := self._read_refusal(channel, "read")) is not None:
            return refused
        known = self.channels.get(channel) or FakeChannel(channel, channel.lower())
        info: dict[str, Any] = {
            "id": channel,
            "name": known.name,
            "is_channel": not known.private,
            "is_group": False,
            "is_im": channel.startswith("D"),
            "is_private": known.private,
            "is_archived": known.archived,
            "is_member": known.bot_member,
            "created": _FIRST_TS,
        }
        if channel.startswith("D"):
            info = {"id": channel, "is_im": True, "user": "U" + channel[1:], "created": _FIRST_TS}
        return {"ok": True, "channel": info}

    def _visible(self, message: dict[str, Any], args: dict[str, Any]) -> dict[str, Any]:
        if str(args.get("include_all_metadata", "")).lower() in ("true", "1"):
            return message
        return {k: v for k, v in message.items() if k != "metadata"}

    def _conversations_history(self, args: dict[str, Any], ident: _Identity) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        if (refused := self._read_refusal(channel, "history")) is not None:
            return refused
        # Top-level messages only (thread replies stay in their thread), newest first.
        found = [
            self._visible(m, args)
            for (c, _ts), m in self.messages.items()
            if c == channel and m.get("thread_ts") in (None, m.get("ts"))
        ]
        found.sort(key=lambda m: float(m["ts"]), reverse=True)
        return {"ok": True, "messages": found[: int(args.get("limit") or 100)], "has_more": False}

    def _conversations_replies(self, args: dict[str, Any], ident: _Identity) -> dict[str, Any]:
        channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
        if (refused := self._read_refusal(channel, "history")) is not None:
            return refused
        if (channel, ts) not in self.messages:
            return {"ok": False, "error": "thread_not_found"}
        found = [
            self._visible(m, args)
            for (c, mts), m in self.messages.items()
            if c == channel and (mts == ts or m.get("thread_ts") == ts)
        ]
        found.sort(key=lambda m: float(m["ts"]))
        return {"ok": True, "messages": found[: int(args.get("limit") or 1000)], "has_more": False}

    def _post_ephemeral(self, args: dict[str, Any], ident: _Identity) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("user"):
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "message_ts": self._next_ts()}

    def _unfurl(self, args: dict[str, Any], ident: _Identity) -> dict[str, Any]:
        # Slack's checks: a message (channel and ts) or the composer (unfurl_id and
        # source), and unfurls keyed by URL, each with blocks.
        in_message = args.get("channel") and args.get("ts")
        if not in_message and not (args.get("unfurl_id") and args.get("source")):
            return {"ok": False, "error": "cannot_find_message"}
        unfurls = args.get("unfurls")
        if not isinstance(unfurls, dict) or not unfurls:
            return {"ok": False, "error": "invalid_unfurls_format"}
        if not all(
            isinstance(u, dict) and isinstance(u.get("blocks"), list) for u in unfurls.values()
        ):
            return {"ok": False, "error": "invalid_unfurls_format"}
        return {"ok": True}

    def _get_permalink(self, args: dict[str, Any], ident: _Identity) -> dict[str, Any]:
        channel, ts = args.get("channel"), args.get("message_ts")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not ts:
            return {"ok": False, "error": "message_not_found"}
        link = f"https://{ident.domain}.slack.com/archives/{channel}/p{str(ts).replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _new_view(
        self, view: dict[str, Any], ident: _Identity, *, view_id: str | None = None
    ) -> dict[str, Any]:
        if view_id is None:
            self._view_seq += 1
            view_id = f"V{self._view_seq:010d}"
        stored: dict[str, Any] = {
            "id": view_id,
            "team_id": ident.team_id,
            "type": view.get("type", "modal"),
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "state": {"values": {}},
            "hash": f"{_FIRST_TS + self._view_seq}.{secrets.token_hex(4)}",
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": None,
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": APP_ID,
            "external_id": "",
            "app_installed_team_id": ident.team_id,
            "bot_id": ident.bot_id,
        }
        stored.update({k: v for k, v in view.items() if k not in ("id", "hash")})
        self.views[view_id] = stored
        return stored

    def _views_open(self, args: dict[str, Any], ident: _Identity) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_arguments"}
        view = args.get("view")
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "view": self._new_view(view, ident)}

    def _views_push(self, args: dict[str, Any], ident: _Identity) -> dict[str, Any]:
        return self._views_open(args, ident)

    def _views_update(self, args: dict[str, Any], ident: _Identity) -> dict[str, Any]:
        view = args.get("view")
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        view_id = args.get("view_id")
        if not view_id and args.get("external_id"):
            view_id = next(
                (v["id"] for v in self.views.values() if v["external_id"] == args["external_id"]),
                None,
            )
        old = self.views.get(str(view_id)) if view_id else None
        if old is None:
            return {"ok": False, "error": "not_found"}
        if args.get("hash") and args["hash"] != old["hash"]:
            return {"ok": False, "error": "hash_conflict"}
        new = self._new_view(view, ident, view_id=old["id"])
        new["root_view_id"] = old["root_view_id"]
        new["previous_view_id"] = old["previous_view_id"]
        return {"ok": True, "view": new}

    def _views_publish(self, args: dict[str, Any], ident: _Identity) -> dict[str, Any]:
        user_id, view = args.get("user_id"), args.get("view")
        if not user_id or not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        view_id = self._home_views.get(str(user_id))
        if view_id and args.get("hash") and args["hash"] != self.views[view_id]["hash"]:
            return {"ok": False, "error": "hash_conflict"}
        stored = self._new_view(view, ident, view_id=view_id)
        self._home_views[str(user_id)] = stored["id"]
        return {"ok": True, "view": stored}

    def _users_info(self, args: dict[str, Any], ident: _Identity) -> dict[str, Any]:
        user = self.users.get(str(args.get("user", "")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        if str(args.get("include_locale", "")).lower() in ("1", "true"):
            return {"ok": True, "user": user}
        return {"ok": True, "user": {k: v for k, v in user.items() if k != "locale"}}

    def _lookup_by_email(self, args: dict[str, Any], ident: _Identity) -> dict[str, Any]:
        email = str(args.get("email") or "").lower()
        for user in self.users.values():
            if email and str(user["profile"].get("email") or "").lower() == email:
                return {"ok": True, "user": user}
        return {"ok": False, "error": "users_not_found"}

    def _reactions_add(self, args: dict[str, Any], ident: _Identity) -> dict[str, Any]:
        key = (str(args.get("channel") or ""), str(args.get("timestamp") or ""))
        name = str(args.get("name") or "")
        if not key[0] or not key[1] or not name:
            return {"ok": False, "error": "invalid_arguments"}
        users = self.reactions.setdefault(key, {}).setdefault(name, [])
        if ident.user_id in users:
            return {"ok": False, "error": "already_reacted"}
        users.append(ident.user_id)
        return {"ok": True}

    def _connections_open(self, args: dict[str, Any], ident: _Identity) -> dict[str, Any]:
        if self.socket_url is None:
            return {"ok": False, "error": "not_allowed_token_type"}
        return {"ok": True, "url": self.socket_url}

    def _conversations_open(self, args: dict[str, Any], ident: _Identity) -> dict[str, Any]:
        users = [u for u in str(args.get("users", "")).split(",") if u]
        if args.get("channel"):
            return {
                "ok": True,
                "no_op": True,
                "already_open": True,
                "channel": {"id": args["channel"]},
            }
        if len(users) != 1:
            return {
                "ok": False,
                "error": "users_list_not_supplied" if not users else "not_enough_users",
            }
        return {
            "ok": True,
            "no_op": False,
            "already_open": False,
            "channel": {"id": _dm_id(users[0])},
        }

    def _oauth_v2_access(self, args: dict[str, Any], ident: _Identity) -> dict[str, Any]:
        if self.client_id is not None and args.get("client_id") != self.client_id:
            return {"ok": False, "error": "invalid_client_id"}
        if self.client_secret is not None and args.get("client_secret") != self.client_secret:
            return {"ok": False, "error": "bad_client_secret"}
        if not args.get("code"):
            return {"ok": False, "error": "invalid_code"}
        self.register_token(
            INSTALL_BOT_TOKEN,
            team_id=INSTALL_TEAM_ID,
            team=INSTALL_TEAM_NAME,
            user_id=INSTALL_BOT_USER_ID,
            bot_id=INSTALL_BOT_ID,
        )
        return oauth_v2_access_response(self.bot_scopes)


def oauth_v2_access_response(scope: str = DEFAULT_BOT_SCOPES) -> dict[str, Any]:
    """Slack's ``oauth.v2.access`` success for a bot install into T0456 (no user scopes)."""
    return {
        "ok": True,
        "app_id": APP_ID,
        "authed_user": {"id": INSTALL_AUTHED_USER_ID},
        "scope": scope,
        "token_type": "bot",
        "access_token": INSTALL_BOT_TOKEN,
        "bot_user_id": INSTALL_BOT_USER_ID,
        "team": {"id": INSTALL_TEAM_ID, "name": INSTALL_TEAM_NAME},
        "enterprise": None,
        "is_enterprise_install": False,
    }


_Handler = Callable[[FakeSlackApi, dict[str, Any], _Identity], dict[str, Any]]
_HANDLERS: dict[str, _Handler] = {
    "api.test": FakeSlackApi._api_test,
    "auth.test": FakeSlackApi._auth_test,
    "chat.postMessage": FakeSlackApi._post_message,
    "chat.update": FakeSlackApi._update,
    "chat.postEphemeral": FakeSlackApi._post_ephemeral,
    "chat.getPermalink": FakeSlackApi._get_permalink,
    "chat.unfurl": FakeSlackApi._unfurl,
    "views.open": FakeSlackApi._views_open,
    "views.push": FakeSlackApi._views_push,
    "views.update": FakeSlackApi._views_update,
    "views.publish": FakeSlackApi._views_publish,
    "users.info": FakeSlackApi._users_info,
    "users.lookupByEmail": FakeSlackApi._lookup_by_email,
    "reactions.add": FakeSlackApi._reactions_add,
    "conversations.open": FakeSlackApi._conversations_open,
    "conversations.info": FakeSlackApi._conversations_info,
    "conversations.history": FakeSlackApi._conversations_history,
    "conversations.replies": FakeSlackApi._conversations_replies,
    "oauth.v2.access": FakeSlackApi._oauth_v2_access,
    "apps.connections.open": FakeSlackApi._connections_open,
}


def _dm_id(user_id: str) -> str:
    return f"D{user_id[1:]}"


def _error(error: str) -> web.Response:
    return web.json_response({"ok": False, "error": error})


async def _read_args(request: web.Request) -> tuple[dict[str, Any], str | None]:
    """Query string + body (JSON, urlencoded or multipart) → args; and the bearer token."""
    args: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        raw = await request.read()
        if raw:
            body = json.loads(raw)
            if isinstance(body, dict):
                args.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            args[key] = value if isinstance(value, str) else value.file.read()
    for key in _JSON_FIELDS & args.keys():
        value = args[key]
        if isinstance(value, str) and value.lstrip()[:1] in ("[", "{"):
            try:
                args[key] = json.loads(value)
            except ValueError:
                pass  # leave it as sent; Slack would answer invalid_blocks / invalid_arguments

    token: str | None = None
    auth = request.headers.get("Authorization", "")
    scheme, _, credentials = auth.partition(" ")
    if scheme.lower() == "bearer" and credentials:
        token = credentials.strip()
    elif scheme.lower() == "basic" and credentials:
        # slack_sdk sends oauth.v2.access client credentials as HTTP Basic auth.
        try:
            client_id, _, client_secret = base64.b64decode(credentials).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            client_id = client_secret = ""
        args.setdefault("client_id", client_id)
        args.setdefault("client_secret", client_secret)
    if token is None and isinstance(args.get("token"), str):
        token = args.pop("token")
    return args, token
