"""Fuzz ``POST /slack/events`` (issue 17, item 5): Events API envelopes, slash command
forms and interactivity payloads of every type, each a real payload with random parts
replaced or removed, signed as Slack signs them; and unsigned junk. No answer is a 5xx and
nothing is logged as an error or with a traceback, during the request or in the work
after its ack."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import logging
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.slack.admin import CLIENT_CALLBACK, CONFIG_CALLBACK
from adapters.slack.blocks_surfaces import FORM_CALLBACK_ID
from adapters.slack.listeners import MESSAGE_SHORTCUT
from tests.e2e.conftest import SIGNING_SECRET, SlackHarness, form_state
from tests.e2e.fuzzing import FUZZ, json_values, mutated, no_error_logged
from tests.fakes.slack_signing import (
    FORM,
    JSON,
    app_home_opened_event,
    block_actions_payload,
    event_body,
    message_action_payload,
    slash_command_body,
    view_submission_payload,
)

_event_ids = itertools.count(1)


async def settle(slack: SlackHarness, caplog: pytest.LogCaptureFixture, what: object) -> None:
    """Let the work after the acks finish, then check the log once more."""
    assert slack.services.slack is not None
    await slack.services.slack.after.drain(5)
    no_error_logged(caplog, what)


async def send(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> int:
    """POST a signed body; fail on a 5xx or an error logged meanwhile."""
    caplog.clear()
    stamp = str(int(time.time()))
    mac = hmac.new(SIGNING_SECRET.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256)
    headers = {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={mac.hexdigest()}",
        "Content-Type": content_type,
    }
    async with slack.http.post(f"{slack.url}/slack/events", data=body, headers=headers) as r:
        await r.read()
    assert r.status < 500, body[:300]
    no_error_logged(caplog, body[:300])
    return r.status


@pytest.fixture(autouse=True)
def _log_info(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)


# -- Events API ---------------------------------------------------------------------------
_ENVELOPE = json.loads(event_body(app_home_opened_event(), event_id="EvFUZZ"))
_ENVELOPE_PATHS = [
    ("type",),
    ("team_id",),
    ("api_app_id",),
    ("token",),
    ("event_id",),
    ("enterprise_id",),
    ("is_ext_shared_channel",),
    ("challenge",),
    ("authorizations",),
    ("authorizations", 0),
    ("authorizations", 0, "team_id"),
    ("authorizations", 0, "user_id"),
    ("authorizations", 0, "is_enterprise_install"),
    ("event",),
    ("event", "type"),
    ("event", "user"),
    ("event", "tab"),
    ("event", "channel"),
    ("event", "view"),
    ("event", "message"),
    ("event", "item"),
]
_EVENT_TYPES = st.sampled_from(
    ["app_home_opened", "message", "app_mention", "reaction_added", "url_verification"]
)


@st.composite
def envelopes(draw: st.DrawFn) -> dict[str, Any]:
    """An ``event_callback`` with random parts, a new event id unless that was changed."""
    doc = draw(mutated(_ENVELOPE, _ENVELOPE_PATHS))
    if doc.get("event_id") == "EvFUZZ":
        doc["event_id"] = f"EvFUZZ{next(_event_ids)}"
    if draw(st.booleans()) and isinstance(doc.get("event"), dict):
        doc["event"] = {**doc["event"], "type": draw(_EVENT_TYPES)}
    return doc


@FUZZ
@given(body=envelopes() | st.dictionaries(st.text(max_size=10), json_values, max_size=5))
async def test_events_api_envelopes(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, body: dict[str, Any]
) -> None:
    await send(slack, caplog, json.dumps(body).encode(), JSON)
    await settle(slack, caplog, body)


@FUZZ
@given(body=json_values, content_type=st.sampled_from([JSON, FORM, "text/plain", ""]))
async def test_any_signed_json_document(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, body: Any, content_type: str
) -> None:
    await send(slack, caplog, json.dumps(body).encode(), content_type)


@FUZZ
@given(body=st.binary(max_size=200), content_type=st.sampled_from([JSON, FORM, ""]))
async def test_any_signed_bytes(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    await send(slack, caplog, body, content_type)


@FUZZ
@given(
    body=st.binary(max_size=200),
    headers=st.dictionaries(
        st.sampled_from(["X-Slack-Signature", "X-Slack-Request-Timestamp", "Content-Type"]),
        st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30),
    ),
)
async def test_unsigned_junk_is_one_refusal_line(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, body: bytes, headers: dict[str, str]
) -> None:
    caplog.clear()
    async with slack.http.post(f"{slack.url}/slack/events", data=body, headers=headers) as r:
        assert r.status == 401
    no_error_logged(caplog, (body, headers))
    assert len([r for r in caplog.records if r.name == "adapters.slack.gate"]) == 1


# -- slash commands -----------------------------------------------------------------------
_COMMAND_FIELDS = [
    "token",
    "team_id",
    "team_domain",
    "channel_id",
    "channel_name",
    "user_id",
    "user_name",
    "command",
    "text",
    "api_app_id",
    "is_enterprise_install",
]
_TEXTS = st.text(max_size=40) | st.sampled_from(
    ["help", "tickets", "tickets page 2", "status", "home", "create", "ticket INC0010001"]
)


@FUZZ
@given(
    text=_TEXTS,
    changed=st.dictionaries(st.sampled_from(_COMMAND_FIELDS), st.text(max_size=20), max_size=3),
    dropped=st.sets(st.sampled_from(_COMMAND_FIELDS), max_size=3),
)
async def test_slash_command_forms(
    slack: SlackHarness,
    caplog: pytest.LogCaptureFixture,
    text: str,
    changed: dict[str, str],
    dropped: set[str],
) -> None:
    form = dict(parse_qsl(slash_command_body("", response_url=slack.api.response_url()).decode()))
    form["text"] = text
    form.update(changed)
    for name in dropped:
        form.pop(name, None)
    await send(slack, caplog, urlencode(form).encode(), FORM)
    await settle(slack, caplog, form)


# -- interactivity --------------------------------------------------------------------------
_COMMON_PATHS = [
    ("type",),
    ("user",),
    ("user", "id"),
    ("user", "team_id"),
    ("team",),
    ("team", "id"),
    ("enterprise",),
    ("is_enterprise_install",),
    ("trigger_id",),
    ("api_app_id",),
    ("channel",),
    ("channel", "id"),
    ("container",),
    ("response_url",),
    ("response_urls",),
    ("callback_id",),
]
_ACTION_PATHS = [
    ("actions",),
    ("actions", 0),
    ("actions", 0, "action_id"),
    ("actions", 0, "value"),
    ("actions", 0, "block_id"),
    ("actions", 0, "selected_option"),
    ("message",),
    ("view",),
]
_VIEW_PATHS = [
    ("view",),
    ("view", "id"),
    ("view", "type"),
    ("view", "callback_id"),
    ("view", "private_metadata"),
    ("view", "state"),
    ("view", "state", "values"),
    *(("view", "state", "values", f) for f in ("kind", "name", "priority", "due")),
    ("view", "state", "values", "name", "value"),
    ("view", "state", "values", "name", "value", "value"),
    ("view", "state", "values", "kind", "value", "selected_option"),
    ("view", "state", "values", "kind", "value", "selected_option", "value"),
    ("view", "state", "values", "due", "value", "selected_date"),
    ("view", "state", "values", "state_pick", "value", "selected_option"),
    ("view", "state", "values", "client_id", "value", "value"),
]
_MESSAGE_PATHS = [("message",), ("message", "text"), ("message", "ts"), ("message_ts",)]


def _payloads(response_url: str) -> list[tuple[dict[str, Any], list[tuple[str | int, ...]]]]:
    """A real payload of each interactivity type SnowOps or Slack knows, with the paths
    the fuzzer may change in it."""
    click = block_actions_payload("snow", "help", response_url=response_url)
    home = block_actions_payload("snow:home", "tickets", view={"id": "V0HOME", "type": "home"})
    old = block_actions_payload("tickets_more", "incident:True:10", response_url=response_url)
    form = view_submission_payload("V0FORM", FORM_CALLBACK_ID, form_state())
    config = view_submission_payload(
        "V0CONF",
        CONFIG_CALLBACK,
        {"state_pick": {"value": {"type": "static_select", "selected_option": None}}},
    )
    client = view_submission_payload(
        "V0CLIENT",
        CLIENT_CALLBACK,
        {"client_id": {"value": {"type": "plain_text_input", "value": "abc"}}},
    )
    shortcut = message_action_payload(MESSAGE_SHORTCUT, "VPN is down", "1700000000.000100")
    shortcut["response_url"] = response_url
    closed = {**form, "type": "view_closed", "is_cleared": False}
    suggestion = {**click, "type": "block_suggestion", "action_id": "x", "value": "a"}
    global_shortcut = {**shortcut, "type": "shortcut", "callback_id": "global"}
    legacy = {**click, "type": "interactive_message", "callback_id": "legacy"}
    actions = _COMMON_PATHS + _ACTION_PATHS
    views = _COMMON_PATHS + _VIEW_PATHS
    return [
        (click, actions),
        (home, actions + _VIEW_PATHS[:6]),
        (old, actions),
        (form, views),
        (config, views),
        (client, views),
        (shortcut, _COMMON_PATHS + _MESSAGE_PATHS),
        (closed, views),
        (suggestion, [*_COMMON_PATHS, ("action_id",), ("value",)]),
        (global_shortcut, _COMMON_PATHS),
        (legacy, actions),
    ]


@settings(FUZZ, max_examples=150)
@given(data=st.data())
async def test_interactivity_payloads_of_every_type(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    base, paths = data.draw(st.sampled_from(_payloads(slack.api.response_url("fuzz"))))
    payload = data.draw(mutated(base, paths))
    await send(slack, caplog, urlencode({"payload": json.dumps(payload)}).encode(), FORM)
    await settle(slack, caplog, payload)
