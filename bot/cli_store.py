"""``snowops export`` / ``import`` / ``rotate-key`` / ``audit``: the store, offline.

Each opens the store ``SNOWOPS_STORE`` names (or ``--store``), with ``SNOWOPS_SECRET_KEY``,
does one thing and closes it; they are safe to run beside a running server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.settings import Settings
from core.i18n import _, ngettext
from core.secrets import SecretBox
from core.store.backup import BackupError, export_records, import_records, rotate_key
from core.store.factory import open_store
from core.store.port import Store

__all__ = ["STORE_COMMANDS", "add_store_commands", "run_store_command"]

STORE_COMMANDS = ("export", "import", "rotate-key", "audit")
_AGO = re.compile(r"(\d{1,5})([dhm])")


def add_store_commands(sub: Any) -> None:
    """Add the store commands to the ``snowops`` sub-command parser."""
    ex = sub.add_parser("export", help="write the whole store as JSON lines (a backup)")
    ex.add_argument("-o", "--output", default="-", help="the file to write (default: stdout)")
    ex.add_argument("--store", help="the store to read (default: SNOWOPS_STORE)")
    im = sub.add_parser("import", help="restore an export into the store")
    im.add_argument("file", help="an export written by `snowops export` (- for stdin)")
    im.add_argument("--store", help="the store to write (default: SNOWOPS_STORE)")
    im.add_argument(
        "--merge", action="store_true", help="write into a store that already holds data"
    )
    rk = sub.add_parser(
        "rotate-key",
        help="re-encrypt every stored secret under the first key of SNOWOPS_SECRET_KEY",
    )
    rk.add_argument("--store", help="the store to re-key (default: SNOWOPS_STORE)")
    au = sub.add_parser("audit", help="print the audit log as JSON lines")
    au.add_argument("--since", default="30d", help="2026-12-01, 2026-12-01T08:00Z or 7d/12h/30m")
    au.add_argument("--workspace", help="only this workspace (slack:T0123, teams:<tenant>)")
    au.add_argument("--store", help="the store to read (default: SNOWOPS_STORE)")


def run_store_command(settings: Settings, args: argparse.Namespace) -> int:
    """Run one store command; its exit status."""
    box = settings.secret_box()
    commands: dict[str, Callable[[Store, SecretBox, argparse.Namespace], Coroutine[Any, Any, int]]]
    commands = {"export": _export, "import": _import, "rotate-key": _rotate, "audit": _audit}
    args.store = args.store or settings.store
    secret = settings.secret_key.get_secret_value() if settings.secret_key else ""
    args.keys = [k.strip() for k in secret.split(",") if k.strip()]
    if args.command == "import":
        try:
            # Read before the event loop starts: a file read would block it.
            args.lines = (
                sys.stdin.read() if args.file == "-" else Path(args.file).read_text("utf-8")
            ).splitlines()
        except OSError as exc:
            problem = _("cannot read {file}: {problem}", file=args.file, problem=exc.strerror)
            return _fail("import", problem, 1)
    try:
        store = open_store(args.store, box)
    except ValueError as exc:
        return _fail(args.command, str(exc), 2)
    return asyncio.run(_with_store(store, box, args, commands[args.command]))


async def _with_store(
    store: Store,
    box: SecretBox,
    args: argparse.Namespace,
    run: Callable[[Store, SecretBox, argparse.Namespace], Coroutine[Any, Any, int]],
) -> int:
    try:
        await store.open()
    except Exception as exc:  # one line, whatever the backend raised
        problem = _(
            "cannot open the store ({error}: {problem})", error=type(exc).__name__, problem=exc
        )
        return _fail(args.command, problem, 1)
    try:
        return await run(store, box, args)
    finally:
        await store.close()


def _fail(command: str, message: str, status: int) -> int:
    print(f"snowops {command}: {message}", file=sys.stderr)
    return status


async def _export(store: Store, box: SecretBox, args: argparse.Namespace) -> int:
    out: TextIO
    if args.output == "-":
        out = sys.stdout
    else:
        # Owner-only from the first byte: the file holds encrypted secrets and ticket text.
        fd = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        out = os.fdopen(fd, "w", encoding="utf-8")
    n = 0
    try:
        async for record in export_records(store, box):
            out.write(json.dumps(record, separators=(",", ":")) + "\n")
            n += 1
    finally:
        if out is not sys.stdout:
            out.close()
    if args.output == "-":
        done = ngettext("exported {n} record", "exported {n} records", n - 1)
    else:
        done = ngettext(
            "exported {n} record to {file}",
            "exported {n} records to {file}",
            n - 1,
            file=args.output,
        )
    print(done, file=sys.stderr)
    return 0


async def _import(store: Store, box: SecretBox, args: argparse.Namespace) -> int:
    if not args.merge and (await store.export_workspaces() or await store.list_connections()):
        return _fail(
            "import",
            _("the store already holds data; import into an empty store, or pass --merge"),
            1,
        )
    try:
        report = await import_records(store, box, args.lines)
    except BackupError as exc:
        return _fail("import", str(exc), 1)
    print(_("imported {summary}", summary=report.summary()))
    return 0


async def _rotate(store: Store, box: SecretBox, args: argparse.Namespace) -> int:
    keys: list[str] = args.keys
    if len(keys) < 2:
        return _fail(
            "rotate-key",
            _(
                "put the new key first and keep the old one after it: "
                "SNOWOPS_SECRET_KEY=<new>,<old> (make one with `snowops keygen`)"
            ),
            2,
        )
    n = await rotate_key(store)
    # Prove it: every secret must now read with the new key alone.
    check = open_store(args.store, SecretBox(keys[0]))
    await check.open()
    try:
        await check.list_connections()
        await check.export_documents()
    finally:
        await check.close()
    print(
        ngettext(
            "re-encrypted {n} secret; it reads with the new key alone. "
            "Set SNOWOPS_SECRET_KEY to the new key only on every replica.",
            "re-encrypted {n} secrets; every one reads with the new key alone. "
            "Set SNOWOPS_SECRET_KEY to the new key only on every replica.",
            n,
        )
    )
    return 0


def parse_since(text: str, now: datetime) -> datetime:
    """``7d``/``12h``/``30m`` ago, or an ISO date or time (UTC unless it says otherwise)."""
    m = _AGO.fullmatch(text.strip())
    if m:
        n, unit = int(m.group(1)), m.group(2)
        return now - timedelta(**{{"d": "days", "h": "hours", "m": "minutes"}[unit]: n})
    when = datetime.fromisoformat(text.strip())
    return when if when.tzinfo else when.replace(tzinfo=UTC)


async def _audit(store: Store, box: SecretBox, args: argparse.Namespace) -> int:
    try:
        since = parse_since(args.since, datetime.now(UTC))
    except ValueError:
        problem = _(
            "--since {since}: use 2026-12-01, 2026-12-01T08:00Z or 7d", since=repr(args.since)
        )
        return _fail("audit", problem, 2)
    for entry in await store.audit_since(since):
        if args.workspace is None or entry["workspace"] == args.workspace:
            print(json.dumps(entry, ensure_ascii=False))
    return 0
