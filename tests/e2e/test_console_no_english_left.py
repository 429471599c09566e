"""The last sweep for English left in Swedish: a Swedish terminal (``LANG=sv_SE.UTF-8``)
walks through the main views and answers of a workspace connected to ServiceNow and
Secure Score (help, home, status, config, states, recommendations, Secure Score, rules,
subscriptions, digests, quiet hours, a new ticket and its card, the ticket list, the audit
log, errors) and one not connected; what it printed must hold no English but data:
commands (the contract, the same in both languages), URLs, ticket titles and Microsoft's
own texts."""

from __future__ import annotations

import re

import pytest

from sim.servicenow.faults import Fault
from tests.conftest import Graph, Sim
from tests.e2e.console_harness import Console, run_terminal
from tests.e2e.console_harness import console as unconnected_console
from tests.e2e.test_console_securescore import console
from tests.e2e.test_console_swedish import _around, _without_data

__all__ = ["console", "unconnected_console"]

SWEDISH = "sv_SE.UTF-8"
#: English words that no Swedish sentence holds (padded, so that Swedish words containing
#: them do not count).
ENGLISH = (
    " the ",
    " your ",
    " you ",
    " is ",
    " and ",
    " with ",
    " to ",
    " not ",
    " of ",
    " for ",
    " has ",
    " was ",
    " are ",
    " this ",
    " from ",
    "Ticket",
    "Created",
    "Priority",
    "State:",
    "Source:",
    "User",
    "High",
    "Low",
    "Add comment",
    "Add work note",
    "Assign to",
    "Resolve",
    "Refresh",
    "subscription.",
    "rule.",
    "{'",
)

CONNECTED = (
    "help",
    "home",
    "status",
    "config",
    "states incident",
    "recommendations",
    "recommendations identity",
    "securescore",
    "rules",
    'rules add when "new recommendation" category Identity points>=8 then incident priority 2',
    "rules",
    "rules remove 1",
    "subscribe incident",
    "subscribe incident digest daily 09:00",
    "quiet 18:00-08:00",
    "quiet off",
    "subscribe incident digest off",
    "unsubscribe",
    "lookup",
    "lookup any",
    "language",
    "threads",
    "ticket INC9999999",
    "frobnicate",
    "tickets page 0",
)
UNCONNECTED = ("help", "home", "status", "tickets", "ticket INC0010001", "audit", "rules")


def _english_in(transcript: str) -> dict[str, str]:
    text = _without_data(transcript)
    text = re.sub(r"\b[A-Z]{3,4}\d{7}\b", " ", text)  # ticket numbers
    return {word: _around(text, word) for word in ENGLISH if word in text}


def _typed(*commands: str) -> bytes:
    return "".join(f"/snow {c}\n" for c in commands).encode()


async def test_a_swedish_terminal_reads_no_english_in_a_connected_workspace(
    console: Console, sim: Sim, graph: Graph
) -> None:
    said = await run_terminal(console.url, _typed(*CONNECTED), locale=SWEDISH)
    # Share a recommendation as an incident: the form's defaults, priority 2.
    made = await run_terminal(console.url, b"/snow share scid_96\n\n\n\n2\n\n\n", locale=SWEDISH)
    [number] = re.findall(r"\[ok\] (INC\d{7})", made)
    after = await run_terminal(
        console.url, _typed(f"ticket {number}", "tickets", "home", "audit"), locale=SWEDISH
    )
    for part in (said, made, after):
        assert "Traceback" not in part
    assert f"┌ Incident {number}" in made
    assert "Prioritet: 2 - Hög" in made  # the card shown to the asker is in their language
    assert "Tilldela mig" in after
    left = _english_in(said + made + after)
    assert not left, left


@pytest.mark.parametrize("command", UNCONNECTED)
async def test_a_swedish_terminal_reads_no_english_before_connecting(
    unconnected_console: Console, command: str
) -> None:
    said = await run_terminal(unconnected_console.url, _typed(command), locale=SWEDISH)
    assert "Traceback" not in said
    left = _english_in(said)
    assert not left, left


async def test_an_outage_met_in_the_background_is_shown_in_the_workspaces_language(
    console: Console, sim: Sim, graph: Graph
) -> None:
    """The last error `/snow status` shows was kept when the background sync met it: it is
    in the workspace's language, as the channel messages are."""
    services = console.services
    assert services is not None
    assert services.workers is not None
    await run_terminal(console.url, _typed("language sv"), locale=SWEDISH)
    sim.instance.inject_fault(Fault(status=503, count=50))
    await services.workers.poll_once("console:local")
    sim.instance.faults.clear()
    conn = await services.store.get_connection("console:local")
    assert conn is not None
    assert conn.last_error
    said = await run_terminal(console.url, _typed("status"), locale=SWEDISH)
    [line] = [line for line in said.splitlines() if "Senaste fel:" in line]
    assert not _english_in(line), line
