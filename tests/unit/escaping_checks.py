"""What Slack and Teams would make of SnowOps's text: small models, shared by the escaping
tests (unit and end to end).

Slack: :func:`slack_shows` is what Slack displays for escaped mrkdwn (its three entities
decoded, an invalid date shown as its fallback, the invisible soft hyphen dropped);
:func:`slack_markup` is what is left for mrkdwn to act on once those, SnowOps's links and
code spans are taken out. Teams: :func:`markdown_html` renders text with a CommonMark reader
that also auto-links URLs (markdown-it, as Microsoft's designer uses), and
:func:`markdown_strings` finds every string of a card that Teams reads as Markdown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

from core import commands as c
from core.models import TicketKind
from core.views import Button, HistoryLine, TicketCard

__all__ = [
    "UNSAFE",
    "URL",
    "hostile_ticket",
    "markdown_html",
    "markdown_strings",
    "mrkdwn_objects",
    "reads_as_text",
    "slack_markup",
    "slack_shows",
    "text_runs",
]

#: What Slack draws as formatting or acts on (a mention, a link, a quote).
UNSAFE = "*_~`<>"
_LITERAL = re.compile(r"<!date\^00000000\^\{_\}\|([*_~`]+)>")
_LINK = re.compile(r"<https?://[^|<>\s]+\|([^<>]*)>")
_CODE = re.compile(r"`[^`\n]*`")
_SOFT_HYPHEN = re.compile(r"(?:^|(?<=\r))([ \t]*)\u00ad(?=\u00ad*&gt;)", re.MULTILINE)


def slack_shows(mrkdwn: str) -> str:
    """The characters Slack displays for escaped text (no links or code spans in it)."""
    text = _LITERAL.sub(lambda m: m.group(1), mrkdwn)
    text = _SOFT_HYPHEN.sub(lambda m: m.group(1), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def slack_markup(mrkdwn: str) -> str:
    """The characters of ``mrkdwn`` that Slack could act on, in order, once the literal
    dates, SnowOps's ``<url|label>`` links (their labels stay) and code spans are out."""
    text = _LITERAL.sub("", mrkdwn)
    text = _LINK.sub(lambda m: m.group(1), text)
    text = _CODE.sub("", text)
    return "".join(ch for ch in text if ch in UNSAFE)


def mrkdwn_objects(payload: Any) -> Iterator[dict[str, Any]]:
    """Every mrkdwn text object in a Block Kit payload, in document order."""
    if isinstance(payload, dict):
        if payload.get("type") == "mrkdwn":
            yield payload
        for value in payload.values():
            yield from mrkdwn_objects(value)
    elif isinstance(payload, list):
        for value in payload:
            yield from mrkdwn_objects(value)


_MARKDOWN = MarkdownIt("commonmark", {"linkify": True}).enable(
    ["linkify", "strikethrough", "table"]
)


def markdown_html(text: str) -> str:
    """``text`` rendered as Markdown (CommonMark, strikethrough, tables, bare URLs linked)."""
    return _MARKDOWN.render(text)


def reads_as_text(text: str) -> bool:
    """True when Markdown shows ``text`` exactly: one paragraph of its characters, nothing
    else (no <a>, <em>, <strong>, <code>, list or heading)."""
    return markdown_html(text) == f"<p>{escapeHtml(text)}</p>\n"


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def markdown_strings(card: dict[str, Any]) -> list[str]:
    """Every string of an Adaptive Card that Teams reads as Markdown: TextBlock texts and
    Fact titles and values."""
    found: list[str] = []
    for node in _walk(card.get("body") or []):
        if node.get("type") == "TextBlock":
            found.append(str(node.get("text", "")))
        elif node.get("type") == "FactSet":
            for fact in node.get("facts") or []:
                found += [str(fact.get("title", "")), str(fact.get("value", ""))]
    return found


def text_runs(card: dict[str, Any]) -> list[str]:
    """The text of every TextRun of a card (never read as Markdown)."""
    return [
        str(node.get("text", ""))
        for node in _walk(card.get("body") or [])
        if node.get("type") == "TextRun"
    ]


URL = "https://acme.service-now.com/incident.do?sys_id=1"


def hostile_ticket(t: str) -> TicketCard:
    """A ticket card with ``t`` in every string it carries (the escaping tests' input)."""
    return TicketCard(
        number=t,
        title=t,
        url=URL,
        kind=TicketKind.INCIDENT,
        state=t,
        priority=t,
        due=t,
        requested_by=t,
        source=t,
        category=t,
        recommendation_id=t,
        history=(HistoryLine(t, t, t),),
        note=t,
        buttons=(Button("Refresh", c.ShowTicket("INC0010001")),),
    )
