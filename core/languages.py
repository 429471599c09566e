"""Each workspace's language for channel messages (notifications, digests, shared cards):
English until an admin says otherwise (``/snow language sv|en``). What a person reads for
themselves (a reply, a form, their home tab) follows their own locale instead."""

from __future__ import annotations

from core.i18n import DEFAULT_LOCALE, LOCALES
from core.storage import Documents

__all__ = ["WorkspaceLanguage"]

_NS = "workspace_language"


class WorkspaceLanguage:
    """The language of each workspace's channel messages."""

    def __init__(self, docs: Documents) -> None:
        self._docs = docs

    async def language(self, workspace: str) -> str:
        """``en`` or ``sv``."""
        doc = await self._docs.get_document(_NS, workspace)
        lang = (doc or {}).get("language")
        return lang if isinstance(lang, str) and lang in LOCALES else DEFAULT_LOCALE

    async def set_language(self, workspace: str, language: str) -> None:
        """Set the language (one of :data:`core.i18n.LOCALES`)."""
        if language not in LOCALES:
            raise ValueError(language)
        await self._docs.put_document(_NS, workspace, {"language": language})
