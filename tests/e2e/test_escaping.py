"""A ticket name typed in chat and a comment added in ServiceNow reach every card and
message as typed: on Slack and on Teams, through the real HTTP entry points, the sync cycle
and the notifier. Nothing pings anyone, becomes a link, or turns into formatting."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import aiohttp

from adapters.slack.blocks_text import LITERAL
from tests.e2e.conftest import ADMIN, SlackHarness, form_state
from tests.e2e.teams_harness import WORKSPACE as TEAMS_WS
from tests.e2e.teams_harness import TeamsHarness, action_of, form_inputs
from tests.fakes import bot_activities as bf
from tests.fakes.slack_signing import view_submission_payload
from tests.unit.escaping_checks import (
    markdown_html,
    markdown_strings,
    mrkdwn_objects,
    reads_as_text,
    slack_shows,
    text_runs,
)

NAME = "Reset *all* [runbook](https://evil.example) <!everyone> <@U123>"
COMMENT = "<!channel> see <https://evil.example|x>"
RAW = ("<!everyone>", "<!channel>", "<@U123>", "<https://evil.example")
SLACK_WS = "slack:T0123"
_LINK = re.compile(r"<(https?://[^|<>\s]+)\|[^<>]*>")
_LITERAL = re.compile(r"<!date\^00000000\^\{_\}\|[*_~`]+>")


# --- Slack --------------------------------------------------------------------------------


async def slack_ticket(slack: SlackHarness) -> tuple[str, dict[str, Any]]:
    """A ticket named NAME, made from the form in #security; returns its number and card."""
    await slack.command("create")
    await slack.api.wait_for("views.open")
    view = [v for v in slack.api.views.values() if v.get("callback_id") == "ticket_form"][-1]
    state = form_state(name=NAME)
    meta = view["private_metadata"]
    await slack.interact(
        view_submission_payload(view["id"], "ticket_form", state, private_metadata=meta)
    )
    [posted] = await slack.api.wait_for("chat.postMessage")
    for _ in range(250):  # the card's place is saved just after Slack answers
        if await slack.services.store.list_card_locations(SLACK_WS, "INC0010001"):
            return "INC0010001", posted.args
        await asyncio.sleep(0.02)
    raise AssertionError("the ticket card was never recorded")


def check_slack(payload: dict[str, Any], *expected: str) -> None:
    """Nothing in ``payload`` pings, links or formats from user text; ``expected`` are
    shown as typed."""
    dumped = json.dumps(payload, ensure_ascii=False)
    for raw in RAW:
        assert raw not in dumped
    assert not set(payload["text"]) & set("<>")  # the fallback: entities only
    shown: list[str] = []
    for obj in mrkdwn_objects(payload["blocks"]):
        assert obj["verbatim"] is True  # no bare URL is auto-linked, no @here parsed
        text = obj["text"]
        # Only SnowOps's own links (to the ticket) and the literal dates use < and >.
        assert all("evil" not in url for url in _LINK.findall(text))
        assert not set(_LITERAL.sub("", _LINK.sub("", text))) & set("<>")
        assert "*all*" not in text
        if "all" in text:
            assert f"{LITERAL % '*'}all{LITERAL % '*'}" in text  # shown, not bold
        shown.append(slack_shows(_LINK.sub("", text)))
    for text in expected:
        assert any(text in s for s in shown), (text, shown)


async def test_slack_shows_names_and_comments_as_typed(slack: SlackHarness) -> None:
    await slack.command("subscribe incident", user=ADMIN, channel="C0OPS", name="sub")
    await slack.api.wait_for_response()
    number, card = await slack_ticket(slack)
    await slack.services.notifier.deliver("test")  # #ops hears the ticket was made
    slack.api.clear()
    slack.sim.instance.add_journal(number, COMMENT, element="comments")
    await slack.services.workers.run_cycle(SLACK_WS)
    assert await slack.services.notifier.deliver("test") == 3

    [update] = slack.api.calls_to("chat.update")
    posts = slack.api.calls_to("chat.postMessage")
    [reply] = [p.args for p in posts if p.args.get("thread_ts")]
    [told] = [p.args for p in posts if p.args["channel"] == "C0OPS"]
    said = f"{number} {NAME}: new comment from beth.anglin: {COMMENT}"
    check_slack(card, NAME)
    check_slack(update.args, NAME, COMMENT)
    check_slack(reply, said)
    check_slack(told, said)
    slack.every_payload_is_valid_block_kit()


# --- Teams --------------------------------------------------------------------------------


def check_teams(content: dict[str, Any], *expected: str) -> None:
    """No string Teams reads as Markdown holds a link or emphasis from user text (they are
    all inert); ``expected`` are in TextRuns, shown as typed."""
    for text in markdown_strings(content):
        html = markdown_html(text)
        assert "<a " not in html
        assert "<em>" not in html
        assert "<strong>" not in html
        assert not text.strip() or reads_as_text(text), text
    runs = text_runs(content)
    for text in expected:
        assert any(text in r for r in runs), (text, runs)


