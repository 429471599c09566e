"""Failures → what the person who asked is told: the cause when it is theirs or a
service's, only a reference when it is a bug (the log has the rest)."""

from __future__ import annotations

import logging
import uuid

from core.errors import SnowOpsError
from core.i18n import _
from core.views import Notice, NoticeLevel, sentence

__all__ = ["failure_notice"]

log = logging.getLogger(__name__)


def failure_notice(exc: BaseException, doing: str) -> Notice:
    """The notice for a failure while ``doing`` something (used only for the log)."""
    if isinstance(exc, SnowOpsError):
        if exc.source:
            # The service's name as users know it ("Microsoft Säkerhetspoäng"); the message
            # and hint were written in the asker's language where the error was raised.
            text = f"{_(exc.source)}: {sentence(exc.message)}"
        elif exc.level == "info":
            text = sentence(exc.message[:1].upper() + exc.message[1:])
        else:
            text = exc.message
        return Notice(text, NoticeLevel(exc.level), hint=exc.hint)
    ref = uuid.uuid4().hex[:8]
    log.exception("unexpected failure (ref %s) running %s", ref, doing, exc_info=exc)
    return Notice(
        _("Something went wrong on SnowOps's side (reference {ref}).", ref=ref),
        NoticeLevel.ERROR,
        hint=_("Try again, and tell your admin the reference if it keeps failing."),
    )
