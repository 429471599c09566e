"""Slack's installation and OAuth-state stores, kept in SnowOps's Store (SQLite or Redis).

Installations hold bot and user tokens, so they are stored as secret (encrypted) documents.
Both stores are non-blocking: every call is one awaited Store operation.
"""

from __future__ import annotations

import inspect
import logging
import secrets
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from core.storage import Documents, OneTimeValues

__all__ = ["StoreInstallationStore", "StoreOAuthStateStore"]

_INSTALLS = "slack_installation"
_BOTS = "slack_bot"
_STATES = "slack_oauth_state"
_ANY_USER = "*"


def _fields(cls: type, obj: object) -> dict[str, Any]:
    names = set(inspect.signature(cls).parameters)
    return {k: v for k, v in vars(obj).items() if k in names}


def _key(enterprise_id: str | None, team_id: str | None, user_id: str | None = None) -> str:
    return f"{enterprise_id or '-'}|{team_id or '-'}|{user_id or _ANY_USER}"


class StoreInstallationStore(AsyncInstallationStore):
    """Bolt's ``AsyncInstallationStore`` on the SnowOps Store."""

    def __init__(self, docs: Documents) -> None:
        self._store = docs
        self._logger = logging.getLogger(__name__)

    @property
    def logger(self) -> logging.Logger:
        """Bolt asks stores for a logger."""
        return self._logger

    async def async_save(self, installation: Installation) -> None:
        """Save an installation (per installer, plus the workspace's latest) and its bot."""
        team = None if installation.is_enterprise_install else installation.team_id
        doc = _fields(Installation, installation)
        await self._store.put_document(
            _INSTALLS,
            _key(installation.enterprise_id, team, installation.user_id),
            doc,
            secret=True,
        )
        await self._store.put_document(
            _INSTALLS, _key(installation.enterprise_id, team), doc, secret=True
        )
        await self.async_save_bot(installation.to_bot())

    async def async_save_bot(self, bot: Bot) -> None:
        """Save the bot of a workspace."""
        team = None if bot.is_enterprise_install else bot.team_id
        await self._store.put_document(
            _BOTS, _key(bot.enterprise_id, team), _fields(Bot, bot), secret=True
        )

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        """The bot installed in a workspace (or org)."""
        team = None if is_enterprise_install else team_id
        doc = await self._store.get_document(_BOTS, _key(enterprise_id, team))
        return Bot(**doc) if doc else None

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        """An installer's installation, or the workspace's latest one."""
        team = None if is_enterprise_install else team_id
        doc = await self._store.get_document(_INSTALLS, _key(enterprise_id, team, user_id))
        return Installation(**doc) if doc else None

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget a workspace's bot (app uninstalled)."""
        await self._store.delete_document(_BOTS, _key(enterprise_id, team_id))

    async def async_delete_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
    ) -> None:
        """Forget an installation."""
        await self._store.delete_document(_INSTALLS, _key(enterprise_id, team_id, user_id))


class StoreOAuthStateStore(AsyncOAuthStateStore):
    """Single-use OAuth ``state`` values for the Slack install flow."""

    def __init__(self, once: OneTimeValues, expiration_seconds: int = 600) -> None:
        self._store = once
        self._ttl = expiration_seconds
        self._logger = logging.getLogger(__name__)

    @property
    def logger(self) -> logging.Logger:
        """Bolt asks stores for a logger."""
        return self._logger

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        """A new state value, valid once for ``expiration_seconds``."""
        state = secrets.token_urlsafe(32)
        await self._store.put_once(_STATES, state, {"issued": True}, self._ttl)
        return state

    async def async_consume(self, state: str) -> bool:
        """True exactly once per issued, unexpired state."""
        return await self._store.take_once(_STATES, state) is not None
