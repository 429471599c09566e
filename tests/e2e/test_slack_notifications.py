"""Ticket changes in ServiceNow reach Slack once: the card in place, its thread, and
subscribed channels. Sync cycles and deliveries are driven by the test, one at a time."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from core.models import TicketKind
from core.repos import Baselines, Watermarks
from core.servicenow.mapping import ticket_from_record
from core.sync import StatusSync
from sim.servicenow.config import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
)
from sim.servicenow.faults import Fault
from tests.e2e.conftest import ADMIN, USER, SlackHarness, form_state
from tests.fakes.slack_signing import view_submission_payload
from tests.integration.oauth_helpers import approve

WS = "slack:T0123"


async def create_ticket(slack: SlackHarness) -> tuple[str, str]:
    """A ticket made from the form in #security; returns (number, card ts)."""
    await slack.command("create Block legacy authentication")
    await slack.api.wait_for("views.open")
    view = [v for v in slack.api.views.values() if v.get("callback_id") == "ticket_form"][-1]
    await slack.interact(
        view_submission_payload(
            view["id"], "ticket_form", form_state(), private_metadata=view["private_metadata"]
        )
    )
    await slack.api.wait_for("chat.postMessage")
    for _ in range(250):  # the card's place is saved just after Slack answers
        if cards := await slack.services.store.list_card_locations(WS, "INC0010001"):
            return "INC0010001", cards[0].message_id
        await asyncio.sleep(0.02)
    raise AssertionError("the ticket card was never recorded")


async def sync_and_deliver(slack: SlackHarness) -> int:
    await slack.services.workers.run_cycle(WS)
    return await slack.services.notifier.deliver("test")


def thread_replies(slack: SlackHarness, ts: str) -> list[str]:
    return [
        c.args["text"]
        for c in slack.api.calls_to("chat.postMessage")
        if c.args.get("thread_ts") == ts
    ]


async def test_a_state_change_reaches_card_thread_and_subscribers_once(
    slack: SlackHarness,
) -> None:
    number, ts = await create_ticket(slack)
    await slack.command("subscribe incident", user=ADMIN, channel="C0OPS", name="sub")
    await slack.api.wait_for_response()
    slack.api.clear()
    assert await sync_and_deliver(slack) == 0  # nothing changed yet

    slack.sim.instance.set_state(number, "2")
    assert await sync_and_deliver(slack) == 3
    [update] = slack.api.calls_to("chat.update")
    assert update.args["ts"] == ts
    assert "In Progress" in json.dumps(update.args["blocks"])
    assert thread_replies(slack, ts) == [f"{number} Rotate the VPN certificate: New → In Progress"]
    posts = [c for c in slack.api.calls_to("chat.postMessage") if c.args["channel"] == "C0OPS"]
    assert len(posts) == 1
    assert "New → In Progress" in posts[0].args["text"]

    # Seen again (the watermark overlap), and delivered again: nothing more.
    assert await sync_and_deliver(slack) == 0
    assert len(slack.api.calls_to("chat.update")) == 1
    slack.every_payload_is_valid_block_kit()


async def test_without_task_reads_each_table_is_polled_and_nothing_is_missed(
    slack: SlackHarness,
) -> None:
    """An integration user whose `task` read ACL is taken away, after SnowOps found it
    readable: the change still reaches the thread in that cycle, and polls go table by
    table from then on."""
    number, ts = await create_ticket(slack)
    await sync_and_deliver(slack)
    slack.api.clear()
    slack.sim.instance.inject_fault(Fault(kind="acl", table="task", count=10_000))
    slack.sim.instance.request_log.clear()

    slack.sim.instance.set_state(number, "2")
    assert await sync_and_deliver(slack) == 2  # the card, its thread

    assert thread_replies(slack, ts) == [f"{number} Rotate the VPN certificate: New → In Progress"]
    tables = [urlsplit(p).path.rsplit("/", 1)[-1] for _, p in slack.sim.instance.request_log]
    assert tables[:2] == ["task", "incident"]
    assert {"change_request", "problem", "sn_si_incident"} <= set(tables)
    slack.sim.instance.request_log.clear()
    assert await sync_and_deliver(slack) == 0
    again = [urlsplit(p).path.rsplit("/", 1)[-1] for _, p in slack.sim.instance.request_log]
    assert "task" not in again
    assert "incident" in again


