"""The simulator's Batch API (POST /api/now/v1/batch) over HTTP: each item served as a call
of its own, Base64 both ways, an item's failure its own."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.servicenow import SimInstance
from sim.servicenow.faults import Fault

Client = TestClient[Any, Any]
Create = Callable[..., Awaitable[dict[str, Any]]]


def item(id_: str, url: str, method: str = "GET", **more: Any) -> dict[str, Any]:
    return {"id": id_, "method": method, "url": url, **more}


def body_of(served: dict[str, Any]) -> Any:
    return json.loads(base64.b64decode(served["body"]))


async def post(client: Client, headers: dict[str, str], payload: Any) -> Any:
    response = await client.post("/api/now/v1/batch", json=payload, headers=headers)
    return response.status, await response.json()


async def test_items_are_served_in_order_each_with_its_own_answer(
    client: Client, headers: dict[str, str], create: Create, instance: SimInstance
) -> None:
    made = await create("incident", {"short_description": "batched"})
    instance.request_log.clear()
    status, answer = await post(
        client,
        headers,
        {
            "batch_request_id": "7",
            "rest_requests": [
                item(
                    "a",
                    f"/api/now/table/incident?sysparm_query=sys_id={made['sys_id']}"
                    "&sysparm_fields=number,short_description",
                ),
                item("b", "/api/now/table/no_such_table", exclude_response_headers=True),
                item(
                    "c",
                    "/api/now/table/incident",
                    "POST",
                    body=base64.b64encode(b'{"short_description": "made in a batch"}').decode(),
                    headers=[{"name": "Content-Type", "value": "application/json"}],
                ),
            ],
        },
    )
    assert status == 200
    assert answer["batch_request_id"] == "7"
    assert answer["unserviced_requests"] == []
    a, b, c = answer["serviced_requests"]
    assert (a["id"], a["status_code"]) == ("a", 200)
    assert body_of(a)["result"] == [{"number": made["number"], "short_description": "batched"}]
    assert any(h["name"] == "Content-Type" for h in a["headers"])
    # An item's failure is its own: the batch answers 200 and the others are served.
    assert (b["id"], b["status_code"], b["headers"]) == ("b", 400, [])
    assert body_of(b)["error"]["message"] == "Invalid table no_such_table"
    assert c["status_code"] == 201
    assert body_of(c)["result"]["short_description"] == "made in a batch"
    # One HTTP request in the log; its items are marked as such.
    methods = [m for m, path in instance.request_log if path.startswith("/api/now/")]
    assert methods == ["POST", "BATCH GET", "BATCH GET", "BATCH POST"]


async def test_an_item_is_a_call_of_its_own_for_faults_and_acls(
    client: Client, headers: dict[str, str], instance: SimInstance
) -> None:
    instance.inject_fault(Fault(status=503, table="sys_journal_field"))
    _, answer = await post(
        client,
        headers,
        {"rest_requests": [
            item("j", "/api/now/table/sys_journal_field?sysparm_limit=1"),
            item("u", "/api/now/table/sys_user?sysparm_limit=1&sysparm_fields=user_name"),
        ]},
    )  # fmt: skip
    journal, users = answer["serviced_requests"]
    assert journal["status_code"] == 503
    assert users["status_code"] == 200
    assert len(body_of(users)["result"]) == 1


async def test_the_batch_needs_credentials_of_its_own(client: Client) -> None:
    response = await client.post(
        "/api/now/v1/batch", json={"rest_requests": [item("1", "/api/now/table/incident")]}
    )
    assert response.status == 401


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({}, "rest_requests must be a non-empty list"),
        ({"rest_requests": []}, "rest_requests must be a non-empty list"),
        ({"rest_requests": ["x"]}, "each rest_request must be an object"),
        ({"rest_requests": [{"id": "1", "method": "GET"}]}, "each rest_request needs a string url"),
        ({"rest_requests": [item("1", "https://evil.example/api/now/table/x")]}, "relative /api/"),
        ({"rest_requests": [item("1", "/api/now/v1/batch", "POST")]}, "never a batch"),
        ({"rest_requests": [item("1", "/api/now/table/x", headers="h")]}, "headers must be"),
        ({"rest_requests": [item("1", "/api/now/table/x", "GE T")]}, "method is one of"),
        ({"rest_requests": [item("1", "/api/now/table/x", body=3)]}, "body is a Base64"),
        ({"rest_requests": [item(str(i), "/api/now/table/x") for i in range(101)]}, "at most"),
    ],
)
async def test_a_malformed_batch_is_a_400_that_says_why(
    client: Client, headers: dict[str, str], payload: Any, detail: str
) -> None:
    status, answer = await post(client, headers, payload)
    assert status == 400
    assert detail in answer["error"]["detail"]


async def test_an_instance_without_the_batch_api_answers_as_an_unknown_resource(
    client: Client, headers: dict[str, str], instance: SimInstance
) -> None:
    instance.config.batch_api = False
    status, answer = await post(client, headers, {"rest_requests": [item("1", "/api/now/x")]})
    assert status == 400
    assert answer["error"]["message"] == "Requested URI does not represent any resource"


_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    payload=st.dictionaries(st.sampled_from(["rest_requests", "batch_request_id", "x"]), _JSONISH)
)
async def test_any_payload_shape_gets_an_answer_never_a_500(
    client: Client, headers: dict[str, str], payload: dict[str, Any]
) -> None:
    status, answer = await post(client, headers, payload)
    assert status in (200, 400)
    if status == 400:
        assert answer["error"]["message"] == "Invalid batch request"
