"""The ``mapping`` commands: how a ticket becomes a ServiceNow record (admins).

::

    mapping                                   every kind's mapping
    mapping incident                          one kind's
    mapping incident Identity category=security subcategory=identity group="SOC" ci="Azure AD"
    mapping incident source=u_source          the field that carries the source
    mapping reset incident [Identity|source]  back to the defaults
"""

from __future__ import annotations

import shlex

from core import commands as c
from core.commands_mapping import MAPPING_KEYS
from core.errors import UsageError
from core.i18n import _
from core.models import CATEGORIES, TicketKind

__all__ = ["SOURCE", "mapping_text", "parse_mapping"]

SOURCE = "source"
#: The longest value a mapping takes (ServiceNow names and choice values are shorter).
VALUE_MAX = 100


def _usage() -> str:
    return _(
        "Usage: /snow mapping incident Identity category=security subcategory=identity "
        'group="Security Operations" ci="Corporate VPN", /snow mapping incident '
        "source=u_source, or /snow mapping reset incident [Identity|source]"
    )


def _kind(word: str) -> TicketKind:
    for kind in TicketKind:
        if word.lower() in (kind.value, kind.table):
            return kind
    names = ", ".join(k.value for k in TicketKind)
    raise UsageError(_("'{word}' is not a ticket kind: use {names}.", word=word[:40], names=names))


def _category(word: str) -> str | None:
    return next((name for name in CATEGORIES if name.lower() == word.lower()), None)


def _values(words: list[str], keys: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    out: dict[str, str] = {}
    for word in words:
        key, eq, value = word.partition("=")
        key, value = key.lower(), value.strip()
        if not eq or key not in keys:
            raise UsageError(
                _(
                    "'{word}' is not a setting here: use {keys}.",
                    word=word[:40],
                    keys=", ".join(f"{k}=…" for k in keys),
                )
            )
        if not value or len(value) > VALUE_MAX:
            raise UsageError(
                _("Give {key} a value of 1 to {most} characters.", key=key, most=VALUE_MAX)
            )
        if key in out:
            raise UsageError(_("{key} is given twice.", key=key))
        out[key] = value
    return tuple((k, out[k]) for k in keys if k in out)


def parse_mapping(rest: str) -> c.Command:
    """``mapping``, ``mapping <kind> [<category>] [key=value …]`` or ``mapping reset …``."""
    try:
        words = shlex.split(rest)
    except ValueError:
        raise UsageError(_('A quote is not closed: write group="Security Operations".')) from None
    if not words:
        return c.MapFields()
    reset = words[0].lower() == "reset"
    if reset:
        words = words[1:]
        if not words:
            raise UsageError(_usage())
    kind, words = _kind(words[0]), words[1:]
    category = _category(words[0]) if words else None
    if category is not None:
        words = words[1:]
    if reset:
        if words == [SOURCE] and category is None:
            return c.MapFields(kind, SOURCE, reset=True)
        if words:
            raise UsageError(_usage())
        return c.MapFields(kind, category or "", reset=True)
    if category is None and any(w.partition("=")[0].lower() in MAPPING_KEYS for w in words):
        raise UsageError(
            _(
                "Name the security category first: /snow mapping {kind} Identity {words}",
                kind=kind.value,
                words=" ".join(words)[:80],
            )
        )
    keys = MAPPING_KEYS if category is not None else (SOURCE,)
    return c.MapFields(kind, category or "", _values(words, keys))


def mapping_text(command: c.MapFields) -> str:
    """The text :func:`parse_mapping` reads back to ``command`` (after ``mapping``)."""
    words = ["mapping"]
    if command.reset:
        words.append("reset")
    if command.kind is not None:
        words.append(command.kind.value)
    if command.category:
        words.append(command.category)
    words += [f"{key}={shlex.quote(value)}" for key, value in command.values]
    return " ".join(words)
