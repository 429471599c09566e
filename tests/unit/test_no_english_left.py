"""A Swedish request's answers, rendered as Slack and Teams render them, hold no English
but data (commands, URLs): core's views and notices and the adapters' own words for help,
home, status, configuration, states, recommendations, Secure Score, audit, rules,
subscriptions, tickets, the create form's refusal, lookup, identity, mapping, language,
threads, quiet hours, query watches, links and errors."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from adapters.slack.blocks import message
from adapters.teams.cards import card
from bot.core import build_core
from bot.settings import load_settings
from core.clock import FakeClock
from core.handlers.context import RequestContext
from core.handlers.router import Router
from core.i18n import use_locale
from core.models import ChannelRef, Requester
from core.outcomes import Reply
from core.secrets import SecretBox, generate_key
from core.store.memory import MemoryStore
from core.views import View

WS = "slack:T0SV"
SV = RequestContext(
    WS,
    Requester("slack", "U_ANNA", "Anna Andersson", "anna@example.se"),
    ChannelRef(WS, "C1"),
    is_admin=True,
    locale="sv-SE",
)
COMMANDS = (
    "help",
    "home",
    "status",
    "config",
    "states incident",
    "recommendations",
    "securescore",
    "audit",
    "rules",
    "subscribe incident",
    "quiet",
    "unsubscribe",
    "ticket INC0010001",
    "frobnicate",
    "tickets",
    "tickets incident page 0",
    "create",
    "lookup",
    "identity",
    "mapping",
    "language",
    "threads",
    "watch",
    "link",
    "unlink",
    "notifications retry",
    'recommendations add identity "Rotera nycklar"',
)
ENGLISH = (" the ", " your ", " you ", " is ", " and ", " with ", " to ", " not ", " of ")
ENGLISH += (" for ", " has ", " was ", "Ticket", "Created", "Connected", "Priority")
#: Keys whose values are identifiers, styles or addresses, not words people read.
_NOT_WORDS = {"action_id", "block_id", "type", "value", "url", "verb", "style", "id"}
_NOT_WORDS |= {"callback_id", "private_metadata", "$schema", "msteams", "data", "color"}


@pytest.fixture(scope="module")
def router() -> Router:
    key = generate_key()
    settings = load_settings(SNOWOPS_STORE="memory://", SNOWOPS_SECRET_KEY=key, _env_file=None)
    return build_core(settings, MemoryStore(SecretBox(key)), FakeClock(), {}).router


def _words(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in _NOT_WORDS:
                yield from _words(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _words(item)


def _english(rendered: object) -> dict[str, str]:
    text = " ".join(" ".join(_words(rendered)).split())
    text = re.sub(r"/?snow [^`*\n]*", " ", text)  # commands, as the help lists them
    text = re.sub(r"https?://\S+", " ", text)
    return {w: text[max(0, text.index(w) - 50) : text.index(w) + 50] for w in ENGLISH if w in text}


@pytest.mark.parametrize("command", COMMANDS)
async def test_a_swedish_answer_holds_no_english_on_slack_or_teams(
    router: Router, command: str
) -> None:
    with use_locale("sv"):
        outcome = await router.handle_text(SV, command)
        assert isinstance(outcome, Reply), outcome
        views: tuple[View, ...] = (
            outcome.view if isinstance(outcome.view, tuple) else (outcome.view,)
        )
        for view in views:
            for rendered in (message(view), card(view)):
                left = _english(rendered)
                assert not left, (command, left)
