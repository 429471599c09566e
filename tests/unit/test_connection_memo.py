"""A connection saved again with the same secrets keeps their ciphertexts, and is read back
without decrypting them again; a key rotation still re-encrypts what is saved after it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from core import jsonfast
from core.models import Connection, ConnectionStatus
from core.secrets import SecretBox, SecretKeyError, generate_key
from core.store.codec import ConnectionMemo

T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
SECRETS = ("client_secret", "access_token", "refresh_token")


class CountingBox(SecretBox):
    """The real SecretBox, counting its work."""

    def __init__(self, keys: str | list[str]) -> None:
        super().__init__(keys)
        self.encrypted = self.decrypted = 0

    def encrypt(self, plaintext: str) -> str:
        self.encrypted += 1
        return super().encrypt(plaintext)

    def decrypt(self, token: str) -> str:
        self.decrypted += 1
        return super().decrypt(token)


def conn(workspace: str = "slack:T1", **changes: object) -> Connection:
    base = Connection(
        workspace=workspace,
        instance_url="https://acme.service-now.com",
        client_id="cid",
        client_secret="cs-secret",
        access_token="at-1",
        refresh_token="rt-1",
        expires_at=T0,
        connected_as="svc",
        status=ConnectionStatus.ACTIVE,
        created_at=T0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_unchanged_secrets_keep_their_ciphertexts_and_are_not_decrypted_again() -> None:
    box = CountingBox(generate_key())
    memo = ConnectionMemo(box)
    first = memo.dump(conn())
    noted = memo.dump(conn(last_sync_at=T0 + timedelta(minutes=1)))
    assert box.encrypted == 3
    assert [noted[n] for n in SECRETS] == [first[n] for n in SECRETS]
    refreshed = memo.dump(conn(access_token="at-2", last_sync_at=T0))
    assert box.encrypted == 4
    assert refreshed["access_token"] != first["access_token"]
    assert refreshed["refresh_token"] == first["refresh_token"]
    loaded = memo.load(jsonfast.dumps(refreshed, sort_keys=True))
    assert loaded == conn(access_token="at-2", last_sync_at=T0)
    assert box.decrypted == 0  # every ciphertext was this process's own
    # Another process (a fresh memo) decrypts, once per ciphertext.
    other = ConnectionMemo(box)
    assert other.load(jsonfast.dumps(first, sort_keys=True)) == conn()
    assert other.load(jsonfast.dumps(noted, sort_keys=True)).last_sync_at is not None
    assert box.decrypted == 3


def test_workspaces_with_the_same_secret_never_share_a_ciphertext() -> None:
    memo = ConnectionMemo(SecretBox(generate_key()))
    a, b = memo.dump(conn("slack:T1")), memo.dump(conn("slack:T2"))
    assert all(a[n] != b[n] for n in SECRETS)


def test_a_rotated_key_encrypts_what_is_saved_after_it() -> None:
    old, new = generate_key(), generate_key()
    stored = jsonfast.dumps(ConnectionMemo(SecretBox(old)).dump(conn()), sort_keys=True)
    rotated = ConnectionMemo(SecretBox([new, old]))
    read = rotated.load(stored)
    saved = rotated.dump(replace(read, last_sync_at=T0))
    assert SecretBox(new).decrypt(saved["access_token"]) == "at-1"
    with pytest.raises(SecretKeyError):
        SecretBox(old).decrypt(saved["access_token"])
