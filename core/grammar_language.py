"""``language [en|sv]``: the language of the workspace's channel messages. The words are
the same in every language (``/snow language sv``), like every command word."""

from __future__ import annotations

from core import commands as c
from core.errors import UsageError
from core.i18n import LOCALES, _

__all__ = ["language_text", "parse_language"]


def parse_language(rest: str) -> c.Command:
    """``language``, ``language en`` or ``language sv``."""
    args = rest.split()
    if not args:
        return c.SetLanguage()
    language = args[0].lower()
    if len(args) != 1 or language not in LOCALES:
        raise UsageError(
            _(
                "'{word}' is not a language SnowOps speaks: use /snow language en (English) "
                "or /snow language sv (svenska).",
                word=" ".join(args)[:40],
            )
        )
    return c.SetLanguage(language)


def language_text(command: c.Command) -> str | None:
    """The text that reads back to a language command, or None."""
    match command:
        case c.SetLanguage(language=language):
            return f"language {language}".strip()
    return None
