"""Block Kit primitives: escaping, limits, and small block builders.

Every block is built with ``slack_sdk.models`` and turned into a dict with ``.to_dict()``,
which runs slack_sdk's validators, so a limit we forgot fails loudly in tests instead of
being rejected by Slack at runtime (``invalid_blocks``). Limits slack_sdk does not check
(field and context element text) are enforced here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from core.views import Action

__all__ = [
    "BUTTON_TEXT_MAX",
    "CONTEXT_ELEMENT_MAX",
    "FIELD_TEXT_MAX",
    "HEADER_MAX",
    "MESSAGE_BLOCKS_MAX",
    "MODAL_TITLE_MAX",
    "OPTION_TEXT_MAX",
    "SECTION_TEXT_MAX",
    "SURFACE_BLOCKS_MAX",
    "Layout",
    "actions_block",
    "button",
    "context",
    "divider",
    "escape",
    "header",
    "link",
    "more_block",
    "section",
    "truncate",
    "truncate_mrkdwn",
]

SECTION_TEXT_MAX = 3000
HEADER_MAX = 150
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
URL_MAX = 3000
FIELD_TEXT_MAX = 2000
FIELDS_MAX = 10
CONTEXT_ELEMENT_MAX = 2000
CONTEXT_ELEMENTS_MAX = 10
ACTIONS_MAX = 25
OPTION_TEXT_MAX = 75
MODAL_TITLE_MAX = 24
MESSAGE_BLOCKS_MAX = 50
SURFACE_BLOCKS_MAX = 100
ELLIPSIS = "…"

JSON = dict[str, Any]


def escape(text: str) -> str:
    """Escape Slack's three mrkdwn control characters (``&``, ``<``, ``>``).

    Only these are decoded by Slack; escaping more would show entities to users. This also
    stops user text from injecting ``<!channel>`` mentions or fake links.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in "…" when cut."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    return text[: limit - 1].rstrip() + ELLIPSIS


