"""`/snow link` on Slack: a private link, the person's own sign-in, a DM naming the account."""

from __future__ import annotations

import json
import re

from sim.servicenow.users import DEMO_PASSWORD
from tests.e2e.conftest import USER, SlackHarness
from tests.integration.oauth_helpers import approve


async def test_a_slack_user_links_their_own_servicenow_account(slack: SlackHarness) -> None:
    await slack.command("link", user=USER, name="link")
    [answer] = await slack.api.wait_for_response()
    assert answer["response_type"] == "ephemeral"
    [link] = re.findall(
        r"http://127\.0\.0\.1:\d+/servicenow/oauth/start\?t=[\w-]+", json.dumps(answer)
    )
    callback = await approve(slack.http, link, username="abel.tuter", password=DEMO_PASSWORD)
    async with slack.http.get(callback) as page:
        assert page.status == 200
    [dm] = await slack.api.wait_for("chat.postMessage")
    assert "you are abel.tuter in ServiceNow" in json.dumps(dm.args)
    await slack.command("status", user=USER, name="status")
    await slack.api.wait_for_response(count=2)
    [status] = slack.api.responses_to("status")
    assert "linked as abel.tuter" in json.dumps(status)
