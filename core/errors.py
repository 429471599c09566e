"""Errors whose message is written for the person who asked, each with a hint.

Every failure a user may see derives from one base, so the handlers map them to a message
in one place (:func:`core.handlers.failures.failure_notice`)::

    SnowOpsError                      base: .message, .hint, .source ("" or a service name)
    ├── UserError                     bad input, or a request that cannot be done as asked
    │   └── UsageError                a command that cannot be understood (core.commands)
    ├── InProgressError               the same request is being handled right now
    ├── StoreUnavailable              SnowOps's own store (Redis, SQLite) is not answering
    ├── ServiceNowError               core.servicenow.errors: the instance failed or refused
    └── GraphError                    core.securescore.errors: Microsoft Graph failed or refused

Anything else that escapes a service is a bug: the user sees only a reference, and the log
has the rest.
"""

from __future__ import annotations

from typing import ClassVar

from core.i18n import N_, _

__all__ = ["InProgressError", "SnowOpsError", "StoreUnavailable", "UsageError", "UserError"]


class SnowOpsError(Exception):
    """Base of every failure a user may be told about; ``message`` is safe to show."""

    #: Who failed, shown before the message ("ServiceNow: …"); empty for our own checks.
    source: ClassVar[str] = ""
    #: Marked with ``N_`` where it is set; translated when the error is made (in the
    #: language of the request it is made in).
    default_hint: ClassVar[str] = ""
    #: ``warning`` for something the user can fix, ``error`` when a service failed,
    #: ``info`` when nothing is wrong (a request still running).
    level: ClassVar[str] = "error"

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint or (_(self.default_hint) if self.default_hint else "")


class UserError(SnowOpsError, ValueError):
    """Bad input or a request that cannot be done; the message says what to do instead
    (a ValueError too: it is a value that was refused)."""

    level: ClassVar[str] = "warning"

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message, hint=hint)


class UsageError(UserError):
    """A command that cannot be understood; the message says how to write it."""


class InProgressError(SnowOpsError):
    """The same request is being handled right now (a double click)."""

    level: ClassVar[str] = "info"
    default_hint: ClassVar[str] = N_(
        "The first request is still being handled; its ticket will appear shortly."
    )


class StoreUnavailable(SnowOpsError):
    """SnowOps's own store is not answering (logged once per outage by the store)."""

    default_hint: ClassVar[str] = N_(
        "Nothing you sent was lost. Try again in a minute; if it lasts, an admin runs "
        "snowops doctor."
    )

    def __init__(self) -> None:
        super().__init__(_("SnowOps cannot reach its own store right now"))
