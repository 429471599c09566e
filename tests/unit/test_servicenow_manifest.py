"""The business rule admins install sends what SnowOps and its simulator agree on."""

from __future__ import annotations

import re
from pathlib import Path

from core.servicenow.mapping import TICKET_FIELDS
from sim.servicenow.push import PUSH_FIELDS

RULE = Path(__file__).parents[2] / "manifests" / "servicenow" / "snowops_push_rule.js"


def test_the_rule_sends_the_fields_sync_reads() -> None:
    script = RULE.read_text()
    match = re.search(r"var fields = \[(.*?)\];", script, re.S)
    assert match is not None
    fields = re.findall(r"'([a-z_]+)'", match.group(1))
    assert fields == TICKET_FIELDS == list(PUSH_FIELDS)


def test_the_rule_signs_timestamp_dot_body_with_the_headers_snowops_reads() -> None:
    script = RULE.read_text()
    assert "generateMac(key, 'HmacSHA256',\n        timestamp + '.' + body)" in script
    for header in ("X-SnowOps-Instance", "X-SnowOps-Timestamp", "X-SnowOps-Signature"):
        assert f"setRequestHeader('{header}'" in script
    assert "current.correlation_id.startsWith('snowops:')" in script
    assert "status != 202" in script
