"""The Dockerfile's promises, read from it; and its HEALTHCHECK and SIGTERM, run for real
against `snowops serve` (`make image-test` runs them in the built image)."""

from __future__ import annotations

import fnmatch
import json
import re
import signal
import subprocess
import sys
from pathlib import Path

from core.secrets import generate_key
from tests.deploy.conftest import ROOT, start_serve, stop

DOCKERFILE = (ROOT / "Dockerfile").read_text()


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    text = re.sub(r"^\s*#.*\n", "", DOCKERFILE, flags=re.M).replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    return steps[last_from:]


def test_base_image_is_a_build_argument_defaulting_to_official_python() -> None:
    steps = instructions()
    first_from = next(i for i, (word, _) in enumerate(steps) if word == "FROM")
    args = dict(a.split("=", 1) for w, a in steps[:first_from] if w == "ARG" and "=" in a)
    assert args.get("PYTHON_IMAGE") == "python:3.12-slim"
    froms = [a for w, a in steps if w == "FROM"]
    assert len(froms) >= 2, "not multi-stage"
    assert all(f.startswith("${PYTHON_IMAGE}") for f in froms), froms
    # The interpreter is found in either kind of base (or given as PYTHON).
    assert "ARG PYTHON=" in DOCKERFILE
    assert "command -v python3 || command -v python" in DOCKERFILE


def test_final_stage_runs_snowops_serve_as_a_non_root_user() -> None:
    final = final_stage()
    users = [a for w, a in final if w == "USER"]
    assert users, "no USER in the final stage"
    uid = users[-1].split(":")[0]
    assert uid.isdigit(), "USER must be numeric (Kubernetes runAsNonRoot checks a number)"
    assert int(uid) != 0
    entrypoint = json.loads(next(a for w, a in final if w == "ENTRYPOINT"))
    cmd = json.loads(next(a for w, a in final if w == "CMD"))
    assert [Path(entrypoint[0]).name, *entrypoint[1:], *cmd] == ["snowops", "serve"]
    env = " ".join(a for w, a in final if w == "ENV")
    assert "SNOWOPS_HOST=0.0.0.0" in env
    assert "SNOWOPS_PORT=3978" in env
    assert ("EXPOSE", "3978") in final
    assert ("STOPSIGNAL", "SIGTERM") in final


def test_final_stage_installs_nothing_and_copies_only_the_venv() -> None:
    final = final_stage()
    runs = " ".join(a for w, a in final if w == "RUN")
    for word in ("apt-get", "apk", "pip", "gcc", "build-essential", "curl"):
        assert not re.search(rf"\b{word}\b", runs), f"{word} in the final stage"
    copies = [a for w, a in final if w == "COPY"]
    assert copies == ["--from=build /opt/snowops /opt/snowops"]


def test_healthcheck_asks_healthz_with_python_not_curl() -> None:
    final = final_stage()
    health = next(a for w, a in final if w == "HEALTHCHECK")
    cmd = json.loads(health.split("CMD", 1)[1])
    assert cmd[0] == "/opt/snowops/bin/python"
    assert "/healthz" in cmd[-1]
    assert "curl" not in health


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last matching pattern wins; ``!`` re-includes."""
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern.lstrip("!").rstrip("/")
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        bare = pat.removeprefix("**/")
        if any(fnmatch.fnmatch(p, pat) or fnmatch.fnmatch(p, bare) for p in prefixes):
            ignored = not negate
    return ignored


def test_dockerignore_keeps_secrets_and_clutter_out_of_the_context() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for path in (".env", ".git/config", ".venv/bin/python", ".cache/image-test/x.tar",
                 "snowops.db", ".snowops/secret.key", "tests/conftest.py",
                 "core/__pycache__/x.pyc"):  # fmt: skip
        assert _ignored(path, patterns), f"{path} would be sent to the image build"
    for step, args in instructions():
        if step == "COPY" and not args.startswith("--from"):
            for source in args.split()[:-1]:
                assert (ROOT / source).exists(), source
                assert not _ignored(source, patterns), f"COPY {source}, but .dockerignore drops it"
                if (ROOT / source).is_dir():
                    assert not _ignored(f"{source}/__init__.py", patterns), source


def test_healthcheck_command_and_sigterm_against_snowops_serve(tmp_path: Path) -> None:
    health = next(a for w, a in final_stage() if w == "HEALTHCHECK")
    cmd = json.loads(health.split("CMD", 1)[1])
    cmd[0] = sys.executable  # the image's /opt/snowops/bin/python
    serve = start_serve(
        tmp_path,
        "serve",
        SNOWOPS_SECRET_KEY=generate_key(),
        SNOWOPS_STORE=f"sqlite:///{tmp_path / 'snowops.db'}",
        # A proxy for outbound calls must not catch the health check.
        HTTP_PROXY="http://127.0.0.1:9",
        http_proxy="http://127.0.0.1:9",
    )
    env = {"SNOWOPS_PORT": str(serve.port), "HTTP_PROXY": "http://127.0.0.1:9", "PATH": ""}
    try:
        ok = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=10, check=False)
        assert ok.returncode == 0, ok.stderr
    finally:
        code = stop(serve.proc, signal.SIGTERM)
    assert code == 0, serve.output()
    assert "shutting down" in serve.output()
    assert "Traceback" not in serve.output()
    down = subprocess.run(cmd, env=env, capture_output=True, timeout=10, check=False)
    assert down.returncode != 0, "the health check passes with nothing listening"
