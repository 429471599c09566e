"""Errors whose message is written for the person who typed the command.

Anything else that escapes a service is a bug: the dispatcher logs it with a reference
and shows the user only that reference.
"""

from __future__ import annotations

__all__ = ["UserError"]


class UserError(ValueError):
    """Bad input or a request that cannot be done; ``str(err)`` says what to do instead."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint
