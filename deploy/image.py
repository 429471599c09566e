"""Build the SnowOps image, and prove it works without a container daemon.

    python deploy/image.py build [--tag snowops:latest] [--base python:3.12-slim] [--tool T]
    python deploy/image.py test

``build`` uses docker when its daemon answers, else podman, else buildah (vfs storage,
chroot isolation); ``CONTAINER_TOOL`` or ``--tool`` picks one.

``test`` (``make image-test``; root, Linux) needs only buildah, debootstrap and iproute2:

1. a Debian 13 (trixie, Python 3.13) root filesystem made by debootstrap, trimmed and cached
   in ``.cache/image-test/`` (the host's extra trusted CAs are added, as an organisation's own
   base image would have them, so pip works behind a TLS-inspecting proxy);
2. imported into a buildah store of its own (``.cache/image-test/storage``) as the base;
3. the Dockerfile built on it (``PYTHON_IMAGE`` = that base; the interpreter is found);
4. the image's configuration checked (non-root user, HEALTHCHECK, entry point, STOPSIGNAL,
   0.0.0.0:3978) and its file system searched for compilers;
5. the image's entry point run (``buildah run``) in a network namespace of its own with a fresh
   SNOWOPS_SECRET_KEY and the image's default SQLite store; ``/healthz`` and ``/readyz`` must
   answer 200 and the image's HEALTHCHECK command must pass; then SIGTERM goes to the
   container's process, which must exit 0 after a graceful shutdown.

It prints the time of every step and the image's size.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "image-test"
SUITE = "trixie"
PACKAGES = ("python3", "python3-venv", "ca-certificates")
TRIM = (
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
    "usr/share/locale",
    "var/cache/apt",
    "var/lib/apt/lists",
)
TEST_TAG = "localhost/snowops:image-test"
PORT = 3978
UID = 10001
CERT_RE = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)
HOST_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


def log(message: str) -> None:
    print(f"image: {message}", flush=True)


def run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=True, text=True, **kwargs)  # type: ignore[call-overload]


# --- build ----------------------------------------------------------------------------------


def pick_tool(wanted: str | None) -> str:
    if wanted:
        return wanted
    if (
        shutil.which("docker")
        and subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0
    ):
        return "docker"
    for tool in ("podman", "buildah"):
        if shutil.which(tool):
            return tool
    raise SystemExit(
        "image: no docker daemon, podman or buildah here; "
        "on Debian or Ubuntu: apt-get install -y buildah"
    )


def build_command(
    tool: str, tag: str, base: str | None, python: str | None, buildah_args: list[str]
) -> list[str]:
    args = ["-t", tag, "-f", str(ROOT / "Dockerfile")]
    if base:
        args += ["--build-arg", f"PYTHON_IMAGE={base}"]
    if python:
        args += ["--build-arg", f"PYTHON={python}"]
    if tool == "docker":
        return ["docker", "build", *args, str(ROOT)]
    if tool == "podman":
        # The docker format keeps HEALTHCHECK and STOPSIGNAL (OCI image configs have no place
        # for a health check).
        return ["podman", "build", "--format", "docker", *args, str(ROOT)]
    if tool == "buildah":
        return [
            "buildah", *buildah_args, "--storage-driver", "vfs", "bud",
            "--isolation", "chroot", "--format", "docker", *args, str(ROOT),
        ]  # fmt: skip
    raise SystemExit(f"image: unknown tool {tool!r}: use docker, podman or buildah")


def cmd_build(args: argparse.Namespace) -> int:
    tool = pick_tool(args.tool or os.environ.get("CONTAINER_TOOL"))
    cmd = build_command(tool, args.tag, args.base, args.python, [])
    log(" ".join(cmd))
    started = time.monotonic()
    run(cmd)
    log(f"built {args.tag} with {tool} in {time.monotonic() - started:.0f} s")
    return 0


# --- test -----------------------------------------------------------------------------------


class Buildah:
    """buildah on a store of its own under .cache/image-test."""

    def __init__(self, root: Path) -> None:
        self.base = [
            "buildah", "--root", str(root / "storage"), "--runroot", str(root / "run"),
            "--storage-driver", "vfs",
        ]  # fmt: skip

    def __call__(self, *args: str, capture: bool = True) -> str:
        done = run([*self.base, *args], capture_output=capture)
        return (done.stdout or "").strip() if capture else ""

    def exists(self, image: str) -> bool:
        cmd = [*self.base, "inspect", "--type", "image", image]
        return subprocess.run(cmd, capture_output=True, check=False).returncode == 0


def ensure_tools() -> None:
    if os.geteuid() != 0:
        raise SystemExit("image: the image test runs as root (debootstrap, chroot, netns)")
    missing = [t for t in ("buildah", "debootstrap", "ip", "unshare") if not shutil.which(t)]
    if not missing:
        return
    packages = {"buildah": "buildah", "debootstrap": "debootstrap", "ip": "iproute2",
                "unshare": "util-linux"}  # fmt: skip
    names = sorted({packages[t] for t in missing})
    cmd = ["apt-get", "install", "-y", *names]
    if not shutil.which("apt-get"):
        raise SystemExit(f"image: missing {', '.join(missing)}; install them ({' '.join(names)})")
    log("installing " + " ".join(cmd))
    run(cmd, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def debian_mirror() -> str:
    """DEBIAN_MIRROR, else the Debian archive this machine's apt already uses."""
    if os.environ.get("DEBIAN_MIRROR"):
        return os.environ["DEBIAN_MIRROR"]
    candidates: list[str] = []
    for path in sorted(Path("/etc/apt/sources.list.d").glob("*.sources")):
        for stanza in path.read_text().split("\n\n"):
            fields = dict(
                line.split(":", 1) for line in stanza.splitlines() if re.match(r"^\w[\w-]*:", line)
            )
            suites = fields.get("Suites", "").split()
            keyring = fields.get("Signed-By", "")
            if "debian-archive-keyring" in keyring and any("-" not in s for s in suites):
                candidates += fields.get("URIs", "").split()
    sources = Path("/etc/apt/sources.list")
    if sources.exists():
        for line in sources.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 4 and parts[0] == "deb" and "-" not in parts[2] and "main" in parts:
                if "debian" in parts[1]:
                    candidates.append(parts[1])
    if not candidates:
        raise SystemExit("image: no Debian mirror in /etc/apt; set DEBIAN_MIRROR=<archive URL>")
    return candidates[0]