def truncate_mrkdwn(text: str, limit: int) -> str:
    """Like :func:`truncate`, for escaped mrkdwn: never cut an entity or a ``<link>`` in half."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    start = cut.rfind("<")
    if start != -1 and ">" not in cut[start:]:
        cut = cut[:start]
    return cut.rstrip() + ELLIPSIS


def safe_url(url: str | None) -> str | None:
    """The URL if Slack will take it in a button (http(s), ≤ 3,000 chars), else None."""
    if not url or len(url) > URL_MAX or not url.startswith(("https://", "http://")):
        return None
    return url


def link(url: str | None, label: str) -> str:
    """``<url|label>`` in mrkdwn, or the escaped label alone when there is no usable URL.

    Inside ``<…>`` a ``|`` or ``>`` would end the URL early, so they are percent-encoded;
    ``&`` is entity-escaped, which is how Slack itself writes URLs in mrkdwn.
    """
    target = safe_url(url)
    if target is None:
        return escape(label)
    target = escape(target.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C"))
    return f"<{target}|{escape(label)}>"


def _md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text)


def section(text: str, *, fields: Sequence[str] = (), accessory: JSON | None = None) -> JSON:
    """A section from already-escaped mrkdwn ``text`` and ``fields`` (cut to Slack's limits)."""
    field_objs = [_md(truncate_mrkdwn(f, FIELD_TEXT_MAX)) for f in fields[:FIELDS_MAX]]
    block = SectionBlock(
        text=_md(truncate_mrkdwn(text, SECTION_TEXT_MAX)) if text else None,
        fields=field_objs or None,
        accessory=accessory,
    )
    return block.to_dict()


def fields_sections(pairs: Sequence[tuple[str, str]]) -> list[JSON]:
    """Label/value pairs as ``*label*\\nvalue`` fields, ten to a section."""
    cells = [f"*{escape(label)}*\n{escape(value)}" for label, value in pairs]
    return [section("", fields=cells[i : i + FIELDS_MAX]) for i in range(0, len(cells), FIELDS_MAX)]


def lines_sections(lines: Iterable[str]) -> list[JSON]:
    """Escaped mrkdwn lines packed into as few ≤ 3,000-char sections as possible."""
    out: list[JSON] = []
    chunk = ""
    for line in lines:
        line = truncate_mrkdwn(line, SECTION_TEXT_MAX)
        if chunk and len(chunk) + 1 + len(line) > SECTION_TEXT_MAX:
            out.append(section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        out.append(section(chunk))
    return out


def context(*texts: str) -> JSON:
    """A context block of escaped mrkdwn texts (≤ 10 elements, each ≤ 2,000 chars)."""
    elements = [_md(truncate_mrkdwn(t, CONTEXT_ELEMENT_MAX)) for t in texts if t]
    return ContextBlock(elements=elements[:CONTEXT_ELEMENTS_MAX]).to_dict()


def header(text: str) -> JSON:
    """A header block (plain text, ≤ 150 chars)."""
    return HeaderBlock(text=PlainTextObject(text=truncate(text, HEADER_MAX), emoji=True)).to_dict()


def divider() -> JSON:
    """A divider between cards."""
    return DividerBlock().to_dict()


def more_block(count: int) -> JSON:
    """The "…and N more" note that ends a list cut to fit Slack's block limit."""
    return context(f"{ELLIPSIS}and {count} more")


def button(action: Action, action_id: str | None = None) -> JSON:
    """A button for a core :class:`Action`.

    A ``value`` longer than Slack's 2,000 characters raises: cutting it would silently act
    on something else, and core keeps values short (ids, page cursors).
    """
    if len(action.value) > BUTTON_VALUE_MAX:
        raise ValueError(f"button value for {action.id!r} exceeds {BUTTON_VALUE_MAX} chars")
    element = ButtonElement(
        text=PlainTextObject(text=truncate(action.label or action.id, BUTTON_TEXT_MAX), emoji=True),
        action_id=action_id or action.id,
        value=action.value or None,
        url=safe_url(action.url),
        style="primary" if action.primary else None,
    )
    return element.to_dict()


def actions_block(actions: Sequence[Action]) -> JSON | None:
    """An actions block, or None when there is nothing to show.

    Slack wants action_ids unique within a block: the first button keeps ``action.id``;
    a repeat gets ``{id}:{n}`` (n = 1, 2, … in order), so listeners match
    ``^{id}(:\\d+)?$``. Buttons past Slack's 25 are dropped.
    """
    seen: dict[str, int] = {}
    elements: list[JSON] = []
    for action in actions[:ACTIONS_MAX]:
        n = seen.get(action.id, 0)
        seen[action.id] = n + 1
        elements.append(button(action, action.id if n == 0 else f"{action.id}:{n}"))
    if not elements:
        return None
    return ActionsBlock(elements=elements).to_dict()


@dataclass(slots=True)
class Layout:
    """A rendered view before fitting: fixed ``head`` and ``tail`` around droppable ``items``.

    An item is one card's blocks; cards are dropped whole, never cut in the middle.
    """

    head: list[JSON] = field(default_factory=list)
    items: list[list[JSON]] = field(default_factory=list)
    tail: list[JSON] = field(default_factory=list)

    def fit(self, limit: int) -> list[JSON]:
        """Blocks within ``limit``: drop trailing items and say "…and N more" before the tail.

        The note sits before the tail so buttons such as "More" stay last. Returns ``[]``
        when not even the head and tail fit.
        """
        flat = [*self.head, *(b for item in self.items for b in item), *self.tail]
        if len(flat) <= limit:
            return flat
        room = limit - len(self.head) - len(self.tail) - 1
        if room < 0:
            return []
        kept: list[JSON] = []
        shown = 0
        for item in self.items:
            if len(kept) + len(item) > room:
                break
            kept.extend(item)
            shown += 1
        return [*self.head, *kept, more_block(len(self.items) - shown), *self.tail]
