"""The command line: `serve` as a real process, and the remote-control commands."""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from sim.graph import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_TENANT_ID,
    GraphSim,
)
from sim.graph.cli import main

Client = TestClient[Any, Any]
REPO = Path(__file__).resolve().parents[3]


async def run(*argv: str) -> int:
    # main() blocks on urllib; run it off the loop that serves the simulator.
    return await asyncio.to_thread(main, list(argv))


async def test_remote_commands(
    client: Client, sim: GraphSim, capsys: pytest.CaptureFixture[str]
) -> None:
    url = str(client.make_url("")).rstrip("/")
    argv = ["fault", "--url", url, "--status", "429", "--count", "3", "--retry-after", "2"]
    assert await run(*argv) == 0
    assert (sim.faults[0].status, sim.faults[0].count, sim.faults[0].retry_after) == (429, 3, 2)
    assert await run("clear-faults", "--url", url) == 0
    assert sim.faults == []
    capsys.readouterr()
    assert await run("score", "--url", url, "DLPEnabled", "5") == 0
    assert json.loads(capsys.readouterr().out)["currentScore"] > 0
    assert await run("state", "--url", url, "DLPEnabled", "Reviewed", "--comment", "ok") == 0
    profile = sim.profile(DEFAULT_TENANT_ID, "DLPEnabled")
    assert profile is not None
    assert profile["controlStateUpdates"][-1]["state"] == "Reviewed"
    assert await run("expire-tokens", "--url", url) == 0
    assert await run("reset", "--url", url) == 0
    capsys.readouterr()
    assert await run("score", "--url", url, "DLPEnabled", "50") == 1
    assert "400" in capsys.readouterr().err


def test_unreachable_server(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert main(["reset", "--url", f"http://127.0.0.1:{port}"]) == 1
    assert "cannot reach" in capsys.readouterr().err


async def test_serve_runs_as_a_process() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sim.graph",
        "serve",
        "--port",
        str(port),
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert process.stdout is not None
        banner = ""
        while "Control API" not in banner:
            banner += (await asyncio.wait_for(process.stdout.readline(), 10)).decode()
        for needle in (base, DEFAULT_TENANT_ID, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET):
            assert needle in banner
        async with aiohttp.ClientSession() as session:
            for _ in range(100):
                try:
                    async with session.get(f"{base}/sim/health") as health:
                        assert health.status == 200
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            else:
                pytest.fail("simulator did not start")
            form = {
                "grant_type": "client_credentials",
                "client_id": DEFAULT_CLIENT_ID,
                "client_secret": DEFAULT_CLIENT_SECRET,
                "scope": "https://graph.microsoft.com/.default",
            }
            async with session.post(
                f"{base}/{DEFAULT_TENANT_ID}/oauth2/v2.0/token", data=form
            ) as r:
                token = (await r.json())["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            url = f"{base}/v1.0/security/secureScoreControlProfiles"
            async with session.get(url, headers=auth) as response:
                body = await response.json()
            assert body["@odata.nextLink"].startswith(f"{url}?$skiptoken=")
    finally:
        process.terminate()
        await process.wait()
