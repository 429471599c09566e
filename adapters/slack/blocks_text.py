"""Block Kit primitives: escaping, limits, and small block builders.

Every block is built with ``slack_sdk.models`` and turned into a dict with ``.to_dict()``,
which runs slack_sdk's validators, so a limit we forgot fails loudly in tests instead of
being rejected by Slack at runtime (``invalid_blocks``). Limits slack_sdk does not check
(field and context element text) are enforced here.

Text from a view is plain text (a ticket name, a comment, a display name): it goes into
mrkdwn only through :func:`escape` (or :func:`code` / :func:`link` for what SnowOps itself
puts in code spans and link labels), and every mrkdwn object is ``verbatim`` so Slack never
turns a bare URL, ``@here`` or ``#channel`` into a link or a mention.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from core.actions import button_value
from core.i18n import _
from core.views import Button

__all__ = [
    "BUTTON_TEXT_MAX",
    "COMMAND_ACTION",
    "CONTEXT_ELEMENT_MAX",
    "FIELD_TEXT_MAX",
    "HEADER_MAX",
    "LINK_ACTION",
    "MESSAGE_BLOCKS_MAX",
    "MODAL_TITLE_MAX",
    "OPTION_TEXT_MAX",
    "SECTION_TEXT_MAX",
    "SURFACE_BLOCKS_MAX",
    "Layout",
    "actions_block",
    "button",
    "code",
    "context",
    "divider",
    "escape",
    "escape_entities",
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
#: The action id of every button that runs a command (its value is the command's text).
COMMAND_ACTION = "snow"
#: The action id of link buttons (they open a URL; the listener only acknowledges).
LINK_ACTION = "link"

JSON = dict[str, Any]


#: A date whose format is invalid shows its fallback text exactly as given, unformatted:
#: mrkdwn has no backslash escape, and this is the one way to show ``*`` ``_`` ``~`` and
#: backticks literally (jsx-slack's ``<Escape>`` does the same). The fallback must not hold
#: ``&`` ``<`` ``>`` (entities are not decoded there), so only runs of those four go in it.
LITERAL = "<!date^00000000^{_}|%s>"
_FORMATTING = re.compile(r"[*_~`]+")
#: ``>`` starting a line quotes it; a soft hyphen (invisible) before it keeps it a character.
#: (One more goes before soft hyphens already there, so the escape can be read back.)
SOFT_HYPHEN = "\u00ad"
_LEADING_QUOTE = re.compile(r"(?:^|(?<=\r))([ \t]*)(?=\u00ad*&gt;)", re.MULTILINE)
#: Inside a link label or a code span the date trick does not work: formatting characters
#: become look-alikes there (asterisk operator, modifier low macron, tilde operator,
#: modifier grave accent), as jsx-slack does in links.
_LOOKALIKES = str.maketrans({"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"})
_CODE_LOOKALIKE = str.maketrans({"`": "\u02cb"})
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")


def escape_entities(text: str) -> str:
    """Escape Slack's three control characters (``&``, ``<``, ``>``), the only ones Slack
    decodes: no ``<!channel>``, ``<@U…>`` or ``<url|…>`` can come out of ``text``.

    Enough for a message's fallback ``text`` (notifications, screen readers) next to
    blocks; mrkdwn that Slack shows as the message needs :func:`escape`.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape(text: str) -> str:
    """Plain ``text`` as mrkdwn that Slack shows exactly as typed.

    ``&<>`` become entities (no mention, no link); each run of ``*``, ``_``, ``~`` and
    backticks becomes the fallback of an invalid date (:data:`LITERAL`), which Slack shows
    unformatted; a ``>`` that starts a line gets a soft hyphen before it, so it is not a
    quote. ``:emoji:`` text is left alone: Slack may draw the emoji (one with an underscore
    in its name stays text, the underscore being escaped), which neither pings nor links.
    """
    out = _FORMATTING.sub(lambda m: LITERAL % m.group(), escape_entities(text))
    return _LEADING_QUOTE.sub(lambda m: m.group(1) + SOFT_HYPHEN, out)


def _escape_label(text: str) -> str:
    # A link is one line (as a code span): a line break in its label becomes a space.
    return escape_entities(_LINE_BREAKS.sub(" ", text.translate(_LOOKALIKES)))


