"""`/snow audit`: an admin sees who created and subscribed what, and where."""

from __future__ import annotations

import json

from tests.e2e.conftest import ADMIN, USER, SlackHarness
from tests.e2e.test_slack_tickets import open_form, submit


async def answer_to(slack: SlackHarness, text: str, user: str, channel: str = "C0SEC") -> str:
    """``/snow <text>``'s answer (in the acknowledgement, or else the newest response_url
    post), as JSON text."""
    before = len(slack.api.responses)
    acked = await slack.command(text, user=user, channel=channel)
    if await acked.text():
        return await acked.text()
    answers = await slack.api.wait_for_response(count=before + 1)
    return json.dumps(answers[-1])


async def test_audit_shows_a_create_and_a_subscribe_with_who_and_where(
    slack: SlackHarness,
) -> None:
    view = await open_form(slack)
    await submit(slack, view)
    await slack.api.wait_for("chat.postMessage")
    await answer_to(slack, "subscribe incident priority<=2", ADMIN, "C0OPS")
    shown = await answer_to(slack, "audit 5", ADMIN)
    assert '"response_type": "ephemeral"' in shown
    # Newest first: the subscribe (by the admin, in #C0OPS), then the create (by the user,
    # from the channel the form was opened in).
    sub_at, create_at = shown.index("subscribed C0OPS"), shown.index("created INC0010001")
    assert sub_at < create_at
    assert f"slack:{ADMIN}" in shown[:sub_at]
    assert "in C0OPS" in shown[sub_at:create_at]
    assert f"slack:{USER}" in shown[sub_at:create_at]
    assert "in C0SEC" in shown[create_at:]


async def test_audit_is_for_admins_and_checks_its_count(slack: SlackHarness) -> None:
    assert "Only workspace admins" in await answer_to(slack, "audit", USER)
    assert "from 1 to 100" in await answer_to(slack, "audit 0", ADMIN)
    # The harness connected the workspace before the test: that is the whole log.
    shown = await answer_to(slack, "audit", ADMIN)
    assert "Audit log: the newest 1" in shown
    assert "connected http" in shown
