"""The gate reads a Slack body exactly as bolt does, with its own (faster) form parser."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_bolt.request import internals

from adapters.slack.gate import form_fields, parse_body

FORM = "application/x-www-form-urlencoded"
# Form text made of the characters that matter to a form parser, and a few that do not.
form_text = st.text(alphabet="ab=&%+;2Fé\x00 .-_~", max_size=40)
fields = st.dictionaries(st.text(max_size=12), st.text(max_size=24), max_size=6)


def bolt(text: str, content_type: str | None) -> Any:
    """Bolt's own reading, the reference."""
    try:
        return internals.parse_body(text, content_type)
    except ValueError as exc:
        return type(exc)


def ours(text: str, content_type: str | None) -> Any:
    try:
        return parse_body(text, content_type)
    except ValueError as exc:
        return type(exc)


@given(form_text)
def test_any_form_text_reads_as_parse_qsl_reads_it(text: str) -> None:
    assert form_fields(text) == dict(parse_qsl(text, keep_blank_values=True))


@given(fields)
def test_an_encoded_form_reads_back_as_its_fields(values: dict[str, str]) -> None:
    assert form_fields(urlencode(values)) == values


@given(fields, st.sampled_from([FORM, None, "text/plain"]))
def test_a_form_reads_as_bolt_reads_it(values: dict[str, str], content_type: str | None) -> None:
    text = urlencode(values)
    assert ours(text, content_type) == bolt(text, content_type)


@given(st.one_of(st.none(), fields), st.sampled_from([FORM, None]))
def test_a_payload_field_reads_as_bolt_reads_it(
    payload: dict[str, str] | None, content_type: str | None
) -> None:
    text = urlencode({"payload": json.dumps(payload)} if payload is not None else {"x": "payload"})
    assert ours(text, content_type) == bolt(text, content_type)


@pytest.mark.parametrize(
    ("text", "content_type"),
    [
        ("", FORM),
        ('{"type": "event_callback"}', FORM),
        ('{"type": "event_callback"}', "application/json"),
        ("not json", "application/json"),
        ("payload=%7Bnot+json", FORM),
        ("command=%2Fsnow&text=tickets+open&response_url=https%3A%2F%2Fhooks.slack.com%2Fx", FORM),
    ],
)
def test_documented_shapes_read_as_bolt_reads_them(text: str, content_type: str) -> None:
    assert ours(text, content_type) == bolt(text, content_type)
