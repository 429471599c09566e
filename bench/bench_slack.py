"""Slack ack speed: signed `/snow help` and `/snow tickets` through SnowOps, against a bare
bolt app that only acks `/snow` in bolt's fastest mode (``process_before_response``), side
by side with wrk on loopback.

Run: ``.venv/bin/python bench/bench_slack.py [--seconds 8] [--connections 20] [--rounds 3]
[--default-mode]`` (needs ``wrk``: ``apt-get install wrk``). Prints requests/s, latency
percentiles and each app's CPU per request, the ratios the README reports (target: ≥ 0.9×
throughput, ≤ 1.5× p99) and their spread over the rounds.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

HERE = Path(__file__).resolve().parent
PY = sys.executable
SIGNING_SECRET = "bench-signing-secret-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


PIN = shutil.which("taskset")


def pinned(cpu: int, argv: list[str]) -> list[str]:
    """Run on one CPU, so the load generator and the server under test do not fight."""
    return [PIN, "-c", str(cpu), *argv] if PIN and (os.cpu_count() or 1) >= 2 else argv


def start(*args: str, cpu: int = 1) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        pinned(cpu, [PY, str(HERE / "slack_servers.py"), *args]),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=HERE.parent,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if line.strip() != "ready":
        proc.kill()
        raise SystemExit(f"server {args[0]} did not start")
    return proc


def lua_for(text: str, response_url: str) -> str:
    body = urlencode(
        {
            "token": "x",
            "team_id": "T0123",
            "team_domain": "acme",
            "channel_id": "C0SEC",
            "channel_name": "security",
            "user_id": "U0USER",
            "user_name": "ada",
            "command": "/snow",
            "text": text,
            "api_app_id": "A0SNOWOPS",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
    )
    ts = str(int(time.time()))
    sig = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=ts, body=body)
    return (
        f'wrk.method = "POST"\nwrk.body = {body!r}\n'.replace("'", '"')
        + 'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        + f'wrk.headers["X-Slack-Signature"] = "{sig}"\n'
        + f'wrk.headers["X-Slack-Request-Timestamp"] = "{ts}"\n'
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far (Linux), 0 where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


Run = tuple[float, dict[str, float]]
Row = tuple[str, dict[str, list[Run]]]


def run_wrk(url: str, lua: str, seconds: int, connections: int, pid: int) -> Run:
    """One wrk run: requests/s, latency percentiles in ms, and ``cpu`` (the server's CPU
    milliseconds per request: a shared machine's load moves it far less than throughput)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(lua)
    cpu_before = cpu_seconds(pid)
    out = subprocess.run(
        pinned(
            0, ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", fh.name, url]
        ),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cpu = cpu_seconds(pid) - cpu_before
    os.unlink(fh.name)
    if "Non-2xx" in out:
        raise SystemExit(f"non-2xx answers from {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = {}
    for pct, value, unit in re.findall(r"\s(50|75|90|99)%\s+([\d.]+)(us|ms|s)", out):
        lat[pct] = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    lat["cpu"] = 1000.0 * cpu / max(total, 1)
    return rps, lat


def median_run(runs: list[Run]) -> Run:
    """Median throughput and median of each latency percentile over the rounds."""
    rps = statistics.median(r for r, _ in runs)
    lat = {p: statistics.median(lat[p] for _, lat in runs) for p in runs[0][1]}
    return rps, lat


def spread(snow: list[Run], base: list[Run]) -> tuple[list[float], list[float]]:
    """Per-round ratios (SnowOps / the bare app run just before it): throughput, p99."""
    return (
        [s[0] / b[0] for s, b in zip(snow, base, strict=True)],
        [s[1]["99"] / b[1]["99"] for s, b in zip(snow, base, strict=True)],
    )


def start_all(args: argparse.Namespace, tmp: str) -> dict[str, subprocess.Popen[str]]:
    """The fakes (on wrk's CPU: they only see the after-ack calls), then the apps."""
    slack_port, sim_port = free_port(), free_port()
    args.slack_api = f"http://127.0.0.1:{slack_port}/api/"
    args.response_url = f"http://127.0.0.1:{slack_port}/response/bench"
    procs = {
        "fakes": start("fakes", "--slack-port", str(slack_port), "--sim-port", str(sim_port), cpu=0)
    }
    args.ports = {name: free_port() for name in args.apps}
    for name in args.apps:
        extra = ["--sim", f"http://127.0.0.1:{sim_port}", "--db", str(Path(tmp) / "bench.db")]
        procs[name] = start(
            name,
            "--port",
            str(args.ports[name]),
            "--slack-api",
            args.slack_api,
            *(extra if name == "snowops" else []),
        )
    return procs


def measure(args: argparse.Namespace, procs: dict[str, subprocess.Popen[str]]) -> list[Row]:
    """Every app, alternating over the rounds: a shared machine drifts, and alternating
    spreads the drift over all of them (each SnowOps run is bracketed by bare ones)."""
    rows: list[Row] = []
    for text in ("help", "tickets"):
        lua = lua_for(text, args.response_url)
        runs: dict[str, list[Run]] = {n: [] for n in args.apps}
        for _ in range(args.rounds):
            for name in args.apps:
                url = f"http://127.0.0.1:{args.ports[name]}/slack/events"
                pid = procs[name].pid
                runs[name].append(run_wrk(url, lua, args.seconds, args.connections, pid))
        rows.append((text, runs))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--default-mode", action="store_true", help="also run bare bolt in its default mode"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    args.apps = ["bare-inline", "snowops"] + (["bare"] if args.default_mode else [])
    with tempfile.TemporaryDirectory() as tmp:
        procs = start_all(args, tmp)
        try:
            rows = measure(args, procs)
        finally:
            for p in procs.values():
                p.terminate()
                p.wait(timeout=10)
    report(rows, args)


def report(rows: list[Row], args: argparse.Namespace) -> None:
    """The table README quotes."""
    print(
        f"wrk -t1 -c{args.connections} -d{args.seconds}s x {args.rounds} rounds (medians); "
        "wrk on CPU 0, each app on CPU 1"
    )
    print("bare-inline: a bolt app that only acks /snow, in bolt's fastest mode")
    print("(process_before_response, SnowOps's mode); bare: the same in bolt's default mode")
    print("cpu ms: the app's CPU per request. Ratios are SnowOps / bare-inline.")
    head = f"{'command':<10}{'app':<13}{'req/s':>8}{'p50 ms':>8}{'p90 ms':>8}{'p99 ms':>8}"
    print(head + f"{'cpu ms':>8}")
    for text, runs in rows:
        results = {name: median_run(r) for name, r in runs.items()}
        for name, (rps, lat) in results.items():
            print(
                f"{text:<10}{name:<13}{rps:>8.0f}{lat['50']:>8.2f}{lat['90']:>8.2f}"
                f"{lat['99']:>8.2f}{lat['cpu']:>8.3f}"
            )
        snow, base = results["snowops"], results["bare-inline"]
        ratio, p99 = snow[0] / base[0], snow[1]["99"] / base[1]["99"]
        verdict = "target met" if ratio >= 0.9 and p99 <= 1.5 else "target missed"
        cpu = snow[1]["cpu"] / base[1]["cpu"]
        print(f"{text:<10}medians: {ratio:.2f}x req/s, {p99:.2f}x p99, {cpu:.2f}x cpu  {verdict}")
        rates, p99s = spread(runs["snowops"], runs["bare-inline"])
        print(
            f"{text:<10}per round: req/s {' '.join(f'{r:.2f}' for r in rates)}; "
            f"p99 {' '.join(f'{r:.2f}' for r in p99s)}"
        )


if __name__ == "__main__":
    main()
