"""The `snowops` command as a user runs it: real processes, real ports."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from core.secrets import SecretBox, generate_key
from core.store.sqlite import SqliteStore
from sim.servicenow import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
)
from tests.conftest import Sim, free_port

SNOWOPS = [sys.executable, "-m", "bot.cli"]
ROOT = Path(__file__).resolve().parents[2]


def env(**extra: str) -> dict[str, str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SNOWOPS_", "SERVICENOW_", "SLACK_", "TEAMS_", "GRAPH_"))
    }
    base["PYTHONPATH"] = str(ROOT)
    return {**base, **extra}


async def run(*args: str, cwd: Path, **extra: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        *SNOWOPS,
        *args,
        cwd=cwd,
        env=env(**extra),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def wait_for(url: str) -> dict[str, object]:
    """Poll ``url`` until it answers 200 (20 s at most)."""
    async with asyncio.timeout(20), aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(url) as r:
                    if r.status == 200:
                        body: dict[str, object] = await r.json()
                        return body
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)


async def test_serve_refuses_to_start_without_a_key(tmp_path: Path) -> None:
    code, _, err = await run("serve", cwd=tmp_path)
    assert code == 2
    assert err.strip().count("\n") == 0
    assert "SNOWOPS_SECRET_KEY is not set" in err


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("SNOWOPS_PORT", "eighty", "SNOWOPS_PORT: Input should be a valid integer"),
        ("SNOWOPS_SECRET_KEY", "hunter2", "SNOWOPS_SECRET_KEY: not a Fernet key"),
        ("SNOWOPS_PUBLIC_URL", "http://bot.example.com", "SNOWOPS_PUBLIC_URL must use https://"),
        ("SNOWOPS_STORE", "mysql://x", "SNOWOPS_STORE: use sqlite:///"),
        ("SNOWOPS_POLL_INTERVAL", "0", "SNOWOPS_POLL_INTERVAL: Input should be greater than 0"),
    ],
)
async def test_bad_setting_is_one_line_naming_it(
    tmp_path: Path, name: str, value: str, says: str
) -> None:
    code, _, err = await run("serve", cwd=tmp_path, **{name: value})
    assert code == 2
    assert says in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


async def test_serve_answers_and_stops_gracefully_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        *SNOWOPS,
        "serve",
        cwd=tmp_path,
        env=env(
            SNOWOPS_SECRET_KEY=generate_key(),
            SNOWOPS_PORT=str(port),
            SNOWOPS_STORE=f"sqlite:///{tmp_path / 's.db'}",
        ),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert await wait_for(f"http://127.0.0.1:{port}/healthz") == {"status": "ok"}
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, err.decode()
    assert "shutting down" in err.decode()


async def test_dev_brings_up_server_and_simulator(tmp_path: Path) -> None:
    port, sim_port, graph_port = free_port(), free_port(), free_port()
    proc = await asyncio.create_subprocess_exec(
        *SNOWOPS,
        "dev",
        "--sim-port",
        str(sim_port),
        "--graph-port",
        str(graph_port),
        cwd=tmp_path,
        env=env(SNOWOPS_PORT=str(port), SNOWOPS_PUBLIC_URL=f"http://127.0.0.1:{port}"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert await wait_for(f"http://127.0.0.1:{port}/healthz") == {"status": "ok"}
        assert (await wait_for(f"http://127.0.0.1:{sim_port}/sim/health"))["status"] == "ok"
        assert (await wait_for(f"http://127.0.0.1:{graph_port}/sim/health"))["status"] == "ok"
        ready = await wait_for(f"http://127.0.0.1:{port}/readyz")
        assert ready["connections"] == {"total": 1, "needs_reauth": 0}
        await a_second_one_touches_nothing(tmp_path, port, sim_port, graph_port)
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0
    text = out.decode()
    assert f"http://127.0.0.1:{port}" in text
    assert DEFAULT_CLIENT_ID in text
    key = tmp_path / ".snowops" / "secret.key"
    assert key.stat().st_mode & 0o777 == 0o600


async def a_second_one_touches_nothing(
    tmp_path: Path, port: int, sim_port: int, graph_port: int
) -> None:
    """A second `snowops dev` while one runs says so in one line and changes nothing; a busy
    port names what holds it."""
    from adapters.console.token import read_token

    token = read_token(port)
    store = tmp_path / ".snowops" / "dev.db"
    before = store.stat().st_ino
    ports = ["--sim-port", str(sim_port), "--graph-port", str(graph_port)]
    same = {"SNOWOPS_PORT": str(port), "SNOWOPS_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    code, out, err = await run("dev", *ports, cwd=tmp_path, **same)
    assert code == 1
    assert out == ""  # no banner for something that is not starting
    assert err.strip() == (
        f"snowops dev: SnowOps is already running at http://127.0.0.1:{port}; nothing was "
        "changed (`snowops chat` attaches to it; Ctrl-C in its terminal stops it)"
    )
    assert read_token(port) == token
    assert store.stat().st_ino == before  # not deleted and made again
    ready = await wait_for(f"http://127.0.0.1:{port}/readyz")
    assert ready["connections"] == {"total": 1, "needs_reauth": 0}  # still connected

    other = free_port()
    mine = {"SNOWOPS_PORT": str(other), "SNOWOPS_PUBLIC_URL": f"http://127.0.0.1:{other}"}
    code, _, err = await run("dev", *ports, cwd=tmp_path, **mine)
    assert code == 1
    assert err.startswith(
        f"snowops dev: port {sim_port} (the ServiceNow simulator) is already in use by "
    )
    assert "(pid " in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = await run("sim", "--port", str(sim_port), cwd=tmp_path)
    assert code == 1
    assert err.startswith(f"snowops sim: port {sim_port} (the ServiceNow simulator) is already")
    assert "Traceback" not in err


async def test_connect_headless_reads_secrets_from_env_only(tmp_path: Path, sim: Sim) -> None:
    key = generate_key()
    db = tmp_path / "s.db"
    args = [
        "connect",
        "--workspace",
        "slack:T0123",
        "--instance",
        sim.url,
        "--client-id",
        DEFAULT_CLIENT_ID,
        "--username",
        DEFAULT_USERNAME,
    ]
    common = {"SNOWOPS_SECRET_KEY": key, "SNOWOPS_STORE": f"sqlite:///{db}"}
    code, _, err = await run(*args, cwd=tmp_path, **common)
    assert code == 2
    assert "SERVICENOW_CLIENT_SECRET and SERVICENOW_PASSWORD" in err

    code, out, err = await run(
        *args,
        cwd=tmp_path,
        **common,
        SERVICENOW_CLIENT_SECRET=DEFAULT_CLIENT_SECRET,
        SERVICENOW_PASSWORD=DEFAULT_PASSWORD,
    )
    assert code == 0, err
    assert f"slack:T0123 is connected to {sim.url}" in out
    store = SqliteStore(str(db), SecretBox(key))
    await store.open()
    try:
        conn = await store.get_connection("slack:T0123")
    finally:
        await store.close()
    assert conn is not None
    assert conn.refresh_token

    code, _, err = await run(
        *args, cwd=tmp_path, **common, SERVICENOW_CLIENT_SECRET="wrong", SERVICENOW_PASSWORD="x"
    )
    assert code == 1
    assert "401" in err or "refused the OAuth credentials" in err
    assert "hint:" in err

    # A wrong password is named as such, not as an expired refresh token.
    code, _, err = await run(
        *args, cwd=tmp_path, **common, SERVICENOW_CLIENT_SECRET=DEFAULT_CLIENT_SECRET,
        SERVICENOW_PASSWORD="not-the-password",
    )  # fmt: skip
    assert code == 1
    assert f"Check the user name and password of {DEFAULT_USERNAME}" in err
    assert "refresh token" not in err
    # A workspace id without its platform is refused before anything is sent.
    bare = [a if a != "slack:T0123" else "T0123" for a in args]
    code, _, err = await run(*bare, cwd=tmp_path, **common, SERVICENOW_PASSWORD="x")
    assert code == 2
    assert "is not a workspace id: use slack:<team id>" in err


async def test_sim_command_serves_the_simulator(tmp_path: Path) -> None:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        *SNOWOPS,
        "sim",
        "--port",
        str(port),
        cwd=tmp_path,
        env=env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert (await wait_for(f"http://127.0.0.1:{port}/sim/health"))["status"] == "ok"
    finally:
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.communicate(), 20)


async def test_keygen_prints_a_usable_key(tmp_path: Path) -> None:
    code, out, _ = await run("keygen", cwd=tmp_path)
    assert code == 0
    SecretBox(out.strip()).decrypt(SecretBox(out.strip()).encrypt("x"))


async def test_graph_sim_command_takes_its_own_arguments(tmp_path: Path) -> None:
    for args in (["graph-sim", "-h"], ["graph-sim", "score", "-h"]):
        code, out, err = await run(*args, cwd=tmp_path)
        assert code == 0, err
        assert "usage:" in out
    # Against nothing listening, it says so in one line (it parsed its arguments).
    port = str(free_port())
    code, out, err = await run(
        "graph-sim", "score", "--url", f"http://127.0.0.1:{port}", "AdminMFAV2", "10", cwd=tmp_path
    )
    assert code != 0
    assert "unrecognized arguments" not in err