def host_extra_cas(rootfs: Path) -> list[str]:
    if not HOST_BUNDLE.exists():
        return []
    base = set(CERT_RE.findall((rootfs / "etc/ssl/certs/ca-certificates.crt").read_text()))
    return [c for c in CERT_RE.findall(HOST_BUNDLE.read_text()) if c not in base]


def base_rootfs(cache: Path) -> tuple[Path, float]:
    """The trimmed Debian rootfs as a tar, made once (cached by what it is made from)."""
    mirror = debian_mirror()
    host_cas = CERT_RE.findall(HOST_BUNDLE.read_text()) if HOST_BUNDLE.exists() else []
    key = hashlib.sha256(json.dumps([SUITE, PACKAGES, TRIM, mirror, host_cas]).encode()).hexdigest()
    tar = cache / f"debian-{SUITE}.tar"
    stamp = cache / f"debian-{SUITE}.key"
    if tar.exists() and stamp.exists() and stamp.read_text() == key:
        log(f"base: cached {tar.relative_to(ROOT)} ({tar.stat().st_size / 1e6:.0f} MB)")
        return tar, 0.0
    started = time.monotonic()
    tmp = cache / f"debian-{SUITE}.rootfs"
    if tmp.exists():
        shutil.rmtree(tmp)
    cmd = [
        "debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}", SUITE, str(tmp),
        mirror,
    ]  # fmt: skip
    log(f"base: {' '.join(cmd)}")
    run(cmd, stdout=subprocess.DEVNULL)
    extra = host_extra_cas(tmp)
    if extra:
        local = tmp / "usr/local/share/ca-certificates"
        local.mkdir(parents=True, exist_ok=True)
        for i, cert in enumerate(extra):
            (local / f"host-{i}.crt").write_text(cert + "\n")
        run(["chroot", str(tmp), "update-ca-certificates"], capture_output=True)
        log(f"base: added the host's {len(extra)} extra trusted CA certificate(s)")
    for rel in TRIM:
        for child in (tmp / rel).glob("*"):
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    run(["tar", "-C", str(tmp), "--numeric-owner", "-cf", str(tar), "."])
    shutil.rmtree(tmp)
    stamp.write_text(key)
    took = time.monotonic() - started
    log(f"base: debootstrap {SUITE} took {took:.0f} s ({tar.stat().st_size / 1e6:.0f} MB)")
    return tar, took


def import_base(buildah: Buildah, tar: Path) -> str:
    digest = hashlib.sha256()
    with tar.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    name = f"localhost/snowops-test-base:{SUITE}-{digest.hexdigest()[:12]}"
    if buildah.exists(name):
        return name
    ctr = buildah("from", "scratch")
    try:
        buildah("add", ctr, str(tar), "/")
        path = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        buildah("config", "--env", path, "--cmd", "python3", ctr)
        buildah("commit", "--quiet", ctr, name)
    finally:
        buildah("rm", ctr)
    return name


