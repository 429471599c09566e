"""``lookup [any|own]``: which tickets ``/snow ticket`` and link previews may show."""

from __future__ import annotations

from core import commands as c
from core.errors import UsageError
from core.i18n import _
from core.lookup import LOOKUP_MODES

__all__ = ["parse_lookup"]


def parse_lookup(rest: str) -> c.Command:
    """``lookup``, ``lookup any`` or ``lookup own``."""
    args = rest.split()
    if not args:
        return c.Lookup()
    mode = args[0].lower()
    if len(args) != 1 or mode not in LOOKUP_MODES:
        raise UsageError(
            _(
                "Usage: /snow lookup any (any ticket ServiceNow lets SnowOps read) or "
                "/snow lookup own (only tickets made from this workspace)"
            )
        )
    return c.Lookup(mode)
