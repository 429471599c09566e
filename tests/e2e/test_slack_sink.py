"""The Slack ChatSink against the fake Web API, and what a user sees when a post fails."""

from __future__ import annotations

import json
import time

import pytest

from core.models import ChannelRef, Ticket, TicketKind
from core.ports import DeliveryError
from core.views import Notice, ticket_card
from tests.e2e.conftest import USER, SlackHarness, form_state
from tests.fakes.slack_signing import view_submission_payload

CARD = ticket_card(
    Ticket(
        workspace="slack:T0123",
        kind=TicketKind.INCIDENT,
        sys_id="a" * 32,
        number="INC0010042",
        title="Block legacy authentication",
        state="2",
        priority=2,
        url="https://acme.service-now.com/incident.do?sys_id=" + "a" * 32,
        correlation_id="snowops:slack:T0123:rec:BlockLegacyAuthentication",
    )
)
CHANNEL = ChannelRef("slack:T0123", "C0SEC")


async def test_post_update_and_reply(slack: SlackHarness) -> None:
    sink = slack.sink
    where = await sink.post_card(CHANNEL, CARD)
    assert where.channel.channel == "C0SEC"
    await sink.update_card(where, CARD)
    await sink.post(
        where.channel, Notice("State changed to Resolved"), key="k1", thread=where.message_id
    )
    [update] = slack.api.calls_to("chat.update")
    assert update.args["ts"] == where.message_id
    replies = [c for c in slack.api.calls_to("chat.postMessage") if c.args.get("thread_ts")]
    assert replies[0].args["thread_ts"] == where.message_id
    slack.every_payload_is_valid_block_kit()


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found"])
async def test_a_channel_the_bot_cannot_post_in_is_a_permanent_failure_with_a_hint(
    slack: SlackHarness, error: str
) -> None:
    sink = slack.sink
    slack.api.fail_next("chat.postMessage", error)
    with pytest.raises(DeliveryError) as info:
        await sink.post_card(CHANNEL, CARD)
    assert info.value.permanent
    assert "invite" in info.value.hint.lower()


async def test_rate_limits_are_waited_out(slack: SlackHarness) -> None:
    sink = slack.sink
    slack.api.fail_next("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "1"})
    started = time.monotonic()
    where = await sink.post_card(CHANNEL, CARD)
    assert time.monotonic() - started >= 0.9
    assert where.message_id
    assert len(slack.api.calls_to("chat.postMessage")) == 2


async def test_a_card_that_cannot_go_to_the_channel_comes_to_the_user(
    slack: SlackHarness,
) -> None:
    await slack.command("create Rotate keys")
    await slack.api.wait_for("views.open")
    view = [v for v in slack.api.views.values() if v.get("callback_id") == "ticket_form"][-1]
    slack.api.fail_next("chat.postMessage", "not_in_channel")
    await slack.interact(
        view_submission_payload(
            view["id"], "ticket_form", form_state(), private_metadata=view["private_metadata"]
        )
    )
    posts = await slack.api.wait_for("chat.postMessage", count=3)
    dm_card, hint = posts[1], posts[2]
    [opened] = slack.api.calls_to("conversations.open")
    assert opened.args["users"] == USER
    dm = dm_card.args["channel"]
    assert dm.startswith("D")  # the user's direct messages with the bot
    assert hint.args["channel"] == dm
    assert "INC0010001" in str(dm_card.args["blocks"])
    assert "/invite @SnowOps" in hint.args["text"]
    where = await slack.services.store.list_card_locations("slack:T0123", "INC0010001")
    assert len(where) == 1


async def test_a_lost_answer_on_the_card_still_says_the_ticket_was_made(
    slack: SlackHarness,
) -> None:
    """The ticket exists; its card may have landed: the user is told so, not "try again",
    and the card is not posted a second time elsewhere."""
    await slack.command("create Rotate keys")
    await slack.api.wait_for("views.open")
    view = [v for v in slack.api.views.values() if v.get("callback_id") == "ticket_form"][-1]
    slack.api.lose_answer_next("chat.postMessage")
    await slack.interact(
        view_submission_payload(
            view["id"], "ticket_form", form_state(), private_metadata=view["private_metadata"]
        )
    )
    [result] = await slack.api.wait_for("views.update")
    shown = json.dumps(result.args["view"])
    assert "Created INC0010001" in shown
    assert "could not be posted" in shown
    assert "Something went wrong" not in shown
    cards = [c for c in slack.api.calls_to("chat.postMessage") if c.args.get("blocks")]
    assert len(cards) == 1


#: What a proxy or load balancer in front of Slack answers when Slack is down.
NOT_JSON = [
    (503, "<html><body>Service Unavailable</body></html>", "text/html"),
    (502, "upstream connect error or disconnect/reset before headers", "application/json"),
    (500, "Internal Server Error", "text/plain"),
]


@pytest.mark.parametrize(("status", "body", "content_type"), NOT_JSON)
async def test_a_5xx_that_is_not_json_is_a_transient_failure(
    slack: SlackHarness, status: int, body: str, content_type: str
) -> None:
    slack.api.answer_raw_next("chat.postMessage", status, body, content_type=content_type)
    with pytest.raises(DeliveryError) as info:
        await slack.sink.post(CHANNEL, Notice("hello"), key="raw|1")
    assert str(info.value) == f"Slack answered {status} on chat.postMessage"
    assert not info.value.permanent  # tried again later, not parked


async def test_the_notifier_retries_a_5xx_that_is_not_json_without_a_traceback(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    notifier = slack.services.notifier
    await notifier.tell(CHANNEL, "You are subscribed.", "raw|notice")
    slack.api.answer_raw_next(
        "chat.postMessage", 502, "<html>Bad Gateway</html>", content_type="application/json"
    )
    assert await notifier.deliver("test") == 0
    assert not [r for r in caplog.records if r.exc_info or r.levelname == "ERROR"]
    assert await slack.services.deliveries.parked("slack:T0123") == []
    slack.clock.advance(600)
    assert await notifier.deliver("test") == 1
    posts = [c for c in slack.api.calls_to("chat.postMessage") if c.args["channel"] == "C0SEC"]
    assert len(posts) == 2  # the one the proxy refused, then the one that went out
