"""The fake Slack Web API answers slack_sdk's real client the way Slack does."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from urllib.parse import parse_qs

import aiohttp
import pytest
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.fakes.slack_api import INSTALL_BOT_TOKEN, INSTALL_TEAM_ID, FakeSlackApi
from tests.fakes.slack_signing import (
    FORM,
    JSON,
    app_home_opened_event,
    block_actions_payload,
    event_body,
    interactivity_body,
    message_action_payload,
    signed_headers,
    slash_command_body,
    view_submission_payload,
)

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*INC0010001* Patch it"}}]


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlackApi]:
    """A running fake."""
    async with FakeSlackApi() as fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlackApi) -> AsyncWebClient:
    """slack_sdk's real async client pointed at the fake."""
    return AsyncWebClient(token="xoxb-test", base_url=slack.base_url)


async def test_base_url_ends_with_api_slash(slack: FakeSlackApi) -> None:
    assert slack.base_url.startswith("http://127.0.0.1:")
    assert slack.base_url.endswith("/api/")


async def test_auth_test(slack: FakeSlackApi, client: AsyncWebClient) -> None:
    resp = await client.auth_test()
    assert resp["team_id"] == "T0123"
    assert resp["user_id"] == "U0BOT"
    assert resp["bot_id"] == "B0BOT"
    assert resp["is_enterprise_install"] is False
    assert "chat:write" in resp.headers["x-oauth-scopes"]
    [call] = slack.calls_to("auth.test")
    assert call.token == "xoxb-test"


async def test_post_message_with_blocks_then_update(
    slack: FakeSlackApi, client: AsyncWebClient
) -> None:
    first = await client.chat_postMessage(channel="C0SEC", text="INC0010001", blocks=BLOCKS)
    second = await client.chat_postMessage(channel="C0SEC", text="reply", thread_ts=first["ts"])
    assert first["channel"] == "C0SEC"
    assert first["ts"] == "1700000000.000100"
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["blocks"] == BLOCKS
    assert first["message"]["bot_id"] == "B0BOT"

    [call, _] = await slack.wait_for("chat.postMessage", count=2)
    assert call.args["blocks"] == BLOCKS  # decoded, not a JSON string
    assert call.token == "xoxb-test"

    updated = await client.chat_update(channel="C0SEC", ts=first["ts"], text="Resolved")
    assert (updated["channel"], updated["ts"], updated["text"]) == (
        "C0SEC",
        first["ts"],
        "Resolved",
    )
    assert slack.message("C0SEC", first["ts"])["text"] == "Resolved"

    link = await client.chat_getPermalink(channel="C0SEC", message_ts=first["ts"])
    assert link["permalink"] == "https://acme.slack.com/archives/C0SEC/p1700000000000100"


async def test_form_encoded_blocks_are_decoded(slack: FakeSlackApi) -> None:
    async with aiohttp.ClientSession() as http:
        form = {"channel": "C0SEC", "text": "hi", "blocks": json.dumps(BLOCKS)}
        headers = {"Authorization": "Bearer xoxb-form"}
        async with http.post(f"{slack.base_url}chat.postMessage", data=form, headers=headers):
            pass
    [call] = slack.calls_to("chat.postMessage")
    assert call.args["blocks"] == BLOCKS
    assert call.token == "xoxb-form"


async def test_ephemeral_and_dm(slack: FakeSlackApi, client: AsyncWebClient) -> None:
    eph = await client.chat_postEphemeral(channel="C0SEC", user="U0USER", text="only you")
    assert eph["message_ts"]
    dm = await client.conversations_open(users="U0USER")
    assert dm["channel"]["id"] == "D0USER"


async def test_views_open_then_update(slack: FakeSlackApi, client: AsyncWebClient) -> None:
    view = {
        "type": "modal",
        "callback_id": "ticket_form",
        "title": {"type": "plain_text", "text": "New ticket"},
        "blocks": BLOCKS,
        "private_metadata": "rec-1",
    }
    opened = await client.views_open(trigger_id="123.456.abc", view=view)
    view_id, first_hash = opened["view"]["id"], opened["view"]["hash"]
    assert view_id.startswith("V")
    assert opened["view"]["callback_id"] == "ticket_form"
    assert opened["view"]["root_view_id"] == view_id
    assert opened["view"]["team_id"] == "T0123"

    updated = await client.views_update(view_id=view_id, hash=first_hash, view=view)
    assert updated["view"]["id"] == view_id
    assert updated["view"]["hash"] != first_hash
    [call] = slack.calls_to("views.update")
    assert call.args["view"]["private_metadata"] == "rec-1"

    with pytest.raises(SlackApiError) as stale:
        await client.views_update(view_id=view_id, hash=first_hash, view=view)
    assert stale.value.response["error"] == "hash_conflict"

    home = {"type": "home", "blocks": BLOCKS}
    first = await client.views_publish(user_id="U0USER", view=home)
    again = await client.views_publish(user_id="U0USER", view=home)
    assert first["view"]["id"] == again["view"]["id"]


