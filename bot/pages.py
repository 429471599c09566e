"""The small HTML pages SnowOps serves itself (the end of a ServiceNow sign-in), in the
browser's language (its ``Accept-Language``, see :func:`page_locale`)."""

from __future__ import annotations

import html

from aiohttp import web

from core.i18n import DEFAULT_LOCALE, LOCALES, N_, _, current_locale

__all__ = ["consent_page", "page", "page_locale"]


def page_locale(request: web.Request) -> str:
    """The language the browser prefers most among those SnowOps speaks (``Accept-Language:
    sv-SE,sv;q=0.9,en;q=0.8`` is Swedish); English when it names none of them."""
    best, best_q = DEFAULT_LOCALE, 0.0
    for entry in request.headers.get("Accept-Language", "").split(",")[:20]:
        tag, _sep, params = entry.strip().partition(";")
        params = params.strip()
        try:
            q = float(params[2:]) if params.startswith("q=") else 1.0
        except ValueError:
            continue
        language = tag.strip().replace("_", "-").split("-")[0].lower()
        if language in LOCALES and q > best_q:
            best, best_q = language, q
    return best


_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>SnowOps: {title}</title>
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
        lang=current_locale(),
        title=html.escape(title),
        body=html.escape(body),
        hint=hint_html,
        cls="ok" if ok else "err",
    )
    return web.Response(text=text, content_type="text/html", status=status, headers=_HEADERS)


_CONSENT = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>SnowOps: {page_title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font:16px system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}}
dt{{font-weight:600}}dd{{margin:0 0 .75rem}}p.warn{{background:#fff8c5;padding:1rem}}
button{{font:inherit;padding:.6rem 1.2rem;cursor:pointer}}</style>
</head><body><h1>{heading}</h1>
<dl><dt>{workspace_label}</dt><dd>{workspace}</dd><dt>{who_label}</dt><dd>{who}</dd>
<dt>{instance_label}</dt><dd>{instance}</dd></dl>
<p>{next_step}</p>
<p class="warn">{warning}</p>
<form method="post" action="start"><input type="hidden" name="t" value="{token}">
<button type="submit">{button}</button></form></body></html>"""


def workspace_label(workspace: str) -> str:
    """``slack:T0123`` → ``Slack workspace T0123`` (what a person recognises)."""
    platform, _sep, ident = workspace.partition(":")
    names = {
        "slack": _("Slack workspace"),
        "teams": _("Microsoft Teams tenant"),
        "console": _("Console"),
    }
    return f"{names.get(platform, platform)} {ident}".strip()


#: Per purpose: the heading, the next step, and the warning (marked, translated when shown).
_PURPOSES = {
    "connect": (
        N_("Connect ServiceNow to this chat workspace?"),
        N_("On the next page, sign in to ServiceNow as the integration user and allow SnowOps."),
        N_(
            "If you did not ask for this in chat yourself, close this page: going on would "
            "connect your ServiceNow account to someone else's workspace."
        ),
    ),
    "link": (
        N_("Link your own ServiceNow account?"),
        N_(
            "On the next page, sign in to ServiceNow as yourself and allow SnowOps: changes you "
            "make from chat will then be made as you."
        ),
        N_(
            "If you did not ask for this in chat yourself, close this page: going on would "
            "connect your ServiceNow account to someone else's chat account."
        ),
    ),
}


def consent_page(
    token: str, workspace: str, who: str, instance: str, purpose: str = "connect"
) -> web.Response:
    """The page before ServiceNow's sign-in: whose workspace, who asked, one click on."""
    heading, next_step, warning = _PURPOSES.get(purpose, _PURPOSES["connect"])
    text = _CONSENT.format(
        lang=current_locale(),
        page_title=html.escape(_("connect ServiceNow?")),
        heading=html.escape(_(heading)),
        next_step=html.escape(_(next_step)),
        warning=html.escape(_(warning)),
        workspace_label=html.escape(_("Chat workspace")),
        who_label=html.escape(_("Asked for by")),
        instance_label=html.escape(_("ServiceNow instance")),
        button=html.escape(_("Continue to ServiceNow sign-in")),
        workspace=html.escape(workspace_label(workspace)),
        who=html.escape(who),
        instance=html.escape(instance),
        token=html.escape(token, quote=True),
    )
    return web.Response(text=text, content_type="text/html", headers=_HEADERS)
