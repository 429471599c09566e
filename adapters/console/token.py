"""The console API's per-run secret: only someone who can read this user's files may use it.

``snowops dev`` makes a random token at start and writes it to
``~/.snowops/console-<port>.token`` (the folder 0700, the file 0600); ``snowops chat``
reads it for the server it attaches to and sends it in ``X-SnowOps-Console``. A web page,
another user of the machine, or anyone coming through a local tunnel or reverse proxy
cannot know it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["read_token", "token_path", "write_token"]


def token_path(port: int) -> Path:
    """Where the token of the console API on ``port`` lives."""
    return Path.home() / ".snowops" / f"console-{port}.token"


def write_token(port: int) -> str:
    """Make a fresh token for ``port`` and store it readable by this user only."""
    token = secrets.token_urlsafe(32)
    path = token_path(port)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(token)
    os.chmod(path, 0o600)  # an older file may have had other modes
    return token


def read_token(port: int) -> str | None:
    """The token of the console API on ``port``, or None if there is none to read."""
    try:
        return token_path(port).read_text(encoding="ascii").strip() or None
    except OSError:
        return None
