"""Approve a ServiceNow OAuth request the way an admin's browser would: fill the form."""

from __future__ import annotations

import html
import re

import aiohttp

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"\s*/?>')


_TOKEN = re.compile(r'<input type="hidden" name="t" value="([^"]+)">')


async def through_intro(http: aiohttp.ClientSession, link: str) -> str:
    """A SnowOps sign-in link opens a page naming the workspace and who asked; pressing its
    button leads to ServiceNow's authorize URL, which this returns. Other URLs pass through."""
    if "/servicenow/oauth/start?" not in link:
        return link
    async with http.get(link) as intro:
        assert intro.status == 200, await intro.text()
        text = await intro.text()
    assert "Continue to ServiceNow sign-in" in text, text
    [token] = _TOKEN.findall(text)
    go = link.split("?", 1)[0]
    async with http.post(go, data={"t": html.unescape(token)}, allow_redirects=False) as on:
        assert on.status == 303, await on.text()
        return on.headers["Location"]


async def approve(
    http: aiohttp.ClientSession,
    authorize_url: str,
    *,
    username: str,
    password: str,
    action: str = "allow",
) -> str:
    """Open the sign-in link (SnowOps's page first, then on to ServiceNow), sign in, press
    Allow; return where ServiceNow redirects."""
    authorize_url = await through_intro(http, authorize_url)
    async with http.get(authorize_url) as page:
        assert page.status == 200, await page.text()
        text = await page.text()
    form = {name: html.unescape(value) for name, value in _HIDDEN.findall(text)}
    assert "state" in form, text
    form.update(username=username, password=password, action=action)
    base = authorize_url.split("/oauth_auth.do", 1)[0]
    async with http.post(f"{base}/oauth_auth.do", data=form, allow_redirects=False) as answer:
        assert answer.status == 302, await answer.text()
        return answer.headers["Location"]