def code(text: str) -> str:
    """``text`` in a code span, where mrkdwn formats nothing. A span is one line (a line
    break becomes a space) and a backtick would end it (it becomes a look-alike)."""
    one_line = _LINE_BREAKS.sub(" ", text.translate(_CODE_LOOKALIKE))
    return f"`{escape_entities(one_line)}`"


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in "…" when cut."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ELLIPSIS[:limit]
    return text[: limit - 1].rstrip() + ELLIPSIS


def truncate_mrkdwn(text: str, limit: int) -> str:
    """Like :func:`truncate`, for escaped mrkdwn: never cut an entity, a ``<link>`` or a
    :data:`LITERAL` date in half (what is left of one is dropped whole)."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    start = cut.rfind("<")
    if start != -1 and ">" not in cut[start:]:
        cut = cut[:start]
    # A soft hyphen left at the end was put before a quote mark that is cut off.
    return cut.rstrip().rstrip(SOFT_HYPHEN) + ELLIPSIS


def safe_url(url: str | None) -> str | None:
    """The URL if Slack will take it in a button (http(s), ≤ 3,000 chars), else None."""
    if not url or len(url) > URL_MAX or not url.startswith(("https://", "http://")):
        return None
    return url


def link(url: str | None, label: str) -> str:
    """``<url|label>`` in mrkdwn, or the escaped label alone when there is no usable URL.

    Inside ``<…>`` a ``|`` or ``>`` would end the URL early, so they are percent-encoded;
    ``&`` is entity-escaped, which is how Slack itself writes URLs in mrkdwn. The label is
    one line, and its formatting characters become look-alikes (a date cannot nest in a
    link).
    """
    target = safe_url(url)
    if target is None:
        return escape(label)
    target = escape_entities(target.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C"))
    return f"<{target}|{_escape_label(label)}>"


def _md(text: str) -> MarkdownTextObject:
    # verbatim: no auto-linked URLs, channel names or @here in the text; only the
    # <url|label> links SnowOps writes are links.
    return MarkdownTextObject(text=text, verbatim=True)


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
    return context(_("…and {count} more", count=count))


def _action_id(b: Button) -> str:
    return COMMAND_ACTION if b.command is not None else LINK_ACTION


def button(b: Button, action_id: str | None = None) -> JSON:
    """A button for a core :class:`Button`: it carries its command's text as its value.

    A value longer than Slack's 2,000 characters raises: cutting it would silently act on
    something else, and commands are short.
    """
    value = button_value(b.command) if b.command is not None else None
    if value is not None and len(value) > BUTTON_VALUE_MAX:
        raise ValueError(f"button value for {b.label!r} exceeds {BUTTON_VALUE_MAX} chars")
    danger = b.danger or bool(b.confirm)
    confirm = None
    if b.confirm:
        # Slack's own confirmation dialog; a destructive one has a red confirm button.
        confirm = ConfirmObject(
            title=PlainTextObject(text=truncate(f"{b.label}?", 100)),
            text=PlainTextObject(text=truncate(b.confirm, 300)),
            confirm=PlainTextObject(text=truncate(b.label, 30)),
            deny=PlainTextObject(text=_("Cancel")),
            style="danger" if danger else None,
        )
    element = ButtonElement(
        text=PlainTextObject(text=truncate(b.label or _("Open"), BUTTON_TEXT_MAX), emoji=True),
        action_id=action_id or _action_id(b),
        value=value,
        url=safe_url(b.url),
        style="danger" if danger else ("primary" if b.primary else None),
        confirm=confirm,
    )
    return element.to_dict()


def actions_block(buttons: Sequence[Button]) -> JSON | None:
    """An actions block, or None when there is nothing to show.

    Slack wants action_ids unique within a block: the first button keeps its id
    (``snow`` or ``link``); a repeat gets ``{id}:{n}`` (n = 1, 2, … in order), so
    listeners match ``^{id}(:\\d+)?$``. Buttons past Slack's 25 are dropped.
    """
    seen: dict[str, int] = {}
    elements: list[JSON] = []
    for b in buttons[:ACTIONS_MAX]:
        base = _action_id(b)
        n = seen.get(base, 0)
        seen[base] = n + 1
        elements.append(button(b, base if n == 0 else f"{base}:{n}"))
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
