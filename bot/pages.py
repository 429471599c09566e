"""The small HTML pages SnowOps serves itself (the end of a ServiceNow sign-in)."""

from __future__ import annotations

import html

from aiohttp import web

__all__ = ["consent_page", "page"]

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


_CONSENT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SnowOps: connect ServiceNow?</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font:16px system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}}
dt{{font-weight:600}}dd{{margin:0 0 .75rem}}p.warn{{background:#fff8c5;padding:1rem}}
button{{font:inherit;padding:.6rem 1.2rem;cursor:pointer}}</style>
</head><body><h1>{heading}</h1>
<dl><dt>Chat workspace</dt><dd>{workspace}</dd><dt>Asked for by</dt><dd>{who}</dd>
<dt>ServiceNow instance</dt><dd>{instance}</dd></dl>
<p>{next_step}</p>
<p class="warn">If you did not ask for this in chat yourself, close this page: going on would
connect <em>your</em> ServiceNow account to someone else's {whose}.</p>
<form method="post" action="start"><input type="hidden" name="t" value="{token}">
<button type="submit">Continue to ServiceNow sign-in</button></form></body></html>"""


def workspace_label(workspace: str) -> str:
    """``slack:T0123`` → ``Slack workspace T0123`` (what a person recognises)."""
    platform, _, ident = workspace.partition(":")
    names = {"slack": "Slack workspace", "teams": "Microsoft Teams tenant", "console": "Console"}
    return f"{names.get(platform, platform)} {ident}".strip()


_PURPOSES = {
    "connect": (
        "Connect ServiceNow to this chat workspace?",
        "On the next page, sign in to ServiceNow as the integration user and allow SnowOps.",
        "workspace",
    ),
    "link": (
        "Link your own ServiceNow account?",
        "On the next page, sign in to ServiceNow as yourself and allow SnowOps: changes you "
        "make from chat will then be made as you.",
        "chat account",
    ),
}


def consent_page(
    token: str, workspace: str, who: str, instance: str, purpose: str = "connect"
) -> web.Response:
    """The page before ServiceNow's sign-in: whose workspace, who asked, one click on."""
    heading, next_step, whose = _PURPOSES.get(purpose, _PURPOSES["connect"])
    text = _CONSENT.format(
        heading=html.escape(heading),
        next_step=html.escape(next_step),
        whose=html.escape(whose),
        workspace=html.escape(workspace_label(workspace)),
        who=html.escape(who),
        instance=html.escape(instance),
        token=html.escape(token, quote=True),
    )
    return web.Response(text=text, content_type="text/html", headers=_HEADERS)