def image_size(buildah: Buildah, image: str) -> str:
    return buildah("images", "--format", "{{.Size}}", image).splitlines()[0]


def check_config(config: dict[str, object]) -> list[str]:
    problems = []
    user = str(config.get("User") or "")
    if not user or user.split(":")[0] in ("", "0", "root"):
        problems.append(f"runs as root (User={user!r})")
    if config.get("Entrypoint") != ["/opt/snowops/bin/snowops"] or config.get("Cmd") != ["serve"]:
        problems.append(f"entry point {config.get('Entrypoint')} {config.get('Cmd')}")
    health = config.get("Healthcheck")
    if not isinstance(health, dict) or "/healthz" not in " ".join(health.get("Test") or []):
        problems.append("no HEALTHCHECK on /healthz")
    env = dict(str(e).split("=", 1) for e in list(config.get("Env") or []))  # type: ignore[call-overload]
    if env.get("SNOWOPS_HOST") != "0.0.0.0" or env.get("SNOWOPS_PORT") != str(PORT):
        problems.append(f"listens on {env.get('SNOWOPS_HOST')}:{env.get('SNOWOPS_PORT')}")
    if config.get("StopSignal") not in (None, "SIGTERM", "15"):
        problems.append(f"STOPSIGNAL {config.get('StopSignal')}")
    return problems


COMPILERS = ("gcc", "cc", "c++", "g++", "clang", "tcc", "x86_64-linux-gnu-gcc", "rustc", "go")


def find_compilers(rootfs: Path) -> list[str]:
    found = []
    for folder in ("usr/bin", "usr/local/bin", "bin", "opt/snowops/bin"):
        for name in COMPILERS:
            path = rootfs / folder / name
            if path.exists() or path.is_symlink():
                found.append(f"/{folder}/{name}")
    return found


def fernet_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def descendant_running(pid: int, argv: list[str]) -> int | None:
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            cmdline = Path(f"/proc/{current}/cmdline").read_bytes().split(b"\0")[:-1]
        except OSError:
            continue
        if current != pid and [c.decode() for c in cmdline][-len(argv) :] == argv:
            if Path(f"/proc/{current}/exe").resolve().name.startswith("python"):
                return current
        todo += children(current)
    return None


def get(url: str) -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=3) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def listening(port: int) -> list[str]:
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, hexport = local.rsplit(":", 1)
            if state == "0A" and int(hexport, 16) == port:
                found.append("0.0.0.0" if set(addr) == {"0"} else addr)
    return found


