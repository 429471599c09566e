"""Graph's remediation HTML → plain text a chat card can show (never a tag)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["html_to_text"]

_BLOCK = {"p", "div", "ul", "ol", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}
_SKIP = {"script", "style", "head"}


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._lists: list[list[int]] = []  # one counter per open <ol>; [-1] for <ul>
        self._href: str | None = None
        self._link_text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
        elif tag == "br":
            self.out.append("\n")
        elif tag in _BLOCK:
            self.out.append("\n\n")
            if tag == "ol":
                self._lists.append([0])
            elif tag == "ul":
                self._lists.append([-1])
        elif tag == "li":
            counter = self._lists[-1] if self._lists else [-1]
            indent = "  " * max(0, len(self._lists) - 1)
            if counter[0] >= 0:
                counter[0] += 1
                self.out.append(f"\n{indent}{counter[0]}. ")
            else:
                self.out.append(f"\n{indent}• ")
        elif tag == "a":
            self._href = dict(attrs).get("href")
            self._link_text = []

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in ("ol", "ul") and self._lists:
            self._lists.pop()
            self.out.append("\n")
        elif tag in _BLOCK:
            self.out.append("\n\n")
        elif tag == "a":
            text = "".join(self._link_text).strip()
            href = (self._href or "").strip()
            if href.startswith(("http://", "https://")) and href != text:
                self.out.append(f" ({href})" if text else href)
            self._href = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._href is not None:
            self._link_text.append(data)
        self.out.append(data)


def html_to_text(html: str | None) -> str:
    """Readable text: paragraphs, numbered and bulleted lists, links as ``text (url)``."""
    if not html:
        return ""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    text = "".join(parser.out).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
