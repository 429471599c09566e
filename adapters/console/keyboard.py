"""The user's lines: from a pipe or a file as they come, or typed at a terminal.

At a terminal the kernel's line editing would keep what the user is typing where SnowOps
cannot see it, so a notification printed meanwhile would wipe it from the screen while it
stays in the input. :class:`KeyboardReader` therefore turns the kernel's echo and line
editing off and keeps the line itself (:class:`LineEditor`: typing, Backspace, Ctrl-U,
Ctrl-W, Enter, Ctrl-D on an empty line; Ctrl-C still interrupts): a notification is printed
above the prompt and the prompt and the typed text are drawn again under it, as readline's
``rl_forced_update_display`` does. No dependency is needed for that.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import shutil
import termios
import threading
import unicodedata
from collections import deque
from collections.abc import Callable
from typing import TextIO

__all__ = ["KeyboardReader", "LineEditor", "LineReader", "open_reader", "text_width"]

_ERASE = {"\x7f", "\x08"}
_KILL_LINE = "\x15"  # Ctrl-U
_KILL_WORD = "\x17"  # Ctrl-W
_EOF = "\x04"  # Ctrl-D


def text_width(text: str) -> int:
    """Columns ``text`` takes on a terminal (wide characters two, combining marks none)."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


class LineEditor:
    """The line being typed, echoed by SnowOps; completed lines wait in :attr:`lines`.

    Keys typed while no prompt shows are kept, unechoed, and appear with the next prompt.
    """

    def __init__(self, write: Callable[[str], None], columns: Callable[[], int]) -> None:
        self._write = write
        self._columns = columns
        self.typed = ""
        self.lines: deque[str | None] = deque()  # None: end of input
        self._prompt: str | None = None
        self._shown = 0  # columns the prompt and typed text take on screen
        self._escape = ""  # an escape sequence (arrow keys…) being skipped
        self._after_cr = False

    @property
    def prompting(self) -> bool:
        """Whether a prompt waits for a line."""
        return self._prompt is not None

    def show(self, prompt: str) -> None:
        """Show ``prompt`` and what was typed ahead; the next Enter answers it."""
        self._prompt = prompt
        self._draw()

    def _draw(self) -> None:
        assert self._prompt is not None
        self._write(self._prompt + self.typed)
        self._shown = text_width(self._prompt + self.typed)

    def _home(self) -> str:
        """Back to the first column of the prompt's first row (it may have wrapped)."""
        up = max(0, self._shown - 1) // max(1, self._columns())
        return (f"\x1b[{up}A" if up else "") + "\r\x1b[J"

    def print_above(self, text: str) -> None:
        """Print ``text`` above the prompt, then the prompt and the typed text again."""
        if self._prompt is None:
            self._write(text + "\n")
            return
        self._write(self._home() + text + "\n")
        self._draw()

    def feed(self, text: str) -> None:
        """Take typed characters."""
        for char in text:
            self._key(char)

    def _key(self, char: str) -> None:
        after_cr, self._after_cr = self._after_cr, char == "\r"
        if self._escape or char == "\x1b":
            self._skip_escape(char)
        elif char in "\r\n":
            if not (char == "\n" and after_cr):  # CR LF is one Enter
                self._enter(self.typed)
        elif char == _EOF:
            if not self.typed:
                self._enter(None)
        elif char in _ERASE:
            self._replace(self.typed[:-1])
        elif char == _KILL_LINE:
            self._replace("")
        elif char == _KILL_WORD:
            words = self.typed.rstrip()
            self._replace(words[: words.rfind(" ") + 1])
        elif char == "\t" or unicodedata.category(char)[0] != "C":
            char = " " if char == "\t" else char
            self.typed += char
            if self._prompt is not None:
                self._write(char)
                self._shown += text_width(char)

    def _skip_escape(self, char: str) -> None:
        """Drop ESC [ … final, ESC O x and ESC x: keys this editor does not edit with."""
        self._escape += char
        if len(self._escape) == 1:
            return
        if self._escape[1] in "[O" and len(self._escape) == 2:
            return
        if self._escape[1] == "[" and not "@" <= char <= "~":
            return
        self._escape = ""

    def _replace(self, typed: str) -> None:
        if typed == self.typed:
            return
        self.typed = typed
        if self._prompt is not None:
            self._write(self._home())
            self._draw()

    def _enter(self, line: str | None) -> None:
        self.typed = ""
        if self._prompt is not None:
            self._prompt = None
            if line is not None:
                self._write("\n")
        self.lines.append(line)