async def test_a_comment_in_servicenow_arrives_in_the_thread(slack: SlackHarness) -> None:
    number, ts = await create_ticket(slack)
    slack.api.clear()
    slack.sim.instance.add_journal(number, "Legacy auth is blocked for all users now")
    await sync_and_deliver(slack)
    [reply] = thread_replies(slack, ts)
    assert "new comment from beth.anglin" in reply
    assert "Legacy auth is blocked" in reply
    assert await sync_and_deliver(slack) == 0


async def test_the_origin_channel_is_not_told_twice_when_it_also_subscribed(
    slack: SlackHarness,
) -> None:
    number, ts = await create_ticket(slack)
    await slack.command("subscribe", user=ADMIN, name="sub")  # in #security, like the card
    await slack.api.wait_for_response()
    slack.api.clear()
    slack.sim.instance.set_state(number, "2")
    await sync_and_deliver(slack)
    in_security = [
        c for c in slack.api.calls_to("chat.postMessage") if c.args["channel"] == "C0SEC"
    ]
    assert len(in_security) == 1  # the thread reply, not a second message
    assert in_security[0].args["thread_ts"] == ts


async def test_a_slack_rate_limit_delays_but_loses_nothing(slack: SlackHarness) -> None:
    number, ts = await create_ticket(slack)
    slack.api.clear()
    slack.sim.instance.set_state(number, "2")
    slack.api.fail_next("chat.update", "ratelimited", status=429, headers={"Retry-After": "40"})
    notifier = slack.services.notifier
    assert await sync_and_deliver(slack) == 1  # the reply went; the update waits
    slack.clock.advance(41)
    assert await notifier.deliver("test") == 1
    assert len(slack.api.calls_to("chat.update")) == 2  # refused once, then done
    assert len(thread_replies(slack, ts)) == 1


async def test_a_channel_that_removed_the_bot_is_parked_with_a_hint(slack: SlackHarness) -> None:
    number, _ = await create_ticket(slack)
    await slack.command("subscribe", user=ADMIN, channel="C0GONE", name="sub")
    await slack.api.wait_for_response()
    slack.sim.instance.set_state(number, "2")
    slack.api.fail_next("chat.postMessage", "not_in_channel", count=10)
    await sync_and_deliver(slack)
    parked = await slack.services.store.outbox_parked()
    assert any("/invite @SnowOps" in (p.last_error or "") for p in parked)


async def test_changes_made_while_snowops_was_down_are_delivered_once(
    slack: SlackHarness,
) -> None:
    number, ts = await create_ticket(slack)
    await sync_and_deliver(slack)  # a cycle ran before the stop: the watermark is set
    slack.api.clear()
    slack.sim.instance.set_state(number, "2")
    slack.sim.instance.add_journal(number, "Done while you were away")
    # A restarted process: fresh services on the same store, nothing in memory.
    from bot.app import build_services

    again = build_services(slack.services.settings, clock=slack.clock)
    await again.start()
    try:
        await again.workers.run_cycle(WS)
        delivered = await again.notifier.deliver("restarted")
    finally:
        await again.stop()
    assert delivered == 3  # card update, state reply, comment reply
    assert len(thread_replies(slack, ts)) == 2


