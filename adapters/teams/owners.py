"""Team owners administer their team's channels: ownership as Teams knows it.

The Bot Framework connector reports a member's ``userRole`` as ``user`` or ``guest`` only;
team ownership is in Microsoft Graph: ``GET /teams/{group id}/members`` filtered on the
user's Entra object id gives ``roles: ["owner"]`` for an owner. The app reads it with its
app-only token of the activity's tenant, under the resource-specific consent permission
``TeamMember.Read.Group`` that the app package asks for. The answer is kept per channel and
user for five minutes; when Graph cannot say (no consent, an outage) nobody is an owner.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any
from urllib.parse import quote

from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.connector import TeamsConnectorClient

from adapters.teams.context import connector_client, split_conversation, workspace_of
from adapters.teams.recall import GraphReader, GraphRefused
from adapters.teams.references import References, Team, team_of

__all__ = ["OWNER_TTL", "TeamOwners"]

log = logging.getLogger(__name__)

#: How long an answer (owner or not) is kept per channel and user.
OWNER_TTL = 300.0
#: An Entra object id (a GUID; test ids are letters, digits and hyphens too).
_OBJECT_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


class TeamOwners:
    """Answers "does this user own the team of this channel?" from Microsoft Graph."""

    def __init__(self, graph: GraphReader | None, references: References) -> None:
        self._graph = graph
        self._refs = references
        self._cache: dict[tuple[str, str, str], tuple[float, bool]] = {}

    async def owns(self, context: TurnContext, tenant: str, user: str) -> bool:
        """True if ``user`` (an Entra object id) owns the team of the activity's channel."""
        activity = context.activity
        team = team_of(activity)
        if self._graph is None or team is None or not _OBJECT_ID.fullmatch(user or ""):
            return False
        conversation = split_conversation(str(activity.conversation.id))[0]
        key = (tenant.lower(), conversation, user.lower())
        hit = self._cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        try:
            owner = await self._ask(context, tenant, conversation, team, user)
        except Exception as exc:  # ownership is a grant: when it cannot be read, none
            log.info("Teams team owners not read: %s", type(exc).__name__)
            owner = False
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key] = (time.monotonic() + OWNER_TTL, owner)
        return owner

    async def _ask(
        self, context: TurnContext, tenant: str, conversation: str, team: Team, user: str
    ) -> bool:
        assert self._graph is not None
        group = await self._group(context, tenant, conversation, team)
        if group is None:
            log.info("Teams team owners not read: the team's Microsoft 365 group is unknown")
            return False
        path = f"/v1.0/teams/{quote(group, safe='')}/members"
        query = {"$filter": f"(microsoft.graph.aadUserConversationMember/userId eq '{user}')"}
        try:
            page = await self._graph.get(path, query, tenant)
        except GraphRefused as exc:
            log.info(
                "Teams team owners not read (%s): consent to the app's RSC permission "
                "TeamMember.Read.Group in the team",
                exc,
            )
            return False
        return any(_is_owner(m, user) for m in page.get("value") or [])

    async def _group(
        self, context: TurnContext, tenant: str, conversation: str, team: Team
    ) -> str | None:
        """Graph's id of the team: from the activity, what SnowOps kept, or the connector
        (``GET /v3/teams/{team id}``), then kept."""
        if team.aad_group_id:
            return team.aad_group_id
        workspace = workspace_of(tenant)
        known = await self._refs.team(workspace, conversation)
        if known is not None and known.aad_group_id:
            return known.aad_group_id
        client = connector_client(context)
        if not isinstance(client, TeamsConnectorClient):
            return None
        details = await client.fetch_team_details(team.id)
        group = str(details.aad_group_id or "") or None
        if group:
            await self._refs.remember_team(workspace, conversation, Team(team.id, group))
        return group


def _is_owner(member: Any, user: str) -> bool:
    if not isinstance(member, dict):
        return False
    roles = member.get("roles")
    same = str(member.get("userId") or "").lower() == user.lower()
    return same and isinstance(roles, list) and "owner" in roles