async def test_teams_shows_names_and_comments_as_typed(teams: TeamsHarness) -> None:
    admin = {"user": bf.ADMIN_ID, "aad": bf.ADMIN_AAD, "user_name": "Beth Anglin"}
    await teams.say("subscribe incident", conv=bf.CHANNEL, mention=True, **admin)
    [form] = await teams.say("snow create")
    button = action_of(form.cards[0], "Create ticket")
    data = {**button["data"], **form_inputs(name=NAME)}
    answer = await teams.invoke(
        bf.card_action(button["verb"], data, teams.service_url, card_id=form.id)
    )
    card = answer["value"]
    number = text_runs(card)[0].split(" ")[0]
    assert number.startswith("INC")
    assert teams.services.notifier is not None
    await teams.services.notifier.deliver("test")  # the channel hears the ticket was made
    teams.connector.sent.clear()
    teams.sim.instance.add_journal(number, COMMENT, element="comments")
    workers, notifier = teams.services.workers, teams.services.notifier
    assert workers is not None
    assert notifier is not None
    await workers.run_cycle(TEAMS_WS)
    assert await notifier.deliver("test") == 3

    [update] = teams.connector.updates()
    [reply] = teams.connector.posts(bf.PERSONAL)
    [told] = teams.connector.posts(bf.CHANNEL)
    said = f"{number} {NAME}: new comment from beth.anglin: {COMMENT}"
    check_teams(card, NAME)
    check_teams(update.cards[0], NAME, COMMENT)
    check_teams(reply.cards[0], said)
    check_teams(told.cards[0], said)
    assert teams.every_card_is_valid() >= 4


# --- text that arrives from ServiceNow (issue 17, item 6) ---------------------------------

#: What someone who may edit a ticket in ServiceNow types there.
SN_TITLE = "<!everyone> renamed <@U123>"
SN_COMMENT = "<!channel> please look *now* <https://evil.example|x> @here"


async def edit_in_servicenow(sim_url: str, number: str, **fields: str) -> None:
    """Change a ticket as a ServiceNow user would: the Table API of the simulator."""
    auth = aiohttp.BasicAuth("snowops.integration", "snowops-sim-password").encode()
    async with aiohttp.ClientSession(headers={"Authorization": auth}) as http:
        async with http.get(f"{sim_url}/sim/tickets/{number}") as found:
            row = await found.json()
        url = f"{sim_url}/api/now/table/{row['table']}/{row['record']['sys_id']}"
        async with http.patch(url, json=fields, headers={"Accept": "application/json"}) as done:
            assert done.status == 200, await done.text()


async def test_slack_notifications_show_servicenow_text_as_typed(slack: SlackHarness) -> None:
    await slack.command("subscribe incident", user=ADMIN, channel="C0OPS", name="sub")
    await slack.api.wait_for_response()
    number, _ = await slack_ticket(slack)
    await slack.services.notifier.deliver("test")  # #ops hears the ticket was made
    slack.api.clear()
    await edit_in_servicenow(slack.sim.url, number, short_description=SN_TITLE, state="2")
    await slack.services.workers.run_cycle(SLACK_WS)
    await edit_in_servicenow(slack.sim.url, number, comments=SN_COMMENT)
    slack.clock.advance(61)
    await slack.services.workers.run_cycle(SLACK_WS)
    assert await slack.services.notifier.deliver("test") >= 5

    sent = [c.args for c in slack.api.calls if c.method in ("chat.postMessage", "chat.update")]
    replies = [a for a in sent if a.get("thread_ts")]
    told = [a for a in sent if a["channel"] == "C0OPS"]
    assert len(replies) == len(told) == 2  # the state change and the comment, each place
    for payload in sent:
        check_slack(payload)  # fallback text included: no <!everyone>, <@U123>, <https://evil
        assert not set(payload["text"]) & set("<>")
    for payload in [*replies, *told]:
        check_slack(payload, SN_TITLE)
    assert any(SN_COMMENT in slack_shows(o["text"]) for p in told for o in mrkdwn_objects(p))
    slack.every_payload_is_valid_block_kit()


async def test_teams_notifications_show_servicenow_text_as_typed(teams: TeamsHarness) -> None:
    admin = {"user": bf.ADMIN_ID, "aad": bf.ADMIN_AAD, "user_name": "Beth Anglin"}
    await teams.say("subscribe incident", conv=bf.CHANNEL, mention=True, **admin)
    [form] = await teams.say("snow create")
    button = action_of(form.cards[0], "Create ticket")
    data = {**button["data"], **form_inputs(name="Rotate the VPN certificate")}
    await teams.invoke(bf.card_action(button["verb"], data, teams.service_url, card_id=form.id))
    number = "INC0010001"  # the simulator's first incident
    assert teams.services.notifier is not None
    await teams.services.notifier.deliver("test")  # the channel hears the ticket was made
    teams.connector.sent.clear()
    workers, notifier = teams.services.workers, teams.services.notifier
    assert workers is not None
    assert notifier is not None
    await edit_in_servicenow(teams.sim.url, number, short_description=SN_TITLE, state="2")
    await workers.run_cycle(TEAMS_WS)
    await edit_in_servicenow(teams.sim.url, number, comments=SN_COMMENT)
    teams.clock.advance(61)
    await workers.run_cycle(TEAMS_WS)
    assert await notifier.deliver("test") >= 5

    replies = teams.connector.posts(bf.PERSONAL)
    told = teams.connector.posts(bf.CHANNEL)
    assert len(replies) == len(told) == 2
    for sent in teams.connector.sent:
        for content in sent.cards:
            check_teams(content)
        # What Teams shows outside the card (notification, chat list) is plain text only.
        assert "text" not in sent.activity or reads_as_text(sent.activity["text"])
    for sent in [*replies, *told]:
        check_teams(sent.cards[0], SN_TITLE)
    assert any(SN_COMMENT in run for sent in told for run in text_runs(sent.cards[0]))
    assert teams.every_card_is_valid() >= 4
