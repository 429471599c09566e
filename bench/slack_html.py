"""Block Kit JSON → an HTML approximation of how Slack draws it, for screenshots.

Slack publishes no offline Block Kit renderer, so this is an approximation, labelled as one
wherever its pictures are shown: Slack's layout rules as documented (a header, sections
with two-column fields and an accessory on the right, grey small-print context, dividers,
rows of buttons in the primary green or danger red, modal frames with their title, submit
and close), its mrkdwn (``*bold*``, ``_italic_``, ``~strike~``, code spans,
``<url|label>`` links, ``&amp;`` entities, the invalid-date literal SnowOps uses to show
formatting characters as typed) and the few emoji SnowOps uses. Fonts and spacing are
close, not Slack's own; the pictures show layout and wording, not pixels.
"""

from __future__ import annotations

import html
import re
from typing import Any

__all__ = ["home_html", "message_html", "modal_html", "mrkdwn_html"]

JSON = dict[str, Any]

EMOJI = {
    "large_green_circle": "🟢",
    "red_circle": "🔴",
    "warning": "⚠️",
    "white_check_mark": "✅",
    "x": "❌",
    "hourglass_flowing_sand": "⏳",
}
_LITERAL = re.compile(r"<!date\^0+\^\{_\}\|([^>]*)>")
_LINK = re.compile(r"<([^|>]+)\|([^>]*)>")
_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?!\s)([^_\n]+?)(?<!\s)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?!\s)([^~\n]+?)(?<!\s)~(?![\w~])")
_EMOJI = re.compile(r":([a-z0-9_+-]+):")

CSS = """
body { margin: 0; background: #fff; font: 15px/1.47 "Liberation Sans", Arial, sans-serif;
  color: #1d1c1d; }
.frame { padding: 12px 20px; box-sizing: border-box; }
.who { font-weight: 700; margin-bottom: 4px; }
.who small { font-weight: 400; color: #616061; font-size: 12px; margin-left: 6px; }
.approx { color: #868686; font-size: 11px; margin-bottom: 6px; }
.header { font-size: 18px; font-weight: 900; margin: 8px 0 4px; }
.section { display: flex; gap: 12px; margin: 4px 0; align-items: flex-start; }
.section .text { flex: 1; white-space: pre-wrap; overflow-wrap: anywhere; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 16px; margin-top: 6px; }
.context { color: #616061; font-size: 12px; margin: 4px 0; display: flex; flex-wrap: wrap;
  gap: 2px 10px; white-space: pre-wrap; }
.divider { border-top: 1px solid #ddd; margin: 10px 0; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0; }
.btn { border: 1px solid #bbb; border-radius: 4px; padding: 0 12px; height: 28px;
  line-height: 28px; font-size: 13px; font-weight: 700; white-space: nowrap; }
.btn.primary { background: #007a5a; color: #fff; border-color: #007a5a; }
.btn.danger { background: #fff; color: #e01e5a; border-color: #e01e5a; }
code { font: 12px "Liberation Mono", monospace; color: #c01343; background: #f6f6f6;
  border: 1px solid #e5e5e5; border-radius: 3px; padding: 1px 3px; }
a { color: #1264a3; text-decoration: none; }
.input label { display: block; font-weight: 700; margin: 10px 0 4px; }
.input .field { border: 1px solid #bbb; border-radius: 4px; padding: 6px 10px;
  color: #1d1c1d; min-height: 20px; }
.input .hint { color: #616061; font-size: 12px; margin-top: 4px; }
.modal { border: 1px solid #ddd; border-radius: 8px; box-shadow: 0 4px 12px #0002; }
.modal .title { font-size: 20px; font-weight: 900; padding: 14px 20px;
  border-bottom: 1px solid #ddd; }
.modal .foot { display: flex; justify-content: flex-end; gap: 8px; padding: 12px 20px;
  border-top: 1px solid #ddd; }
.tabs { display: flex; gap: 18px; border-bottom: 1px solid #ddd; padding: 10px 20px 8px;
  font-weight: 700; }
.tabs span:first-child { border-bottom: 2px solid #1264a3; }
"""


