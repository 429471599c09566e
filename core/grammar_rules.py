"""The ``rules`` commands: rules that open tickets on a Secure Score refresh.

::

    rules
    rules add when "new recommendation" [category Identity] [points>=8] then incident [priority 2]
    rules add when "score drops" by>=5 then change [priority 1]
    rules remove 2
"""

from __future__ import annotations

import re
import shlex

from core import commands as c
from core.errors import UsageError
from core.grammar_kinds import KIND_WORDS, kind_word
from core.i18n import N_, _
from core.models import CATEGORIES, TicketKind

__all__ = ["NEW_RECOMMENDATION", "SCORE_DROPS", "parse_rules", "rule_text"]

NEW_RECOMMENDATION = "new recommendation"
SCORE_DROPS = "score drops"
MAX_POINTS = 999
_AT_LEAST = re.compile(r"^(points|by)>=([0-9]{1,3})$")
_EXAMPLE = N_(
    'e.g. /snow rules add when "new recommendation" category Identity points>=8 then '
    'incident priority 2, or /snow rules add when "score drops" by>=5 then incident'
)
_KINDS = KIND_WORDS


def _words(rest: str) -> list[str]:
    try:
        return shlex.split(rest)
    except ValueError:
        raise UsageError(
            _('A quote is not closed: write "new recommendation". {example}', example=_(_EXAMPLE))
        ) from None


def parse_rules(rest: str) -> c.Command:
    """``rules``, ``rules add …`` or ``rules remove N``."""
    words = _words(rest)
    if not words:
        return c.ListRules()
    verb = words[0].lower()
    if verb == "remove":
        if len(words) != 2 or not words[1].isdigit() or not 1 <= int(words[1]) <= 999:
            raise UsageError(
                _("Say which rule: /snow rules remove 2 (the numbers /snow rules shows)")
            )
        return c.RemoveRule(int(words[1]))
    if verb != "add":
        raise UsageError(
            _("/snow rules lists the rules; add or remove one: {example}", example=_(_EXAMPLE))
        )
    return _add([w.lower() for w in words[1:]])


def _trigger(words: list[str]) -> tuple[str, list[str]]:
    if not words or words[0] != "when":
        raise UsageError(_("A rule starts with when: {example}", example=_(_EXAMPLE)))
    rest = words[1:]
    for trigger in (NEW_RECOMMENDATION, SCORE_DROPS):
        parts = trigger.split()
        if rest[:1] == [trigger]:
            return trigger, rest[1:]
        if rest[:2] == parts:
            return trigger, rest[2:]
    said = rest[0][:40] if rest else ""
    raise UsageError(
        _(
            '\'{word}\' is not a trigger: use "new recommendation" or "score drops". {example}',
            word=said,
            example=_(_EXAMPLE),
        )
    )


def _add(words: list[str]) -> c.Command:
    trigger, rest = _trigger(words)
    if "then" not in rest:
        raise UsageError(
            _("Say what to open after then: incident or change. {example}", example=_(_EXAMPLE))
        )
    split = rest.index("then")
    conditions, action = rest[:split], rest[split + 1 :]
    category, least = _conditions(conditions)
    kind, priority = _action(action)
    if trigger == SCORE_DROPS:
        if category is not None or "points" in least or "by" not in least:
            raise UsageError(
                _(
                    '"score drops" takes by>=N (points lost in a day). {example}',
                    example=_(_EXAMPLE),
                )
            )
        if least["by"] < 1:
            raise UsageError(_("by>=N needs N of 1 or more."))
        return c.AddRule(trigger, kind, priority, drop=least["by"])
    if "by" in least:
        raise UsageError(
            _(
                '"new recommendation" takes category and points>=N. {example}',
                example=_(_EXAMPLE),
            )
        )
    return c.AddRule(trigger, kind, priority, category, least.get("points", 0))


def _conditions(words: list[str]) -> tuple[str | None, dict[str, int]]:
    category: str | None = None
    least: dict[str, int] = {}
    i = 0
    while i < len(words):
        word = words[i]
        if word == "category" and i + 1 < len(words):
            category = _category(words[i + 1])
            i += 2
            continue
        match = _AT_LEAST.match(word)
        if match is None:
            raise UsageError(
                _("'{word}' is not a condition. {example}", word=word[:40], example=_(_EXAMPLE))
            )
        least[match.group(1)] = int(match.group(2))
        i += 1
    return category, least


def _category(word: str) -> str:
    for name in CATEGORIES:
        if word in (name.lower(), name.lower().rstrip("s")):
            return name
    raise UsageError(
        _(
            "'{word}' is not a category: use one of {categories}.",
            word=word[:40],
            categories=", ".join(CATEGORIES),
        )
    )


def _action(words: list[str]) -> tuple[TicketKind, int]:
    kind = _KINDS.get(words[0]) if words else None
    if kind is None:
        raise UsageError(
            _(
                "After then, say incident, change, problem or security-incident. {example}",
                example=_(_EXAMPLE),
            )
        )
    rest = words[1:]
    if not rest:
        return kind, 3
    if len(rest) == 2 and rest[0] == "priority" and rest[1] in ("1", "2", "3", "4"):
        return kind, int(rest[1])
    raise UsageError(_("End a rule with priority 1 (Critical) to 4 (Low), or nothing for 3."))


def rule_text(command: c.Command) -> str | None:
    """The text that reads back to a rules command, or None for another command."""
    match command:
        case c.ListRules():
            return "rules"
        case c.RemoveRule(number=number):
            return f"rules remove {number}"
        case c.AddRule() as rule:
            then = f"then {kind_word(rule.kind)} priority {rule.priority}"
            return f"rules add {condition_text(rule)} {then}"
    return None


def condition_text(rule: c.AddRule) -> str:
    """``when "new recommendation" category Identity points>=8``: what a rule waits for."""
    words = ["when", f'"{rule.trigger}"']
    if rule.category:
        words += ["category", rule.category]
    if rule.min_points:
        words.append(f"points>={rule.min_points}")
    if rule.drop:
        words.append(f"by>={rule.drop}")
    return " ".join(words)
