"""ServiceNow pushes ticket changes to POST /servicenow/events: the simulator plays the
business rule of manifests/servicenow/, signed with the key `snowops push-key` makes."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import AsyncIterator

import pytest

from tests.e2e.conftest import ADMIN, SlackHarness
from tests.e2e.push_rule import install_rule, pushed
from tests.e2e.test_slack_notifications import WS, create_ticket, sync_and_deliver, thread_replies


async def test_a_pushed_state_change_reaches_card_thread_and_subscribers_once(
    slack: SlackHarness,
) -> None:
    number, ts = await create_ticket(slack)
    await slack.command("subscribe incident", user=ADMIN, channel="C0OPS", name="sub")
    await slack.api.wait_for_response()
    await install_rule(slack)
    slack.api.clear()

    slack.sim.instance.set_state(number, "2")
    [delivery] = await pushed(slack)
    assert delivery["status"] == 202, delivery["answer"]
    assert json.loads(delivery["answer"]) == {"workspaces": 1, "events": 1}
    assert await slack.services.notifier.deliver("test") == 3
    [update] = slack.api.calls_to("chat.update")
    assert update.args["ts"] == ts
    assert "In Progress" in json.dumps(update.args["blocks"])
    assert thread_replies(slack, ts) == [f"{number} Rotate the VPN certificate: New → In Progress"]
    assert [c.args["channel"] for c in slack.api.calls_to("chat.postMessage")].count("C0OPS") == 1

    # The poll that follows sees the same change: one notification, not two.
    assert await sync_and_deliver(slack) == 0
    assert len(slack.api.calls_to("chat.update")) == 1


async def test_a_change_polled_first_is_not_announced_again_when_pushed(
    slack: SlackHarness,
) -> None:
    number, ts = await create_ticket(slack)
    await install_rule(slack)
    rule = slack.sim.instance.pusher.rule
    slack.sim.instance.pusher.rule = None  # the push is late
    slack.sim.instance.set_state(number, "2")
    assert await sync_and_deliver(slack) == 2
    slack.sim.instance.pusher.rule = rule
    slack.sim.instance.add_journal(number, "Blocked for everyone", element="work_notes")
    [delivery] = await pushed(slack)
    assert delivery["status"] == 202
    assert json.loads(delivery["answer"])["events"] == 0
    assert await slack.services.notifier.deliver("test") == 0
    assert len(thread_replies(slack, ts)) == 1


async def test_a_pushed_comment_arrives_in_the_thread(slack: SlackHarness) -> None:
    number, ts = await create_ticket(slack)
    await install_rule(slack)
    slack.api.clear()
    slack.sim.instance.add_journal(number, "Legacy auth is blocked for all users now")
    [delivery] = await pushed(slack)
    assert delivery["status"] == 202
    await slack.services.notifier.deliver("test")
    [reply] = thread_replies(slack, ts)
    assert "new comment from beth.anglin: Legacy auth is blocked" in reply
    assert await sync_and_deliver(slack) == 0


async def test_a_forged_signature_is_refused_and_nothing_is_queued(slack: SlackHarness) -> None:
    number, _ = await create_ticket(slack)
    await install_rule(slack)
    # The rule signs with a key SnowOps never made.
    slack.sim.instance.pusher.rule.key = base64.b64encode(b"k" * 32).decode()  # type: ignore[union-attr]
    slack.sim.instance.set_state(number, "2")
    [delivery] = await pushed(slack)
    assert delivery["status"] == 401
    assert json.loads(delivery["answer"]) == {"error": "bad signature"}
    assert await slack.services.notifier.deliver("test") == 0


async def test_a_stale_delivery_is_refused(slack: SlackHarness) -> None:
    number, _ = await create_ticket(slack)
    await install_rule(slack, clock_skew=-600)  # signed ten minutes ago
    slack.sim.instance.set_state(number, "2")
    [delivery] = await pushed(slack)
    assert delivery["status"] == 401
    assert "stale" in json.loads(delivery["answer"])["error"]


async def test_a_replayed_delivery_is_refused(slack: SlackHarness) -> None:
    number, ts = await create_ticket(slack)
    await install_rule(slack)
    slack.sim.instance.set_state(number, "2")
    [first] = await pushed(slack)
    assert first["status"] == 202
    async with slack.http.post(
        f"{slack.url}/servicenow/events", data=first["body"].encode(), headers=first["headers"]
    ) as resp:
        assert resp.status == 409
        assert await resp.json() == {"error": "replayed delivery"}
    await slack.services.notifier.deliver("test")
    assert len(thread_replies(slack, ts)) == 1


@pytest.mark.parametrize(
    ("headers", "body", "status", "error"),
    [
        ({}, b"{}", 400, "X-SnowOps-Instance is not an instance URL"),
        ({"X-SnowOps-Instance": "https://other.service-now.com/"}, b"{}", 401, "no push key"),
        ({"X-SnowOps-Timestamp": "yesterday"}, b"{}", 401, "Unix seconds"),
        ({"X-SnowOps-Signature": "not base64!"}, b"{}", 401, "not base64"),
    ],
)
async def test_bad_deliveries_get_a_specific_answer(
    slack: SlackHarness, headers: dict[str, str], body: bytes, status: int, error: str
) -> None:
    await install_rule(slack)
    base = {
        "X-SnowOps-Instance": slack.sim.url + "/",
        "X-SnowOps-Timestamp": str(int(time.time())),
        "X-SnowOps-Signature": base64.b64encode(b"x" * 32).decode(),
    }
    if "X-SnowOps-Instance" not in headers and not headers:
        base.pop("X-SnowOps-Instance")
    async with slack.http.post(
        f"{slack.url}/servicenow/events", data=body, headers={**base, **headers}
    ) as resp:
        assert resp.status == status
        assert error in (await resp.json())["error"]


async def test_a_signed_but_malformed_body_is_refused(slack: SlackHarness) -> None:
    from core.servicenow.push import sign

    key = await install_rule(slack)
    ts = str(int(time.time()))
    for body, error in [
        (b"not json", "not JSON"),
        (b'{"table": "sys_user", "record": {}}', "table must be one of"),
        (b'{"table": "incident", "record": {"number": "INC1"}}', "number and sys_id"),
    ]:
        signature = sign(base64.b64decode(key), ts, body)
        async with slack.http.post(
            f"{slack.url}/servicenow/events",
            data=body,
            headers={
                "X-SnowOps-Instance": slack.sim.url,
                "X-SnowOps-Timestamp": ts,
                "X-SnowOps-Signature": signature,
            },
        ) as resp:
            assert resp.status == 400
            assert error in (await resp.json())["error"]


async def test_an_oversized_body_is_refused(slack: SlackHarness) -> None:
    async with slack.http.post(f"{slack.url}/servicenow/events", data=b"x" * (300 * 1024)) as resp:
        assert resp.status == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: sent chunked
        for _ in range(300):
            yield b"x" * 1024

    async with slack.http.post(f"{slack.url}/servicenow/events", data=chunks()) as resp:
        assert resp.status == 413


async def test_a_body_that_arrives_in_pieces_is_read_whole(slack: SlackHarness) -> None:
    """A real push with comments spans many TCP segments; the signature covers it all."""
    from core.servicenow.push import sign

    number, ts = await create_ticket(slack)
    key = await install_rule(slack)
    slack.sim.instance.pusher.rule = None
    slack.sim.instance.add_journal(number, "A long comment. " * 400)  # about 6 KB
    found = slack.sim.instance.find_by_number(number)
    assert found is not None
    payload = slack.sim.instance.pusher.payload(slack.sim.instance.store, *found)
    body = json.dumps(payload).encode()
    assert len(body) > 5000
    stamp = str(int(time.time()))

    async def pieces() -> AsyncIterator[bytes]:
        for i in range(0, len(body), 700):
            yield body[i : i + 700]
            await asyncio.sleep(0.001)

    async with slack.http.post(
        f"{slack.url}/servicenow/events",
        data=pieces(),
        headers={
            "X-SnowOps-Instance": slack.sim.url,
            "X-SnowOps-Timestamp": stamp,
            "X-SnowOps-Signature": sign(base64.b64decode(key), stamp, body),
        },
    ) as resp:
        assert resp.status == 202, await resp.text()
        assert (await resp.json())["events"] == 1
    await slack.services.notifier.deliver("test")
    assert any("A long comment." in r for r in thread_replies(slack, ts))


async def test_a_push_for_another_workspace_is_ignored(slack: SlackHarness) -> None:
    """A record of the instance that is not one of this workspace's tickets changes
    nothing, even correctly signed."""
    await install_rule(slack)
    await create_ticket(slack)
    await pushed(slack)
    slack.sim.instance.pusher.log.clear()
    found = slack.sim.instance.find_by_number("INC0010001")
    assert found is not None
    table, row = found
    row["correlation_id"] = "snowops:slack:TOTHER:abc"
    rule = slack.sim.instance.pusher.rule
    assert rule is not None
    payload = slack.sim.instance.pusher.payload(slack.sim.instance.store, table, row)
    assert payload is not None
    slack.sim.instance.pusher.written(slack.sim.instance.store, table, row, time.time())
    [delivery] = await pushed(slack)
    assert json.loads(delivery["answer"]) == {"workspaces": 0, "events": 0}
    assert WS not in delivery["answer"]