async def test_a_servicenow_outage_delays_notifications_but_loses_nothing(
    slack: SlackHarness,
) -> None:
    number, ts = await create_ticket(slack)
    await sync_and_deliver(slack)
    slack.sim.instance.set_state(number, "2")
    slack.sim.instance.inject_fault(Fault(status=503, count=50))
    wait = await slack.services.workers.poll_once(WS)
    assert wait >= slack.services.settings.poll_interval  # backs off
    assert await slack.services.notifier.deliver("test") == 0
    conn = await slack.services.store.get_connection(WS)
    assert conn is not None
    assert conn.last_error  # `/snow status` shows the outage

    slack.sim.instance.faults.clear()
    await slack.services.workers.poll_once(WS)
    assert await slack.services.notifier.deliver("test") == 2
    assert thread_replies(slack, ts) == [f"{number} Rotate the VPN certificate: New → In Progress"]
    conn = await slack.services.store.get_connection(WS)
    assert conn is not None
    assert conn.last_error is None
    assert conn.last_sync_at == slack.clock.now()


async def test_parked_notifications_show_in_status(slack: SlackHarness) -> None:
    number, _ = await create_ticket(slack)
    await slack.command("subscribe", user=ADMIN, channel="C0GONE", name="sub")
    await slack.api.wait_for_response()
    slack.sim.instance.set_state(number, "2")
    slack.api.fail_next("chat.postMessage", "channel_not_found", count=10)
    await sync_and_deliver(slack)
    await slack.command("status", name="status")
    await slack.api.wait_for_response(count=2)  # the subscribe's answer, then this one
    [answer] = slack.api.responses_to("status")
    text = json.dumps(answer)
    assert "Undelivered notifications" in text
    assert "2, stopped after repeated failures" in text  # the thread reply and the post
    assert "invite @SnowOps" in text


async def connect_by_oauth(slack: SlackHarness) -> None:
    """An admin runs `/snow connect` in #security and allows access in ServiceNow."""
    await slack.services.connections.disconnect(WS, "test")
    await slack.command(f"connect {slack.sim.url}", user=ADMIN)
    [opened] = await slack.api.wait_for("views.open")
    form = opened.args["view"]
    view_id = next(
        v["id"] for v in slack.api.views.values() if v.get("callback_id") == "servicenow_client"
    )
    state = {
        "client_id": {"value": {"type": "plain_text_input", "value": DEFAULT_CLIENT_ID}},
        "client_secret": {"value": {"type": "plain_text_input", "value": DEFAULT_CLIENT_SECRET}},
    }
    await slack.interact(
        view_submission_payload(
            view_id,
            "servicenow_client",
            state,
            private_metadata=form["private_metadata"],
            user_id=ADMIN,
        )
    )
    updates = await slack.api.wait_for("views.update")
    link = next(
        e["url"]
        for b in updates[-1].args["view"]["blocks"]
        for e in b.get("elements", [])
        if e.get("url")
    )
    callback = await approve(slack.http, link, username=DEFAULT_USERNAME, password=DEFAULT_PASSWORD)
    async with slack.http.get(callback) as page:
        assert page.status == 200


async def test_a_dead_connection_is_paused_and_its_admins_told_once(slack: SlackHarness) -> None:
    await connect_by_oauth(slack)
    slack.api.clear()
    slack.sim.instance.revoke_refresh_tokens()
    slack.sim.instance.expire_access_tokens()
    await slack.services.workers.poll_once(WS)
    conn = await slack.services.store.get_connection(WS)
    assert conn is not None
    assert conn.status.value == "needs_reauth"
    assert await slack.services.notifier.deliver("test") == 1
    [told] = slack.api.calls_to("chat.postMessage")
    assert told.args["channel"] == "C0SEC"  # where the admin connected from
    assert "/snow connect" in told.args["text"]
    # Not retried forever, and not told twice.
    slack.sim.instance.request_log.clear()
    await slack.services.workers.poll_once(WS)
    assert slack.sim.instance.request_log == []
    assert await slack.services.notifier.deliver("test") == 0


async def test_a_reply_whose_answer_was_lost_is_not_posted_twice(slack: SlackHarness) -> None:
    number, ts = await create_ticket(slack)
    await sync_and_deliver(slack)
    slack.api.clear()
    slack.sim.instance.set_state(number, "2")
    slack.api.lose_answer_next("chat.postMessage")
    await sync_and_deliver(slack)  # the reply went out; SnowOps did not hear so
    assert len(thread_replies(slack, ts)) == 1
    [waiting] = [c for c in slack.api.calls_to("chat.postMessage")]
    assert waiting.args["metadata"]["event_type"] == "snowops_notification"
    slack.clock.advance(10)
    assert await slack.services.notifier.deliver("test") == 1  # settled, not posted again
    assert len(thread_replies(slack, ts)) == 1
    assert slack.api.calls_to("conversations.replies")