def cmd_serve_inside(args: argparse.Namespace) -> int:
    """In a fresh network namespace: run the container, probe it, stop it with SIGTERM."""
    run(["ip", "link", "set", "lo", "up"])
    buildah = Buildah(Path(args.cache))
    config = json.loads(args.config)
    argv = [*config["Entrypoint"], *config["Cmd"]]
    logfile = Path(args.cache) / "serve.log"
    started = time.monotonic()
    with logfile.open("w") as out:
        proc = subprocess.Popen(
            [*buildah.base, "run", "--isolation", "chroot",
             "--env", f"SNOWOPS_SECRET_KEY={fernet_key()}", args.container, "--", *argv],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    failures: list[str] = []
    try:
        healthz = (0, "")
        while time.monotonic() - started < 90 and proc.poll() is None:
            try:
                healthz = get(f"http://127.0.0.1:{PORT}/healthz")
                break
            except OSError:
                time.sleep(0.2)
        up = time.monotonic() - started
        log(f"run: /healthz {healthz[0]} after {up:.1f} s")
        if healthz[0] != 200:
            raise SystemExit(f"image: /healthz answered {healthz}; log:\n{logfile.read_text()}")
        readyz = get(f"http://127.0.0.1:{PORT}/readyz")
        log(f"run: /readyz {readyz[0]} {readyz[1].strip()}")
        if readyz[0] != 200 or json.loads(readyz[1]).get("store") != "ok":
            failures.append(f"/readyz answered {readyz}")
        addrs = listening(PORT)
        log(f"run: listening on {', '.join(f'{a}:{PORT}' for a in addrs)}")
        if "0.0.0.0" not in addrs:
            failures.append(f"not listening on 0.0.0.0:{PORT} ({addrs})")
        check = config["Healthcheck"]["Test"][1:]
        health = subprocess.run(
            [*buildah.base, "run", "--isolation", "chroot", args.container, "--", *check],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        log(f"run: the image's HEALTHCHECK command exited {health.returncode}")
        if health.returncode != 0:
            failures.append(f"HEALTHCHECK failed: {health.stderr.strip()[-300:]}")
        pid = descendant_running(proc.pid, argv)
        if pid is None:
            raise SystemExit("image: cannot find the container's snowops process")
        uid = next(
            line.split()[1]
            for line in Path(f"/proc/{pid}/status").read_text().splitlines()
            if line.startswith("Uid:")
        )
        log(f"run: snowops serve is pid {pid}, uid {uid}")
        if uid == "0":
            failures.append("the server runs as root")
        stop_signal = getattr(signal, str(config.get("StopSignal") or "SIGTERM"))
        stopping = time.monotonic()
        os.kill(pid, stop_signal)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            failures.append("still running 30 s after SIGTERM")
            code = None
        log(f"run: {stop_signal.name} → exit {code} after {time.monotonic() - stopping:.1f} s")
        output = logfile.read_text()
        if code != 0:
            failures.append(f"exit status {code} after {stop_signal.name}")
        if "shutting down" not in output or "Traceback" in output:
            failures.append("no graceful shutdown in the log")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    print("--- snowops serve log ---\n" + logfile.read_text().rstrip() + "\n---", flush=True)
    for failure in failures:
        log(f"FAIL {failure}")
    return 1 if failures else 0


def cmd_test(args: argparse.Namespace) -> int:
    total = time.monotonic()
    ensure_tools()
    CACHE.mkdir(parents=True, exist_ok=True)
    tar, debootstrap_took = base_rootfs(CACHE)
    buildah = Buildah(CACHE)
    started = time.monotonic()
    base = import_base(buildah, tar)
    log(f"base: {base} ({image_size(buildah, base)}) ready in {time.monotonic() - started:.0f} s")

    cmd = build_command("buildah", TEST_TAG, base, None, buildah.base[1:-2])
    cmd.insert(cmd.index("bud") + 1, "--pull=never")
    log(" ".join(cmd))
    started = time.monotonic()
    run(cmd, stdout=subprocess.DEVNULL if not args.verbose else None)
    build_took = time.monotonic() - started
    size = image_size(buildah, TEST_TAG)
    log(f"build: {TEST_TAG} in {build_took:.0f} s, {size}")

    info = json.loads(buildah("inspect", "--type", "image", TEST_TAG))
    config = info["Docker"]["config"]
    problems = check_config(config)
    ctr = buildah("from", "--pull=never", TEST_TAG)
    try:
        rootfs = Path(buildah("mount", ctr))
        compilers = find_compilers(rootfs)
        python = os.readlink(rootfs / "opt/snowops/bin/python")
        cfg = (rootfs / "opt/snowops/pyvenv.cfg").read_text()
        version = re.search(r"^version.*$", cfg, re.M)
        log(f"image: the venv's python -> {python}, {version[0] if version else cfg!r}")
        if compilers:
            problems.append(f"compilers in the final image: {compilers}")
        buildah("umount", ctr)
        for problem in problems:
            log(f"FAIL {problem}")
        code = subprocess.run(
            ["unshare", "--net", "--fork", sys.executable, __file__, "serve-inside",
             "--cache", str(CACHE), "--container", ctr, "--config", json.dumps(config)],
            check=False,
        ).returncode  # fmt: skip
    finally:
        buildah("rm", ctr)
        buildah("rmi", "--prune")  # the previous run's image, now untagged
    ok = code == 0 and not problems
    log(
        f"{'PASS' if ok else 'FAIL'}: debootstrap {debootstrap_took:.0f} s (0 = cached), "
        f"build {build_took:.0f} s, image {size} (base {image_size(buildah, base)}), "
        f"total {time.monotonic() - total:.0f} s"
    )
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build the image")
    build.add_argument("--tag", default="snowops:latest")
    build.add_argument("--base", default=None, help="PYTHON_IMAGE (default python:3.12-slim)")
    build.add_argument("--python", default=None, help="the base's interpreter (found if unset)")
    build.add_argument("--tool", default=None, choices=("docker", "podman", "buildah"))
    test = sub.add_parser("test", help="build on a debootstrapped Debian 13 base and run it")
    test.add_argument("-v", "--verbose", action="store_true", help="show the build's output")
    inside = sub.add_parser("serve-inside")  # internal: run by `test` in a new netns
    inside.add_argument("--cache", required=True)
    inside.add_argument("--container", required=True)
    inside.add_argument("--config", required=True)
    args = parser.parse_args(argv)
    handler = {"build": cmd_build, "test": cmd_test, "serve-inside": cmd_serve_inside}
    return handler[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
