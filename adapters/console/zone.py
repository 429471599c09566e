"""The console's time zone: the machine's own (the console and ``snowops dev`` run on one
machine), as an IANA name."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["system_zone"]

_ZONEINFO = "zoneinfo/"


def system_zone() -> str:
    """``TZ`` when set to a zone name, else where ``/etc/localtime`` points (its path after
    ``zoneinfo/``), else ``/etc/timezone``; empty (UTC) when none says."""
    tz = os.environ.get("TZ", "").removeprefix(":").strip()
    if tz and not tz.startswith("/"):
        return tz
    try:
        target = str(Path("/etc/localtime").resolve())
    except OSError:
        target = ""
    if _ZONEINFO in target:
        return target.rsplit(_ZONEINFO, 1)[1]
    try:
        return Path("/etc/timezone").read_text(encoding="utf-8").strip()
    except OSError:
        return ""
