"""ServiceNow: OAuth, the Table API client, field mapping and state catalogs."""

from core.retry import RetryPolicy
from core.servicenow.errors import (
    AuthError,
    BadRequestError,
    ConfigurationError,
    ForbiddenError,
    NotAuthenticated,
    NotConnectedError,
    NotFoundError,
    RateLimitedError,
    ReauthorizationRequired,
    ServiceNowError,
    UnavailableError,
    UnexpectedResponseError,
)
from core.servicenow.oauth import OAuthClient, TokenSet
from core.servicenow.table import Page, TableClient
from core.servicenow.tokens import TokenKeeper
from core.servicenow.transport import InstancePool

__all__ = [
    "AuthError",
    "BadRequestError",
    "ConfigurationError",
    "ForbiddenError",
    "InstancePool",
    "NotAuthenticated",
    "NotConnectedError",
    "NotFoundError",
    "OAuthClient",
    "Page",
    "RateLimitedError",
    "ReauthorizationRequired",
    "RetryPolicy",
    "ServiceNowError",
    "TableClient",
    "TokenKeeper",
    "TokenSet",
    "UnavailableError",
    "UnexpectedResponseError",
]
