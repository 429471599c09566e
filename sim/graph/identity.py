"""The Microsoft identity platform v2.0 token endpoint, client credentials grant only.

Error texts are Entra ID's (AADSTS codes). Sources: 7000215 OfficeDev/
microsoft-365-agents-toolkit#8621; 90002 microsoftgraph/windowsupdates-webapplication-sample#6;
700016 12Knocksinna/Office365itpros#23; 1002012 microsoftgraph/msgraph-sdk-python#181;
900144 and 7000216 as quoted in many client projects; 50059 MicrosoftDocs/azure-docs#24064.
70003 and 500011 are from memory of Entra ID's wording (see README).
"""

from __future__ import annotations

import json

from aiohttp import web

from .appkey import GRAPH_SIM_KEY
from .config import GRAPH_APP_ID, GRAPH_RESOURCE, TenantConfig
from .state import GraphSim
from .wire import LoginError, login_headers, new_guid

TOKEN_PATH = "/{tenant}/oauth2/v2.0/token"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_GRAPH_RESOURCES = (GRAPH_RESOURCE, f"{GRAPH_RESOURCE}/", GRAPH_APP_ID)
_NO_TENANT_SEGMENTS = ("common", "organizations", "consumers")


def _missing(name: str) -> LoginError:
    return LoginError(
        400,
        "invalid_request",
        900144,
        f"The request body must contain the following parameter: '{name}'.",
    )


def _tenant(sim: GraphSim, ref: str) -> TenantConfig:
    if ref.lower() in _NO_TENANT_SEGMENTS:
        # App-only tokens need a tenant; the multi-tenant aliases cannot name one.
        raise LoginError(
            400,
            "invalid_request",
            50059,
            "No tenant-identifying information found in either the request or implied by "
            "any provided credentials.",
        )
    tenant = sim.find_tenant(ref)
    if tenant is None:
        raise LoginError(
            400,
            "invalid_tenant",
            90002,
            f"Tenant '{ref}' not found. Check to make sure you have the correct tenant ID and "
            "are signing into the correct cloud. Check with your subscription administrator, "
            "this may happen if there are no active subscriptions for the tenant.",
        )
    return tenant


def _check_scope(scope: str) -> str:
    """The resource a valid client-credentials scope names (`<resource>/.default`)."""
    parts = scope.split()
    if len(parts) != 1 or not parts[0].endswith("/.default"):
        raise LoginError(
            400,
            "invalid_scope",
            1002012,
            f"The provided value for scope {scope} is not valid. Client credential flows must "
            "have a scope value with /.default suffixed to the resource identifier "
            "(application ID URI).",
        )
    return parts[0].removesuffix("/.default")


def _check_client(sim: GraphSim, tenant: TenantConfig, form: dict[str, str]) -> None:
    client_id = form["client_id"]
    if client_id.lower() != sim.config.client_id.lower():
        raise LoginError(
            400,
            "unauthorized_client",
            700016,
            f"Application with identifier '{client_id}' was not found in the directory "
            f"'{tenant.display_name}'. This can happen if the application has not been "
            "installed by the administrator of the tenant or consented to by any user in the "
            "tenant. You may have sent your authentication request to the wrong tenant.",
        )
    secret = form.get("client_secret", "")
    if not secret:
        raise LoginError(
            401,
            "invalid_client",
            7000216,
            "'client_assertion', 'client_secret' or 'request' is required for the "
            "'client_credentials' grant type.",
        )
    if secret != sim.config.client_secret:
        raise LoginError(
            401,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is "
            "the client secret value, not the client secret ID, for a secret added to app "
            f"'{sim.config.client_id}'.",
        )


async def token(request: web.Request) -> web.Response:
    """POST /{tenant}/oauth2/v2.0/token: client credentials grant for Microsoft Graph."""
    sim = request.app[GRAPH_SIM_KEY]
    tenant = _tenant(sim, request.match_info["tenant"])
    if request.content_type not in _FORM_TYPES:
        raise _missing("grant_type")
    form = {key: str(value) for key, value in (await request.post()).items()}
    grant_type = form.get("grant_type", "")
    if not grant_type:
        raise _missing("grant_type")
    if grant_type != "client_credentials":
        raise LoginError(
            400,
            "unsupported_grant_type",
            70003,
            f"The app requested an unsupported grant type '{grant_type}'.",
        )
    for name in ("client_id", "scope"):
        if not form.get(name):
            raise _missing(name)
    resource = _check_scope(form["scope"])
    _check_client(sim, tenant, form)
    if resource not in _GRAPH_RESOURCES:
        raise LoginError(
            400,
            "invalid_resource",
            500011,
            f"The resource principal named {resource} was not found in the tenant named "
            f"{tenant.display_name}. This can happen if the application has not been installed "
            "by the administrator of the tenant or consented to by any user in the tenant. You "
            "might have sent your authentication request to the wrong tenant.",
        )
    issued = sim.issue_token(tenant)
    lifetime = sim.config.token_lifetime
    body = {
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": issued.value,
    }
    payload = json.dumps(body, separators=(",", ":")).encode()
    return web.Response(body=payload, headers=login_headers(new_guid()))


def add_routes(app: web.Application) -> None:
    """Register the token endpoint."""
    app.router.add_post(TOKEN_PATH, token)
