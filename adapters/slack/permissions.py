"""Who may run admin commands, and who a Slack user is (name, email, zone, language), with a
short cache."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.sink import error_code

__all__ = ["SlackUser", "SlackUsers"]

log = logging.getLogger(__name__)

_TTL = 300.0
_FAILED_TTL = 60.0


@dataclass(frozen=True, slots=True)
class SlackUser:
    """What SnowOps needs to know about a Slack user."""

    id: str
    name: str
    email: str | None
    is_admin: bool
    tz: str = ""  # the user's time zone (IANA), as users.info says
    locale: str = ""  # the user's language tag (``sv-SE``), users.info with include_locale


class SlackUsers:
    """``users.info`` with a five-minute cache; admins are workspace admins or owners, or
    users listed in ``SNOWOPS_ADMINS``."""

    def __init__(self, admins: tuple[str, ...]) -> None:
        self._admins = frozenset(admins)
        self._cache: dict[tuple[str, str], tuple[float, SlackUser]] = {}

    def cached(self, team_id: str, user_id: str) -> SlackUser | None:
        """The user as last looked up, if that is recent; never asks Slack (before an ack,
        where a round trip would eat into Slack's three seconds)."""
        hit = self._cache.get((team_id, user_id))
        return hit[1] if hit and hit[0] > time.monotonic() else None

    async def get(self, client: AsyncWebClient, team_id: str, user_id: str) -> SlackUser:
        """Look a user up (cached); on failure, a non-admin with no email."""
        key = (team_id, user_id)
        hit = self.cached(team_id, user_id)
        if hit is not None:
            return hit
        listed = user_id in self._admins or f"slack:{team_id}:{user_id}" in self._admins
        try:
            # One call for everything: the locale comes only when asked for.
            response = await client.users_info(user=user_id, include_locale=True)
        except SlackApiError as exc:
            log.warning("users.info failed for %s: %s", user_id, error_code(exc))
            # Remember the failure a little while: one lookup a minute, not one per command.
            unknown = SlackUser(user_id, user_id, None, listed)
            self._cache[key] = (time.monotonic() + _FAILED_TTL, unknown)
            return unknown
        raw = response.get("user") or {}
        profile = raw.get("profile") or {}
        user = SlackUser(
            id=user_id,
            name=str(
                profile.get("real_name") or raw.get("real_name") or raw.get("name") or user_id
            ),
            email=profile.get("email"),
            is_admin=listed
            or bool(raw.get("is_admin") or raw.get("is_owner") or raw.get("is_primary_owner")),
            tz=str(raw.get("tz") or "")[:64],
            locale=str(raw.get("locale") or "")[:32],
        )
        self._cache[key] = (time.monotonic() + _TTL, user)
        return user
