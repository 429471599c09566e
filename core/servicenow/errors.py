"""Errors raised by the ServiceNow client, each carrying a plain-language hint.

All derive from :class:`core.errors.SnowOpsError`.

::

    ServiceNowError                   base: .status (HTTP status or None) and .hint
    ├── ConfigurationError            bad instance URL, OAuth registry entry missing or wrong
    │   │                             redirect URL, cross-scope access to oauth_entity refused
    │   └── NotConnectedError         the workspace has no ServiceNow connection
    ├── AuthError                     the instance does not accept our credentials
    │   ├── ReauthorizationRequired   token endpoint answered 401 access_denied: bad secret,
    │   │                             expired or revoked refresh token; run /snow connect again
    │   └── NotAuthenticated          Table API answered 401 to our bearer token
    ├── ForbiddenError                403: ACLs, data policy, IP address access control
    │   └── KindsRefused              `task` refused a read of several ticket kinds at once
    ├── NotFoundError                 404: no such record (or an ACL hides it)
    ├── BadRequestError               400: invalid table or field value
    ├── RateLimitedError              429: .retry_after seconds
    ├── UnavailableError              5xx, timeouts, DNS, TLS, refused connections
    └── UnexpectedResponseError       not the JSON we expected, e.g. an HTML login page
"""

from __future__ import annotations

from typing import ClassVar

from core.errors import SnowOpsError
from core.i18n import N_, gettext

__all__ = [
    "AuthError",
    "BadRequestError",
    "ConfigurationError",
    "ForbiddenError",
    "KindsRefused",
    "NotAuthenticated",
    "NotConnectedError",
    "NotFoundError",
    "RateLimitedError",
    "ReauthorizationRequired",
    "ServiceNowError",
    "UnavailableError",
    "UnexpectedResponseError",
]


def _default_hint(error: SnowOpsError) -> str:
    """The class's default hint in the current language ("" stays "": gettext("") is the
    catalogue's header)."""
    return gettext(error.default_hint) if error.default_hint else ""


class ServiceNowError(SnowOpsError):
    """Base of every ServiceNow failure. ``str(err)`` is safe to show to users."""

    source: ClassVar[str] = N_("ServiceNow")
    default_hint: ClassVar[str] = N_("Try again; if it keeps failing, run snowops doctor.")

    def __init__(
        self, message: str, *, status: int | None = None, detail: str = "", hint: str = ""
    ) -> None:
        # The default hint in the asker's language: the language is set while they wait.
        super().__init__(message, hint=hint or _default_hint(self))
        self.status = status
        self.detail = detail


class ConfigurationError(ServiceNowError):
    """The instance or its OAuth set-up is not usable as configured."""

    default_hint = N_(
        "Check the instance URL and its Application Registry entry (client id, secret and "
        "redirect URL)."
    )


class NotConnectedError(ConfigurationError):
    """The workspace has no ServiceNow connection."""

    default_hint = N_("An admin can connect it with /snow connect <instance>.")


class AuthError(ServiceNowError):
    """The instance refused our credentials."""


class ReauthorizationRequired(AuthError):
    """Tokens can no longer be refreshed: an admin must connect again."""

    default_hint = N_(
        "The refresh token expired or was revoked, or the client secret changed. "
        "An admin should run /snow connect again."
    )


class NotAuthenticated(AuthError):
    """A bearer token was refused by the Table API."""

    default_hint = N_(
        "ServiceNow did not accept the access token. If it persists, run /snow connect again."
    )


class ForbiddenError(ServiceNowError):
    """The integration user lacks a right (ACL, role, data policy) or the IP is blocked."""

    default_hint = N_(
        "The integration user lacks a role or an ACL blocks it (it needs itil to read and "
        "create incidents and changes)."
    )


class KindsRefused(ForbiddenError):
    """Reading several ticket kinds at once through ``task`` was refused (an ACL changed
    since the probe): the gateway now reads one table per kind, so the read is worth
    making again that way (:class:`~core.sync.StatusSync` does)."""


class NotFoundError(ServiceNowError):
    """No such record, or an ACL hides it."""

    default_hint = N_("Check the ticket number; ServiceNow also answers 404 when an ACL hides it.")


class BadRequestError(ServiceNowError):
    """ServiceNow rejected the request as malformed."""

    default_hint = N_("ServiceNow rejected a field value; check the ticket fields.")


class RateLimitedError(ServiceNowError):
    """ServiceNow's rate limit was hit."""

    default_hint = N_("ServiceNow's rate limit was reached; SnowOps will try again later.")

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class UnavailableError(ServiceNowError):
    """The instance did not answer usefully (5xx, timeout, network)."""

    default_hint = N_(
        "The instance did not answer. Check that it is awake (developer instances hibernate) "
        "and reachable from the bot."
    )


class UnexpectedResponseError(ServiceNowError):
    """The answer was not the JSON ServiceNow's REST API sends."""

    default_hint = N_(
        "ServiceNow answered with a web page instead of JSON: single sign-on or a login page "
        "is in the way. Use a local integration user that can sign in without SSO."
    )
