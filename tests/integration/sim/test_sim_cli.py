"""The command line: remote-control commands against a live server, and `serve` as a process."""

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

from sim.servicenow import SimInstance
from sim.servicenow.cli import main

Client = TestClient[Any, Any]
REPO = Path(__file__).resolve().parents[3]


async def run(*argv: str) -> int:
    # main() blocks on urllib; run it off the loop that serves the simulator.
    return await asyncio.to_thread(main, list(argv))


async def test_remote_commands(
    client: Client, create: Any, instance: SimInstance, capsys: pytest.CaptureFixture[str]
) -> None:
    await create("incident", {"short_description": "cli"})
    url = str(client.make_url("")).rstrip("/")

    assert await run("state", "--url", url, "INC0010001", "2") == 0
    assert json.loads(capsys.readouterr().out)["record"]["state"] == "2"

    assert await run("comment", "--url", url, "INC0010001", "hello") == 0
    assert await run("comment", "--url", url, "INC0010001", "note", "--work-note") == 0
    elements = [r["element"] for r in instance.store.rows("sys_journal_field")]
    assert elements == ["comments", "work_notes"]

    argv = ["fault", "--url", url, "--status", "429", "--count", "3", "--retry-after", "2"]
    assert await run(*argv) == 0
    assert (instance.faults[0].status, instance.faults[0].count) == (429, 3)
    assert await run("clear-faults", "--url", url) == 0
    assert instance.faults == []

    capsys.readouterr()
    assert await run("state", "--url", url, "INC0099999", "2") == 1
    assert "404" in capsys.readouterr().err


def test_unreachable_server(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert main(["clear-faults", "--url", f"http://127.0.0.1:{port}"]) == 1
    assert "cannot reach" in capsys.readouterr().err


async def test_serve_runs_as_a_process() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sim.servicenow",
        "serve",
        "--port",
        str(port),
        "--seed-demo",
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        banner = (await asyncio.wait_for(process.stdout.readline(), 10)).decode()
        assert f"http://127.0.0.1:{port}" in banner
        async with aiohttp.ClientSession() as session:
            for _ in range(100):
                try:
                    async with session.get(f"http://127.0.0.1:{port}/sim/tickets/INC0010001") as r:
                        assert r.status == 200
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            else:
                pytest.fail("simulator did not start")
    finally:
        process.terminate()
        await process.wait()
