"""What the fuzz tests of the HTTP entry points share: deterministic Hypothesis settings,
JSON of any shape, mutations of a real payload, and the check that a request left no
error in the log.

The server is started once per test (a function-scoped fixture) and every example is a
request to it; that is what ``function_scoped_fixture`` is suppressed for.
"""

from __future__ import annotations

import atexit
import logging
import shutil
import tempfile
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

__all__ = ["DELETE", "FUZZ", "json_values", "mutated", "no_error_logged"]

# As in tests/unit/test_grammar.py: no Hypothesis cache or example database in the checkout.
_HOME = tempfile.mkdtemp(prefix="snowops-hypothesis-")
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
set_hypothesis_home_dir(_HOME)

#: Derandomized: the same examples on every run, so CI cannot turn red by chance; few
#: enough that all the fuzz tests together take seconds.
FUZZ = settings(
    database=None,
    derandomize=True,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["", "U0USER", "T0123", "help", "tickets", "home", "null", "{}", "[]"])
)

#: Any JSON document, a few levels deep.
json_values: st.SearchStrategy[Any] = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)

#: Put in place of a value by :func:`mutated`: the key is removed instead.
DELETE = object()


def _apply(doc: Any, path: Sequence[str | int], value: Any) -> Any:
    """``doc`` with the value at ``path`` replaced (or removed); a path that runs into
    something other than an object or list changes nothing."""
    if not path:
        return doc if value is DELETE else value
    head, rest = path[0], path[1:]
    if isinstance(doc, dict) and isinstance(head, str):
        copy = dict(doc)
        if not rest and value is DELETE:
            copy.pop(head, None)
        elif head in copy or not rest:
            copy[head] = _apply(copy.get(head), rest, value)
        return copy
    if isinstance(doc, list) and isinstance(head, int) and 0 <= head < len(doc):
        copy_list = list(doc)
        if not rest and value is DELETE:
            del copy_list[head]
        else:
            copy_list[head] = _apply(copy_list[head], rest, value)
        return copy_list
    return doc


def mutated(
    payload: dict[str, Any], paths: Sequence[Sequence[str | int]], *, most: int = 4
) -> st.SearchStrategy[dict[str, Any]]:
    """``payload`` with up to ``most`` of ``paths`` given random JSON or removed."""
    changes = st.lists(
        st.tuples(st.sampled_from(list(paths)), json_values | st.just(DELETE)), max_size=most
    )

    def build(chosen: list[tuple[Sequence[str | int], Any]]) -> dict[str, Any]:
        doc: Any = payload
        for path, value in chosen:
            doc = _apply(doc, path, value)
        return doc if isinstance(doc, dict) else {}

    return changes.map(build)


def no_error_logged(caplog: pytest.LogCaptureFixture, what: object) -> None:
    """No record at ERROR or above, none with a traceback, none over several lines."""
    for record in caplog.records:
        message = record.getMessage()
        assert record.levelno < logging.ERROR, f"{what}: {message}"
        assert not record.exc_info, f"{what}: {message}"
        # The access log quotes the request line, which a test may fill with anything.
        if record.name != "aiohttp.access":
            assert "\n" not in message, f"{what}: {message}"