async def test_without_history_scopes_a_lost_answer_means_a_second_copy_not_a_loss(
    slack: SlackHarness,
) -> None:
    number, ts = await create_ticket(slack)
    await sync_and_deliver(slack)
    slack.api.bot_scopes = "commands,chat:write,im:write,users:read,users:read.email"
    slack.sim.instance.set_state(number, "2")
    slack.api.lose_answer_next("chat.postMessage")
    await sync_and_deliver(slack)
    slack.clock.advance(10)
    assert await slack.services.notifier.deliver("test") == 1
    assert len(thread_replies(slack, ts)) == 2


async def test_a_quiet_table_is_not_read_again_and_again(slack: SlackHarness) -> None:
    """The watermark follows the instance's clock (its Date header) when nothing changes,
    so tickets changed long ago leave the sync query instead of coming back every cycle."""
    await create_ticket(slack)
    await sync_and_deliver(slack)
    await sync_and_deliver(slack)
    slack.sim.instance.advance_clock(600)
    slack.sim.instance.request_log.clear()
    await sync_and_deliver(slack)  # the query still overlaps the old change once more
    await sync_and_deliver(slack)
    # Every kind in one query on `task` (the integration user reads it).
    polls = [p for m, p in slack.sim.instance.request_log if "table/task?" in p]
    assert len(polls) == 2
    last = parse_qs(urlsplit(polls[-1]).query)["sysparm_query"][0]
    assert last.startswith("sys_class_nameINincident,change_request,problem,sn_si_incident^")
    since = last.split("sys_updated_on>=")[1].split("^")[0]
    # One overlap before the instance's clock at the last read (never two).
    assert since >= (slack.sim.instance.now() - timedelta(seconds=61)).strftime("%Y-%m-%d %H:%M:%S")


async def test_a_change_seen_again_from_the_same_baseline_is_announced_once(
    slack: SlackHarness,
) -> None:
    """One observer emits a change and dies before it records what users were told;
    another then sees the ticket one version later (same state, a work note added). Both
    start from the same baseline: users hear of the state change once."""
    number, ts = await create_ticket(slack)
    await sync_and_deliver(slack)
    sync = slack.services.sync
    instance = slack.sim.url

    slack.sim.instance.set_state(number, "2")
    found = slack.sim.instance.find_by_number(number)
    assert found is not None
    first = dict(found[1])

    async def dies() -> None:
        raise RuntimeError("the process died here")

    kind = TicketKind.INCIDENT
    with pytest.raises(RuntimeError):
        await sync.apply(
            WS, [ticket_from_record(WS, kind, instance, first)], comments=[], guard=dies
        )
    slack.sim.instance.add_journal(number, "Checked", element="work_notes")
    found = slack.sim.instance.find_by_number(number)
    assert found is not None
    later = dict(found[1])
    assert int(later["sys_mod_count"]) == int(first["sys_mod_count"]) + 1
    store = slack.services.store
    fresh = StatusSync(
        slack.services.gateway,
        store,
        store,
        Baselines(store),
        Watermarks(store),
        slack.clock,
        sync.emit,
    )
    await fresh.apply(WS, [ticket_from_record(WS, kind, instance, later)], comments=[])

    await slack.services.notifier.deliver("test")
    assert thread_replies(slack, ts) == [f"{number} Rotate the VPN certificate: New → In Progress"]


