"""deploy/compose.yaml and deploy/Caddyfile: their structure, `docker compose config` and
`caddy adapt` on them (no daemon needed), and the topology they describe run on loopback:
Caddy with the real Caddyfile in front of two `snowops serve` sharing a TLS-only Redis
through the store URL the compose file gives them."""

from __future__ import annotations

import itertools
import json
import shutil
import signal
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.secrets import SecretBox, generate_key
from core.store.factory import open_store
from tests.conftest import free_port
from tests.deploy.conftest import (
    DEPLOY,
    ROOT,
    TlsRedis,
    clean_env,
    start_serve,
    stop,
    tool,
    wait_port,
)

COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
REPLICAS = ("snowops-1", "snowops-2")


def flags(command: list[str]) -> dict[str, str]:
    pairs = itertools.pairwise(command[1:])
    return {name: value for name, value in pairs if name.startswith("--")}


def test_two_snowops_replicas_of_one_image_share_redis_over_tls() -> None:
    assert all(name in SERVICES for name in REPLICAS)
    servers = [
        name
        for name, service in SERVICES.items()
        if "SNOWOPS_IMAGE" in str(service.get("image")) and "entrypoint" not in service
    ]
    assert sorted(servers) == list(REPLICAS), "exactly two SnowOps replicas"
    first, second = (SERVICES[n] for n in REPLICAS)
    assert first == second, "the replicas differ"
    assert first["image"] == "${SNOWOPS_IMAGE:-snowops:latest}"
    env = first["environment"]
    assert env["SNOWOPS_HOST"] == "0.0.0.0"
    store = env["SNOWOPS_STORE"]
    assert store.startswith("rediss://:${REDIS_PASSWORD"), store
    assert "@redis:6379/0?ssl_ca_certs=/run/redis-tls/ca.crt" in store
    assert first["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "redis-tls:/run/redis-tls:ro" in first["volumes"]
    assert first["stop_signal"] == "SIGTERM"
    assert first["read_only"] is True
    assert first["env_file"] == "../.env"


def test_redis_persists_append_only_never_evicts_and_speaks_only_tls() -> None:
    redis = SERVICES["redis"]
    command = redis["command"]
    assert command[0] == "redis-server"
    opts = flags(command)
    assert opts["--appendonly"] == "yes"
    assert opts["--maxmemory-policy"] == "noeviction"
    assert opts["--port"] == "0", "plaintext port open"
    assert opts["--tls-port"] == "6379"
    assert opts["--requirepass"].startswith("${REDIS_PASSWORD")
    assert "redis-data:/data" in redis["volumes"]
    assert "ports" not in redis, "Redis is published"
    assert redis["networks"] == ["backend"]
    assert COMPOSE["networks"]["backend"]["internal"] is True
    assert redis["depends_on"]["redis-tls"]["condition"] == "service_completed_successfully"
    assert "PONG" in " ".join(redis["healthcheck"]["test"])


def test_caddy_fronts_both_replicas() -> None:
    caddy = SERVICES["caddy"]
    assert "443:443" in caddy["ports"]
    assert "80:80" in caddy["ports"]
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in caddy["volumes"]
    assert caddy["environment"]["SNOWOPS_PUBLIC_URL"].startswith("${SNOWOPS_PUBLIC_URL")
    assert all(name in caddy["depends_on"] for name in REPLICAS)
    assert not any("ports" in SERVICES[n] for n in REPLICAS), "a replica bypasses Caddy"


def test_the_store_url_passes_cores_rules_and_plain_redis_would_not() -> None:
    # What the replicas get once compose has filled in REDIS_PASSWORD.
    url = SERVICES["snowops-1"]["environment"]["SNOWOPS_STORE"].replace(
        "${REDIS_PASSWORD:?set REDIS_PASSWORD in .env}", "pw"
    )
    box = SecretBox(generate_key())
    open_store(url, box)  # accepted (not opened)
    with pytest.raises(ValueError, match="loopback"):
        open_store("redis://:pw@redis:6379/0", box)


def _project(tmp_path: Path, env: str) -> Path:
    """deploy/ and a .env beside it, as in a checkout."""
    shutil.copytree(DEPLOY, tmp_path / "deploy", ignore=shutil.ignore_patterns("helm", "*.lock"))
    (tmp_path / ".env").write_text(env)
    return tmp_path


def _example_env(**values: str) -> str:
    text = (ROOT / ".env.example").read_text()
    for name, value in values.items():
        text = text.replace(f"\n{name}=", f"\n{name}={value}\n# was: {name}=", 1)
    return text


def test_docker_compose_config_accepts_it(tmp_path: Path) -> None:
    compose = tool("docker-compose")
    project = _project(
        tmp_path,
        _example_env(SNOWOPS_SECRET_KEY=generate_key(), REDIS_PASSWORD="0123abcd"),
    )
    cmd = [compose, "-f", str(project / "deploy/compose.yaml"), "--env-file",
           str(project / ".env"), "config", "--format", "json"]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=clean_env())
    assert done.returncode == 0, done.stderr
    config = json.loads(done.stdout)
    services = config["services"]
    assert set(services) == {"redis-tls", "redis", "snowops-1", "snowops-2", "caddy"}
    for name in REPLICAS:
        env = services[name]["environment"]
        assert env["SNOWOPS_STORE"] == (
            "rediss://:0123abcd@redis:6379/0?ssl_ca_certs=/run/redis-tls/ca.crt"
        )
        assert env["SNOWOPS_PUBLIC_URL"] == "https://snowops.example.com"
        assert services[name]["image"] == "snowops:latest"
    assert flags(services["redis"]["command"])["--requirepass"] == "0123abcd"
    assert services["redis"]["environment"]["REDISCLI_AUTH"] == "0123abcd"


