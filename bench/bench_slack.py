"""Slack ack speed: signed `/snow help` and `/snow tickets` through SnowOps, against a bare
bolt app that only acks `/snow`, side by side with wrk on loopback.

Run: ``.venv/bin/python bench/bench_slack.py [--seconds 10] [--connections 32]``
(needs ``wrk``: ``apt-get install wrk``). Prints requests/s and latency percentiles per
target and the ratios the README reports (target: ≥ 0.9× throughput, ≤ 1.5× p99).
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


def run_wrk(url: str, lua: str, seconds: int, connections: int) -> tuple[float, dict[str, float]]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(lua)
    out = subprocess.run(
        pinned(
            0, ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", fh.name, url]
        ),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(fh.name)
    if "Non-2xx" in out:
        raise SystemExit(f"non-2xx answers from {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = {}
    for pct, value, unit in re.findall(r"\s(50|75|90|99)%\s+([\d.]+)(us|ms|s)", out):
        lat[pct] = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return rps, lat


def median_run(runs: list[tuple[float, dict[str, float]]]) -> tuple[float, dict[str, float]]:
    """Median throughput and median of each latency percentile over the rounds."""
    rps = statistics.median(r for r, _ in runs)
    lat = {p: statistics.median(lat[p] for _, lat in runs) for p in runs[0][1]}
    return rps, lat


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    slack_port, sim_port = free_port(), free_port()
    ports = {name: free_port() for name in ("bare", "bare-inline", "snowops")}
    slack_api = f"http://127.0.0.1:{slack_port}/api/"
    response_url = f"http://127.0.0.1:{slack_port}/response/bench"
    procs = [start("fakes", "--slack-port", str(slack_port), "--sim-port", str(sim_port), cpu=0)]
    rows: list[tuple[str, dict[str, tuple[float, dict[str, float]]]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            procs.append(
                start(
                    "snowops",
                    "--port",
                    str(ports["snowops"]),
                    "--slack-api",
                    slack_api,
                    "--sim",
                    f"http://127.0.0.1:{sim_port}",
                    "--db",
                    str(Path(tmp) / "bench.db"),
                )
            )
            for name in ("bare", "bare-inline"):
                procs.append(start(name, "--port", str(ports[name]), "--slack-api", slack_api))
            for text in ("help", "tickets"):
                lua = lua_for(text, response_url)
                runs: dict[str, list[tuple[float, dict[str, float]]]] = {n: [] for n in ports}
                # Alternate the apps over several rounds and keep medians: a shared machine
                # drifts, and alternating spreads the drift over all of them.
                for _ in range(args.rounds):
                    for name, port in ports.items():
                        url = f"http://127.0.0.1:{port}/slack/events"
                        runs[name].append(run_wrk(url, lua, args.seconds, args.connections))
                rows.append((text, {n: median_run(r) for n, r in runs.items()}))
        finally:
            for p in procs:
                p.terminate()
                p.wait(timeout=10)
    report(rows, args)


def report(
    rows: list[tuple[str, dict[str, tuple[float, dict[str, float]]]]], args: argparse.Namespace
) -> None:
    """The table README quotes."""
    print(
        f"wrk -t1 -c{args.connections} -d{args.seconds}s x {args.rounds} rounds (medians); "
        "wrk on CPU 0, each app on CPU 1"
    )
    print("bare: bolt's default mode (it polls for the ack every 10 ms); bare-inline: the same")
    print("app in SnowOps's mode (process_before_response); ratios are SnowOps / bare")
    print(f"{'command':<10}{'app':<16}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}")
    for text, results in rows:
        for name, (rps, lat) in results.items():
            print(
                f"{text:<10}{name:<16}{rps:>9.0f}"
                f"{lat['50']:>9.2f}{lat['90']:>9.2f}{lat['99']:>9.2f}"
            )
        snow = results["snowops"]
        for base in ("bare", "bare-inline"):
            ratio = snow[0] / results[base][0]
            p99 = snow[1]["99"] / results[base][1]["99"]
            verdict = "target met" if ratio >= 0.9 and p99 <= 1.5 else "target missed"
            print(f"{text:<10}{'vs ' + base:<16}{ratio:>8.2f}x{'':>18}{p99:>8.2f}x  {verdict}")


if __name__ == "__main__":
    main()
