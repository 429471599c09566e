"""The Teams app package: manifest (schema 1.17), icons, and `snowops teams-package`."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from adapters.teams.invokes import MESSAGE_ACTION
from bot.adapters import teams_config
from bot.settings import SettingsError, load_settings
from core.errors import UsageError
from core.grammar import parse

ROOT = Path(__file__).resolve().parents[2]
TEAMS = ROOT / "manifests" / "teams"
SCHEMA = json.loads((ROOT / "tests" / "schemas" / "teams-manifest-1.17.schema.json").read_text())
# The schema says draft-04 but uses `const`: Draft 7 checks it (see schemas/README.md).
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)
APP_ID = "8a2f6b7c-1d2e-4f50-9a8b-7c6d5e4f3a21"


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((TEAMS / "manifest.json").read_text())
    return data


def problems(data: dict[str, Any]) -> list[str]:
    return [f"{list(e.path)}: {e.message[:200]}" for e in VALIDATOR.iter_errors(data)]


def test_manifest_is_valid_for_schema_1_17() -> None:
    data = manifest()
    assert problems(data) == []
    assert tuple(int(p) for p in data["manifestVersion"].split(".")) >= (1, 17)


def test_the_validator_catches_mistakes() -> None:
    data = manifest()
    data["bots"][0]["scopes"] = ["personal", "GroupChat"]  # scopes are case-sensitive
    data["manifestVersion"] = "1.0"
    assert len(problems(data)) >= 2


def test_command_suggestions_are_commands_the_bot_knows() -> None:
    lists = manifest()["bots"][0]["commandLists"]
    titles = {cmd["title"] for entry in lists for cmd in entry["commands"]}
    assert {"help", "recommendations", "create", "tickets", "subscribe"} <= titles
    unknown = []
    for title in titles:
        try:
            parse(title)
        except UsageError as exc:
            if "Unknown command" in str(exc):  # a known verb may still need its argument
                unknown.append(title)
    assert unknown == []


def test_the_message_action_is_the_one_the_bot_handles() -> None:
    [extension] = manifest()["composeExtensions"]
    [command] = extension["commands"]
    assert command["id"] == MESSAGE_ACTION
    assert command["context"] == ["message"]
    assert command["type"] == "action"
    assert command["fetchTask"] is True


def test_the_bot_may_read_its_own_messages_back_with_resource_specific_consent() -> None:
    """A redo after a lost answer looks for the earlier copy with Microsoft Graph, which
    needs the two message RSC permissions, granted to the bot's own app registration; team
    owners are read with the third."""
    data = manifest()
    assert data["webApplicationInfo"]["id"] == data["bots"][0]["botId"]
    assert data["webApplicationInfo"]["resource"]  # "any string", but Teams wants one
    granted = data["authorization"]["permissions"]["resourceSpecific"]
    assert {(p["name"], p["type"]) for p in granted} == {
        ("ChannelMessage.Read.Group", "Application"),
        ("ChatMessage.Read.Chat", "Application"),
        ("TeamMember.Read.Group", "Application"),
    }


def read_png(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and RGBA pixels of a PNG whose rows use filter 0 (as we write them)."""
    raw = path.read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(raw):
        (length,) = struct.unpack(">I", raw[pos : pos + 4])
        kind, data = raw[pos + 4 : pos + 8], raw[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = data
        elif kind == b"IDAT":
            idat += data
        pos += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", header[:10])
    assert (depth, color) == (8, 6)  # 8-bit RGBA
    rows = zlib.decompress(idat)
    stride = 1 + 4 * width
    pixels = []
    for y in range(height):
        row = rows[y * stride : (y + 1) * stride]
        assert row[0] == 0
        pixels += [row[1 + 4 * x : 5 + 4 * x] for x in range(width)]
    return width, height, pixels


def test_icons_have_teams_sizes_and_the_outline_is_white_on_transparent() -> None:
    width, height, pixels = read_png(TEAMS / "color.png")
    assert (width, height) == (192, 192)
    assert all(p[3] == 255 for p in pixels)  # the colour icon is opaque
    width, height, pixels = read_png(TEAMS / "outline.png")
    assert (width, height) == (32, 32)
    kinds = {bytes(p) for p in pixels}
    assert kinds == {b"\x00\x00\x00\x00", b"\xff\xff\xff\xff"}


def test_teams_package_writes_an_uploadable_zip(tmp_path: Path) -> None:
    out = tmp_path / "snowops-teams.zip"
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "teams-package", "--app-id", APP_ID,
         "--public-url", "https://snowops.acme.example", "--output", str(out)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == ["color.png", "manifest.json", "outline.png", "sv-se.json"]
        packaged = json.loads(zf.read("manifest.json"))
    assert problems(packaged) == []
    assert packaged["id"] == APP_ID
    assert packaged["bots"][0]["botId"] == APP_ID
    assert packaged["composeExtensions"][0]["botId"] == APP_ID
    assert packaged["webApplicationInfo"]["id"] == APP_ID
    assert packaged["validDomains"] == ["snowops.acme.example"]


def test_teams_package_refuses_a_bad_app_id(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "teams-package", "--app-id", "my-bot",
         "--public-url", "https://x.example", "--output", str(tmp_path / "p.zip")],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "GUID" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "p.zip").exists()


