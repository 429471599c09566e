"""Every word a user reads, in English or Swedish: gettext catalogues managed with Babel.

The language follows the person (Slack's user ``locale``, Teams' activity ``locale``, the
console's ``LANG``); a channel message uses the workspace's language. An entry point says
which with :func:`use_locale` for as long as it answers, and everything that builds text
meanwhile (core's views and notices, the adapters' renderers) asks :func:`gettext` and
friends, which read the language from a context variable: asyncio copies it into every
task, so two requests in two languages never see each other's.

Messages are English source strings with ``{name}`` placeholders, filled after translation
(``_("{number} created", number=n)``), so a translator may reorder them. A string defined
at import time is marked with :func:`N_` and translated where it is shown.

The catalogues live in ``core/locale/<lang>/LC_MESSAGES/snowops.po``; ``make messages``
extracts, updates and compiles them (``pybabel``). A ``.po`` without a compiled ``.mo``
beside it (a fresh clone) is compiled in memory on first use.
"""

from __future__ import annotations

import gettext as _gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel import dates as _dates
from babel import numbers as _numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

__all__ = [
    "DEFAULT_LOCALE",
    "DOMAIN",
    "LOCALES",
    "LOCALE_DIR",
    "N_",
    "_",
    "current_locale",
    "format_date",
    "format_datetime",
    "format_number",
    "gettext",
    "language_name",
    "negotiate",
    "ngettext",
    "translations",
    "use_locale",
]

#: The languages SnowOps speaks; the first is the source language and the fallback.
LOCALES: tuple[str, ...] = ("en", "sv")
DEFAULT_LOCALE = "en"
DOMAIN = "snowops"
LOCALE_DIR = Path(__file__).parent / "locale"

_current: ContextVar[str] = ContextVar("snowops_locale", default=DEFAULT_LOCALE)


def negotiate(tag: str | None) -> str:
    """The supported language for a platform's locale tag (``sv-SE``, ``sv_SE.UTF-8``,
    ``en-US``, ``C``); anything unknown or empty is English."""
    if not tag:
        return DEFAULT_LOCALE
    base = tag.split(".", 1)[0].split("@", 1)[0].replace("-", "_")
    lang = base.split("_", 1)[0].lower()
    return lang if lang in LOCALES else DEFAULT_LOCALE


def current_locale() -> str:
    """The language of the text being built now."""
    return _current.get()


@contextmanager
def use_locale(tag: str | None) -> Iterator[str]:
    """Build text in ``tag``'s language (see :func:`negotiate`) inside the block."""
    token = _current.set(negotiate(tag))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    """The catalogue of ``locale``: its compiled ``.mo``, else its ``.po`` compiled now;
    English (the source language) needs none."""
    if locale == DEFAULT_LOCALE:
        return _gettext.NullTranslations()
    folder = LOCALE_DIR / locale / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fp:
            return _gettext.GNUTranslations(fp)
    if not po.exists():
        return _gettext.NullTranslations()
    with po.open("rb") as fp:
        catalog = read_po(fp, locale=locale, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def gettext(message: str, /, **params: Any) -> str:
    """``message`` in the current language, its ``{placeholders}`` filled from ``params``."""
    text = translations(_current.get()).gettext(message)
    return text.format(**params) if params else text


#: The usual short name, so that ``pybabel extract`` finds every message.
_ = gettext


def ngettext(singular: str, plural: str, n: int, /, **params: Any) -> str:
    """The singular or plural form for ``n`` in the current language (Swedish and English
    both have two); ``{n}`` is ``n`` written for the locale."""
    text = translations(_current.get()).ngettext(singular, plural, n)
    params.setdefault("n", format_number(n))
    return text.format(**params)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it yet (a constant defined
    at import time): translate it with :func:`gettext` where it is shown."""
    return message


def _babel_locale() -> Locale:
    return _babel_locale_of(_current.get())


@cache
def _babel_locale_of(locale: str) -> Locale:
    try:
        return Locale.parse({"en": "en_US", "sv": "sv_SE"}.get(locale, locale))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en_US")


def format_number(value: float) -> str:
    """``value`` written for the current locale (Swedish: ``1 234,5``)."""
    return _numbers.format_decimal(value, locale=_babel_locale())


def format_date(value: date, fmt: str = "medium") -> str:
    """A date written for the current locale (``Dec 3, 2026``; ``3 dec. 2026``)."""
    return _dates.format_date(value, format=fmt, locale=_babel_locale())


def format_datetime(value: datetime, fmt: str = "medium") -> str:
    """A moment written for the current locale, in ``value``'s own zone."""
    return _dates.format_datetime(value, format=fmt, tzinfo=value.tzinfo, locale=_babel_locale())


def language_name(locale: str) -> str:
    """The language's own name (``svenska``, ``English``)."""
    return _babel_locale_of(negotiate(locale)).get_language_name() or locale
