"""Authorization codes and OAuth tokens (the sim's oauth_credential table)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from .ids import new_token

CODE_LIFESPAN = 60
TokenKind = Literal["access", "refresh"]


@dataclass
class AuthCode:
    """A single-use authorization code bound to client, redirect URL, PKCE challenge and user."""

    code: str
    client_id: str
    redirect_uri: str
    user_sys_id: str
    expires_at: datetime
    code_challenge: str | None = None
    used: bool = False


@dataclass
class IssuedToken:
    """An access or refresh token; `public` marks ones minted for a PKCE client without secret."""

    value: str
    kind: TokenKind
    user_sys_id: str
    client_id: str
    expires_at: datetime
    public: bool = False
    revoked: bool = False

    def valid(self, now: datetime) -> bool:
        """Usable: neither revoked nor past its expiry."""
        return not self.revoked and now < self.expires_at


def pkce_matches(verifier: str, challenge: str) -> bool:
    """S256 check: base64url(sha256(verifier)) without padding equals the challenge."""
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return hmac.compare_digest(computed, challenge)


class TokenStore:
    """Codes and tokens, timed by the instance clock so tests can age them."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self.codes: dict[str, AuthCode] = {}
        self.tokens: dict[str, IssuedToken] = {}

    def clear(self) -> None:
        """Forget every code and token."""
        self.codes.clear()
        self.tokens.clear()

    def issue_code(
        self, client_id: str, redirect_uri: str, user_sys_id: str, code_challenge: str | None
    ) -> AuthCode:
        """Mint a code valid for CODE_LIFESPAN seconds."""
        code = AuthCode(
            code=new_token(),
            client_id=client_id,
            redirect_uri=redirect_uri,
            user_sys_id=user_sys_id,
            expires_at=self._clock() + timedelta(seconds=CODE_LIFESPAN),
            code_challenge=code_challenge,
        )
        self.codes[code.code] = code
        return code

    def live_code(self, value: str) -> AuthCode | None:
        """The code if it exists, is unused and has not expired."""
        code = self.codes.get(value)
        if code is None or code.used or self._clock() >= code.expires_at:
            return None
        return code

    def issue(
        self, kind: TokenKind, user_sys_id: str, client_id: str, lifespan: int, public: bool
    ) -> IssuedToken:
        """Mint a token living `lifespan` seconds."""
        token = IssuedToken(
            value=new_token(),
            kind=kind,
            user_sys_id=user_sys_id,
            client_id=client_id,
            expires_at=self._clock() + timedelta(seconds=lifespan),
            public=public,
        )
        self.tokens[token.value] = token
        return token

    def live(self, value: str, kind: TokenKind) -> IssuedToken | None:
        """The token if it exists, has this kind and is still valid."""
        token = self.tokens.get(value)
        if token is None or token.kind != kind or not token.valid(self._clock()):
            return None
        return token

    def revoke(self, value: str) -> bool:
        """Mark one token (either kind) expired; False when unknown."""
        token = self.tokens.get(value)
        if token is None:
            return False
        token.revoked = True
        return True

    def expire_access(self) -> None:
        """Age every access token past its expiry, as if 30 minutes had gone by."""
        now = self._clock()
        for token in self.tokens.values():
            if token.kind == "access":
                token.expires_at = min(token.expires_at, now)

    def revoke_refresh(self) -> None:
        """Revoke every refresh token (an admin deleting them from oauth_credential)."""
        for token in self.tokens.values():
            if token.kind == "refresh":
                token.revoked = True
