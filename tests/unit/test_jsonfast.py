"""core.jsonfast gives exactly what the standard library's json gives, faster."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import jsonfast

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),  # lone surrogates and non-ASCII included
)
DATA = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(DATA, st.booleans())
def test_written_exactly_as_json_writes_it(data: Any, sort_keys: bool) -> None:
    expected = json.dumps(data, sort_keys=sort_keys, separators=(",", ":"))
    assert jsonfast.dumps(data, sort_keys=sort_keys) == expected


@given(DATA)
def test_read_exactly_as_json_reads_it(data: Any) -> None:
    for text in (json.dumps(data), json.dumps(data, ensure_ascii=False)):
        assert jsonfast.loads(text) == json.loads(text)
        if not any(0xD800 <= ord(c) <= 0xDFFF for c in text):
            assert jsonfast.loads(text.encode()) == json.loads(text.encode())


@given(st.binary(max_size=64))
def test_what_json_refuses_is_refused_the_same_way(raw: bytes) -> None:
    try:
        expected: Any = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        with pytest.raises(type(exc)):
            jsonfast.loads(raw)
    else:
        got = jsonfast.loads(raw)
        assert got == expected or (
            isinstance(got, float) and math.isnan(got) and math.isnan(expected)
        )


def test_non_string_keys_and_big_numbers_fall_back_to_json() -> None:
    assert jsonfast.dumps({1: 2**80, "b": None}) == '{"1":1208925819614629174706176,"b":null}'
    assert jsonfast.loads('"\\ud800"') == "\ud800"
    assert jsonfast.dumps({"é": "\ud800"}) == '{"\\u00e9":"\\ud800"}'
    assert jsonfast.loads("[-9223372036854775809, 18446744073709551616]") == [-(2**63) - 1, 2**64]
    big = 12345678901234567890123
    assert jsonfast.loads(f"[1e400, {big}]".encode()) == [math.inf, big]
    # Text beside it that is not ASCII (or not even valid UTF-8 text) changes nothing.
    assert jsonfast.loads(f'["é\\ud800", {big}]') == ["é\ud800", big]
    assert jsonfast.loads(f'["\ud800", -{big}]') == ["\ud800", -big]
