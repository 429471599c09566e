"""``GET /securescore/charts/{token}.png``: the chart images ``/snow securescore`` links
to. The token is random and the image expires (see :mod:`core.securescore.charts`); an
unknown, expired or malformed token gets 404, never a hint of which it was."""

from __future__ import annotations

import re

from aiohttp import web

from bot.pages import page_locale
from core.errors import StoreUnavailable
from core.i18n import _, use_locale
from core.securescore.charts import CHART_PATH, ChartImages

__all__ = ["add_chart_routes"]

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def add_chart_routes(app: web.Application, charts: ChartImages) -> None:
    """Serve the chart images."""

    async def chart(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        png = None
        if _TOKEN.match(token):
            try:
                png = await charts.get(token)
            except StoreUnavailable:
                with use_locale(page_locale(request)):
                    return web.Response(status=503, text=_("try again shortly"))
        if png is None:
            with use_locale(page_locale(request)):
                text = _("no such chart (they expire after a day)")
            return web.Response(status=404, text=text)
        return web.Response(
            body=png,
            content_type="image/png",
            headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
        )

    app.router.add_get(CHART_PATH + "/{token}.png", chart)
