"""Fuzz ``POST /servicenow/events`` (signed pushes of any shape, some of them records of
this workspace's tickets) and the console API (issue 17, item 5): no answer is a 5xx,
nothing is logged as an error or with a traceback, and no console call hangs."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.servicenow.mapping import correlation_prefix
from core.servicenow.push import sign
from tests.e2e.conftest import WORKSPACE, SlackHarness
from tests.e2e.console_harness import Console, console
from tests.e2e.fuzzing import FUZZ, json_values, no_error_logged
from tests.e2e.test_servicenow_push import install_rule

__all__ = ["console"]


@pytest.fixture(autouse=True)
def _log_info(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)


# -- push -----------------------------------------------------------------------------------
_text = st.text(max_size=20)
_FIELDS = (
    "state",
    "priority",
    "sys_mod_count",
    "short_description",
    "due_date",
    "sys_updated_on",
    "sys_created_on",
    "active",
)
_records = st.fixed_dictionaries(
    {
        "number": st.sampled_from(["INC0010001", "CHG0030001"]) | json_values,
        "sys_id": st.just("a" * 32) | json_values,
        "correlation_id": st.sampled_from(
            [correlation_prefix(WORKSPACE) + "abc", correlation_prefix("slack:TOTHER") + "x"]
        )
        | _text,
    },
    optional={field: _text | json_values for field in _FIELDS},
)
_comments = st.lists(
    st.dictionaries(
        st.sampled_from(["sys_id", "element_id", "value", "sys_created_by", "sys_created_on"]),
        _text | json_values,
    ),
    max_size=3,
)
_pushes = st.fixed_dictionaries(
    {
        "table": st.sampled_from(["incident", "change_request"]) | json_values,
        "record": _records | json_values,
    },
    optional={"comments": _comments | json_values},
)


@settings(FUZZ, max_examples=100)
@given(body=_pushes | json_values)
async def test_signed_pushes_of_any_shape(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, body: Any
) -> None:
    key = await install_rule(slack)
    raw = json.dumps(body).encode()
    ts = str(int(time.time()))
    headers = {
        "X-SnowOps-Instance": slack.sim.url,
        "X-SnowOps-Timestamp": ts,
        "X-SnowOps-Signature": sign(base64.b64decode(key), ts, raw),
        "Content-Type": "application/json",
    }
    caplog.clear()
    async with slack.http.post(f"{slack.url}/servicenow/events", data=raw, headers=headers) as r:
        assert r.status < 500, body
        assert r.status in (202, 400, 409), (r.status, body)
    no_error_logged(caplog, body)


# -- console -------------------------------------------------------------------------------
_numbers = st.one_of(
    st.floats().map(repr),
    st.integers().map(str),
    st.sampled_from(["nan", "-nan", "inf", "-Infinity", "1e400", "1_0", " 1", "0x10", ""]),
    _text,
)


@FUZZ
@given(wait=_numbers, after=_numbers)
async def test_console_events_answer_at_once(
    console: Console, caplog: pytest.LogCaptureFixture, wait: str, after: str
) -> None:
    """``after`` is fuzzed with no wait, ``wait`` with an ``after`` that the feed has
    passed: a valid call returns at once, an invalid one is a 400."""
    if console.sink.last_seq == 0:
        await console.sink.announce("SnowOps is ready")  # so after=0 has an event at once
    caplog.clear()
    async with asyncio.timeout(5):
        for query in ({"after": "0", "wait": wait}, {"after": after, "wait": "0"}):
            async with console.http.get(f"{console.url}/console/events", params=query) as r:
                assert r.status in (200, 400), query
    no_error_logged(caplog, (wait, after))


_form_docs = st.fixed_dictionaries(
    {},
    optional={
        name: _text | json_values
        for name in (
            "kind",
            "name",
            "description",
            "priority",
            "due",
            "category",
            "source",
            "recommendation_id",
            "recommendation_url",
            "title",
        )
    },
)
_console_bodies = st.fixed_dictionaries(
    {},
    optional={
        "text": st.sampled_from(["help", "tickets", "status", "create x"]) | _text | json_values,
        "form": _form_docs | json_values,
        "values": st.dictionaries(_text, _text | json_values, max_size=4) | json_values,
        "key": _text | json_values,
    },
)


@FUZZ
@given(
    path=st.sampled_from(["/console/commands", "/console/forms"]),
    body=_console_bodies | json_values,
)
async def test_console_commands_and_forms(
    console: Console, caplog: pytest.LogCaptureFixture, path: str, body: Any
) -> None:
    caplog.clear()
    async with console.http.post(f"{console.url}{path}", data=json.dumps(body)) as r:
        assert r.status in (200, 400), (r.status, body)
    no_error_logged(caplog, body)