def test_the_graph_url_reaches_the_teams_adapter(monkeypatch: pytest.MonkeyPatch) -> None:
    assert teams_config(load_settings(_env_file=None)).graph_url == "https://graph.microsoft.com"
    monkeypatch.setenv("TEAMS_GRAPH_URL", "http://127.0.0.1:8765/")
    assert teams_config(load_settings(_env_file=None)).graph_url == "http://127.0.0.1:8765"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"TEAMS_APP_ID": APP_ID, "TEAMS_TENANT_ID": "t"}, "TEAMS_APP_PASSWORD"),
        ({"TEAMS_TENANT_ID": "a-tenant, not one!"}, "TEAMS_TENANT_ID"),
        ({"TEAMS_APP_TENANT_ID": "../evil"}, "TEAMS_APP_TENANT_ID"),
        ({"TEAMS_LOGIN_URL": "http://login.example.com"}, "TEAMS_LOGIN_URL"),
        ({"TEAMS_GRAPH_URL": "http://graph.example.com"}, "TEAMS_GRAPH_URL"),
        ({"TEAMS_GRAPH_URL": "https://graph.example.com/?x=1"}, "TEAMS_GRAPH_URL"),
    ],
)
def test_teams_settings_are_checked_at_start(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=None)
    assert named in str(info.value)


def test_ticket_links_of_servicenow_domains_unfurl_through_the_message_extension() -> None:
    [extension] = manifest()["composeExtensions"]
    assert extension["messageHandlers"] == [
        {"type": "link", "value": {"domains": ["*.service-now.com"]}}
    ]


def test_teams_package_adds_an_instances_own_domain_to_link_previews(tmp_path: Path) -> None:
    out = tmp_path / "snowops-teams.zip"
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "teams-package", "--app-id", APP_ID,
         "--public-url", "https://snowops.acme.example", "--output", str(out),
         "--unfurl-domain", "https://itsm.acme.example/", "--unfurl-domain", "*.acme.example"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(out) as zf:
        packaged = json.loads(zf.read("manifest.json"))
    assert problems(packaged) == []
    [handler] = packaged["composeExtensions"][0]["messageHandlers"]
    assert handler["value"]["domains"] == [
        "*.service-now.com",
        "itsm.acme.example",
        "*.acme.example",
    ]
    bad = subprocess.run(
        [sys.executable, "-m", "bot.cli", "teams-package", "--app-id", APP_ID,
         "--public-url", "https://x.example", "--output", str(tmp_path / "p.zip"),
         "--unfurl-domain", "not a domain"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "not a domain" in bad.stderr
    assert "Traceback" not in bad.stderr
