"""``/snow language [en|sv]``: the language of a workspace's channel messages. Re-exported
by :mod:`core.commands`, where every command is listed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from core.command_base import CommandBase as _Base

__all__ = ["SetLanguage"]


@dataclass(frozen=True, slots=True)
class SetLanguage(_Base):
    """``/snow language [en|sv]``: the language of this workspace's channel messages
    (notifications, digests, shared cards); bare, the current one."""

    language: str = ""  # "" shows the current one
    admin: ClassVar[bool] = True
