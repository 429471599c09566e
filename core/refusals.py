"""A record ServiceNow refused (a data policy, a business rule): its own words, and a link
that opens ServiceNow's form pre-filled with everything the person typed, so nothing they
wrote is lost: ``<instance>/<table>.do?sys_id=-1&sysparm_query=<field=value^…>``."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from core.servicenow.errors import BadRequestError, ForbiddenError

__all__ = ["LINK_MAX", "prefilled_url", "refusal_text"]

#: A link's length at most: Slack keeps 3,000 characters of a button's URL.
LINK_MAX = 2900
_MARKS = ("data policy", "business rule", "mandatory")


def refusal_text(exc: BaseException) -> str | None:
    """ServiceNow's own message when ``exc`` is its refusal of a record (a data policy or a
    business rule), else None (an ACL, an outage: not the record's fault)."""
    if not isinstance(exc, ForbiddenError | BadRequestError):
        return None
    said = exc.detail or exc.message
    if not any(mark in said.lower() for mark in _MARKS):
        return None
    return " ".join(said.split())


def _query(fields: Mapping[str, str]) -> str:
    # A caret inside a value is written twice, as ServiceNow's encoded queries escape it.
    return "^".join(f"{k}={v.replace('^', '^^')}" for k, v in fields.items() if v)


def prefilled_url(instance_url: str, table: str, fields: Mapping[str, str]) -> tuple[str, bool]:
    """The link to a new record of ``table`` filled with ``fields``, and whether a long
    description had to be cut to keep it within :data:`LINK_MAX`."""
    base = f"{instance_url.rstrip('/')}/{table}.do?sys_id=-1&sysparm_query="
    values = dict(fields)
    url = base + quote(_query(values), safe="")
    description = values.get("description", "")
    cut = False
    while len(url) > LINK_MAX and description:
        cut = True
        description = description[: max(0, len(description) - (len(url) - LINK_MAX) // 3 - 1)]
        values["description"] = description + "…" if description else ""
        url = base + quote(_query(values), safe="")
    return url, cut
