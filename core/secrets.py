"""Encryption at rest for secrets and tokens (Fernet, with key rotation).

``SNOWOPS_SECRET_KEY`` holds one or more Fernet keys separated by commas; the first
encrypts, all of them decrypt, so a new key can be put in front and old data re-encrypted
with :meth:`SecretBox.rotate` at leisure.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

__all__ = ["SecretBox", "SecretKeyError", "generate_key"]


class SecretKeyError(ValueError):
    """The configured key is malformed, or cannot decrypt stored data."""


def generate_key() -> str:
    """A fresh Fernet key (url-safe base64, 32 bytes)."""
    return Fernet.generate_key().decode("ascii")


class SecretBox:
    """Encrypts and decrypts short strings with a MultiFernet."""

    def __init__(self, keys: str | list[str]) -> None:
        raw = keys.split(",") if isinstance(keys, str) else keys
        cleaned = [k.strip() for k in raw if k.strip()]
        if not cleaned:
            raise SecretKeyError("no Fernet key given")
        try:
            self._fernet = MultiFernet([Fernet(k.encode("ascii")) for k in cleaned])
        except (ValueError, UnicodeEncodeError) as exc:
            raise SecretKeyError(
                "a key is not a Fernet key (32 url-safe base64-encoded bytes)"
            ) from exc

    def encrypt(self, plaintext: str) -> str:
        """Encrypt with the newest key."""
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Decrypt with any configured key."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise SecretKeyError(
                "stored secret cannot be decrypted with SNOWOPS_SECRET_KEY "
                "(was the key changed without keeping the old one?)"
            ) from exc

    def rotate(self, token: str) -> str:
        """Re-encrypt a token under the newest key."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise SecretKeyError("stored secret cannot be decrypted for rotation") from exc
