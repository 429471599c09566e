"""The console's language: the one its user's terminal runs in (``LANG``), as gettext
reads it, so that ``LANG=sv_SE.UTF-8 snowops chat`` speaks Swedish."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

__all__ = ["LOCALE_HEADER", "console_locale", "locale_tag"]

#: Sent with every console request: the language the terminal's user reads (the server
#: may run in another; it answers each request in the asker's).
LOCALE_HEADER = "X-SnowOps-Locale"

#: What a locale tag is made of: anything else (a header cannot carry it) is dropped.
_NOT_IN_A_TAG = re.compile(r"[^A-Za-z0-9_.@-]")

#: gettext's order: the first of these that is set (and not empty) names the language.
_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def console_locale(env: Mapping[str, str] | None = None) -> str:
    """The locale tag of this process's messages (``sv_SE.UTF-8``, ``C``), or empty when
    none is set; :func:`core.i18n.negotiate` makes it a language SnowOps speaks."""
    env = os.environ if env is None else env
    for name in _VARIABLES:
        value = locale_tag(env.get(name, ""))
        if value:
            return value
    return ""


def locale_tag(text: str) -> str:
    """``text`` as a locale tag can be: its letters, digits and ``_.@-``, 64 at most."""
    return _NOT_IN_A_TAG.sub("", text)[:64]
