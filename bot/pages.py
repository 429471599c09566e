"""The small HTML pages SnowOps serves itself (the end of a ServiceNow sign-in)."""

from __future__ import annotations

import html

from aiohttp import web

__all__ = ["page"]

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SnowOps: {title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font:16px system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}}
.ok{{color:#1a7f37}}.err{{color:#cf222e}}p.hint{{background:#f6f8fa;padding:1rem}}</style>
</head><body><h1 class="{cls}">{title}</h1><p>{body}</p>{hint}</body></html>"""

#: The URL carried an OAuth code: keep the page out of caches and referrers.
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
}


def page(title: str, body: str, *, ok: bool, hint: str = "", status: int = 200) -> web.Response:
    """A plain page; every text is escaped."""
    hint_html = f'<p class="hint">{html.escape(hint)}</p>' if hint else ""
    text = _PAGE.format(
        title=html.escape(title),
        body=html.escape(body),
        hint=hint_html,
        cls="ok" if ok else "err",
    )
    return web.Response(text=text, content_type="text/html", status=status, headers=_HEADERS)
