"""Signed but malformed pushes to ``POST /servicenow/events`` (issue 17, item 5): a 400
and one log line, never a 500 or a traceback."""

from __future__ import annotations

import base64
import json
import logging
import time
from typing import Any

import pytest

from core.servicenow.push import sign
from tests.e2e.conftest import SlackHarness
from tests.e2e.test_servicenow_push import install_rule
from tests.e2e.test_slack_notifications import create_ticket


async def post_signed(slack: SlackHarness, key: str, body: bytes) -> tuple[int, dict[str, Any]]:
    """POST ``body`` signed with the instance's push key; the status and JSON answer."""
    ts = str(int(time.time()))
    headers = {
        "X-SnowOps-Instance": slack.sim.url,
        "X-SnowOps-Timestamp": ts,
        "X-SnowOps-Signature": sign(base64.b64decode(key), ts, body),
        "Content-Type": "application/json",
    }
    async with slack.http.post(f"{slack.url}/servicenow/events", data=body, headers=headers) as r:
        return r.status, await r.json()


def quiet(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The push refusals logged; fails on any error, traceback or multi-line record."""
    for record in caplog.records:
        assert record.levelno < logging.ERROR, record.getMessage()
        assert not record.exc_info, record.getMessage()
        assert "\n" not in record.getMessage()
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("push refused")]


def record(**fields: Any) -> dict[str, Any]:
    return {"number": "INC0010001", "sys_id": "a" * 32, **fields}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "not JSON"),
        (b'{"a": ' * 40_000, "not JSON"),
        (b"\xff\xfe{}", "not JSON"),
        (json.dumps({"table": "incident", "record": record(state=2)}).encode(), "'state'"),
        (json.dumps({"table": "incident", "record": record(priority=[1])}).encode(), "priority"),
        (json.dumps({"table": "incident", "record": record(sys_mod_count={})}).encode(), "mod"),
        (json.dumps({"table": "incident", "record": record(number=7)}).encode(), "'number'"),
        (json.dumps({"table": ["incident"], "record": record()}).encode(), "table must be"),
        (
            json.dumps(
                {"table": "incident", "record": record(), "comments": [{"value": {"x": 1}}]}
            ).encode(),
            "comment field 'value'",
        ),
    ],
    ids=[
        "nested-100000",
        "unclosed-40000",
        "not-utf8",
        "int-state",
        "list-priority",
        "object-mod-count",
        "int-number",
        "list-table",
        "object-comment",
    ],
)
async def test_a_signed_malformed_push_is_a_400_and_one_line(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, body: bytes, error: str
) -> None:
    key = await install_rule(slack)
    caplog.set_level(logging.INFO)
    status, answer = await post_signed(slack, key, body)
    assert status == 400
    assert error in answer["error"]
    [line] = quiet(caplog)
    assert error in line


async def test_odd_text_in_a_tracked_ticket_is_read_not_a_crash(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """Strings where ServiceNow sends numbers (a mod count of "abc", a priority of "²",
    a thousand digits) read as unknown, as they would from the Table API."""
    number, _ = await create_ticket(slack)
    key = await install_rule(slack)
    found = slack.sim.instance.find_by_number(number)
    assert found is not None
    table, row = found
    caplog.set_level(logging.INFO)
    for mod_count, priority in (("abc", "²"), ("9" * 1000, "--1"), ("1.5", "")):
        fields = {k: str(v) for k, v in row.items() if isinstance(v, str | int)}
        fields.update(sys_mod_count=mod_count, priority=priority, state="7")
        body = json.dumps({"table": table, "record": fields}).encode()
        status, answer = await post_signed(slack, key, body)
        assert status == 202, answer
    assert quiet(caplog) == []