async def test_users_info_admin_flag_and_email(slack: FakeSlackApi, client: AsyncWebClient) -> None:
    slack.set_user("U0ADMIN", is_admin=True, email="abel.tuter@example.com", real_name="Abel")
    slack.set_user("U0USER")
    admin = await client.users_info(user="U0ADMIN")
    assert admin["user"]["is_admin"] is True
    assert admin["user"]["profile"]["email"] == "abel.tuter@example.com"
    plain = await client.users_info(user="U0USER")
    assert plain["user"]["is_admin"] is False
    assert "email" not in plain["user"]["profile"]
    with pytest.raises(SlackApiError) as missing:
        await client.users_info(user="U0NOBODY")
    assert missing.value.response["error"] == "user_not_found"


async def test_users_info_gives_the_locale_only_when_asked(
    slack: FakeSlackApi, client: AsyncWebClient
) -> None:
    slack.set_user("U0SWEDE", locale="sv-SE")
    assert "locale" not in (await client.users_info(user="U0SWEDE"))["user"]
    asked = await client.users_info(user="U0SWEDE", include_locale=True)
    assert asked["user"]["locale"] == "sv-SE"


async def test_scripted_not_in_channel(slack: FakeSlackApi, client: AsyncWebClient) -> None:
    slack.fail_next("chat.postMessage", "not_in_channel")
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel="C0ELSEWHERE", text="hi")
    assert err.value.response["error"] == "not_in_channel"
    assert (await client.chat_postMessage(channel="C0ELSEWHERE", text="hi"))["ok"] is True
    assert len(slack.calls_to("chat.postMessage")) == 2  # failed calls are recorded too


async def test_rate_limited_with_retry_after(slack: FakeSlackApi, client: AsyncWebClient) -> None:
    slack.fail_next("chat.update", "ratelimited", status=429, headers={"Retry-After": "1"})
    with pytest.raises(SlackApiError) as err:
        await client.chat_update(channel="C0SEC", ts="1700000000.000100", text="x")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "1"
    assert err.value.response["error"] == "ratelimited"


async def test_unknown_method_and_missing_token(slack: FakeSlackApi) -> None:
    client = AsyncWebClient(token="xoxb-test", base_url=slack.base_url)
    with pytest.raises(SlackApiError) as unknown:
        await client.api_call("pins.add", json={"name": "eyes"})
    assert unknown.value.response["error"] == "unknown_method"
    assert slack.calls_to("pins.add")[0].args == {"name": "eyes"}
    with pytest.raises(SlackApiError) as anon:
        await AsyncWebClient(base_url=slack.base_url).auth_test()
    assert anon.value.response["error"] == "not_authed"


# slack_sdk 3.48 builds aiohttp.BasicAuth for oauth.v2.access, deprecated since aiohttp 3.14.
@pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")
async def test_oauth_v2_access_installs_another_workspace(slack: FakeSlackApi) -> None:
    slack.client_id, slack.client_secret = "111.222", "shh"
    client = AsyncWebClient(base_url=slack.base_url)
    resp = await client.oauth_v2_access(client_id="111.222", client_secret="shh", code="c0de")
    assert resp["access_token"] == INSTALL_BOT_TOKEN
    assert resp["team"]["id"] == INSTALL_TEAM_ID
    assert resp["token_type"] == "bot"
    assert resp["bot_user_id"] == "U0456BOT"
    assert resp["authed_user"]["id"]
    [call] = slack.calls_to("oauth.v2.access")
    assert (call.args["client_id"], call.args["code"]) == ("111.222", "c0de")

    installed = await client.auth_test(token=INSTALL_BOT_TOKEN)
    assert installed["team_id"] == INSTALL_TEAM_ID

    with pytest.raises(SlackApiError) as bad:
        await client.oauth_v2_access(client_id="111.222", client_secret="wrong", code="c0de")
    assert bad.value.response["error"] == "bad_client_secret"


async def test_response_url_records_json(slack: FakeSlackApi) -> None:
    url = slack.response_url("cmd")
    webhook = AsyncWebhookClient(url)
    resp = await webhook.send(text="Working on it", response_type="ephemeral")
    assert resp.status_code == 200
    [body] = await slack.wait_for_response()
    assert body["text"] == "Working on it"
    assert slack.responses_to("cmd") == [body]
    slack.clear()
    assert slack.responses == []
    assert slack.calls == []


async def test_wait_for_times_out_with_a_useful_message(slack: FakeSlackApi) -> None:
    with pytest.raises(AssertionError, match=r"chat\.postMessage"):
        await slack.wait_for("chat.postMessage", timeout=0.05)


