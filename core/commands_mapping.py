"""``/snow mapping``: how a SnowOps ticket becomes a ServiceNow record (admins).
Re-exported by :mod:`core.commands`, where every command is listed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from core.command_base import CommandBase as _Base
from core.models import TicketKind

__all__ = ["MAPPING_KEYS", "MapFields"]

#: What a route sets, in the order they are written.
MAPPING_KEYS = ("category", "subcategory", "group", "ci")


@dataclass(frozen=True, slots=True)
class MapFields(_Base):
    """``/snow mapping [<kind> [<security category>] [key=value …]]``, or ``mapping reset
    <kind> [<security category>|source]``.

    Bare (no values), it shows the mapping (of one kind when given). ``category`` "" with
    ``values`` sets the kind's ``source`` field; with a security category, that category's
    route (category, subcategory, group, ci). ``reset`` goes back to the defaults.
    """

    kind: TicketKind | None = None
    category: str = ""
    values: tuple[tuple[str, str], ...] = ()
    reset: bool = False
    admin: ClassVar[bool] = True
