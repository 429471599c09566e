""".env.example lists every setting of bot/settings.py, each with what it is, an example and
its real default."""

from __future__ import annotations

import re

import pytest
from pydantic import SecretStr

from bot.settings import Settings
from tests.deploy.conftest import ROOT

TEXT = (ROOT / ".env.example").read_text()
ALIASES = {field.alias: field for field in Settings.model_fields.values() if field.alias}
# Read outside the Settings model, by one command (`snowops connect`), or by compose.
NOT_SETTINGS = {"SERVICENOW_PASSWORD"}
COMPOSE_ONLY = {"REDIS_PASSWORD", "REDIS_MAXMEMORY", "SNOWOPS_IMAGE", "REDIS_IMAGE", "CADDY_IMAGE"}


def blocks() -> dict[str, str]:
    """Each variable's comment block: ``# NAME: …`` up to its assignment line."""
    found: dict[str, str] = {}
    for block in re.split(r"\n\s*\n", TEXT):
        head = re.match(r"# ([A-Z][A-Z0-9_]+)(?:, ([A-Z0-9_, ]+))?:", block)
        if head:
            for name in [head[1], *(head[2] or "").replace(" ", "").split(",")]:
                if name:
                    found[name] = block
    return found


BLOCKS = blocks()


def expected_default(name: str) -> str:
    default = ALIASES[name].default
    if default is None:
        return "none"
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, float) and default.is_integer():
        return str(int(default))
    if isinstance(default, tuple) and not default:
        return "empty"
    if isinstance(default, SecretStr):
        return default.get_secret_value()
    return str(default)


def test_every_field_of_the_settings_model_has_its_variable_name() -> None:
    assert "SNOWOPS_SECRET_KEY" in ALIASES
    assert len(ALIASES) == len(Settings.model_fields), "a setting without an alias"


@pytest.mark.parametrize("name", sorted(ALIASES))
def test_every_setting_is_listed_with_a_comment_example_and_its_default(name: str) -> None:
    assert name in BLOCKS, f"{name} is not in .env.example"
    block = BLOCKS[name]
    assert re.search(rf"^#? ?{name}=", block, re.M), f"no {name}= line"
    assert f"Example: {name}=" in block, f"{name} has no example"
    default = re.search(r"Default: (\S+)", block)
    assert default, f"{name} has no default"
    assert default[1].rstrip(",") == expected_default(name), f"{name}'s default is wrong"


def test_nothing_else_poses_as_a_setting() -> None:
    assigned = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", TEXT, re.M))
    unknown = assigned - set(ALIASES) - NOT_SETTINGS - COMPOSE_ONLY
    assert not unknown, f"not settings of bot/settings.py: {unknown}"


def test_only_what_compose_needs_is_set_the_rest_takes_defaults() -> None:
    live = dict(re.findall(r"^([A-Z][A-Z0-9_]+)=(.*)$", TEXT, re.M))
    assert set(live) == {"SNOWOPS_SECRET_KEY", "SNOWOPS_PUBLIC_URL", "REDIS_PASSWORD"}
    assert live["SNOWOPS_SECRET_KEY"] == ""
    assert live["REDIS_PASSWORD"] == ""
    assert live["SNOWOPS_PUBLIC_URL"].startswith("https://")
