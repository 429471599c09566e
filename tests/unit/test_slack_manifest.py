"""The Slack app manifest is valid against Slack's published schema and asks for little."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from tests.fakes.slack_api import DEFAULT_BOT_SCOPES

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / "manifests" / "slack" / "manifest.yaml"
V1_URL = (
    "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"
    "manifest.schema.1.0.0.json"
)
V2_URL = V1_URL.replace("1.0.0", "2.0.0")
PUBLIC = "https://snowops.example.com"

# Every bot scope SnowOps may ask for, with the API use that needs it. Anything else (e.g.
# chat:write.public, channels:read, im:history) is more than SnowOps uses.
ALLOWED_BOT_SCOPES = {
    "commands": "the /snow slash command and the message shortcut",
    "chat:write": "chat.postMessage, chat.update, chat.postEphemeral",
    "im:write": "conversations.open for the DM with a user",
    "users:read": "users.info is_admin / is_owner for admin-only commands",
    "users:read.email": "users.info profile.email to match the ServiceNow caller",
    "channels:history": "conversations.history/replies: was a notification already posted",
    "groups:history": "the same, in private channels; message.groups events",
    "reactions:write": "reactions.add marks a thread reply written to ServiceNow",
    "links:read": "link_shared: a message links to a ticket of the instance",
    "links:write": "chat.unfurl: the ticket's preview under the link",
}


def _schemas_dir() -> Path:
    return REPO / "tests" / "schemas"


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    """The parsed manifest."""
    data = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    """slackapi/manifest-schema's root schema, with the v1 file registered under its URL."""
    schemas = _schemas_dir()
    root = json.loads((schemas / "slack-manifest.schema.json").read_text(encoding="utf-8"))
    v1 = json.loads((schemas / "slack-manifest.schema.1.0.0.json").read_text(encoding="utf-8"))
    registry = Registry().with_resources(
        [
            (V1_URL, Resource.from_contents(v1, default_specification=DRAFT7)),
            # The v2 file is not shipped. The root's oneOf evaluates the v2 branch while
            # collecting errors, and an unresolvable $ref there would hide the real error;
            # our manifest says major_version 1, so that branch must never match anyway.
            (V2_URL, Resource.from_contents(False, default_specification=DRAFT7)),
        ]
    )
    return Draft7Validator(root, registry=registry)


def test_manifest_is_valid_against_slack_schema(
    manifest: dict[str, Any], validator: Draft7Validator
) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(manifest)]
    assert errors == []
    assert manifest["_metadata"]["major_version"] == 1


def test_schema_catches_a_bad_manifest(
    manifest: dict[str, Any], validator: Draft7Validator
) -> None:
    bad = copy.deepcopy(manifest)
    bad["features"]["slash_commands"][0]["command"] = "snow"  # no leading slash
    bad["features"]["shortcuts"][0]["type"] = "channel"
    assert not validator.is_valid(bad)


def test_display_information(manifest: dict[str, Any]) -> None:
    info = manifest["display_information"]
    assert info["name"] == "SnowOps"
    assert len(info["name"]) <= 35
    assert 1 <= len(info["description"]) <= 140
    # The schema spells this check "regex", which JSON Schema ignores: check it here.
    assert re.fullmatch(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?", info["background_color"])


def test_bot_user_and_app_home(manifest: dict[str, Any]) -> None:
    features = manifest["features"]
    assert features["bot_user"] == {"display_name": "SnowOps", "always_online": True}
    assert features["app_home"] == {
        "home_tab_enabled": True,
        "messages_tab_enabled": True,
        "messages_tab_read_only_enabled": False,
    }


def test_slash_command(manifest: dict[str, Any]) -> None:
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/snow"
    assert 2 <= len(command["command"]) <= 32
    assert command["url"] == f"{PUBLIC}/slack/events"
    assert command["should_escape"] is False
    for word in ("help", "create", "tickets", "recommendations"):
        assert word in command["usage_hint"]


def test_message_shortcut(manifest: dict[str, Any]) -> None:
    [shortcut] = manifest["features"]["shortcuts"]
    assert shortcut["type"] == "message"
    assert shortcut["callback_id"] == "create_ticket_from_message"
    assert shortcut["name"] == "Create ServiceNow ticket"
    assert len(shortcut["name"]) <= 24


def test_scopes_are_the_minimum(manifest: dict[str, Any]) -> None:
    oauth = manifest["oauth_config"]
    assert oauth["redirect_urls"] == [f"{PUBLIC}/slack/oauth_redirect"]
    bot = oauth["scopes"]["bot"]
    assert len(bot) == len(set(bot))
    assert set(bot) <= ALLOWED_BOT_SCOPES.keys()
    assert set(bot) == ALLOWED_BOT_SCOPES.keys()  # each allowed scope is actually used
    assert "user" not in oauth["scopes"]  # SnowOps never acts as a user
    # The fake Web API reports the same scopes in auth.test's x-oauth-scopes.
    assert set(DEFAULT_BOT_SCOPES.split(",")) == set(bot)


def test_settings(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["event_subscriptions"] == {
        "request_url": f"{PUBLIC}/slack/events",
        "bot_events": ["app_home_opened", "message.channels", "message.groups", "link_shared"],
    }
    assert settings["interactivity"] == {
        "is_enabled": True,
        "request_url": f"{PUBLIC}/slack/events",
        # The assignment group type-ahead (block_suggestion) comes to the same endpoint.
        "message_menu_options_url": f"{PUBLIC}/slack/events",
    }
    assert settings["org_deploy_enabled"] is False
    assert settings["socket_mode_enabled"] is False
    assert settings["token_rotation_enabled"] is False


def test_servicenow_links_unfurl(manifest: dict[str, Any]) -> None:
    """Slack sends link_shared only for the app's unfurl domains (subdomains included):
    every *.service-now.com instance; an instance on its own domain is added per customer."""
    assert manifest["features"]["unfurl_domains"] == ["service-now.com"]
