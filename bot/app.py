"""The aiohttp application: every route, and the services' life cycle."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from adapters.teams.app import add_refusing_route
from bot import routes
from bot.logs import request_ids
from bot.services import Services, build_services
from bot.settings import Settings

__all__ = ["SERVICES", "Services", "build_app", "build_services"]

log = logging.getLogger(__name__)

SERVICES = web.AppKey("services", Services)


def build_app(settings: Settings, *, services: Services | None = None) -> web.Application:
    """The aiohttp application with every route and background task."""
    services = services or build_services(settings)
    middlewares = [request_ids]
    if services.metrics is not None:
        middlewares.append(services.metrics.middleware)
    app = web.Application(middlewares=middlewares)
    app[SERVICES] = services

    async def lifecycle(_: web.Application) -> AsyncIterator[None]:
        await services.start()
        log.info("SnowOps ready; public URL %s", settings.public_url)
        yield
        await services.stop()

    app.cleanup_ctx.append(lifecycle)
    routes.add_core_routes(app, services)
    if services.slack is not None:
        services.slack.add_routes(app)
    if services.teams is not None:
        services.teams.add_routes(app)
    else:
        add_refusing_route(app)
    return app
