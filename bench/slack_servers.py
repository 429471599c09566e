"""Processes for bench_slack.py: SnowOps, a bare bolt app, and the fakes they talk to.

Run by the benchmark, not by hand:
    python bench/slack_servers.py fakes   --slack-port P --sim-port Q
    python bench/slack_servers.py snowops --port P --slack-api URL --sim URL --db PATH
    python bench/slack_servers.py bare    --port P
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

SIGNING_SECRET = "bench-signing-secret-0123456789"
TOKEN = "xoxb-bench"


async def _serve(app: web.Application, port: int) -> None:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("ready", flush=True)
    await asyncio.Event().wait()


async def fakes(slack_port: int, sim_port: int) -> None:
    """The fake Slack Web API (with response_url) and the ServiceNow simulator."""
    from sim.servicenow import build_sim_app
    from tests.fakes.slack_api import FakeSlackApi

    api = FakeSlackApi()
    await api.start()
    # Re-serve the fake's handlers on a fixed port the servers were told about.
    proxy = web.Application()

    async def forward(request: web.Request) -> web.StreamResponse:
        handler = api._handle_api if request.path.startswith("/api/") else api._handle_response_url
        response = await handler(request)
        api.calls.clear()  # a long run must not grow memory
        api.responses.clear()
        return response

    proxy.router.add_route("*", "/api/{method}", forward)
    proxy.router.add_post("/response/{name}", forward)
    sim = build_sim_app()
    runner = web.AppRunner(sim, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", sim_port).start()
    await _serve(proxy, slack_port)


async def snowops(port: int, slack_api: str, sim: str, db: str) -> None:
    """SnowOps as deployed: settings from the environment, the real composition root."""
    from bot.app import build_app, build_services
    from bot.settings import load_settings
    from core.connections import OAuthClientConfig
    from core.secrets import generate_key
    from sim import servicenow as sn

    os.environ.update(
        SNOWOPS_STORE=f"sqlite:///{db}",
        SNOWOPS_SECRET_KEY=generate_key(),
        SNOWOPS_PUBLIC_URL=f"http://127.0.0.1:{port}",
        SNOWOPS_LOG_LEVEL="WARNING",
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack_api,
    )
    settings = load_settings()
    services = build_services(settings)
    app = build_app(settings, services=services)

    async def connect(_: web.Application) -> None:
        await services.connections.connect_with_password(
            "slack:T0123",
            sim,
            OAuthClientConfig(sn.DEFAULT_CLIENT_ID, sn.DEFAULT_CLIENT_SECRET),
            sn.DEFAULT_USERNAME,
            sn.DEFAULT_PASSWORD,
            actor="bench",
        )

    app.on_startup.append(connect)
    await _serve(app, port)


async def bare(port: int, slack_api: str, inline: bool) -> None:
    """The baseline: a bolt app mounted the same way, whose /snow only acks. ``inline`` is
    bolt's ``process_before_response`` (SnowOps's mode); without it bolt polls for the
    ack every 10 ms."""
    bolt = AsyncApp(
        signing_secret=SIGNING_SECRET,
        client=AsyncWebClient(token=TOKEN, base_url=slack_api),
        process_before_response=inline,
    )

    @bolt.command("/snow")
    async def ack_only(ack) -> None:  # type: ignore[no-untyped-def]
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", events)
    await _serve(app, port)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=("fakes", "snowops", "bare", "bare-inline"))
    parser.add_argument("--port", type=int)
    parser.add_argument("--slack-port", type=int)
    parser.add_argument("--sim-port", type=int)
    parser.add_argument("--slack-api")
    parser.add_argument("--sim")
    parser.add_argument("--db")
    args = parser.parse_args()
    if args.role == "fakes":
        asyncio.run(fakes(args.slack_port, args.sim_port))
    elif args.role == "snowops":
        asyncio.run(snowops(args.port, args.slack_api, args.sim, args.db))
    else:
        asyncio.run(bare(args.port, args.slack_api, inline=args.role == "bare-inline"))


if __name__ == "__main__":
    main()
