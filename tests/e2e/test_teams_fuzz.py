"""Fuzzing ``/api/messages`` with activity shapes (Hypothesis, deterministic): whatever the
shape, the answer is below 500 and nothing logs a traceback.

The examples run in a worker thread (Hypothesis drives a plain function) and each is
POSTed on the test's event loop, where SnowOps serves it, signed like the Bot Framework's.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.teams_harness import TeamsHarness
from tests.fakes import bot_activities as bf

#: Stands for the fake connector's URL while examples are drawn (its port differs per run,
#: and the examples must not).
CONNECTOR = "http://connector.invalid/"
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=24)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=8,
)
NAMES = st.sampled_from(
    [
        "adaptiveCard/action",
        "task/fetch",
        "task/submit",
        "composeExtension/fetchTask",
        "composeExtension/submitAction",
        "signin/verifyState",
        "",
    ]
)
VERBS = st.sampled_from(["snow", "ticket_form", "rename_state", "connect_client", "tickets", "x"])
COMMANDS = st.sampled_from(
    ["help", "tickets page 2", "recommendations page 99999", "subscribe", "ticket INC0010001", ""]
) | st.text(max_size=30)
FIELDS = st.sampled_from(
    [
        "type",
        "id",
        "channelId",
        "from",
        "conversation",
        "recipient",
        "channelData",
        "text",
        "value",
        "name",
        "replyToId",
        "entities",
        "attachments",
        "membersAdded",
        "membersRemoved",
        "action",
        "locale",
        "timestamp",
        "serviceUrl",
    ]
)


@st.composite
def values(draw: st.DrawFn) -> Any:
    """An invoke's value: a card action, a dialog's data, or anything."""
    data = draw(
        st.fixed_dictionaries(
            {"verb": VERBS, "value": COMMANDS | JSON},
            optional={"form": JSON, "priority": JSON, "state_pick": JSON, "kind": JSON},
        )
    )
    return draw(
        st.sampled_from(
            [
                {"action": {"type": "Action.Execute", "verb": data["verb"], "data": data}},
                {"data": data, "context": {"theme": "default"}},
                {
                    "commandId": "shareToServiceNow",
                    "messagePayload": {"body": {"content": data["value"]}},
                },
            ]
        )
        | JSON
    )


@st.composite
def activities(draw: st.DrawFn, service_url: str) -> dict[str, Any]:
    """An activity as Teams sends them, with some of its fields replaced or dropped."""
    kind = draw(st.sampled_from(["message", "invoke", "conversationUpdate", "installationUpdate"]))
    conv = draw(st.sampled_from([bf.PERSONAL, bf.GROUP, bf.CHANNEL, bf.CHANNEL + ";messageid=17"]))
    if kind == "message":
        activity = bf.message("snow " + str(draw(COMMANDS)), service_url, conv=conv)
    elif kind == "invoke":
        activity = bf.invoke(draw(NAMES), draw(values()), service_url, conv=conv)
    else:
        activity = bf.base(kind, service_url, conv=conv, membersAdded=[{"id": bf.BOT_ID}])
    for field in draw(st.lists(FIELDS, max_size=3, unique=True)):
        if draw(st.booleans()):
            activity.pop(field, None)
        else:
            activity[field] = draw(JSON)
    if draw(st.booleans()):
        for part in ("from", "conversation", "channelData"):
            if isinstance(activity.get(part), dict) and draw(st.booleans()):
                activity[part][
                    draw(
                        st.sampled_from(
                            ["id", "tenant", "tenantId", "team", "aadObjectId", "conversationType"]
                        )
                    )
                ] = draw(JSON)
    return activity


@pytest.mark.timeout(120)
async def test_no_activity_shape_gets_a_500_or_a_traceback(
    teams: TeamsHarness, caplog: pytest.LogCaptureFixture
) -> None:
    loop = asyncio.get_running_loop()
    statuses: list[int] = []

    async def post(activity: dict[str, Any]) -> int:
        if activity.get("serviceUrl") == CONNECTOR:
            activity = {**activity, "serviceUrl": teams.service_url}
        url = activity.get("serviceUrl")
        token = teams.entra.mint(url if isinstance(url, str) else teams.service_url)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        body = json.dumps(activity).encode()
        async with teams.http.post(f"{teams.url}/api/messages", data=body, headers=headers) as r:
            await r.read()
            return r.status

    @settings(
        derandomize=True,
        database=None,
        max_examples=150,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(activities(CONNECTOR))
    def each(activity: dict[str, Any]) -> None:
        status = asyncio.run_coroutine_threadsafe(post(activity), loop).result(timeout=30)
        statuses.append(status)
        assert status < 500, (status, activity)

    await asyncio.to_thread(each)
    assert len(statuses) >= 100
    assert {s // 100 for s in statuses} >= {2, 4}  # both accepted and refused shapes ran
    for record in caplog.records:
        assert record.exc_info is None, record.getMessage()
        assert record.levelno < logging.ERROR, record.getMessage()
