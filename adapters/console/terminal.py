"""The terminal loop: read lines, run them, ask forms field by field, print notifications.

Input is read with plain asyncio (the event loop watches stdin), so notifications can be
printed while the prompt waits; they appear above a fresh prompt.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import sys
import threading
import uuid
from typing import TextIO

from adapters.console.render import render_form_intro
from adapters.console.session import ConsoleError, Session
from core.forms import TicketFormView
from core.models import CATEGORIES

__all__ = ["LineReader", "Terminal"]

PROMPT = "snow> "
_QUIT = {"quit", "exit", "/quit", "/exit", "bye"}
_CANCEL = {"cancel", "/cancel"}


class LineReader:
    """Lines from a stream, as an asyncio queue (None at end of input)."""

    def __init__(self, stream: TextIO) -> None:
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._fd = stream.fileno()
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""
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

    def _feed(self, data: bytes) -> None:
        if not data:
            if self._pending:
                self._queue.put_nowait(self._pending)
            self._queue.put_nowait(None)
            return
        self._pending += self._decoder.decode(data)
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            self._queue.put_nowait(line.rstrip("\r"))

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

    async def get(self) -> str | None:
        """The next line, or None at (and after) end of input."""
        if self._ended:
            return None
        line = await self._queue.get()
        self._ended = line is None
        return line

    def close(self) -> None:
        """Stop watching stdin."""
        if self._watching:
            self._loop.remove_reader(self._fd)
            self._watching = False


class Terminal:
    """One console session in a terminal."""

    def __init__(self, session: Session, out: TextIO | None = None) -> None:
        self._session = session
        self._out = out or sys.stdout
        self._tty = self._out.isatty()
        self._prompt: str | None = None

    def say(self, text: str) -> None:
        """Print a block of output."""
        if text:
            self._out.write(text + "\n")
            self._out.flush()

    def _show_prompt(self, prompt: str) -> None:
        self._prompt = prompt
        self._out.write(prompt)
        self._out.flush()

    def announce(self, text: str) -> None:
        """Print a notification above the prompt the user may be typing at."""
        if self._prompt is not None:
            # Clear the prompt line on a terminal; elsewhere start a new line.
            self._out.write("\r\x1b[K" if self._tty else "\n")
        self._out.write(text + "\n")
        if self._prompt is not None:
            self._out.write(self._prompt)
        self._out.flush()

    async def _ask(self, lines: LineReader, prompt: str) -> str | None:
        self._show_prompt(prompt)
        line = await lines.get()
        self._prompt = None
        return line

    async def _follow(self, after: int) -> None:
        """Print announcements as they come (a lost connection is retried, quietly)."""
        while True:
            try:
                entries = await self._session.events(after, 20)
            except ConsoleError:
                await asyncio.sleep(2)
                continue
            for entry in entries:
                after = max(after, entry.seq)
                self.announce(entry.text)

    async def run(self, stdin: TextIO | None = None, banner: str = "") -> int:
        """Read and run lines until ``quit`` or end of input."""
        lines = LineReader(stdin or sys.stdin)
        # Only what happens from now on: old announcements belong to earlier sessions.
        start = [e.seq for e in await self._session.events(0, 0)]
        follower = asyncio.create_task(self._follow(max(start, default=0)))
        self.say(banner)
        try:
            while True:
                line = await self._ask(lines, PROMPT)
                if line is None:
                    self.say("")
                    break
                line = line.strip()
                if not line:
                    continue
                if line.lower() in _QUIT:
                    break
                try:
                    reply = await self._session.command(line)
                    self.say(reply.text)
                    if reply.form is not None:
                        await self._fill(lines, reply.form)
                except ConsoleError as exc:
                    self.say(f"[error] {exc}")
        finally:
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await follower
            lines.close()
        self.say("Bye.")
        return 0

    async def _fill(self, lines: LineReader, form: TicketFormView) -> None:
        """Ask each field, submit, and ask again only the fields that were refused."""
        self.say("\n".join(render_form_intro(form)))
        values = {
            "kind": form.kind.value,
            "name": form.name,
            "description": form.description,
            "priority": str(int(form.priority)),
            "due": form.due,
            "category": form.category or "",
        }
        fields = list(values)
        errors: dict[str, str] = {}
        key = uuid.uuid4().hex  # one key per form: submitting twice creates one ticket
        while True:
            for name in fields:
                if name in errors:
                    self.say(f"  ✗ {errors[name]}")
                answer = await self._ask(lines, _field_prompt(name, values[name]))
                if answer is None or answer.strip().lower() in _CANCEL:
                    self.say("Cancelled: nothing was sent to ServiceNow.")
                    return
                answer = answer.strip()
                if answer == "-":
                    values[name] = ""
                elif answer:
                    values[name] = answer
            reply = await self._session.submit(form, values, key)
            if not reply.errors:
                self.say(reply.text)
                return
            errors = reply.errors
            fields = [f for f in values if f in errors]
            self.say(f"Please fix {len(errors)} field{'s' if len(errors) > 1 else ''}:")


_LABELS = {
    "kind": "Type: incident or change",
    "name": "Name",
    "description": "Description",
    "priority": "Priority 1 Critical, 2 High, 3 Moderate, 4 Low",
    "due": "Due date YYYY-MM-DD (optional, '-' clears)",
    "category": f"Category: {', '.join(CATEGORIES)} (optional)",
}


def _field_prompt(name: str, value: str) -> str:
    shown = " ".join(value.split())
    if len(shown) > 50:
        shown = shown[:49] + "…"
    return f"  {_LABELS[name]} [{shown}]: "
