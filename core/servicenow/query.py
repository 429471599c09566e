"""Values that go into ServiceNow encoded queries."""

from __future__ import annotations

import re

from core.errors import UserError
from core.i18n import gettext

__all__ = ["query_value"]

_QUERY_VALUE = re.compile(r"^[^\^\r\n]{1,200}$")


def query_value(value: str) -> str:
    """``value`` if it is safe inside an encoded query (a caret would start a new condition)."""
    if not _QUERY_VALUE.match(value):
        raise UserError(gettext("That value cannot be looked up in ServiceNow."))
    return value
