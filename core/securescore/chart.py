"""The Secure Score chart: the last 30 days' scores as a PNG line chart, and as a text
sparkline for the console.

Written with the standard library (zlib) rather than an imaging library: the chart is a
filled line on a grid, a few hundred lines of pixels, and its numbers are in the text
beside it, so it needs no fonts; a dependency (and its native wheels) would be more to
keep than this module.
"""

from __future__ import annotations

import itertools
import math
import struct
import zlib
from collections.abc import Sequence

__all__ = ["CHART_HEIGHT", "CHART_WIDTH", "line_chart_png", "sparkline"]

CHART_WIDTH = 600
CHART_HEIGHT = 200
_MARGIN = 12
_BACKGROUND = (255, 255, 255)
_GRID = (226, 230, 236)
_AREA = (214, 232, 250)
_LINE = (0, 103, 192)
_BARS = "▁▂▃▄▅▆▇█"

Color = tuple[int, int, int]


def _range(values: Sequence[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    pad = max((high - low) * 0.1, 1.0)
    return max(0.0, math.floor(low - pad)), math.ceil(high + pad)


class _Canvas:
    """An RGB pixel buffer with the few drawing operations the chart needs."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(bytes(_BACKGROUND) * (width * height))

    def dot(self, x: float, y: float, radius: float, color: Color) -> None:
        """A filled disc."""
        for py in range(int(y - radius), int(y + radius) + 1):
            for px in range(int(x - radius), int(x + radius) + 1):
                if (px - x) ** 2 + (py - y) ** 2 <= radius * radius:
                    self.put(px, py, color)

    def put(self, x: int, y: int, color: Color) -> None:
        """One pixel (outside the canvas: nothing)."""
        if 0 <= x < self.width and 0 <= y < self.height:
            i = (y * self.width + x) * 3
            self.pixels[i : i + 3] = bytes(color)

    def line(self, a: tuple[float, float], b: tuple[float, float], color: Color) -> None:
        """A line about 3 pixels thick."""
        steps = max(1, int(max(abs(b[0] - a[0]), abs(b[1] - a[1])) * 2))
        for n in range(steps + 1):
            t = n / steps
            self.dot(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, 1.5, color)

    def png(self) -> bytes:
        """The canvas as a PNG (8-bit RGB, no filtering)."""
        row = self.width * 3
        raw = b"".join(
            b"\x00" + bytes(self.pixels[y * row : (y + 1) * row]) for y in range(self.height)
        )
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return b"\x89PNG\r\n\x1a\n" + b"".join(
            _chunk(kind, body)
            for kind, body in ((b"IHDR", header), (b"IDAT", zlib.compress(raw, 9)), (b"IEND", b""))
        )


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def line_chart_png(
    values: Sequence[float], width: int = CHART_WIDTH, height: int = CHART_HEIGHT
) -> bytes:
    """``values`` (oldest first) as a filled line chart on a light grid."""
    canvas = _Canvas(width, height)
    top, bottom = _MARGIN, height - _MARGIN
    for n in range(5):
        y = round(top + (bottom - top) * n / 4)
        for x in range(_MARGIN, width - _MARGIN):
            canvas.put(x, y, _GRID)
    if not values:
        return canvas.png()
    low, high = _range(values)
    span = max(len(values) - 1, 1)
    points = [
        (
            _MARGIN + (width - 2 * _MARGIN) * i / span,
            bottom - (bottom - top) * (v - low) / (high - low),
        )
        for i, v in enumerate(values)
    ]
    for a, b in itertools.pairwise(points):
        for x in range(math.ceil(a[0]), math.floor(b[0]) + 1):
            edge = a[1] + (b[1] - a[1]) * (x - a[0]) / ((b[0] - a[0]) or 1)
            for py in range(math.ceil(edge), bottom + 1):
                canvas.put(x, py, _AREA)
    for a, b in itertools.pairwise(points):
        canvas.line(a, b, _LINE)
    canvas.dot(*points[-1], 4, _LINE)
    return canvas.png()


def sparkline(values: Sequence[float]) -> str:
    """``▁▂▅█``: one bar a value, scaled between the lowest and the highest."""
    if not values:
        return ""
    low, high = min(values), max(values)
    if high == low:
        return _BARS[3] * len(values)
    return "".join(_BARS[round((v - low) / (high - low) * (len(_BARS) - 1))] for v in values)
