"""Approve a ServiceNow OAuth request the way an admin's browser would: fill the form."""

from __future__ import annotations

import html
import re

import aiohttp

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"\s*/?>')


async def approve(
    http: aiohttp.ClientSession,
    authorize_url: str,
    *,
    username: str,
    password: str,
    action: str = "allow",
) -> str:
    """Open the authorize page, sign in, press Allow; return where ServiceNow redirects."""
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
