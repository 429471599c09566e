"""Fernet encryption at rest, with rotation."""

from __future__ import annotations

import pytest

from core.secrets import SecretBox, SecretKeyError, generate_key


def test_round_trip_and_ciphertext_hides_plaintext() -> None:
    box = SecretBox(generate_key())
    token = box.encrypt("refresh-token-value")
    assert "refresh-token-value" not in token
    assert box.decrypt(token) == "refresh-token-value"


def test_rotation_new_key_first_reads_old_data() -> None:
    old, new = generate_key(), generate_key()
    token = SecretBox(old).encrypt("s3cret")
    both = SecretBox(f"{new},{old}")
    assert both.decrypt(token) == "s3cret"
    rotated = both.rotate(token)
    assert SecretBox(new).decrypt(rotated) == "s3cret"
    with pytest.raises(SecretKeyError):
        SecretBox(old).decrypt(rotated)


def test_wrong_key_is_a_clear_error() -> None:
    token = SecretBox(generate_key()).encrypt("x")
    with pytest.raises(SecretKeyError, match="cannot be decrypted"):
        SecretBox(generate_key()).decrypt(token)


@pytest.mark.parametrize("key", ["", "not-a-key", ","])
def test_malformed_keys_are_refused(key: str) -> None:
    with pytest.raises(SecretKeyError):
        SecretBox(key)
