"""`snowops chat --server` attached to a running `snowops dev`, and the console API's guard."""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pexpect
import pytest

from adapters.console.token import read_token, token_path
from tests.conftest import free_port
from tests.e2e.test_cli import ROOT, env
from tests.e2e.test_console import PROMPT, _http


@dataclass
class Dev:
    url: str
    sim_url: str
    banner: list[str]


def _wait(url: str) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dev]:
    """`snowops dev` on free ports, polling ServiceNow twice a second (one for the module)."""
    tmp_path = tmp_path_factory.mktemp("dev")
    port, sim_port, graph_port = free_port(), free_port(), free_port()
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "bot.cli", "dev"),
            *("--sim-port", str(sim_port), "--graph-port", str(graph_port)),
        ],
        cwd=tmp_path,
        env=env(
            SNOWOPS_PORT=str(port),
            SNOWOPS_PUBLIC_URL=f"http://127.0.0.1:{port}",
            SNOWOPS_POLL_INTERVAL="0.5",
            PYTHONPATH=str(ROOT),
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        _wait(f"http://127.0.0.1:{port}/readyz")
        assert proc.stdout is not None
        banner: list[str] = []
        while not banner or "check set-up" not in banner[-1]:
            banner.append(proc.stdout.readline())
        yield Dev(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{sim_port}", banner)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)


def _post(url: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=b'{"text": "status"}', headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_dev_tells_a_newcomer_what_runs_where(dev: Dev) -> None:
    text = "".join(dev.banner)
    assert f"server          {dev.url}" in text
    assert f"ServiceNow sim  {dev.sim_url}" in text
    assert "integration user snowops.integration / snowops-sim-password" in text
    assert "chat with it    .venv/bin/snowops chat" in text


def test_console_api_answers_only_this_machines_console(dev: Dev) -> None:
    url = f"{dev.url}/console/commands"
    token = read_token(int(dev.url.rsplit(":", 1)[1]))
    assert token is not None
    assert oct(token_path(int(dev.url.rsplit(":", 1)[1])).stat().st_mode & 0o777) == "0o600"
    json_type = {"Content-Type": "application/json"}
    ours = {**json_type, "X-SnowOps-Console": token}
    assert _post(url, json_type) == 403  # a web page cannot add the header
    assert _post(url, {**json_type, "X-SnowOps-Console": "1"}) == 403  # nor guess the token
    assert _post(url, {**ours, "Host": "attacker.example"}) == 403  # DNS rebinding
    assert _post(url, {**ours, "X-Forwarded-For": "203.0.113.9"}) == 403  # via a tunnel
    assert _post(url, ours) == 200


def test_attached_console_creates_and_hears_about_a_ticket(dev: Dev, tmp_path: Path) -> None:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "bot.cli", "chat", "--server", dev.url],
        cwd=str(tmp_path),
        env=env(PYTHONPATH=str(ROOT)),
        encoding="utf-8",
        timeout=30,
    )
    try:
        child.expect_exact(f"Attached to SnowOps at {dev.url}")
        child.expect_exact(PROMPT)
        child.sendline("/snow create incident VPN certificate expires")
        child.expect_exact("Type: incident, change, problem or security-incident [incident]: ")
        for _ in range(6):
            child.sendline("")
        child.expect(r"\[ok\] Created (INC\d+)\.")
        number = child.match.group(1)
        child.expect_exact(PROMPT)
        _http(f"{dev.sim_url}/sim/tickets/{number}/state", {"state": "2"})
        child.expect_exact(f"🔔 {number} VPN certificate expires: New → In Progress")
        child.sendline("quit")
        child.expect(pexpect.EOF)
    finally:
        if child.isalive():
            child.terminate(force=True)


def test_attached_console_creates_and_hears_about_a_problem(dev: Dev, tmp_path: Path) -> None:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "bot.cli", "chat", "--server", dev.url],
        cwd=str(tmp_path),
        env=env(PYTHONPATH=str(ROOT)),
        encoding="utf-8",
        timeout=30,
    )
    try:
        child.expect_exact(PROMPT)
        child.sendline("/snow create prb Recurring VPN drops")
        child.expect_exact("Type: incident, change, problem or security-incident [problem]: ")
        for _ in range(6):
            child.sendline("")
        child.expect(r"\[ok\] Created (PRB\d+)\.")
        number = child.match.group(1)
        child.expect_exact(f"┌ Problem {number}: Recurring VPN drops")
        child.expect_exact(PROMPT)
        _http(f"{dev.sim_url}/sim/tickets/{number}/state", {"state": "103"})
        child.expect_exact(f"🔔 {number} Recurring VPN drops: New → Root Cause Analysis")
        child.sendline("quit")
        child.expect(pexpect.EOF)
    finally:
        if child.isalive():
            child.terminate(force=True)


def test_the_banners_example_is_heard_of_in_the_console(dev: Dev, tmp_path: Path) -> None:
    """The banner's "change a ticket" command, run as printed, moves a ticket SnowOps
    follows: an attached console announces the change."""
    [line] = [line for line in dev.banner if line.strip().startswith("change a ticket")]
    command = shlex.split(line.split("change a ticket", 1)[1].split("   (", 1)[0])
    assert command[:3] == [".venv/bin/snowops", "sim", "state"], line
    number = command[-2]
    child = pexpect.spawn(
        sys.executable,
        ["-m", "bot.cli", "chat", "--server", dev.url],
        cwd=str(tmp_path),
        env=env(PYTHONPATH=str(ROOT)),
        encoding="utf-8",
        timeout=30,
    )
    try:
        child.expect_exact(PROMPT)
        # The banner's command exactly, with the venv's `snowops` run as this test's Python.
        moved = subprocess.run(
            [sys.executable, "-m", "bot.cli", *command[1:]],
            cwd=ROOT,
            env=env(PYTHONPATH=str(ROOT)),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert moved.returncode == 0, moved.stderr
        child.expect(rf"🔔 {number} .*: New → In Progress")
        child.sendline("quit")
        child.expect(pexpect.EOF)
    finally:
        if child.isalive():
            child.terminate(force=True)


def test_server_must_be_on_this_machine(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--server", "http://bot.example.com"],
        cwd=tmp_path,
        env=env(PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "--server must be http:// on this machine" in result.stderr
    assert "Traceback" not in result.stderr
