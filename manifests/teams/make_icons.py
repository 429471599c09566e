"""Write the Teams app icons with the standard library only (zlib + struct PNG writer).

``color.png``: 192×192, a white snowflake on the accent colour. ``outline.png``: 32×32, the
same snowflake in white on a transparent background (Teams' rules for outline icons).
Run ``python manifests/teams/make_icons.py`` after changing the drawing.
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

ACCENT = (0x1F, 0x6F, 0xEB, 0xFF)
WHITE = (0xFF, 0xFF, 0xFF, 0xFF)
CLEAR = (0, 0, 0, 0)


def png(size: int, pixel: list[list[tuple[int, int, int, int]]]) -> bytes:
    """An RGBA PNG of ``pixel`` rows."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"".join(bytes(p) for p in row) for row in pixel)
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def snowflake(x: float, y: float, radius: float, width: float) -> bool:
    """True on one of the three arms (0°, 60°, 120°) of a snowflake centred at the origin."""
    if math.hypot(x, y) > radius:
        return False
    for degrees in (0, 60, 120):
        angle = math.radians(degrees)
        if abs(-math.sin(angle) * x + math.cos(angle) * y) <= width / 2:
            return True
    return False


def draw(size: int, background: tuple[int, int, int, int], radius: float, width: float) -> bytes:
    """The icon at ``size`` pixels."""
    centre = (size - 1) / 2
    rows = [
        [
            WHITE if snowflake(x - centre, y - centre, radius, width) else background
            for x in range(size)
        ]
        for y in range(size)
    ]
    return png(size, rows)


def main() -> None:
    """Write both icons next to this script."""
    here = Path(__file__).resolve().parent
    (here / "color.png").write_bytes(draw(192, ACCENT, radius=64, width=14))
    (here / "outline.png").write_bytes(draw(32, CLEAR, radius=13, width=3))


if __name__ == "__main__":
    main()
