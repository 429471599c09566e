"""The Teams app in Swedish: the manifest's ``localizationInfo`` names ``sv-se.json``, the
package carries it, and the file holds only keys Teams' localization schema takes, within
its lengths, for strings the manifest has. Command words stay as they are (they are the
commands a user sends); their descriptions are translated."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from adapters.teams.package import PackageError, language_files, write_package
from tests.unit.test_teams_package import APP_ID, TEAMS, manifest, problems

#: Keys of Teams' localization file (MicrosoftTeams.Localization.schema.json, manifest
#: 1.17) that this app has, with their longest allowed value.
KEYS = {
    r"name\.short": 30,
    r"name\.full": 100,
    r"description\.short": 80,
    r"description\.full": 4000,
    r"bots\[0\]\.commandLists\[[0-2]\]\.commands\[[0-9]\]\.title": 32,
    r"bots\[0\]\.commandLists\[[0-2]\]\.commands\[[0-9]\]\.description": 128,
    r"composeExtensions\[0\]\.commands\[[0-9]\]\.title": 32,
    r"composeExtensions\[0\]\.commands\[[0-9]\]\.description": 128,
}
REQUIRED = ("name.short", "description.short", "description.full")
SCHEMA_URL = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/"
    "MicrosoftTeams.Localization.schema.json"
)


def swedish() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((TEAMS / "sv-se.json").read_text(encoding="utf-8"))
    return data


def _at(data: Any, path: str) -> Any:
    """The manifest's value at a localization key (``bots[0].commandLists[1].title``)."""
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        data = data[int(part[1:-1])] if part.startswith("[") else data[part]
    return data


def test_the_manifest_names_its_swedish_file() -> None:
    info = manifest()["localizationInfo"]
    assert info["defaultLanguageTag"] == "en-us"
    assert info["additionalLanguages"] == [{"languageTag": "sv-se", "file": "sv-se.json"}]
    assert problems(manifest()) == []
    assert language_files(manifest()) == ["sv-se.json"]


def test_the_swedish_file_holds_what_teams_localizes_within_its_lengths() -> None:
    data = swedish()
    assert data["$schema"] == SCHEMA_URL
    assert all(key in data for key in REQUIRED)
    for key, value in data.items():
        if key == "$schema":
            continue
        limits = [n for pattern, n in KEYS.items() if re.fullmatch(pattern, key)]
        assert limits, f"Teams does not localize {key}"
        assert isinstance(value, str)
        assert value.strip()
        assert len(value) <= limits[0], key
        if "." in key and key.split(".")[0] not in ("name", "description"):
            _at(manifest(), key)  # a string the manifest has (IndexError/KeyError if not)


def test_every_command_hint_is_translated_and_commands_stay_commands() -> None:
    data = swedish()
    lists = manifest()["bots"][0]["commandLists"]
    for i, entry in enumerate(lists):
        for j, command in enumerate(entry["commands"]):
            key = f"bots[0].commandLists[{i}].commands[{j}]"
            assert f"{key}.title" not in data  # "help" is typed as "help" in any language
            shown = data[f"{key}.description"]
            assert shown != command["description"]
            # The syntax in a hint is the command's own, not translated.
            syntax = command["description"].partition(": ")[2]
            assert not syntax or shown.endswith(syntax), (shown, syntax)
    assert data["composeExtensions[0].commands[0].title"] == "Dela till ServiceNow"
    assert data["description.short"] != manifest()["description"]["short"]


def test_the_package_carries_the_swedish_file(tmp_path: Path) -> None:
    out = tmp_path / "snowops-teams.zip"
    packaged = write_package(out, APP_ID, "https://snowops.acme.example")
    assert problems(packaged) == []
    with zipfile.ZipFile(out) as zf:
        assert json.loads(zf.read("sv-se.json")) == swedish()
        assert (
            json.loads(zf.read("manifest.json"))["localizationInfo"]
            == (manifest()["localizationInfo"])
        )


@pytest.mark.parametrize("name", ["../sv-se.json", "lang/sv-se.json", "manifest.json", "sv"])
def test_a_localization_file_must_be_a_plain_json_name(tmp_path: Path, name: str) -> None:
    source = tmp_path / "teams"
    source.mkdir()
    template = manifest()
    template["localizationInfo"]["additionalLanguages"][0]["file"] = name
    (source / "manifest.json").write_text(json.dumps(template), encoding="utf-8")
    for icon in ("color.png", "outline.png"):
        (source / icon).write_bytes((TEAMS / icon).read_bytes())
    with pytest.raises(PackageError, match="localization file"):
        write_package(tmp_path / "p.zip", APP_ID, "https://x.example", source=source)
    assert not (tmp_path / "p.zip").exists()


def test_a_missing_localization_file_is_named(tmp_path: Path) -> None:
    source = tmp_path / "teams"
    source.mkdir()
    (source / "manifest.json").write_text(json.dumps(manifest()), encoding="utf-8")
    for icon in ("color.png", "outline.png"):
        (source / icon).write_bytes((TEAMS / icon).read_bytes())
    with pytest.raises(PackageError, match=r"sv-se\.json"):
        write_package(tmp_path / "p.zip", APP_ID, "https://x.example", source=source)
