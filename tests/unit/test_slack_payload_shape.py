"""The payload check's quick pass over plain fields gives the full check's verdict."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.slack.payloads import PayloadError, check_payload

COMMAND = {"command": "/snow", "text": "help", "team_id": "T1", "user_id": "U1"}


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"team": "T1", "user": "U1", "channel": "C1"},
        {"is_enterprise_install": True, "is_ext_shared_channel": "false"},
        {"enterprise_id": None, "message": None},
        {"team": {"id": "T1"}, "message": {"user": "U1", "ts": "1.2"}},
        {"unknown": ["anything", 1]},
    ],
)
def test_well_shaped_payloads_pass(extra: dict[str, Any]) -> None:
    check_payload({**COMMAND, **extra})


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"message": "not an object"}, "message"),
        ({"item": "x"}, "item"),
        ({"team_id": True}, "team_id"),
        ({"team_id": ["T1"]}, "team_id"),
        ({"is_enterprise_install": 1}, "is_enterprise_install"),
        ({"team": {"id": 5}}, "team.id"),
        ({"message": {"user": {"id": []}}}, "message.user.id"),
        # The first wrong field in the check's own order is the one named.
        ({"user_id": 1, "team_id": 2}, "team_id"),
    ],
)
def test_a_wrong_field_is_named(extra: dict[str, Any], named: str) -> None:
    with pytest.raises(PayloadError, match=rf"^{named} must be"):
        check_payload({**COMMAND, **extra})
