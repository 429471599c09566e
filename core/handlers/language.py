"""``/snow language [en|sv]``: the language of the workspace's channel messages
(:mod:`core.languages`). What a person reads for themselves follows their own locale."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import commands as c
from core.handlers.context import RequestContext
from core.handlers.router import Handler
from core.i18n import N_, _, use_locale
from core.languages import WorkspaceLanguage
from core.outcomes import Outcome, Reply
from core.storage import AuditLog
from core.views import Notice, NoticeLevel

__all__ = ["LanguageHandlers"]

#: Each language's name, said in the language of the answer.
_NAMES = {"en": N_("English"), "sv": N_("Swedish")}


def _name(language: str) -> str:
    name = _NAMES.get(language, language)
    return _(name)


class LanguageHandlers:
    """Shows or sets the workspace's language."""

    def __init__(self, languages: WorkspaceLanguage, audit: AuditLog) -> None:
        self._languages = languages
        self._audit = audit

    def routes(self) -> Mapping[type[Any], Handler]:
        """The requests this group answers."""
        return {c.SetLanguage: self.language}

    async def language(self, ctx: RequestContext, command: c.SetLanguage) -> Outcome:
        """The current language and how to change it, or the language set (and said in
        the language just chosen)."""
        if not command.language:
            current = await self._languages.language(ctx.workspace)
            return Reply(
                Notice(
                    _(
                        "SnowOps posts in this workspace's channels in {language} "
                        "(language {code}).",
                        language=_name(current),
                        code=current,
                    ),
                    hint=_("Change it with /snow language en or /snow language sv."),
                )
            )
        await self._languages.set_language(ctx.workspace, command.language)
        await self._audit.audit(
            ctx.workspace, ctx.actor, "language.set", {"language": command.language}
        )
        with use_locale(command.language):
            return Reply(
                Notice(
                    _(
                        "SnowOps now posts in this workspace's channels in {language}.",
                        language=_name(command.language),
                    ),
                    NoticeLevel.SUCCESS,
                    hint=_("What each person reads for themselves follows their own language."),
                )
            )
