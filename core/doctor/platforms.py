"""Checks of the chat platforms' and Microsoft Graph's credentials."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx2

from core.doctor.checks import Check, failed, passed, skipped
from core.i18n import N_, gettext
from core.securescore.client import GraphClient
from core.securescore.errors import PERMISSION, GraphError

__all__ = ["SlackCredentials", "TeamsCredentials", "check_graph", "check_slack", "check_teams"]

_SLACK_HINTS = {
    "invalid_auth": N_(
        "SLACK_BOT_TOKEN is not a valid token: copy the Bot User OAuth Token "
        "(xoxb-…) from the app's OAuth & Permissions page."
    ),
    "token_revoked": N_("The token was revoked: reinstall the app and copy the new bot token."),
    "account_inactive": N_("The app was uninstalled from the workspace: reinstall it."),
    "not_authed": N_("No token was sent: set SLACK_BOT_TOKEN."),
}
BOTFRAMEWORK_SCOPE = "https://api.botframework.com/.default"


@dataclass(frozen=True, slots=True)
class SlackCredentials:
    """A Slack bot token, the Web API it goes to, and the scopes SnowOps needs."""

    bot_token: str
    api_url: str
    scopes: Sequence[str]


@dataclass(frozen=True, slots=True)
class TeamsCredentials:
    """The bot's Microsoft Entra app and the authority that issues its tokens."""

    app_id: str
    app_password: str
    tenant_id: str | None
    login_url: str


def _json(response: httpx2.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


async def check_slack(creds: SlackCredentials | None, http: httpx2.AsyncClient) -> list[Check]:
    """``auth.test`` with the bot token, and the scopes it carries."""
    name = gettext("Slack token")
    if creds is None:
        return [skipped(name, gettext("not configured (SLACK_BOT_TOKEN not set)"))]
    try:
        response = await http.post(
            creds.api_url.rstrip("/") + "/auth.test",
            headers={"Authorization": f"Bearer {creds.bot_token}"},
        )
    except httpx2.RequestError as exc:
        why = gettext("cannot reach {url} ({error})", url=creds.api_url, error=type(exc).__name__)
        return [failed(name, why)]
    body = _json(response)
    if not body.get("ok"):
        error = str(body.get("error") or f"HTTP {response.status_code}")
        hint = _SLACK_HINTS.get(error)
        why = gettext("auth.test answered {error}", error=error)
        return [failed(name, why, gettext(hint) if hint else "")]
    who = f"{body.get('user') or '?'} in {body.get('team') or '?'} ({body.get('team_id') or '?'})"
    checks = [passed(name, gettext("valid: bot {who}", who=who))]
    granted = {s.strip() for s in response.headers.get("x-oauth-scopes", "").split(",")}
    missing = [s for s in creds.scopes if s not in granted]
    if missing:
        checks.append(
            failed(
                gettext("Slack scopes"),
                gettext("missing {scopes}", scopes=", ".join(missing)),
                gettext(
                    "Add them under OAuth & Permissions (manifests/slack/manifest.yaml lists "
                    "all), then reinstall the app."
                ),
            )
        )
    else:
        checks.append(passed(gettext("Slack scopes"), ", ".join(creds.scopes)))
    return checks


async def check_teams(creds: TeamsCredentials | None, http: httpx2.AsyncClient) -> list[Check]:
    """A Bot Framework token from the configured authority (client credentials)."""
    name = gettext("Teams credentials")
    if creds is None:
        why = gettext("not configured (TEAMS_APP_ID / TEAMS_APP_PASSWORD not set)")
        return [skipped(name, why)]
    authority = f"{creds.login_url.rstrip('/')}/{creds.tenant_id or 'botframework.com'}"
    try:
        response = await http.post(
            f"{authority}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": creds.app_id,
                "client_secret": creds.app_password,
                "scope": BOTFRAMEWORK_SCOPE,
            },
        )
    except httpx2.RequestError as exc:
        why = gettext("cannot reach {url} ({error})", url=authority, error=type(exc).__name__)
        return [failed(name, why)]
    body = _json(response)
    if response.status_code == 200 and body.get("access_token"):
        return [passed(name, gettext("token issued by {authority}", authority=authority))]
    description = str(body.get("error_description") or "").splitlines()
    why = description[0] if description else f"HTTP {response.status_code}"
    return [
        failed(
            name,
            gettext("{authority} refused: {reason}", authority=authority, reason=why),
            gettext(
                "Check TEAMS_APP_ID and TEAMS_APP_PASSWORD (the secret's value, not its id) and "
                "TEAMS_APP_TENANT_ID (or the one TEAMS_TENANT_ID) for a single-tenant bot."
            ),
        )
    ]


async def check_graph(graph: GraphClient | None, tenants: Sequence[str]) -> list[Check]:
    """Read today's Secure Score in each tenant: it needs SecurityEvents.Read.All."""
    name = f"Microsoft Graph {PERMISSION}"
    if graph is None:
        why = gettext("not configured (GRAPH_CLIENT_ID / GRAPH_CLIENT_SECRET not set)")
        return [skipped(name, why)]
    if not tenants:
        why = gettext("no tenant: set GRAPH_TENANT_ID or /snow securescore <tenant>")
        return [skipped(name, why)]
    checks = []
    for tenant in tenants:
        where = gettext("in {tenant}", tenant=tenant)
        try:
            await graph.latest_score(tenant)
        except GraphError as exc:
            checks.append(failed(f"{name} {where}", exc.message, exc.hint))
            continue
        checks.append(passed(f"{name} {where}", gettext("granted (Secure Score read)")))
    return checks
