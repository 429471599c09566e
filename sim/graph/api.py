"""Microsoft Graph v1.0 Secure Score endpoints: control profiles and daily secure scores."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .appkey import GRAPH_SIM_KEY
from .config import READ_ROLE, READ_WRITE_ROLE
from .state import Cursor, GraphSim, IssuedToken
from .wire import WWW_AUTHENTICATE, GraphError, graph_json

PROFILES = "secureScoreControlProfiles"
SCORES = "secureScores"
_ACCEPTED_ROLES = (READ_ROLE, READ_WRITE_ROLE)
# Sources: "Access token is empty." microsoftgraph/msgraph-sample-reactspa#54; "...has expired
# or is not yet valid." besscroft/diyfile#1; IDX14100 as Graph returned it in 2024;
# "Access token validation failure." microsoftgraph/console-java-connect-sample#1.
EMPTY_TOKEN = "Access token is empty."
EXPIRED_TOKEN = "Access token has expired or is not yet valid."
MALFORMED_TOKEN = (
    "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or "
    "JWE Compact Serialization Format. (JWS): 'EncodedHeader.EncodedPayload.EncodedSignature'. "
    "(JWE): 'EncodedProtectedHeader.EncodedEncryptedKey.EncodedInitializationVector."
    "EncodedCiphertext.EncodedAuthenticationTag'."
)
UNKNOWN_TOKEN = "Access token validation failure."
# MicrosoftDocs/SupportArticles-docs "403-error-when-calling-microsoft-graph-security-api.md".
SECURITY_FORBIDDEN = (
    "Auth token does not contain valid permissions or user does not have valid roles."
)


def _unauthenticated(message: str) -> GraphError:
    return GraphError(
        401, "InvalidAuthenticationToken", message, {"WWW-Authenticate": WWW_AUTHENTICATE}
    )


def _forbidden(sim: GraphSim, token: IssuedToken) -> GraphError:
    if sim.config.forbidden_style == "missing_roles":
        # Graph's newer authorization layer names the roles it wanted and the ones it got.
        message = (
            f"Missing role permissions on the request. API requires one of "
            f"'{', '.join(_ACCEPTED_ROLES)}'. Roles on the request '{', '.join(token.roles)}'."
        )
    else:
        message = SECURITY_FORBIDDEN
    return GraphError(403, "Forbidden", message)


def authorize(request: web.Request) -> IssuedToken:
    """The caller's token when it may read Secure Score; raises the 401/403 GraphError."""
    sim = request.app[GRAPH_SIM_KEY]
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        raise _unauthenticated(EMPTY_TOKEN)
    if value.count(".") not in (2, 4):
        raise _unauthenticated(MALFORMED_TOKEN)
    token = sim.tokens.get(value)
    if token is None:
        raise _unauthenticated(UNKNOWN_TOKEN)
    if not token.valid(sim.now()):
        raise _unauthenticated(EXPIRED_TOKEN)
    if not set(token.roles) & set(_ACCEPTED_ROLES):
        raise _forbidden(sim, token)
    return token


def base_url(request: web.Request) -> str:
    """The URL prefix written into OData links: configured, or this request's origin."""
    configured = request.app[GRAPH_SIM_KEY].config.base_url
    return (configured or f"{request.scheme}://{request.host}").rstrip("/")


def _bad_request(message: str) -> GraphError:
    return GraphError(400, "BadRequest", message)


def _top(request: web.Request) -> int | None:
    raw = request.query.get("$top")
    if raw is None:
        return None
    if not raw.isdigit():
        raise _bad_request(f"Invalid value '{raw}' for query option $top.")
    return int(raw)


def _page(
    request: web.Request, collection: str, items: list[dict[str, Any]], default_top: int
) -> dict[str, Any]:
    """One page of `items` in the OData envelope, following `$top` and `$skiptoken`."""
    sim = request.app[GRAPH_SIM_KEY]
    skiptoken = request.query.get("$skiptoken")
    if skiptoken is not None:
        cursor = sim.cursor(skiptoken)
        if cursor is None or cursor.collection != collection:
            raise _bad_request(f"Invalid $skiptoken value '{skiptoken}'.")
    else:
        top = _top(request)
        cursor = Cursor(collection, 0, default_top if top is None else top, top is not None)
    end = cursor.offset + cursor.top
    base = base_url(request)
    payload: dict[str, Any] = {
        "@odata.context": f"{base}/v1.0/$metadata#security/{collection}",
        "value": items[cursor.offset : end],
    }
    if cursor.top > 0 and end < len(items):
        token = sim.new_skiptoken(Cursor(collection, end, cursor.top, cursor.top_given))
        # Graph's links carry $top only when the client asked for a page size.
        top_part = f"$top={cursor.top}&" if cursor.top_given else ""
        payload["@odata.nextLink"] = (
            f"{base}/v1.0/security/{collection}?{top_part}$skiptoken={token}"
        )
    return payload


async def list_profiles(request: web.Request) -> web.Response:
    """GET /v1.0/security/secureScoreControlProfiles[?$top=n][&$skiptoken=t]."""
    token = authorize(request)
    sim = request.app[GRAPH_SIM_KEY]
    profiles = sim.profiles(token.tenant_id)
    return graph_json(_page(request, PROFILES, profiles, sim.config.page_size))


def _not_found() -> GraphError:
    # The Security API relays its provider's status in this shape (code left empty), as seen
    # on microsoftgraph/microsoft-graph-docs#4691 for a 400.
    return GraphError(404, "", "Http request failed with statusCode=NotFound")


async def get_profile(request: web.Request) -> web.Response:
    """GET /v1.0/security/secureScoreControlProfiles/{id}."""
    token = authorize(request)
    sim = request.app[GRAPH_SIM_KEY]
    profile = sim.profile(token.tenant_id, request.match_info["id"])
    if profile is None:
        raise _not_found()
    context = f"{base_url(request)}/v1.0/$metadata#security/{PROFILES}/$entity"
    return graph_json({"@odata.context": context, **profile})


async def list_scores(request: web.Request) -> web.Response:
    """GET /v1.0/security/secureScores[?$top=n][&$skiptoken=t], newest day first."""
    token = authorize(request)
    scores = request.app[GRAPH_SIM_KEY].scores(token.tenant_id)
    return graph_json(_page(request, SCORES, scores, len(scores)))


async def get_score(request: web.Request) -> web.Response:
    """GET /v1.0/security/secureScores/{id} ("<tenant>_<yyyy-MM-dd>")."""
    token = authorize(request)
    wanted = request.match_info["id"]
    for score in request.app[GRAPH_SIM_KEY].scores(token.tenant_id):
        if score["id"] == wanted:
            context = f"{base_url(request)}/v1.0/$metadata#security/{SCORES}/$entity"
            return graph_json({"@odata.context": context, **score})
    raise _not_found()


def add_routes(app: web.Application) -> None:
    """Register the Graph API routes."""
    app.router.add_get(f"/v1.0/security/{PROFILES}", list_profiles)
    app.router.add_get(f"/v1.0/security/{PROFILES}/{{id}}", get_profile)
    app.router.add_get(f"/v1.0/security/{SCORES}", list_scores)
    app.router.add_get(f"/v1.0/security/{SCORES}/{{id}}", get_score)
