"""Text on Adaptive Cards, shown exactly as typed.

Teams reads ``TextBlock.text`` and ``Fact.title``/``Fact.value`` as Markdown (``**bold**``,
``_italic_``, ``[text](url)``, lists) and may turn a bare URL into a link; a ``TextRun`` in a
``RichTextBlock`` is never Markdown. Every string of a view is plain text (a ticket name, a
comment, a display name), so:

- a string goes in a TextBlock or a FactSet only when it is *inert* (:func:`inert`): it
  holds nothing any Markdown reader could take for markup or a link, so it reads the same
  as Markdown and as text;
- any other string goes in a TextRun, with the same look (size, weight, colour).

Backslash escapes are not used: Teams' mobile clients have not always honoured them.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable
from typing import Any

__all__ = ["facts", "inert", "text"]

JSON = dict[str, Any]

#: ASCII that Markdown never reads as markup in the middle of a line (checked further by
#: the patterns below); every other ASCII character (``*_~`#[]<>&|\\{}@$^``, tab…) is not inert.
_ASCII = frozenset(string.ascii_letters + string.digits + " ,.;:'\"?!()/%+=-")
_NOT_INERT = re.compile(
    r"^\s|\s$"  # leading spaces (indented code) or trailing ones (a hard break)
    r"|\.(?=[^\W\d_])"  # a dot before a letter: a domain, which may be auto-linked
    r"|:(?=\S)"  # a colon before anything but a space: a URL scheme (also 10:00)
    r"|//"  # a protocol-relative link
    r"|^[-+=](?!\d)"  # a list item or a rule ("-5" is a number)
    r"|^\d+[.)](?!\S)"  # an ordered list item
)
#: Adaptive Cards' own text functions, which a renderer replaces by a date or a time; a
#: zero-width space between the braces keeps the text as it was typed.
_DATE_FUNCTION = re.compile(r"\{(?=\{(?:DATE|TIME)\()")
#: TextBlock properties a RichTextBlock also has; the others (colour, size…) go to the run.
_BLOCK_PROPS = frozenset({"spacing", "separator", "horizontalAlignment", "id", "isVisible"})
_RUN_PROPS = frozenset({"color", "weight", "size", "isSubtle", "fontType", "italic"})


def _inert_char(ch: str) -> bool:
    if ch.isascii():
        return ch in _ASCII
    # No controls, format characters (zero-width, bidi), odd spaces or line separators,
    # and no fullwidth forms of ASCII punctuation.
    return unicodedata.category(ch)[0] not in "CZ" and not "\uff01" <= ch <= "\uff5e"


def inert(value: str) -> bool:
    """True when no Markdown reader finds markup or a link in ``value``: one line of letters,
    digits and plain punctuation (``Created INC0010001.``, ``2 - High``, ``New → In Progress``).
    """
    return all(_inert_char(ch) for ch in value) and not _NOT_INERT.search(value)


def text(value: str, **props: Any) -> JSON:
    """``value`` shown as typed: a wrapping TextBlock when it is :func:`inert`, else a
    RichTextBlock of one TextRun with the same look. ``props`` are TextBlock properties."""
    if inert(value):
        return {"type": "TextBlock", "text": value, "wrap": True, **props}
    run: JSON = {"type": "TextRun", "text": _DATE_FUNCTION.sub("{\u200b", value)}
    run.update((k, v) for k, v in props.items() if k in _RUN_PROPS)
    block: JSON = {"type": "RichTextBlock", "inlines": [run]}
    block.update((k, v) for k, v in props.items() if k in _BLOCK_PROPS)
    return block


def facts(pairs: Iterable[tuple[str, str]]) -> JSON:
    """Label/value pairs: a FactSet when every label and value is :func:`inert`, else rows
    of two columns (label in bold, value) built from :func:`text`."""
    rows = [(title, value or "—") for title, value in pairs]
    if all(inert(title) and inert(value) for title, value in rows):
        return {"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in rows]}
    return {
        "type": "Container",
        "items": [_row(t, v, first=not i) for i, (t, v) in enumerate(rows)],
    }


def _row(title: str, value: str, *, first: bool) -> JSON:
    row: JSON = {
        "type": "ColumnSet",
        "columns": [
            {"type": "Column", "width": 2, "items": [text(title, weight="Bolder")]},
            {"type": "Column", "width": 5, "items": [text(value)]},
        ],
    }
    if not first:
        row["spacing"] = "Small"
    return row
