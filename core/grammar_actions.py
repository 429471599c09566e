"""The ticket action commands: ``comment``, ``note``, ``assign``, ``resolve``, ``close``,
``reopen`` and ``identity``. Their free text is read as typed (apostrophes and all), so they
parse the raw rest of the line rather than shell-like words. Given only a ticket number,
``comment``, ``note``, ``assign``, ``resolve`` and ``close`` open the action's form (what
the card's buttons carry)."""

from __future__ import annotations

import shlex
from collections.abc import Callable

from core import commands as c
from core.errors import UsageError
from core.grammar_kinds import NUMBER
from core.grammar_language import language_text, parse_language
from core.grammar_lookup import parse_lookup
from core.grammar_mapping import mapping_text, parse_mapping
from core.grammar_rules import parse_rules, rule_text
from core.grammar_threads import THREAD_PARSERS, thread_text
from core.i18n import _, format_number

__all__ = ["ACTION_PARSERS", "action_text", "number_of"]

#: Characters of a comment or work note (ServiceNow's journal takes far more; chat is for
#: short notes, and a card shows 500).
MAX_NOTE = 4000


def number_of(word: str, verb: str) -> str:
    """A ticket number, upper-cased, or the usage of ``verb``."""
    number = word.upper()
    if not NUMBER.match(number):
        raise UsageError(
            _(
                "'{word}' is not a ticket number: use INC0010001 or CHG0030001, "
                "e.g. /snow {verb} INC0010001 …",
                word=word[:40],
                verb=verb,
            )
        )
    return number


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1].strip()
    return text


def _split(rest: str, verb: str, example: str) -> tuple[str, str]:
    word, _space, tail = rest.strip().partition(" ")
    if not word:
        raise UsageError(_("Usage: /snow {verb} {example}", verb=verb, example=example))
    return number_of(word, verb), tail.strip()


def _note(verb: str, work_note: bool) -> Callable[[str], c.Command]:
    def parse(rest: str) -> c.Command:
        number, text = _split(rest, verb, 'INC0010001 "' + _("what to add") + '"')
        text = _unquote(text)
        if not text:
            return c.ActionForm(number, verb)
        if len(text) > MAX_NOTE:
            raise UsageError(
                _(
                    "That is too long for a comment or work note ({most} characters at most).",
                    most=format_number(MAX_NOTE),
                )
            )
        return c.AddNote(number, text, work_note)

    return parse


def _assign(rest: str) -> c.Command:
    number, target = _split(rest, "assign", 'INC0010001 me, or INC0010001 "Service Desk"')
    target = _unquote(target)
    if not target:
        return c.ActionForm(number, "assign")
    return c.Assign(number, "me" if target.lower() == "me" else target[:100])


def _close(rest: str) -> c.Command:
    number, tail = _split(rest, "close", 'CHG0030001 <close code> "<notes>"')
    if not number.startswith(("CHG", "SIR")):
        raise UsageError(
            _(
                "/snow close is for changes and security incidents; resolve an incident: "
                "/snow resolve {number} "
                '<close code> "<notes>"',
                number=number,
            )
        )
    return _closing(number, tail, "close")


def _resolve(rest: str) -> c.Command:
    number, tail = _split(rest, "resolve", 'INC0010001 <close code> "<notes>"')
    return _closing(number, tail, "resolve")


def _closing(number: str, tail: str, verb: str) -> c.Command:
    if not tail:
        return c.ActionForm(number, verb)
    try:
        words = shlex.split(tail)
    except ValueError:
        raise UsageError(
            _('A quote is not closed: write codes like "Solved (Permanently)".')
        ) from None
    if len(words) < 2:
        raise UsageError(
            _(
                'Give a close code and notes: /snow {verb} {number} "Solved (Permanently)" '
                '"What was done"',
                verb=verb,
                number=number,
            )
        )
    notes = " ".join(words[1:]) if len(words) > 2 else words[1]
    if len(notes) > MAX_NOTE:
        raise UsageError(
            _("The notes are too long ({most} characters at most).", most=format_number(MAX_NOTE))
        )
    return c.ResolveTicket(number, words[0][:100], notes)


def _reopen(rest: str) -> c.Command:
    number, tail = _split(rest, "reopen", "INC0010001")
    if tail:
        raise UsageError(
            _("/snow reopen takes only the ticket number: /snow reopen {number}", number=number)
        )
    return c.ReopenTicket(number)


def _identity(rest: str) -> c.Command:
    mode = rest.strip().lower()
    if mode not in ("", "linked", "email"):
        raise UsageError(_("Usage: /snow identity linked|email"))
    return c.SetIdentity(mode)


ACTION_PARSERS: dict[str, Callable[[str], c.Command]] = {
    "comment": _note("comment", False),
    "note": _note("note", True),
    "assign": _assign,
    "resolve": _resolve,
    "close": _close,
    "reopen": _reopen,
    "identity": _identity,
    "rules": parse_rules,
    **THREAD_PARSERS,
    "lookup": parse_lookup,
    "language": parse_language,
    "mapping": parse_mapping,
}


def _quoted(text: str) -> str:
    return '"' + text.replace('"', "'") + '"' if text else '""'


def action_text(command: c.Command) -> str | None:
    """The text that reads back to an action command (what a button carries), or None."""
    match command:
        case c.AddNote(number=number, text=text, work_note=work_note):
            return f"{'note' if work_note else 'comment'} {number} {text}"
        case c.Assign(number=number, to=to):
            return f"assign {number} {to}"
        case c.ResolveTicket(number=number, close_code=code, notes=notes):
            return f"resolve {number} {shlex.quote(code)} {shlex.quote(notes)}"
        case c.ReopenTicket(number=number):
            return f"reopen {number}"
        case c.ActionForm(number=number, action=action):
            return f"{action} {number}"
        case c.SetIdentity(mode=mode):
            return f"identity {mode}".strip()
        case c.Lookup(mode=mode):
            return f"lookup {mode}".strip()
        case c.MapFields():
            return mapping_text(command)
    return rule_text(command) or thread_text(command) or language_text(command)
