"""A service that did not answer, in the asker's language.

:func:`core.retry.send_with_retries` words a failed request in English for the log and the
error (``the ServiceNow request could not reach the server: ConnectError``), naming the
exact request. English keeps those words; another language gets the same fact about the
service, translated, since the request's own name is not in any catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from core.i18n import DEFAULT_LOCALE, current_locale, gettext

__all__ = ["no_answer_text", "unreachable"]

_UNSENT = re.compile(r" could not reach the server: (\w+)$")
_ON_THE_WAY = re.compile(r" failed on the way: (\w+)$")
_LATE = " got no answer in time"


def no_answer_text(message: str, service: str) -> str:
    """``message`` (core.retry's words) in the current language, about ``service``."""
    if current_locale() == DEFAULT_LOCALE:
        return message
    if found := _UNSENT.search(message):
        return gettext("could not reach {service}: {error}", service=service, error=found.group(1))
    if message.endswith(_LATE):
        return gettext("{service} gave no answer in time", service=service)
    if found := _ON_THE_WAY.search(message):
        return gettext(
            "the request to {service} failed on the way: {error}",
            service=service,
            error=found.group(1),
        )
    return message


def unreachable[E: Exception](make: Callable[[str], E], service: str) -> Callable[[str], E]:
    """``make`` (an error class), given the message in the current language."""

    def build(message: str) -> E:
        return make(no_answer_text(message, service))

    return build
