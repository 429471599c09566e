"""The terminal loop: read lines, run them, ask forms field by field, print notifications.

Input is read with plain asyncio (the event loop watches stdin, see
:mod:`adapters.console.keyboard`), so notifications can be printed while the prompt waits:
they appear above it, and the prompt and whatever the user was typing are drawn again under
them. Each form field is checked as it is entered, by core's rule for that field.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import uuid
from typing import TextIO

from adapters.console.action_forms import fill_action
from adapters.console.form_fields import extra_prompt, pick_extra
from adapters.console.keyboard import LineReader, open_reader
from adapters.console.language import console_locale
from adapters.console.render import render_form_intro
from adapters.console.session import Confirm, ConsoleError, Session
from adapters.console.zone import system_zone
from core.clock import Clock, SystemClock
from core.forms import TicketFormView, check_field
from core.grammar_kinds import kind_word
from core.i18n import N_, _, ngettext, use_locale
from core.instance_meta import FIELD_PREFIX
from core.models import CATEGORIES, TicketKind
from core.zones import zone_name

__all__ = ["Terminal"]

PROMPT = "snow> "
_QUIT = {"quit", "exit", "/quit", "/exit", "bye"}
_CANCEL = {"cancel", "/cancel"}
#: A yes in either language (the question shows the one of the user's: [y/N] or [j/N]).
_YES = {"y", "yes", "j", "ja"}


class Terminal:
    """One console session in a terminal, speaking ``locale`` (default: this process's
    ``LANG``, see :func:`console_locale`) in its own prompts."""

    def __init__(
        self,
        session: Session,
        out: TextIO | None = None,
        clock: Clock | None = None,
        locale: str | None = None,
    ) -> None:
        self._session = session
        self._out = out or sys.stdout
        self._clock = clock or SystemClock()
        self._kinds: tuple[TicketKind, ...] = ()
        self._lines: LineReader | None = None
        self._locale = console_locale() if locale is None else locale

    def say(self, text: str) -> None:
        """Print a block of output."""
        if text:
            self._out.write(text + "\n")
            self._out.flush()

    def announce(self, text: str) -> None:
        """Print a notification above the prompt; what the user is typing stays under it."""
        if self._lines is None:
            self.say(text)
        else:
            self._lines.print_above(text)

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
        with use_locale(self._locale):
            return await self._run(stdin, banner)

    async def _run(self, stdin: TextIO | None, banner: str) -> int:
        lines = self._lines = open_reader(stdin or sys.stdin, self._out)
        try:
            # Only what happens from now on: old announcements belong to earlier sessions.
            start = [e.seq for e in await self._session.events(0, 0)]
            follower = asyncio.create_task(self._follow(max(start, default=0)))
            self.say(banner)
            try:
                await self._loop(lines)
            finally:
                follower.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await follower
        finally:
            self._lines = None
            lines.close()
        self.say(_("Bye."))
        return 0

    async def _loop(self, lines: LineReader) -> None:
        while True:
            line = await lines.ask(PROMPT)
            if line is None:
                self.say("")
                return
            line = line.strip()
            if not line:
                continue
            if line.lower() in _QUIT:
                return
            try:
                reply = await self._session.command(line)
                self.say(reply.text)
                if reply.form is not None:
                    await self._fill(lines, reply.form)
                if reply.action is not None:
                    await fill_action(lines.ask, self.say, self._session, reply.action)
                if reply.confirm is not None:
                    await self._confirm(lines, reply.confirm)
            except ConsoleError as exc:
                self.say(_("[error] {problem}", problem=exc))

    async def _confirm(self, lines: LineReader, confirm: Confirm) -> None:
        """Ask y/N; only a yes runs the command (anything else, or Ctrl-D, is a no)."""
        answer = await lines.ask(confirm.question)
        if answer is None or answer.strip().lower() not in _YES:
            self.say(confirm.cancelled)
            return
        self.say((await self._session.command(confirm.command)).text)

    async def _field(
        self, lines: LineReader, name: str, value: str, form: TicketFormView
    ) -> str | None:
        """Ask one field until its value passes core's check for it; None: cancelled."""
        extra = name.startswith(FIELD_PREFIX)
        while True:
            prompt = (
                extra_prompt(form.extra, name, value)
                if extra
                else _field_prompt(name, value, self._kinds)
            )
            answer = await lines.ask(prompt)
            if answer is None or answer.strip().lower() in _CANCEL:
                return None
            answer = answer.strip()
            entered = "" if answer == "-" else answer or value
            if extra:
                # The instance's own field: a choice by value, label or a unique part of one.
                entered, problem = pick_extra(form.extra, name, entered)
                if problem is None:
                    return entered
                self.say(f"  ✗ {problem}")
                continue
            # The due date is in this machine's zone, as the server reads it (one machine).
            problem = check_field(name, entered, self._clock.now(), system_zone())
            if problem is None:
                return entered
            self.say(f"  ✗ {problem}")

    async def _fill(self, lines: LineReader, form: TicketFormView) -> None:
        """Ask each field (each checked as it comes), submit, and ask again only the
        fields that were refused."""
        self.say("\n".join(render_form_intro(form)))
        self._kinds = form.kinds
        values = {
            "kind": kind_word(form.kind),
            "name": form.name,
            "description": form.description,
            "priority": str(int(form.priority)),
            "due": form.due,
            "category": form.category or "",
            **{f.key: f.value for f in form.extra},
        }
        fields = list(values)
        errors: dict[str, str] = {}
        key = uuid.uuid4().hex  # one key per form: submitting twice creates one ticket
        while True:
            for name in fields:
                if name in errors:
                    self.say(f"  ✗ {errors[name]}")
                answer = await self._field(lines, name, values.get(name, ""), form)
                if answer is None:
                    self.say(_("Cancelled: nothing was sent to ServiceNow."))
                    return
                values[name] = answer
            reply = await self._session.submit(form, values, key)
            if not reply.errors:
                self.say(reply.text)
                return
            errors = reply.errors
            fields = [f for f in [*values, *errors] if f in errors]
            fields = list(dict.fromkeys(fields))
            self.say(ngettext("Please fix {n} field:", "Please fix {n} fields:", len(errors)))


#: Each field's prompt (translated where shown); the words typed stay the contract's
#: (incident, change, 1-4, YYYY-MM-DD, the category names).
_LABELS = {
    "kind": N_("Type: {kinds}"),
    "name": N_("Name"),
    "description": N_("Description"),
    "priority": N_("Priority 1 Critical, 2 High, 3 Moderate, 4 Low"),
    "due": N_("Due date YYYY-MM-DD in {zone} (optional, '-' clears)"),
    "category": N_("Category: {categories} (optional)"),
}


def _field_prompt(name: str, value: str, kinds: tuple[TicketKind, ...] = ()) -> str:
    shown = " ".join(value.split())
    if len(shown) > 50:
        shown = shown[:49] + "…"
    words = [kind_word(k) for k in kinds or (TicketKind.INCIDENT, TicketKind.CHANGE)]
    kinds_text = (
        _("{some} or {last}", some=", ".join(words[:-1]), last=words[-1])
        if len(words) > 1
        else words[0]
    )
    label = _(
        _LABELS[name],
        zone=zone_name(system_zone()),
        categories=", ".join(CATEGORIES),
        kinds=kinds_text,
    )
    return f"  {label} [{shown}]: "
