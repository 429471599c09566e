"""The home card tells the truth about ServiceNow: "Connected to …" alone only while its
calls work; once they fail, "not reachable since …" with the cause (Slack's App Home and
Teams' home card, through their real entry points; ServiceNow down in the simulator)."""

from __future__ import annotations

import json

import pytest

from core.servicenow.errors import UnavailableError
from sim.servicenow import Fault
from tests.e2e.conftest import ADMIN, SlackHarness
from tests.e2e.teams_harness import WORKSPACE, TeamsHarness
from tests.fakes import bot_activities as bf
from tests.fakes.slack_signing import app_home_opened_event


async def test_slack_app_home_says_when_servicenow_is_not_reachable(slack: SlackHarness) -> None:
    await slack.services.workers.run_cycle("slack:T0123")
    await slack.event(app_home_opened_event(ADMIN), event_id="EvOK")
    [healthy] = await slack.api.wait_for("views.publish")
    shown = json.dumps(healthy.args["view"])
    assert ":large_green_circle: Connected to" in shown
    assert "not reachable" not in shown

    slack.sim.instance.inject_fault(Fault(status=503, count=10_000))
    with pytest.raises(UnavailableError):
        await slack.services.workers.run_cycle("slack:T0123")
    await slack.event(app_home_opened_event(ADMIN), event_id="EvDown")
    [*_, down] = await slack.api.wait_for("views.publish", count=2)
    shown = json.dumps(down.args["view"])
    assert ":large_green_circle:" not in shown
    assert ":red_circle: Connected to" in shown
    assert "but not reachable since 20" in shown  # the last successful sync, as a date
    assert "ServiceNow answered HTTP 503" in shown  # the cause, from the failed call
    slack.every_payload_is_valid_block_kit()


async def test_teams_home_card_says_when_servicenow_is_not_reachable(teams: TeamsHarness) -> None:
    admin = {"user": bf.ADMIN_ID, "aad": bf.ADMIN_AAD, "user_name": "Beth Anglin"}
    await teams.services.workers.run_cycle(WORKSPACE)
    [healthy] = await teams.say("snow home", **admin)
    assert f"Connected to {teams.sim.url}." in json.dumps(healthy.cards)

    teams.sim.instance.inject_fault(Fault(status=503, count=10_000))
    with pytest.raises(UnavailableError):
        await teams.services.workers.run_cycle(WORKSPACE)
    [down] = await teams.say("snow home", **admin)
    shown = json.dumps(down.cards)
    assert f"Connected to {teams.sim.url}." not in shown
    assert f"Connected to {teams.sim.url}, but not reachable since 20" in shown
    assert "ServiceNow answered HTTP 503" in shown