def mrkdwn_html(text: str) -> str:
    """Slack mrkdwn (already entity-escaped by SnowOps) as HTML."""
    kept: list[str] = []

    def keep(fragment: str) -> str:
        kept.append(fragment)
        return f"\x00{len(kept) - 1}\x00"

    out = _LITERAL.sub(lambda m: keep(m.group(1)), text)
    out = _LINK.sub(lambda m: keep(f'<a href="{m.group(1)}">{m.group(2)}</a>'), out)
    out = _CODE.sub(lambda m: keep(f"<code>{m.group(1)}</code>"), out)
    out = _BOLD.sub(r"<b>\1</b>", out)
    out = _ITALIC.sub(r"<i>\1</i>", out)
    out = _STRIKE.sub(r"<s>\1</s>", out)
    out = _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), out)
    out = out.replace("\u00ad", "")
    for i, fragment in enumerate(kept):
        out = out.replace(f"\x00{i}\x00", fragment)
    return out


def _text(obj: JSON | None) -> str:
    if not obj:
        return ""
    if obj.get("type") == "mrkdwn":
        return mrkdwn_html(str(obj.get("text", "")))
    return _EMOJI.sub(
        lambda m: EMOJI.get(m.group(1), m.group(0)), html.escape(str(obj.get("text", "")))
    )


def _button(el: JSON) -> str:
    style = el.get("style", "")
    return f'<span class="btn {style}">{_text(el.get("text"))}</span>'


def _element(el: JSON) -> str:
    kind = el.get("type")
    if kind == "button":
        return _button(el)
    if kind in ("static_select", "datepicker", "plain_text_input"):
        chosen = el.get("initial_option") or {}
        value = (
            _text(chosen.get("text"))
            or html.escape(str(el.get("initial_value") or el.get("initial_date") or ""))
            or f'<span style="color:#868686">{_text(el.get("placeholder"))}</span>'
        )
        arrow = " ▾" if kind == "static_select" else ""
        return f'<div class="field">{value}{arrow}</div>'
    return ""


def _block(block: JSON) -> str:
    kind = block.get("type")
    if kind == "header":
        return f'<div class="header">{_text(block.get("text"))}</div>'
    if kind == "divider":
        return '<div class="divider"></div>'
    if kind == "context":
        parts = "".join(f"<span>{_text(e)}</span>" for e in block.get("elements", []))
        return f'<div class="context">{parts}</div>'
    if kind == "actions":
        return f'<div class="actions">{"".join(_element(e) for e in block["elements"])}</div>'
    if kind == "input":
        hint = block.get("hint")
        extra = f'<div class="hint">{_text(hint)}</div>' if hint else ""
        label = _text(block.get("label"))
        return f'<div class="input"><label>{label}</label>{_element(block["element"])}{extra}</div>'
    if kind == "section":
        fields = "".join(f"<div>{_text(f)}</div>" for f in block.get("fields") or [])
        grid = f'<div class="fields">{fields}</div>' if fields else ""
        accessory = _element(block["accessory"]) if block.get("accessory") else ""
        return (
            f'<div class="section"><div class="text">{_text(block.get("text"))}{grid}</div>'
            f"{accessory}</div>"
        )
    return f"<pre>{html.escape(str(block))[:200]}</pre>"


def _page(inner: str, width: int) -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><style>{CSS}</style></head>"
        f'<body><div id="shot" style="width:{width}px">{inner}</div></body></html>'
    )


NOTE = '<div class="approx">Block Kit approximation (not Slack\'s own renderer)</div>'


def message_html(blocks: list[JSON], width: int = 600) -> str:
    """A message from the SnowOps app in a channel."""
    body = "".join(_block(b) for b in blocks)
    who = '<div class="who">SnowOps <small>APP  10:42</small></div>'
    return _page(f'<div class="frame">{NOTE}{who}{body}</div>', width)


def modal_html(view: JSON, width: int = 520) -> str:
    """A modal: its title, blocks, and Close / Submit."""
    body = "".join(_block(b) for b in view.get("blocks", []))
    foot = f'<span class="btn">{_text(view.get("close")) or "Close"}</span>'
    if view.get("submit"):
        foot += f'<span class="btn primary">{_text(view.get("submit"))}</span>'
    return _page(
        f'<div class="modal"><div class="title">{_text(view.get("title"))}</div>'
        f'<div class="frame">{NOTE}{body}</div><div class="foot">{foot}</div></div>',
        width,
    )


def home_html(view: JSON, width: int = 700) -> str:
    """The App Home tab."""
    body = "".join(_block(b) for b in view.get("blocks", []))
    tabs = '<div class="tabs"><span>Home</span><span>Messages</span><span>About</span></div>'
    return _page(f'{tabs}<div class="frame">{NOTE}{body}</div>', width)
