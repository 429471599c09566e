"""The grammar of a channel's notification schedule: digests and quiet hours.

::

    subscribe [incident|change|all] [priority<=N] digest daily [09:00] [zone Europe/Stockholm]
    subscribe … digest hourly [:15]
    subscribe digest off
    quiet 18:00-08:00 [zone Europe/Stockholm]
    quiet off
    quiet
    notify me on|off
"""

from __future__ import annotations

from collections.abc import Callable

from core import commands as c
from core.errors import UsageError
from core.grammar_kinds import kinds_text
from core.grammar_watch import watch_parsers, watch_text
from core.i18n import N_, _
from core.models import TicketKind
from core.schedules import DAILY, HOURLY, clock_time, zone_info

__all__ = ["schedule_parsers", "schedule_text", "with_digest"]

_DIGEST_EXAMPLE = N_(
    "e.g. /snow subscribe digest daily 09:00 zone Europe/Stockholm, or digest hourly"
)
_QUIET_EXAMPLE = N_("e.g. /snow quiet 18:00-08:00 zone Europe/Stockholm, or /snow quiet off")

Parser = Callable[[list[str]], c.Command]


def _hhmm(word: str, example: str) -> str:
    at = clock_time(word)
    if at is None:
        raise UsageError(
            _(
                "'{word}' is not a time of day: use HH:MM, {example}",
                word=word[:40],
                example=_(example),
            )
        )
    return f"{at.hour:02d}:{at.minute:02d}"


def _zone(words: list[str], example: str) -> tuple[list[str], str]:
    """Split a trailing ``zone <IANA name>`` off ``words``."""
    lowered = [w.lower() for w in words]
    if "zone" not in lowered:
        return words, ""
    i = lowered.index("zone")
    if len(words) != i + 2:
        raise UsageError(_("Name one time zone after zone, {example}", example=_(example)))
    name = words[i + 1]
    if zone_info(name) is None:
        raise UsageError(
            _("'{word}' is not a time zone: use a name like Europe/Stockholm", word=name[:40])
        )
    return words[:i], name


def _digest(words: list[str]) -> tuple[str, str, str]:
    words, zone = _zone(words, _DIGEST_EXAMPLE)
    every = words[0].lower() if words else ""
    if every == "off" and len(words) == 1:
        return "off", "09:00", zone
    if every not in (DAILY, HOURLY) or len(words) > 2:
        raise UsageError(
            _(
                "Say how often: digest daily or digest hourly, {example}",
                example=_(_DIGEST_EXAMPLE),
            )
        )
    if len(words) == 1:
        return every, "09:00" if every == DAILY else "00:00", zone
    at = words[1]
    if every == HOURLY and at.startswith(":"):
        at = "00" + at
    return every, _hhmm(at, _DIGEST_EXAMPLE), zone


def with_digest(subscribe: Parser) -> Parser:
    """``subscribe`` that also reads a trailing ``digest …`` (then a DigestSubscribe)."""

    def parse(args: list[str]) -> c.Command:
        lowered = [w.lower() for w in args]
        if "digest" not in lowered:
            return subscribe(args)
        i = lowered.index("digest")
        plain = subscribe(args[:i])
        assert isinstance(plain, c.Subscribe)
        every, at, zone = _digest(args[i + 1 :])
        when = "off" if every == "off" else f"{every} {at}"
        return c.DigestSubscribe(plain.kinds, plain.max_priority, when, zone)

    return parse


def _quiet(args: list[str]) -> c.Command:
    words, zone = _zone(args, _QUIET_EXAMPLE)
    if not words:
        if zone:
            raise UsageError(
                _("Say the quiet hours before the zone, {example}", example=_(_QUIET_EXAMPLE))
            )
        return c.Quiet()
    if len(words) == 1 and words[0].lower() == "off" and not zone:
        return c.Quiet("off")
    window = "".join(words)
    if len(words) > 3 or window.count("-") != 1:
        raise UsageError(_("Give the quiet hours as from-to, {example}", example=_(_QUIET_EXAMPLE)))
    start, end = window.split("-")
    start, end = _hhmm(start, _QUIET_EXAMPLE), _hhmm(end, _QUIET_EXAMPLE)
    if start == end:
        raise UsageError(
            _(
                "Quiet hours need an end different from their start, {example}",
                example=_(_QUIET_EXAMPLE),
            )
        )
    return c.Quiet(f"{start}-{end}", zone)


def _notify(args: list[str]) -> c.Command:
    words = [w.lower() for w in args]
    if len(words) != 2 or words[0] != "me" or words[1] not in ("on", "off"):
        raise UsageError(
            _(
                "Say /snow notify me on to hear by direct message of changes to tickets you "
                "asked for or took, or /snow notify me off"
            )
        )
    return c.NotifyMe(words[1] == "on")


def schedule_parsers(subscribe: Parser) -> dict[str, Parser]:
    """The parsers of this module, ``subscribe`` extended with its digest."""
    parsers = {"subscribe": with_digest(subscribe), "quiet": _quiet, "notify": _notify}
    return watch_parsers(parsers)


def _kinds_text(kinds: frozenset[TicketKind]) -> str:
    return kinds_text(kinds)


def schedule_text(command: c.Command) -> str | None:
    """The text :func:`core.grammar.parse` reads back to ``command``, or None when it is
    not one of these."""
    if (text := watch_text(command)) is not None:
        return text
    match command:
        case c.DigestSubscribe(kinds=kinds, max_priority=level, every=every, zone=zone):
            words = ["subscribe", _kinds_text(kinds), f"priority<={level}", "digest", every]
            return " ".join(words + (["zone", zone] if zone else []))
        case c.NotifyMe(on=on):
            return f"notify me {'on' if on else 'off'}"
        case c.Quiet(window=window, zone=zone):
            return " ".join(["quiet", window, *(["zone", zone] if zone else [])]).rstrip()
    return None