class LineReader:
    """Lines from a pipe or a file, read as they come; the prompt is printed as is."""

    def __init__(self, stream: TextIO, out: TextIO) -> None:
        self._out = out
        self._fd = stream.fileno()
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""
        self._lines: deque[str | None] = deque()
        self._ready = asyncio.Event()
        self._prompt: str | None = None
        self._ended = False
        self._loop = asyncio.get_running_loop()
        try:
            # Only read when readable: stdin stays blocking, so stdout (often the same
            # terminal) is never switched to non-blocking under print().
            self._loop.add_reader(self._fd, self._readable)
            self._watching = True
        except (OSError, ValueError, NotImplementedError):
            # Regular files cannot be watched: a daemon thread reads them instead.
            self._watching = False
            threading.Thread(target=self._read_thread, daemon=True).start()

    def _write(self, text: str) -> None:
        self._out.write(text)
        self._out.flush()

    def _take(self, text: str, end: bool) -> None:
        """Decoded input (``end``: and then no more)."""
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        self._lines.extend(line.rstrip("\r") for line in lines)
        if end:
            if self._pending:
                self._lines.append(self._pending)
            self._lines.append(None)

    def _feed(self, data: bytes) -> None:
        self._take(self._decoder.decode(data, final=not data), end=not data)
        if self._lines:
            self._ready.set()

    def _readable(self) -> None:
        try:
            data = os.read(self._fd, 65536)
        except OSError:
            data = b""
        if not data:
            self._loop.remove_reader(self._fd)
            self._watching = False
        self._feed(data)

    def _read_thread(self) -> None:
        while True:
            try:
                data = os.read(self._fd, 65536)
            except OSError:
                data = b""
            self._loop.call_soon_threadsafe(self._feed, data)
            if not data:
                return

    def _show(self, prompt: str) -> None:
        self._prompt = prompt
        self._write(prompt)

    async def ask(self, prompt: str) -> str | None:
        """Show ``prompt`` and wait for the next line; None at (and after) end of input."""
        if self._ended:
            return None
        self._show(prompt)
        while not self._lines:
            self._ready.clear()
            await self._ready.wait()
        self._prompt = None
        line = self._lines.popleft()
        self._ended = line is None
        return line

    def print_above(self, text: str) -> None:
        """Print a block while a prompt may be waiting: on its own lines, then the prompt."""
        if self._prompt is None:
            self._write(text + "\n")
        else:
            self._write(f"\n{text}\n{self._prompt}")

    def close(self) -> None:
        """Stop watching the input."""
        if self._watching:
            self._loop.remove_reader(self._fd)
            self._watching = False


class KeyboardReader(LineReader):
    """Lines typed at a terminal, edited and echoed by :class:`LineEditor`."""

    def __init__(self, stream: TextIO, out: TextIO) -> None:
        fd = stream.fileno()
        self._saved = termios.tcgetattr(fd)
        mode = termios.tcgetattr(fd)
        mode[3] &= ~(termios.ECHO | termios.ICANON)  # lflag: SnowOps echoes and edits
        mode[6][termios.VMIN], mode[6][termios.VTIME] = 1, 0
        termios.tcsetattr(fd, termios.TCSANOW, mode)
        self.editor = LineEditor(self._write, lambda: shutil.get_terminal_size().columns)
        super().__init__(stream, out)
        self._lines = self.editor.lines

    def _take(self, text: str, end: bool) -> None:
        self.editor.feed(text)
        if end:
            self.editor.lines.append(None)

    def _show(self, prompt: str) -> None:
        if self._lines:
            # A line typed ahead: shown after its prompt, as if typed there.
            line = self._lines[0]
            self._write(prompt + (line + "\n" if line is not None else ""))
        else:
            self.editor.show(prompt)

    def print_above(self, text: str) -> None:
        """Print a block above the prompt; the prompt and the typed text stay under it."""
        self.editor.print_above(text)

    def close(self) -> None:
        """Stop watching, and give the terminal its own line editing back."""
        super().close()
        with contextlib.suppress(termios.error):
            termios.tcsetattr(self._fd, termios.TCSANOW, self._saved)


def open_reader(stream: TextIO, out: TextIO) -> LineReader:
    """A :class:`KeyboardReader` when the user types at a terminal, else a :class:`LineReader`."""
    if stream.isatty() and out.isatty():
        with contextlib.suppress(termios.error, OSError):
            return KeyboardReader(stream, out)
    return LineReader(stream, out)
