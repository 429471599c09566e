"""Link previews: which tickets a message's links point at, and their compact view.

A link is a record URL of the workspace's own ServiceNow instance, in any of the forms its
UI uses (``/incident.do?sys_id=…``, ``/nav_to.do?uri=…``, the Next Experience's
``/now/nav/ui/classic/params/target/…``, a workspace's ``/now/…/record/incident/<sys_id>``,
``/incident.do?sysparm_query=number=INC…``), or a bare ticket number (``INC0010001``).
Anything else, another host included, is no ticket and gets no preview.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

from core.lookup import kind_of_number
from core.models import TicketKind

__all__ = ["MAX_PREVIEWS", "PreviewLinks", "TicketPreview", "TicketRef", "ticket_ref"]

#: Links previewed per message: Slack's own unfurls stop at five too.
MAX_PREVIEWS = 5
_LINK_MAX = 2000
_NUMBER = re.compile(r"^(?:INC|CHG|PRB|SIR)\d{5,12}$", re.IGNORECASE)
_SYS_ID = re.compile(r"^[0-9a-f]{32}$")
_QUERY_NUMBER = re.compile(r"(?:^|\^)number=([A-Za-z]{3}\d{5,12})(?:\^|$)")
_RECORD_PATH = re.compile(r"/record/([a-z_]{1,80})/([0-9a-f]{32})(?:/|$)")


@dataclass(frozen=True, slots=True)
class PreviewLinks:
    """Links in a chat message to preview (Slack ``link_shared``, Teams ``queryLink``)."""

    links: tuple[str, ...]
    admin: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class TicketRef:
    """A ticket a link points at: its kind, and its number or else its sys_id."""

    link: str
    kind: TicketKind
    number: str = ""
    sys_id: str = ""


@dataclass(frozen=True, slots=True)
class TicketPreview:
    """The compact view of a ticket under ``link`` (Slack unfurl, Teams link card)."""

    link: str
    number: str
    title: str
    url: str
    kind: TicketKind
    state: str
    priority: str
    due: str


def _kind(table: str) -> TicketKind | None:
    try:
        return TicketKind.from_table(table)
    except ValueError:
        return None


def _same_instance(host: str, instance_url: str) -> bool:
    return bool(host) and host.lower() == urlsplit(instance_url).netloc.lower()


def _from_target(link: str, target: str) -> TicketRef | None:
    """``incident.do?sys_id=…`` (or ``?sysparm_query=number=…``), as a page or a ``uri``."""
    page, _, query = target.lstrip("/").partition("?")
    kind = _kind(page.removesuffix(".do")) if page.endswith(".do") else None
    if kind is None:
        return None
    params = parse_qs(query)
    sys_id = (params.get("sys_id") or [""])[0].lower()
    if _SYS_ID.match(sys_id):
        return TicketRef(link, kind, sys_id=sys_id)
    found = _QUERY_NUMBER.search((params.get("sysparm_query") or [""])[0])
    if found and kind_of_number(found.group(1)) is kind:
        return TicketRef(link, kind, number=found.group(1).upper())
    return None


def _from_url(link: str, instance_url: str) -> TicketRef | None:
    try:
        parts = urlsplit(link)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not _same_instance(parts.netloc, instance_url):
        return None
    path = parts.path
    if path.endswith("/nav_to.do"):
        return _from_target(link, (parse_qs(parts.query).get("uri") or [""])[0])
    if "/params/target/" in path:
        return _from_target(link, unquote(path.split("/params/target/", 1)[1]))
    record = _RECORD_PATH.search(path)
    if record:
        kind = _kind(record.group(1))
        return TicketRef(link, kind, sys_id=record.group(2)) if kind else None
    return _from_target(link, f"{path}?{parts.query}")


def ticket_ref(link: str, instance_url: str) -> TicketRef | None:
    """The ticket ``link`` points at (a record URL of ``instance_url``, or a bare ticket
    number), or None: not a ticket of this instance, or of a table SnowOps does not read."""
    text = link.strip()[:_LINK_MAX]
    if _NUMBER.match(text):
        kind = kind_of_number(text)
        return TicketRef(text, kind, number=text.upper()) if kind else None
    return _from_url(text, instance_url)
