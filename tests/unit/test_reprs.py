"""No secret reaches a log line through a repr."""

from __future__ import annotations

from datetime import UTC, datetime

from core.models import Connection, OAuthClientConfig, OAuthState
from core.servicenow.oauth import TokenSet


def test_secrets_are_not_in_reprs() -> None:
    conn = Connection(
        "slack:T1", "https://a.service-now.com", "cid", "S3CRET", "ACCESS1", "REFRESH1"
    )
    state = OAuthState(
        state="STATE1",
        workspace="slack:T1",
        instance_url="https://a.service-now.com",
        client_id="cid",
        client_secret="S3CRET",
        code_verifier="VERIFIER1",
        redirect_uri="https://bot/cb",
        requested_by="U1",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    token = TokenSet("ACCESS1", "REFRESH1", datetime(2026, 1, 1, tzinfo=UTC))
    text = " ".join(repr(x) for x in (conn, state, token, OAuthClientConfig("cid", "S3CRET")))
    for secret in ("S3CRET", "ACCESS1", "REFRESH1", "STATE1", "VERIFIER1"):
        assert secret not in text
    assert "cid" in text
