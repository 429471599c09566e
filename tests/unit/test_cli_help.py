"""`snowops --help` as a newcomer reads it: plain text, every command, every option explained."""

from __future__ import annotations

import argparse

from bot.cli import _parser

COMMANDS = {
    "serve", "dev", "chat", "doctor", "sim", "graph-sim", "connect", "keygen", "push-key",
    "teams-package", "export", "import", "rotate-key", "audit",
}  # fmt: skip


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def test_the_top_level_help_is_plain_text_and_lists_every_command() -> None:
    parser = _parser()
    text = parser.format_help()
    assert "``" not in text
    assert ":mod:" not in text
    assert set(_subparsers(parser)) == COMMANDS
    for name in COMMANDS:
        assert f"    {name}" in text


def test_every_option_says_what_it_is_for() -> None:
    missing = []
    for name, sub in _subparsers(_parser()).items():
        for action in sub._actions:
            if action.option_strings and action.dest != "help" and not action.help:
                missing.append(f"{name} {action.option_strings[0]}")
    assert missing == []


def test_serve_help_names_the_settings_it_needs() -> None:
    text = _subparsers(_parser())["serve"].format_help()
    for setting in ("SNOWOPS_SECRET_KEY", "SNOWOPS_PUBLIC_URL", "SLACK_SIGNING_SECRET",
                    "TEAMS_APP_ID", "SNOWOPS_STORE"):  # fmt: skip
        assert setting in text.replace("\n", " ")
