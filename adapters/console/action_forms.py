"""A ticket action's form in the console: as JSON for ``/console/…``, and asked field by
field in the terminal (the assignment group by what is typed: the names that match are
listed to pick from)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from adapters.console.render import clean
from core.action_forms import ActionFormView, action_form
from core.actions import ActionFormContext
from core.i18n import _
from core.models import TicketKind

__all__ = ["ActionSession", "action_from_doc", "action_to_doc", "fill_action"]

_CANCEL = {"cancel", "/cancel"}


class ActionSession(Protocol):
    """What filling an action form needs from SnowOps."""

    async def act(self, context: ActionFormContext, values: dict[str, str]) -> Any:
        """Submit the form; a reply with ``text`` and ``errors`` (field → what is wrong)."""
        ...

    async def suggest(self, text: str) -> list[str]:
        """The assignment group names matching ``text``."""
        ...


def action_to_doc(form: ActionFormView) -> dict[str, Any]:
    """The form as JSON."""
    return {
        "context": form.context.to_doc(),
        "kind": form.kind.value,
        "ticket_title": form.ticket_title,
        "choices": [list(c) for c in form.choices],
        "errors": dict(form.errors),
    }


def action_from_doc(doc: Any) -> ActionFormView:
    """The form back from JSON; ``ValueError`` (a UsageError) when it is not one."""
    if not isinstance(doc, dict):
        raise ValueError("action must be an object")
    context = ActionFormContext.from_doc(doc.get("context"))
    kinds = {k.value: k for k in TicketKind}
    kind = kinds.get(str(doc.get("kind") or ""), TicketKind.INCIDENT)
    choices = tuple(
        (str(c[0]), str(c[1])) for c in doc.get("choices") or () if isinstance(c, list) and c[1:]
    )
    errors = doc.get("errors")
    given = errors.items() if isinstance(errors, dict) else ()
    pairs = tuple((str(k), str(v)) for k, v in given)
    return action_form(context, kind, str(doc.get("ticket_title") or ""), choices, pairs)


Ask = Callable[[str], Awaitable[str | None]]
Say = Callable[[str], None]


def _pick(answer: str, options: list[tuple[str, str]]) -> str | None:
    """An option by its number in the list, its value or its label (any case)."""
    if answer.isdigit() and 1 <= int(answer) <= len(options):
        return options[int(answer) - 1][0]
    for value, label in options:
        if answer.casefold() in (value.casefold(), label.casefold()):
            return value
    return None


async def _group(ask: Ask, say: Say, session: ActionSession) -> str | None:
    """Type part of a name; one match is taken, several are listed to pick from."""
    while True:
        typed = await ask("  " + _("Assignment group (type part of its name): "))
        if typed is None or typed.strip().lower() in _CANCEL:
            return None
        names = await session.suggest(typed.strip())
        exact = [n for n in names if n.casefold() == typed.strip().casefold()]
        if len(names) == 1 or exact:
            say(f"  → {clean((exact or names)[0])}")
            return (exact or names)[0]
        if not names:
            part = clean(typed.strip()[:60])
            say("  ✗ " + _("No active group's name contains '{part}'.", part=part))
            continue
        say("\n".join(f"  {i}. {clean(n)}" for i, n in enumerate(names, 1)))
        picked = await ask("  " + _("Pick a number (Enter: type again): "))
        if picked is None or picked.strip().lower() in _CANCEL:
            return None
        chosen = _pick(picked.strip(), [(n, n) for n in names])
        if chosen is not None:
            return chosen


async def _field(ask: Ask, say: Say, form: ActionFormView, field: str) -> str | None:
    if field == "close_code" and form.choices:
        options = list(form.choices)
        say("\n".join(f"  {i}. {clean(label or v)}" for i, (v, label) in enumerate(options, 1)))
    while True:
        answer = await ask(f"  {form.label(field)}: ")
        if answer is None or answer.strip().lower() in _CANCEL:
            return None
        answer = answer.strip()
        if field == "close_code" and form.choices:
            value = _pick(answer, list(form.choices))
            if value is None:
                say("  ✗ " + _("Pick one of the numbers above."))
                continue
            return value
        if answer:
            return answer
        say("  ✗ " + _("Required."))


async def fill_action(ask: Ask, say: Say, session: ActionSession, form: ActionFormView) -> None:
    """Ask each field, submit as the console user, and ask again what was refused."""
    say(f"== {clean(form.title)} ==\n{clean(form.number)} · {clean(form.ticket_title)}")
    say(_("'cancel' stops."))
    fields, values = list(form.fields), {}
    while True:
        for field in fields:
            hint = form.hint(field)
            if hint and field != "group":
                say(f"  ({hint})")
            value = (
                await _group(ask, say, session)
                if field == "group"
                else await _field(ask, say, form, field)
            )
            if value is None:
                say(_("Cancelled: nothing was sent to ServiceNow."))
                return
            values[field] = value
        reply = await session.act(form.context, values)
        if not reply.errors:
            say(reply.text)
            return
        for problem in reply.errors.values():
            say(f"  ✗ {clean(str(problem))}")
        fields = [f for f in form.fields if f in reply.errors] or list(form.fields)
