"""Malformed and hostile requests to ``POST /slack/events`` (issue 17, item 5): each is
answered 4xx (or, when well-formed but wrong, with a message for the user), never a 500,
and leaves at most one line in the log, never a traceback."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from typing import Any
from urllib.parse import urlencode

import pytest

from adapters.slack.blocks_surfaces import FORM_CALLBACK_ID
from tests.e2e.conftest import SIGNING_SECRET, SlackHarness, form_state
from tests.fakes.slack_signing import (
    FORM,
    JSON,
    app_home_opened_event,
    block_actions_payload,
    event_body,
    interactivity_body,
    signed_headers,
    view_submission_payload,
)

DEEP = b"[" * 100_000 + b"]" * 100_000


def signed(body: bytes, timestamp: str, content_type: str) -> dict[str, str]:
    """Slack's headers for any bytes and any timestamp text (the helper in
    tests/fakes signs only UTF-8 bodies and integer timestamps)."""
    base = b"v0:" + timestamp.encode() + b":" + body
    mac = hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={mac}",
        "Content-Type": content_type,
    }


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """Nothing was logged as an error, with a traceback, or over several lines."""
    for record in caplog.records:
        assert record.levelno < logging.ERROR, record.getMessage()
        assert not record.exc_info, record.getMessage()
        assert "\n" not in record.getMessage(), record.getMessage()


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The lines that say a Slack request was refused."""
    return [r.getMessage() for r in caplog.records if r.name == "adapters.slack.gate"]


@pytest.fixture(autouse=True)
def _log_info(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)


async def test_a_non_numeric_timestamp_is_refused(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    body = b"command=%2Fsnow&text=help"
    for stamp in ("abc", "1e9", "-5", "17.5", "\uff19\uff19", "9" * 40):
        headers = signed(body, stamp, FORM)
        async with slack.http.post(f"{slack.url}/slack/events", data=body, headers=headers) as r:
            assert r.status == 401
    assert len(refusals(caplog)) == 6
    assert all("Unix seconds" in line for line in refusals(caplog))
    no_traceback(caplog)


async def test_unsigned_junk_is_refused_before_it_is_read(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """2,000 eleven-byte junk bodies once gave 2,000 × 500 and megabytes of tracebacks:
    the signature is checked before the body is parsed."""
    junk = [b"hello world", b"{junk-json}", b"payload=%5B", DEEP, b"\xff\xfe\x00"]

    async def send(body: bytes, content_type: str) -> int:
        headers = {"Content-Type": content_type}
        async with slack.http.post(f"{slack.url}/slack/events", data=body, headers=headers) as r:
            await r.read()
            return r.status

    statuses = await asyncio.gather(
        *(send(body, kind) for body in junk for kind in (JSON, FORM) for _ in range(20))
    )
    assert set(statuses) == {401}
    assert len(refusals(caplog)) == len(statuses)  # one line each
    assert all(line.endswith("unsigned") for line in refusals(caplog))
    no_traceback(caplog)
    assert slack.api.calls == []


async def test_a_bad_signature_is_refused_whatever_the_body(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    body = b"{not json"
    headers = signed_headers("not-the-secret", body, content_type=JSON)
    async with slack.http.post(f"{slack.url}/slack/events", data=body, headers=headers) as r:
        assert r.status == 401
    assert refusals(caplog) == ["refused Slack request (401): bad signature"]
    no_traceback(caplog)


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"payload=not-json", FORM, "not JSON"),
        (urlencode({"payload": "[1, 2]"}).encode(), FORM, "must be a JSON object"),
        (urlencode({"payload": '"a string"'}).encode(), FORM, "must be a JSON object"),
        (urlencode({"payload": "null"}).encode(), FORM, "must be a JSON object"),
        (b"payload=" + DEEP, FORM, "not JSON"),
        (b"{not json", JSON, "not JSON"),
        (b"[1, 2, 3]", JSON, "must be a JSON object"),
        (b'"text"', JSON, "must be a JSON object"),
        (DEEP, JSON, "not JSON"),
        (b'{"type": "event_callback", "event": "x"}', JSON, "event must be an object"),
        (b'{"a": "\xff"}', JSON, "not UTF-8"),
    ],
)
async def test_a_signed_body_that_is_no_payload_is_a_400(
    slack: SlackHarness,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    content_type: str,
    reason: str,
) -> None:
    headers = signed(body, str(int(time.time())), content_type)
    async with slack.http.post(f"{slack.url}/slack/events", data=body, headers=headers) as r:
        assert r.status == 400
    [line] = refusals(caplog)
    assert reason in line
    no_traceback(caplog)


def _step_save() -> dict[str, Any]:
    """A workflow step's configuration modal submitted, without its step."""
    payload = view_submission_payload("V1", FORM_CALLBACK_ID, {})
    payload["view"]["type"] = "workflow_step"
    return payload


