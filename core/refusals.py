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

    def link(values: Mapping[str, str]) -> str:
        return base + quote(_query(values), safe="")

    url = link(fields)
    description = fields.get("description", "")
    if len(url) <= LINK_MAX or not description:
        return url, False
    # The longest start of the description that fits (characters encode to 1-12 bytes).
    low, high = 0, len(description)
    while low < high:
        mid = (low + high + 1) // 2
        if len(link({**fields, "description": description[:mid] + "…"})) <= LINK_MAX:
            low = mid
        else:
            high = mid - 1
    cut = description[:low] + "…" if low else ""
    return link({**fields, "description": cut}), True
