"""Fuzz the payloads of the ticket action forms (Hypothesis, deterministic): Slack's
``view_submission`` of an action modal and ``block_suggestion`` of the group type-ahead,
signed as Slack signs them; Teams' ``task/submit`` and ``adaptiveCard/action`` of an action
form and the ``application/search`` invoke. Whatever the shape, the answer is below 500
and nothing is logged as an error or with a traceback."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.slack.blocks_actions import ACTION_CALLBACK, GROUP_SEARCH
from core.actions import ActionFormContext
from tests.e2e.conftest import USER, SlackHarness
from tests.e2e.fuzzing import FUZZ, json_values, mutated, no_error_logged
from tests.e2e.teams_harness import TeamsHarness
from tests.e2e.test_fuzz_slack import send, settle
from tests.fakes import bot_activities as bf
from tests.fakes.slack_signing import FORM, view_submission_payload

_CONTEXTS = [
    ActionFormContext("INC0010001", "comment", "C0SEC").dumps(),
    ActionFormContext("CHG0030001", "close").dumps(),
    ActionFormContext("INC0010001", "assign").dumps(),
    '{"n":"INC0010001","a":"delete"}',
    "not json",
]


@pytest.fixture(autouse=True)
def _log_info(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)


def _slack_payloads() -> list[tuple[dict[str, Any], list[tuple[str | int, ...]]]]:
    values = {
        "text": {"value": {"type": "plain_text_input", "value": "Rebooted"}},
        "close_code": {
            "value": {"type": "static_select", "selected_option": {"value": "Duplicate"}}
        },
        "group": {
            GROUP_SEARCH: {"type": "external_select", "selected_option": {"value": "Network"}}
        },
    }
    submitted = view_submission_payload(
        "V0ACT", ACTION_CALLBACK, values, private_metadata=_CONTEXTS[0], user_id=USER
    )
    suggestion = {
        "type": "block_suggestion",
        "user": {"id": USER, "team_id": "T0123"},
        "team": {"id": "T0123", "domain": "acme"},
        "action_id": GROUP_SEARCH,
        "block_id": "group",
        "value": "net",
        "view": {"id": "V0ACT", "type": "modal", "callback_id": ACTION_CALLBACK},
    }
    view_paths: list[tuple[str | int, ...]] = [
        ("view",),
        ("view", "id"),
        ("view", "private_metadata"),
        ("view", "state", "values"),
        *(("view", "state", "values", f) for f in values),
        ("view", "state", "values", "text", "value"),
        ("view", "state", "values", "text", "value", "value"),
        ("view", "state", "values", "close_code", "value", "selected_option"),
        ("view", "state", "values", "group", GROUP_SEARCH, "selected_option", "value"),
        ("user",),
        ("team",),
    ]
    suggest_paths: list[tuple[str | int, ...]] = [
        ("value",),
        ("action_id",),
        ("block_id",),
        ("view",),
        ("user",),
        ("team",),
        ("team", "id"),
    ]
    return [(submitted, view_paths), (suggestion, suggest_paths)]


@settings(FUZZ, max_examples=80)
@given(data=st.data())
async def test_slack_action_payloads(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    base, paths = data.draw(st.sampled_from(_slack_payloads()))
    payload = data.draw(mutated(base, paths))
    if base["type"] == "view_submission" and isinstance(payload.get("view"), dict):
        if data.draw(st.booleans()):
            payload["view"]["private_metadata"] = data.draw(st.sampled_from(_CONTEXTS))
    await send(slack, caplog, urlencode({"payload": json.dumps(payload)}).encode(), FORM)
    await settle(slack, caplog, payload)


_INPUTS = st.fixed_dictionaries(
    {},
    optional={
        "act": st.sampled_from(
            [{"n": "INC0010001", "a": "comment"}, {"n": "CHG0030001", "a": "close"}]
        )
        | json_values,
        "text": json_values,
        "group": json_values,
        "close_code": json_values,
        "close_notes": json_values,
    },
)


@st.composite
def _teams_invokes(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    data = {"verb": "ticket_action", **draw(_INPUTS)}
    search = st.fixed_dictionaries(
        {},
        optional={
            "queryText": json_values,
            "dataset": st.sampled_from(["snowops.groups", "x"]) | json_values,
            "queryOptions": json_values,
        },
    )
    return draw(
        st.sampled_from(
            [
                ("task/submit", {"data": data, "context": {"theme": "default"}}),
                ("adaptiveCard/action", {"action": {"verb": "ticket_action", "data": data}}),
            ]
        )
        | st.tuples(st.just("application/search"), search)
    )


@pytest.mark.timeout(120)
async def test_teams_action_invokes(teams: TeamsHarness, caplog: pytest.LogCaptureFixture) -> None:
    loop = asyncio.get_running_loop()
    statuses: list[int] = []

    @settings(FUZZ, max_examples=80)
    @given(_teams_invokes())
    def each(invoke: tuple[str, dict[str, Any]]) -> None:
        name, value = invoke
        activity = bf.invoke(name, value, teams.service_url)
        status, _ = asyncio.run_coroutine_threadsafe(teams.send(activity), loop).result(30)
        statuses.append(status)
        assert status < 500, (status, activity)

    await asyncio.to_thread(each)
    assert {s // 100 for s in statuses} >= {2, 4}  # answered and refused shapes both ran
    no_error_logged(caplog, "Teams action invokes")
