"""The message catalogues: every string the code marks is translated into Swedish, with the
same placeholders, and every marked string is one a catalogue can hold (a literal)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core.i18n import DOMAIN, LOCALE_DIR, LOCALES

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}
SOURCES = ("core", "adapters", "bot")
PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)[^{}]*\}(?!\})")


def _extracted() -> dict[str, tuple[str, ...]]:
    """msgid → the forms the code uses (one, or singular and plural), from the code."""
    found: dict[str, tuple[str, ...]] = {}
    method_map = [("**.py", "python")]
    for folder in SOURCES:
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map, keywords=KEYWORDS
        ):
            forms = message if isinstance(message, tuple) else (message,)
            if forms and forms[0]:
                found[forms[0]] = forms
    return found


def _catalogue(locale: str) -> Catalog:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as fp:
        return read_po(fp, locale=locale, domain=DOMAIN)


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _translated(message: Message) -> Iterator[str]:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    yield from strings


@pytest.mark.parametrize("locale", [loc for loc in LOCALES if loc != "en"])
def test_every_marked_string_is_translated(locale: str) -> None:
    catalogue = _catalogue(locale)
    missing = []
    for msgid, forms in _extracted().items():
        message = catalogue.get(msgid)
        if message is None or message.fuzzy or not all(_translated(message)):
            missing.append(msgid)
        elif len(forms) == 2 and not isinstance(message.string, tuple):
            missing.append(f"{msgid} (plural forms)")
    assert not missing, f"{len(missing)} strings lack a {locale} translation: {missing[:20]}"


@pytest.mark.parametrize("locale", [loc for loc in LOCALES if loc != "en"])
def test_placeholders_are_the_same_in_every_language(locale: str) -> None:
    wrong = []
    for message in _catalogue(locale):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        expected = set().union(*(_placeholders(i) for i in ids))
        for text in _translated(message):
            if not text:
                continue
            names = _placeholders(text)
            # A plural form may leave out {n} ("one ticket"), never add or rename one.
            if names - expected or (expected - names) - {"n"}:
                wrong.append((message.id, text))
            try:
                text.format(**dict.fromkeys(expected | names, "x"))
            except (KeyError, IndexError, ValueError) as exc:
                wrong.append((message.id, f"{text} ({exc!r})"))
    assert not wrong, wrong[:20]


def _calls(tree: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in KEYWORDS
        ):
            yield node


def test_every_marked_string_is_a_literal() -> None:
    """An f-string, a ``%`` or ``.format`` inside ``_()`` cannot be in a catalogue."""
    wrong = []
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for call in _calls(tree):
                if not call.args:
                    continue
                first = call.args[0]
                if isinstance(first, ast.JoinedStr | ast.BinOp | ast.Call):
                    wrong.append(f"{path.relative_to(ROOT)}:{call.lineno}")
                elif call.func.id == "N_" and not isinstance(first, ast.Constant):
                    wrong.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert not wrong, wrong


def test_the_catalogue_holds_what_the_code_marks() -> None:
    """A string that the code no longer uses is not kept (``make messages`` drops it)."""
    used = set(_extracted())
    stale = [m.id for m in _catalogue("sv") if m.id and _first(m.id) not in used]
    assert not stale, stale[:20]


def _first(msgid: str | tuple[str, ...]) -> str:
    return msgid[0] if isinstance(msgid, tuple) else msgid