def test_signed_headers_verify() -> None:
    body = slash_command_body("tickets open", response_url="http://127.0.0.1:1/response/x")
    headers = signed_headers(SECRET, body)
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(
        body=body,
        timestamp=headers["X-Slack-Request-Timestamp"],
        signature=headers["X-Slack-Signature"],
    )
    assert not SignatureVerifier("other").is_valid(
        body=body,
        timestamp=headers["X-Slack-Request-Timestamp"],
        signature=headers["X-Slack-Signature"],
    )
    stale = signed_headers(SECRET, body, timestamp=int(time.time()) - 600)
    assert not verifier.is_valid(
        body=body,
        timestamp=stale["X-Slack-Request-Timestamp"],
        signature=stale["X-Slack-Signature"],
    )
    fields = {k: v[0] for k, v in parse_qs(body.decode()).items()}
    assert fields["command"] == "/snow"
    assert fields["text"] == "tickets open"
    assert {"team_id", "user_id", "channel_id", "trigger_id", "api_app_id"} <= fields.keys()


def test_payload_builders() -> None:
    click = block_actions_payload("share", "rec-1", message_ts="1700000000.000100")
    assert click["container"]["type"] == "message"
    assert click["actions"][0] == click["actions"][0] | {"action_id": "share", "value": "rec-1"}
    body = interactivity_body(click)
    assert json.loads(parse_qs(body.decode())["payload"][0]) == click

    values = {"name": {"name": {"type": "plain_text_input", "value": "Patch"}}}
    submit = view_submission_payload("V1", "ticket_form", values, private_metadata="m")
    assert submit["view"]["state"]["values"] == values

    event = json.loads(event_body({"type": "app_home_opened", "user": "U0USER"}))
    assert event["type"] == "event_callback"
    assert event["authorizations"][0]["team_id"] == "T0123"
    assert signed_headers(SECRET, b"{}", content_type=JSON)["Content-Type"] == JSON


async def test_bolt_routes_every_built_request(slack: FakeSlackApi) -> None:
    """The builders' bodies and signatures pass bolt's checks and reach the right listener."""
    app = AsyncApp(
        client=AsyncWebClient(token="xoxb-test", base_url=slack.base_url), signing_secret=SECRET
    )
    seen: list[str] = []

    @app.command("/snow")
    async def command(ack, command, respond):
        await ack()
        seen.append(f"command:{command['text']}")
        await respond("Working on it")

    @app.action("share")
    async def share(ack, body):
        await ack()
        seen.append(f"action:{body['container']['type']}")

    @app.view("ticket_form")
    async def submit(ack, view):
        await ack()
        seen.append(f"view:{view['private_metadata']}")

    @app.message_shortcut("create_ticket_from_message")
    async def shortcut(ack, shortcut):
        await ack()
        seen.append(f"shortcut:{shortcut['message']['text']}")

    @app.event("app_home_opened")
    async def home(event, client):
        seen.append(f"home:{event['user']}")
        await client.views_publish(user_id=event["user"], view={"type": "home", "blocks": []})

    requests: list[tuple[bytes, str]] = [
        (slash_command_body("tickets", response_url=slack.response_url("cmd")), FORM),
        (interactivity_body(block_actions_payload("share", "rec-1", message_ts="1.2")), FORM),
        (interactivity_body(block_actions_payload("share", "rec-1", view={"id": "V1"})), FORM),
        (
            interactivity_body(
                view_submission_payload("V1", "ticket_form", {}, private_metadata="m")
            ),
            FORM,
        ),
        (
            interactivity_body(message_action_payload("create_ticket_from_message", "t", "1.3")),
            FORM,
        ),
        (event_body(app_home_opened_event("U0USER")), JSON),
    ]
    for body, content_type in requests:
        signed = signed_headers(SECRET, body, content_type=content_type)
        headers = {k.lower(): [v] for k, v in signed.items()}
        response = await app.async_dispatch(AsyncBoltRequest(body=body.decode(), headers=headers))
        assert response.status == 200, body

    await slack.wait_for("views.publish")
    assert (await slack.wait_for_response())[0]["text"] == "Working on it"
    assert seen == [
        "command:tickets",
        "action:message",
        "action:view",
        "view:m",
        "shortcut:t",
        "home:U0USER",
    ]


async def test_reactions_add_and_users_lookup_by_email(
    slack: FakeSlackApi, client: AsyncWebClient
) -> None:
    await client.reactions_add(channel="C0SEC", timestamp="1700000000.000100", name="eyes")
    with pytest.raises(SlackApiError) as twice:
        await client.reactions_add(channel="C0SEC", timestamp="1700000000.000100", name="eyes")
    assert twice.value.response["error"] == "already_reacted"
    assert list(slack.reactions[("C0SEC", "1700000000.000100")]) == ["eyes"]
    slack.set_user("U0FRED", email="Fred.Luddy@example.com")
    found = await client.users_lookupByEmail(email="fred.luddy@example.com")
    assert found["user"]["id"] == "U0FRED"
    with pytest.raises(SlackApiError) as missing:
        await client.users_lookupByEmail(email="nobody@example.com")
    assert missing.value.response["error"] == "users_not_found"
