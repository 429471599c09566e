"""Errors of the Microsoft Graph client, each with a hint a person can act on.

All derive from :class:`core.errors.SnowOpsError`.

::

    GraphError                       base: .status and .hint
    ├── GraphNotConfigured           no app registration, or the workspace has no tenant
    ├── GraphAuthError               the token endpoint refused (AADSTS code in .code)
    ├── GraphPermissionError         403: SecurityEvents.Read.All missing or not consented
    ├── GraphRateLimited             429: .retry_after seconds
    ├── GraphUnavailable             5xx, timeouts, network
    └── GraphUnexpected              not the JSON Graph sends
"""

from __future__ import annotations

from typing import ClassVar

from core.errors import SnowOpsError
from core.i18n import N_, gettext

__all__ = [
    "PERMISSION",
    "GraphAuthError",
    "GraphError",
    "GraphNotConfigured",
    "GraphPermissionError",
    "GraphRateLimited",
    "GraphUnavailable",
    "GraphUnexpected",
]

#: The application permission the Secure Score endpoints need.
PERMISSION = "SecurityEvents.Read.All"


class GraphError(SnowOpsError):
    """Base of every Graph failure; ``str(err)`` is safe to show."""

    source: ClassVar[str] = N_("Microsoft Secure Score")
    default_hint: ClassVar[str] = N_("Try again later.")

    def __init__(
        self, message: str, *, status: int | None = None, code: str = "", hint: str = ""
    ) -> None:
        # The default hint in the asker's language ("" stays "": gettext("") is the header).
        default = gettext(self.default_hint) if self.default_hint else ""
        super().__init__(message, hint=hint or default)
        self.status = status
        self.code = code


class GraphNotConfigured(GraphError):
    """Secure Score is not set up for this workspace."""

    default_hint = N_(
        "An admin sets GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET (application permission "
        "SecurityEvents.Read.All, admin consent) and links the workspace: "
        "/snow securescore <tenant-id>."
    )


class GraphAuthError(GraphError):
    """Microsoft Entra ID refused the app's credentials."""

    default_hint = N_(
        "Check GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET (secrets expire) and the tenant id "
        "linked with /snow securescore."
    )


class GraphPermissionError(GraphError):
    """The app lacks SecurityEvents.Read.All in this tenant."""

    default_hint = N_(
        "Grant the app the Microsoft Graph application permission SecurityEvents.Read.All "
        "and have a Global Administrator give admin consent in this tenant."
    )


class GraphRateLimited(GraphError):
    """Graph throttled us."""

    default_hint = N_("Microsoft Graph is throttling requests; SnowOps will try again shortly.")

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class GraphUnavailable(GraphError):
    """Graph did not answer usefully."""

    default_hint = N_("Microsoft Graph did not answer; try again in a few minutes.")


class GraphUnexpected(GraphError):
    """Graph answered with something that is not its JSON."""