async def test_a_check_for_an_earlier_copy_that_slack_refuses_is_tried_again_not_skipped(
    slack: SlackHarness,
) -> None:
    number, ts = await create_ticket(slack)
    await sync_and_deliver(slack)
    slack.sim.instance.set_state(number, "2")
    slack.api.lose_answer_next("chat.postMessage")
    await sync_and_deliver(slack)
    slack.api.fail_next(
        "conversations.replies", "ratelimited", status=429, headers={"Retry-After": "30"}
    )
    slack.clock.advance(10)
    assert await slack.services.notifier.deliver("test") == 0  # could not tell: waits
    assert len(thread_replies(slack, ts)) == 1
    slack.clock.advance(31)
    assert await slack.services.notifier.deliver("test") == 1  # found its copy
    assert len(thread_replies(slack, ts)) == 1


async def test_an_admin_retries_parked_notifications_once_the_cause_is_fixed(
    slack: SlackHarness,
) -> None:
    number, _ = await create_ticket(slack)
    await slack.command("subscribe", user=ADMIN, channel="C0GONE", name="sub")
    await slack.api.wait_for_response()
    slack.sim.instance.set_state(number, "2")
    slack.api.fail_next("chat.postMessage", "not_in_channel", count=2)
    await sync_and_deliver(slack)
    assert len(await slack.services.store.outbox_parked()) == 2

    await slack.command("notifications retry", user=USER, name="denied")
    await slack.api.wait_for_response(count=2)
    assert "admin" in json.dumps(slack.api.responses_to("denied")).lower()
    assert len(await slack.services.store.outbox_parked()) == 2

    # The bot was invited back: an admin tries again, and each message goes out once.
    slack.api.clear()
    await slack.command("notifications retry", user=ADMIN, name="retry")
    await slack.api.wait_for_response()
    assert "2 undelivered notifications will be tried again" in json.dumps(
        slack.api.responses_to("retry")
    )
    assert await slack.services.notifier.deliver("test") == 2
    assert [c.args["channel"] for c in slack.api.calls_to("chat.postMessage")].count("C0GONE") == 1
    assert await slack.services.store.outbox_parked() == []
    await slack.command("notifications retry", user=ADMIN, name="again")
    await slack.api.wait_for_response(count=2)
    assert "no undelivered notifications" in json.dumps(slack.api.responses_to("again"))


async def test_status_shows_each_channel_with_its_last_success_and_parked_count(
    slack: SlackHarness,
) -> None:
    number, _ = await create_ticket(slack)
    await slack.command("subscribe", user=ADMIN, channel="C0OPS", name="sub")
    await slack.api.wait_for_response()
    slack.sim.instance.set_state(number, "2")
    assert await sync_and_deliver(slack) == 3  # card update, thread reply, post in C0OPS
    delivered_at = slack.clock.now()
    slack.clock.advance(600)
    slack.sim.instance.add_journal(number, "Still blocked by the vendor")
    slack.api.fail_next("chat.postMessage", "channel_not_found", count=10)
    await sync_and_deliver(slack)
    await slack.command("status", name="status")
    await slack.api.wait_for_response(count=2)
    [answer] = slack.api.responses_to("status")
    text = json.dumps(answer, ensure_ascii=False)
    when = delivered_at.strftime("%Y-%m-%d %H:%M UTC")
    assert "Channel C0OPS" in text
    line = text[text.index("Channel C0OPS") :]
    assert f"last delivered {when}" in line
    assert "1 failed since (latest: " in line
    assert "1 parked" in line


async def test_the_last_sync_is_noted_once_a_minute(slack: SlackHarness) -> None:
    """`/snow status` shows when the connection last synced: noted at the first cycle,
    left alone by the cycles of the next minute (no connection write per poll), noted
    again once a minute has passed."""
    await create_ticket(slack)
    await sync_and_deliver(slack)
    first = await slack.services.store.get_connection(WS)
    assert first is not None
    assert first.last_sync_at == slack.clock.now()
    slack.clock.advance(59)
    await sync_and_deliver(slack)
    same = await slack.services.store.get_connection(WS)
    assert same is not None
    assert same.last_sync_at == first.last_sync_at
    slack.clock.advance(1)
    await sync_and_deliver(slack)
    later = await slack.services.store.get_connection(WS)
    assert later is not None
    assert later.last_sync_at == slack.clock.now()
