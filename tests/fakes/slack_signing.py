"""Signed requests as Slack sends them to ``/slack/events``: bodies, payloads and headers.

Shapes follow Slack's docs and slack-bolt's ``tests/scenario_tests_async/``. Typical use::

    body = slash_command_body("tickets", response_url=slack.response_url("cmd"))
    await http.post(f"{app.url}/slack/events", data=body, headers=signed_headers(SECRET, body))

Sign the exact bytes you send: the signature covers the raw body.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack_api import APP_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

DEFAULT_USER_ID = "U0USER"
DEFAULT_CHANNEL_ID = "C0SEC"
DEFAULT_CHANNEL_NAME = "security"
DEFAULT_TRIGGER_ID = "13345224609.738474920.8088930838d88f008e0"
DEFAULT_RESPONSE_URL = "https://hooks.slack.com/commands/T0123/1234567890/abcdefABCDEF1234"
DEFAULT_ACTION_RESPONSE_URL = "https://hooks.slack.com/actions/T0123/1234567890/abcdefABCDEF1234"
VERIFICATION_TOKEN = "verification_token_deprecated"

_event_ids = itertools.count(1)


def signed_headers(
    secret: str,
    body: bytes,
    *,
    timestamp: int | None = None,
    content_type: str = FORM,
) -> dict[str, str]:
    """``X-Slack-Signature`` / ``X-Slack-Request-Timestamp`` for ``body``, signed now by default.

    Pass ``content_type=JSON`` for Events API bodies (:func:`event_body`).
    """
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {
        "X-Slack-Signature": signature,
        "X-Slack-Request-Timestamp": ts,
        "Content-Type": content_type,
    }


def slash_command_body(
    text: str,
    *,
    team_id: str = TEAM_ID,
    user_id: str = DEFAULT_USER_ID,
    channel_id: str = DEFAULT_CHANNEL_ID,
    channel_name: str = DEFAULT_CHANNEL_NAME,
    user_name: str = "ada",
    command: str = "/snow",
    response_url: str = DEFAULT_RESPONSE_URL,
    trigger_id: str = DEFAULT_TRIGGER_ID,
) -> bytes:
    """A form-encoded ``/snow <text>`` with every field a real slash command carries."""
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    return urlencode(fields).encode()


def interactivity_body(payload: dict[str, Any]) -> bytes:
    """An interactivity request body: form field ``payload=<JSON>``."""
    return urlencode({"payload": json.dumps(payload)}).encode()


def _user(user_id: str, team_id: str) -> dict[str, Any]:
    name = user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _team(team_id: str) -> dict[str, Any]:
    return {"id": team_id, "domain": TEAM_DOMAIN}


def block_actions_payload(
    action_id: str,
    value: str,
    *,
    user_id: str = DEFAULT_USER_ID,
    team_id: str = TEAM_ID,
    channel_id: str = DEFAULT_CHANNEL_ID,
    message_ts: str | None = None,
    view: dict[str, Any] | None = None,
    trigger_id: str = DEFAULT_TRIGGER_ID,
    block_id: str = "snowops_actions",
    response_url: str = DEFAULT_ACTION_RESPONSE_URL,
    action: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``block_actions`` payload for a button click.

    Where the button was: ``view`` (a modal or the Home tab: ``container.type == "view"``,
    no channel, no ``response_url``), else ``message_ts`` (a message the bot posted in
    ``channel_id``), else an ephemeral message (``container.is_ephemeral``, no ``message``).
    ``action`` overrides fields of the action (e.g. a select's ``selected_option``).
    """
    act: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": "Button", "emoji": True},
        "value": value,
        "type": "button",
        "action_ts": f"{int(time.time())}.194939",
    }
    act.update(action or {})
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "team": _team(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": [act],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "V0000000001")}
        payload["view"] = view
        return payload
    payload["channel"] = {"id": channel_id, "name": DEFAULT_CHANNEL_NAME}
    payload["response_url"] = response_url
    if message_ts is not None:
        payload["container"] = {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
        payload["message"] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": "B0BOT",
            "app_id": APP_ID,
            "text": "SnowOps card",
            "ts": message_ts,
            "blocks": [],
        }
    else:
        payload["container"] = {
            "type": "message",
            "message_ts": f"{int(time.time())}.000200",
            "channel_id": channel_id,
            "is_ephemeral": True,
        }
    return payload


def view_submission_payload(
    view_id: str,
    callback_id: str,
    state_values: dict[str, dict[str, dict[str, Any]]],
    *,
    private_metadata: str = "",
    user_id: str = DEFAULT_USER_ID,
    team_id: str = TEAM_ID,
    hash_: str = "1700000000.3wRYuk3R",
    blocks: list[dict[str, Any]] | None = None,
    trigger_id: str = DEFAULT_TRIGGER_ID,
    response_urls: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A ``view_submission`` payload: ``state_values`` is ``{block_id: {action_id: {...}}}``.

    Values look like ``{"type": "plain_text_input", "value": "x"}``,
    ``{"type": "static_select", "selected_option": {"value": "2", ...}}`` or
    ``{"type": "datepicker", "selected_date": "2030-01-31"}``.
    """
    return {
        "type": "view_submission",
        "team": _team(team_id),
        "user": _user(user_id, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "blocks": blocks or [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": state_values},
            "hash": hash_,
            "title": {"type": "plain_text", "text": "SnowOps"},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": {"type": "plain_text", "text": "Cancel"},
            "submit": {"type": "plain_text", "text": "Submit"},
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": APP_ID,
            "external_id": "",
            "app_installed_team_id": team_id,
            "bot_id": "B0BOT",
        },
        "response_urls": response_urls or [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def message_action_payload(
    callback_id: str,
    text: str,
    ts: str,
    *,
    channel_id: str = DEFAULT_CHANNEL_ID,
    user_id: str = DEFAULT_USER_ID,
    team_id: str = TEAM_ID,
    author_id: str = "U0AUTHOR",
    trigger_id: str = DEFAULT_TRIGGER_ID,
    response_url: str = DEFAULT_ACTION_RESPONSE_URL,
) -> dict[str, Any]:
    """A message shortcut (``type: message_action``) on the message ``ts`` saying ``text``."""
    return {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": f"{int(time.time())}.207593",
        "team": _team(team_id),
        "user": {"id": user_id, "name": user_id.lower()},
        "channel": {"id": channel_id, "name": DEFAULT_CHANNEL_NAME},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id,
        "message_ts": ts,
        "message": {
            "client_msg_id": "2f6d8b8e-9a57-4a6c-9d38-1f3c0d6a8b21",
            "type": "message",
            "text": text,
            "user": author_id,
            "ts": ts,
            "team": team_id,
            "blocks": [
                {
                    "type": "rich_text",
                    "block_id": "d7eJ",
                    "elements": [
                        {
                            "type": "rich_text_section",
                            "elements": [{"type": "text", "text": text}],
                        }
                    ],
                }
            ],
        },
        "response_url": response_url,
    }


def app_home_opened_event(
    user_id: str = DEFAULT_USER_ID,
    *,
    tab: str = "home",
    view: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``event`` of ``app_home_opened`` (``view`` only once a Home view was published)."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": f"D{user_id[1:]}",
        "tab": tab,
        "event_ts": f"{int(time.time())}.000016",
    }
    if view is not None:
        event["view"] = view
    return event


def event_body(
    event: dict[str, Any],
    *,
    team_id: str = TEAM_ID,
    event_id: str | None = None,
    event_time: int | None = None,
) -> bytes:
    """An Events API ``event_callback`` envelope as JSON bytes (sign with ``content_type=JSON``).

    ``event_id`` defaults to a fresh unique id (Slack re-sends the same id on retries).
    """
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_event_ids):08d}SNOW",
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-eyJldCI6ImFwcF9ob21lX29wZW5lZCIsInRpZCI6Int{team_id}In0",
    }
    return json.dumps(envelope).encode()
