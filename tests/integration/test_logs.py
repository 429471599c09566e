"""Logs: JSON lines with request ids when asked, and never a secret in either format."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from bot.logs import scrub
from core.secrets import generate_key


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("posting with xoxb-1234-5678-abcdefghijkl failed", "xoxb-1234-5678-abcdefghijkl"),
        ("Authorization: Bearer eyJhbGciOi.abc.def", "eyJhbGciOi.abc.def"),
        ("GET /oauth?code=Zm9vYmFy&state=s1", "Zm9vYmFy"),
        ('body {"refresh_token": "rt-REFRESH-123"}', "rt-REFRESH-123"),
        ("password=hunter2 user=admin", "hunter2"),
        ("stored gAAAAABnQ2xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "gAAAAABnQ2xxxxxxxxxxxxxxxxxxxxxxxx"),
        ("token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl", "eyJzdWIiOiJ4In0"),
    ],
)
def test_scrub_hides_what_looks_like_a_secret(line: str, secret: str) -> None:
    cleaned = scrub(line)
    assert secret not in cleaned
    assert "***" in cleaned


def test_scrub_keeps_ordinary_text() -> None:
    text = "created INC0010001 for slack:T0123 in 230 ms (state=2)"
    assert scrub(text) == text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def json_server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``snowops serve`` with SNOWOPS_LOG_FORMAT=json on a free loopback port."""
    port = _free_port()
    env = {
        **os.environ,
        "SNOWOPS_LOG_FORMAT": "json",
        "SNOWOPS_PORT": str(port),
        "SNOWOPS_STORE": f"sqlite:///{tmp_path}/s.db",
        "SNOWOPS_SECRET_KEY": generate_key(),
        "SNOWOPS_SYNC": "false",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve"],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        cwd=tmp_path,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx2.TransportError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise AssertionError("snowops serve did not answer /healthz within 30 s")
    try:
        yield url, proc
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_json_lines_carry_the_request_id(json_server: tuple[str, subprocess.Popen[str]]) -> None:
    url, proc = json_server
    r = httpx2.post(
        f"{url}/servicenow/events",
        content=b'{"password": "hunter2"}',
        headers={"X-Request-Id": "req-abc-123", "Content-Type": "application/json"},
    )
    assert r.status_code in (400, 401, 403)
    assert r.headers["X-Request-Id"] == "req-abc-123"
    # A request without a sane id gets one of ours.
    r = httpx2.get(f"{url}/healthz", headers={"X-Request-Id": "bad id\twith spaces"})
    assert r.headers["X-Request-Id"] != "bad id\twith spaces"
    assert len(r.headers["X-Request-Id"]) == 16
    proc.terminate()
    _, err = proc.communicate(timeout=15)
    lines = [json.loads(line) for line in err.splitlines() if line.strip()]
    assert lines, "the server logged nothing"
    assert all({"ts", "level", "logger", "msg"} <= set(line) for line in lines)
    assert any(line.get("request_id") == "req-abc-123" for line in lines), lines
    assert "hunter2" not in err
    # Where it listens and where it is reached are two different lines (a newcomer read the
    # public URL as the listen address).
    port = url.rsplit(":", 1)[1]
    messages = [line["msg"] for line in lines]
    assert f"listening on 127.0.0.1:{port}" in messages
    assert any(m.startswith("SnowOps ready; public URL ") for m in messages)