def _actions(actions: Any) -> dict[str, Any]:
    return {**block_actions_payload("snow", "help"), "actions": actions}


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (_actions([]), "actions must not be empty"),
        (_actions(None), "actions must be a list of objects"),
        (_actions(["snow"]), "actions must be a list of objects"),
        (_actions([{"value": "help"}]), "actions[0].action_id must be a string"),
        (_actions([{"action_id": ["snow"]}]), "actions[0].action_id must be a string"),
        ({**block_actions_payload("snow", "help"), "team": 7}, "team must be an object"),
        ({**block_actions_payload("snow", "help"), "user": {"id": 7}}, "user.id must be"),
        ({**block_actions_payload("snow", "help"), "response_urls": 5}, "response_urls must"),
        ({**block_actions_payload("snow", "help"), "authorizations": ["x"]}, "authorizations"),
        (
            {**block_actions_payload("snow", "help"), "response_url": "javascript:alert(1)"},
            "response_url must be an http(s) URL",
        ),
        ({"type": "view_submission"}, "view must be an object"),
        ({"type": "view_submission", "view": {"id": "V1"}}, "view.callback_id must be"),
        ({"type": "message_action", "callback_id": 5}, "callback_id must be a string"),
        ({"type": "interactive_message", "callback_id": "x"}, "actions must be a list"),
        ({"type": "workflow_step_edit", "callback_id": "x"}, "workflow_step must be"),
        (_step_save(), "workflow_step must be an object"),
    ],
)
async def test_an_interactivity_payload_of_the_wrong_shape_is_a_400(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, payload: dict[str, Any], reason: str
) -> None:
    r = await slack.interact(payload)
    assert r.status == 400
    [line] = refusals(caplog)
    assert reason in line
    no_traceback(caplog)
    await asyncio.sleep(0.05)
    assert slack.api.calls == []


def _submission(state: Any, *, drop_state: bool = False) -> dict[str, Any]:
    payload = view_submission_payload("V0FORM", FORM_CALLBACK_ID, {})
    if drop_state:
        del payload["view"]["state"]
    else:
        payload["view"]["state"] = state
    return payload


@pytest.mark.parametrize(
    "payload",
    [
        _submission(None, drop_state=True),
        _submission(None),
        _submission({}),
        _submission({"values": None}),
    ],
    ids=["no-state", "null-state", "empty-state", "null-values"],
)
async def test_a_form_submitted_without_its_state_asks_for_the_fields(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, payload: dict[str, Any]
) -> None:
    r = await slack.interact(payload)
    assert r.status == 200
    body = await r.json()
    assert body["response_action"] == "errors"
    assert "name" in body["errors"]
    no_traceback(caplog)


async def test_form_values_of_the_wrong_types_are_missing_fields(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """Well-formed blocks whose values are not what the inputs send: the user is told
    which fields to fill, as for an empty form."""
    state: dict[str, Any] = form_state()
    state["name"]["value"]["value"] = 12
    state["kind"]["value"]["selected_option"] = "incident"
    state["due"]["value"]["selected_date"] = ["2026-12-31"]
    r = await slack.interact(_submission({"values": state}))
    assert r.status == 200
    body = await r.json()
    assert body["response_action"] == "errors"
    assert "name" in body["errors"]
    no_traceback(caplog)


@pytest.mark.parametrize(
    "values",
    [["name"], "x", {"name": "x"}, {"name": {"value": "x"}}, {"name": {"value": None}}],
)
async def test_form_state_that_is_no_map_of_inputs_is_a_400(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, values: Any
) -> None:
    r = await slack.interact(_submission({"values": values}))
    assert r.status == 400
    [line] = refusals(caplog)
    assert "view.state" in line
    no_traceback(caplog)


@pytest.mark.parametrize("user", ["absent", None, ""])
async def test_app_home_opened_without_a_user_is_acknowledged_and_ignored(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, user: str | None
) -> None:
    event: dict[str, Any] = app_home_opened_event()
    if user == "absent":
        del event["user"]
    else:
        event["user"] = user
    r = await slack.event(event, event_id=f"EvHOME{user!s}")
    assert r.status == 200
    await asyncio.sleep(0.05)
    assert slack.api.calls_to("views.publish") == []
    no_traceback(caplog)


async def test_app_home_opened_with_a_user_of_the_wrong_type_is_a_400(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    for i, user in enumerate((123, ["U0USER"], {"id": 5})):
        event = {**app_home_opened_event(), "user": user}
        r = await slack.event(event, event_id=f"EvBADUSER{i}")
        assert r.status == 400
    assert len(refusals(caplog)) == 3
    no_traceback(caplog)


async def test_a_signed_request_no_listener_takes_is_one_log_line(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    body = event_body({"type": "reaction_added", "user": "U0USER"})
    r = await slack.post(body, content_type=JSON)
    assert r.status == 404
    lines = [r.getMessage() for r in caplog.records if r.name == "adapters.slack.app"]
    assert lines == ["no listener for Slack request 'event_callback reaction_added'"]
    no_traceback(caplog)


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        ("snow", "tickets all page " + "9" * 30),
        ("snow", "tickets all page 1001"),
        ("snow", "recommendations page " + "9" * 30),
        ("tickets_more", "incident:True:" + "9" * 30),
        ("recommendations_page", "Identity|1|" + "9" * 30),
    ],
)
async def test_a_forged_page_number_gets_a_usage_message(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, action_id: str, value: str
) -> None:
    payload = block_actions_payload(action_id, value, response_url=slack.api.response_url("pg"))
    r = await slack.interact(payload)
    assert r.status == 200
    [answer] = await slack.api.wait_for_response()
    assert "page number from 1 to 1000" in json.dumps(answer)
    no_traceback(caplog)


async def test_a_timestamp_far_in_the_future_is_stale(slack: SlackHarness) -> None:
    body = interactivity_body(block_actions_payload("snow", "help"))
    headers = signed_headers(SIGNING_SECRET, body, timestamp=int(time.time()) + 3600)
    async with slack.http.post(f"{slack.url}/slack/events", data=body, headers=headers) as r:
        assert r.status == 401
