"""JSON at orjson's speed, with the standard library's results.

Every stored document, outbox entry and Table API page goes through JSON, so in a busy sync
cycle the standard library's ``json`` was a fifth of the store's work. orjson does the same
in C several times faster, but it differs in corners: it refuses lone surrogates (which
``json`` reads from ``\\ud800`` escapes and writes back), integers past 64 bits and non-string
keys, it reads integers past 64 bits as floats, and it writes non-ASCII text as UTF-8
where ``json`` escapes it. Here orjson does the
common case and ``json`` the rest, so what is read and the strings written are exactly what
``json`` gives: stored documents compare equal as strings across versions of SnowOps.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["dumps", "loads"]


#: Every ASCII digit to ``0`` and every other byte to ``x``: a number past 64 bits (which
#: orjson reads as a float) needs 19 digits in a row, and finding ``0`` * 19 in the
#: translated text is a C loop, where a regular expression over a page cost several times
#: orjson's own parse.
_DIGITS = bytes(0x30 if 0x30 <= b <= 0x39 else 0x78 for b in range(256))
_LONG_RUN = b"0" * 19


def _maybe_long(data: bytes | str) -> bool:
    """Whether ``data`` holds 19 ASCII digits in a row (only ASCII digits make numbers)."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    return _LONG_RUN in data.translate(_DIGITS)


def loads(data: bytes | str) -> Any:
    """``json.loads``: raises ``json.JSONDecodeError`` (a ``ValueError``) when not JSON."""
    if not _maybe_long(data):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return json.loads(data)  # json's own answer (and error) in orjson's corners


def dumps(data: Any, *, sort_keys: bool = False) -> str:
    """``json.dumps(data, sort_keys=sort_keys, separators=(",", ":"))``, ASCII only."""
    try:
        text = orjson.dumps(data, option=orjson.OPT_SORT_KEYS if sort_keys else 0).decode()
    except orjson.JSONEncodeError:
        pass
    else:
        if text.isascii():
            return text
    return json.dumps(data, sort_keys=sort_keys, separators=(",", ":"))
