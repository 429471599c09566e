"""Identifier, token and timestamp formats as a real instance writes them."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


def new_sys_id() -> str:
    """A 32-character lowercase hex GUID like GlideGuid produces."""
    return uuid.uuid4().hex


def new_token() -> str:
    """An 86-character URL-safe token, the length real access and refresh tokens have."""
    return secrets.token_urlsafe(64)


def new_transaction_id() -> str:
    """A 12-hex-digit X-Transaction-ID like the recorded `7d9414489707`."""
    return secrets.token_hex(6)


def format_timestamp(moment: datetime) -> str:
    """UTC `YYYY-MM-DD HH:MM:SS`, the database format of glide_date_time fields."""
    return moment.strftime(TIMESTAMP_FORMAT)
