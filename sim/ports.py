"""Is a port free, and if not, who holds it: one line for a person instead of a traceback.

Standard library only (``sim`` stands alone); ``snowops dev`` and ``snowops chat`` use it too.
Finding the holder reads ``/proc`` (Linux, processes of the same user); elsewhere, or for
another user's process, the line just says the port is taken.
"""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

__all__ = ["busy", "holder", "port_in_use"]


def busy(host: str, port: int) -> bool:
    """True when nothing could listen on ``host:port`` now (aiohttp binds with
    SO_REUSEADDR too, so a closing connection in TIME_WAIT does not count)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


def _listening_inodes(port: int) -> set[str]:
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if len(cols) > 9 and cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                found.add(f"socket:[{cols[9]}]")
    return found


def holder(port: int) -> str | None:
    """``<command line> (pid N)`` of the process listening on ``port``, when it can be told."""
    sockets = _listening_inodes(port)
    if not sockets:
        return None
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) in sockets for fd in (proc / "fd").iterdir()):
                raw = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
                return f"{raw.decode(errors='replace').strip()[:100]} (pid {proc.name})"
        except OSError:
            continue
    return None


def port_in_use(what: str, host: str, port: int) -> str | None:
    """``port 8765 (the ServiceNow simulator) is already in use by …``, or None if free."""
    if not busy(host, port):
        return None
    who = holder(port)
    return f"port {port} ({what}) is already in use" + (f" by {who}" if who else "")