def test_docker_compose_refuses_to_start_without_the_secrets(tmp_path: Path) -> None:
    compose = tool("docker-compose")
    project = _project(tmp_path, _example_env(REDIS_PASSWORD="0123abcd"))  # no secret key
    cmd = [compose, "-f", str(project / "deploy/compose.yaml"), "--env-file",
           str(project / ".env"), "config"]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=clean_env())
    assert done.returncode != 0
    assert "SNOWOPS_SECRET_KEY" in done.stderr


def _caddy_json(caddy: str, caddyfile: Path, **env: str) -> dict[str, Any]:
    done = subprocess.run(
        [caddy, "adapt", "--config", str(caddyfile), "--adapter", "caddyfile"],
        capture_output=True, text=True, check=False, env=clean_env(**env),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_caddyfile_serves_the_public_url_and_checks_both_replicas() -> None:
    config = _caddy_json(
        tool("caddy"), DEPLOY / "Caddyfile", SNOWOPS_PUBLIC_URL="https://snowops.example.com"
    )
    (server,) = config["apps"]["http"]["servers"].values()
    assert server["listen"] == [":443"]
    (route,) = server["routes"]
    assert route["match"] == [{"host": ["snowops.example.com"]}]
    proxy = route["handle"][0]["routes"][0]["handle"][0]
    assert proxy["handler"] == "reverse_proxy"
    assert [u["dial"] for u in proxy["upstreams"]] == ["snowops-1:3978", "snowops-2:3978"]
    assert proxy["health_checks"]["active"]["uri"] == "/healthz"
    assert proxy["health_checks"]["active"]["expect_status"] == 200
    assert proxy["load_balancing"]["try_duration"] > 0


def _get(url: str, context: ssl.SSLContext) -> tuple[int, dict[str, Any]]:
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context)
    )
    try:
        with opener.open(url, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def test_the_topology_on_loopback(tmp_path: Path, tls_redis: TlsRedis) -> None:
    """Caddy (the real Caddyfile) → two replicas → Redis over TLS; one replica stops."""
    caddy = tool("caddy")
    key = generate_key()
    # The store URL exactly as compose builds it, but Redis is on localhost here.
    store = SERVICES["snowops-1"]["environment"]["SNOWOPS_STORE"]
    store = store.replace("${REDIS_PASSWORD:?set REDIS_PASSWORD in .env}", tls_redis.password)
    store = store.replace("@redis:6379/", f"@localhost:{tls_redis.port}/")
    store = store.replace("/run/redis-tls/ca.crt", str(tls_redis.ca))
    https_port, http_port = free_port(), free_port()
    public = f"https://localhost:{https_port}"
    replicas = [
        start_serve(tmp_path, name, SNOWOPS_SECRET_KEY=key, SNOWOPS_STORE=store,
                    SNOWOPS_PUBLIC_URL=public)
        for name in REPLICAS
    ]  # fmt: skip
    # Test-only global options (ports, no admin API, no trust store changes), then the file.
    data = tmp_path / "caddy-data"
    wrapper = tmp_path / "Caddyfile"
    wrapper.write_text(
        f"{{\n\thttp_port {http_port}\n\thttps_port {https_port}\n\tadmin off\n"
        f"\tskip_install_trust\n\tlocal_certs\n}}\nimport {DEPLOY / 'Caddyfile'}\n"
    )
    upstreams = " ".join(f"127.0.0.1:{r.port}" for r in replicas)
    with (tmp_path / "caddy.log").open("wb") as out:
        proxy = subprocess.Popen(
            [caddy, "run", "--config", str(wrapper), "--adapter", "caddyfile"],
            env=clean_env(SNOWOPS_PUBLIC_URL=public, SNOWOPS_UPSTREAMS=upstreams,
                          XDG_DATA_HOME=str(data), XDG_CONFIG_HOME=str(tmp_path / "cfg"),
                          HOME=str(tmp_path)),
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_port(https_port, proxy)
        root = data / "caddy/pki/authorities/local/root.crt"
        deadline = time.monotonic() + 30
        while not root.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        context = ssl.create_default_context(cafile=str(root))  # Caddy's own local CA
        status, body = 0, {}
        while time.monotonic() < deadline:
            try:
                status, body = _get(f"{public}/readyz", context)
                if status == 200:
                    break
            except (OSError, ssl.SSLError):
                pass
            time.sleep(0.2)
        assert status == 200, (tmp_path / "caddy.log").read_text()[-2000:]
        assert body["store"] == "ok"

        # One replica stops (SIGTERM, as `docker compose stop` sends); Caddy keeps answering.
        assert stop(replicas[0].proc, signal.SIGTERM) == 0, replicas[0].output()
        answers = [_get(f"{public}/healthz", context)[0] for _ in range(10)]
        assert answers == [200] * 10, answers
        assert _get(f"{public}/readyz", context)[0] == 200
    finally:
        stop(proxy)
        codes = [stop(r.proc, signal.SIGTERM) for r in replicas]
    assert codes == [0, 0], [r.output() for r in replicas]
    for replica in replicas:
        assert "shutting down" in replica.output()
        assert "Traceback" not in replica.output()
