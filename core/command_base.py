"""What every command class shares: the class-level facts the platforms are steered by
(see :mod:`core.commands`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

__all__ = ["CommandBase"]


@dataclass(frozen=True, slots=True)
class CommandBase:
    """``admin``: workspace admins only; ``channel_scoped``: the channel's own admins too;
    ``forms``: its answer may be a form."""

    admin: ClassVar[bool] = False
    channel_scoped: ClassVar[bool] = False
    forms: ClassVar[bool] = False
