"""The console speaks its user's language: the terminal sends its ``LANG`` with each
request, and SnowOps answers that request, and renders it, in that language, whatever
the server's own; two terminals in two languages at once each get their own."""

from __future__ import annotations

import asyncio

import pytest

from adapters.console.language import console_locale
from tests.conftest import Sim
from tests.e2e.console_harness import Console, console, run_terminal
from tests.e2e.test_console_action_forms import make
from tests.e2e.test_disconnect_confirm import connected_console

__all__ = ["connected_console", "console"]


async def test_a_swedish_terminal_is_answered_in_swedish(console: Console) -> None:
    text = await run_terminal(console.url, b"/snow help\n", locale="sv_SE.UTF-8")
    assert "SnowOps (inte ansluten än). Kommandon:" in text, text  # rendered by the server
    assert "lämna konsolen" in text
    assert text.rstrip().endswith("Hej då.")  # said by the terminal itself
    assert "Commands:" not in text
    assert "Bye." not in text


async def test_two_terminals_in_two_languages_at_once(console: Console) -> None:
    swedish, english = await asyncio.gather(
        run_terminal(console.url, b"/snow help\n/snow help\n", locale="sv_SE.UTF-8"),
        run_terminal(console.url, b"/snow help\n/snow help\n", locale="en_US.UTF-8"),
    )
    assert swedish.count("Kommandon:") == 2, swedish
    assert "Commands:" not in swedish
    assert english.count("Commands:") == 2, english
    assert "Kommandon:" not in english


async def test_an_unknown_language_is_english(console: Console) -> None:
    text = await run_terminal(console.url, b"/snow help\n", locale="de_DE.UTF-8")
    assert "SnowOps (not connected yet). Commands:" in text
    assert text.rstrip().endswith("Bye.")


async def test_a_swedish_terminal_asks_j_n_and_takes_a_swedish_yes(
    connected_console: Console, sim: Sim
) -> None:
    assert connected_console.services is not None
    store = connected_console.services.store
    said_no = await run_terminal(connected_console.url, b"/snow disconnect\nn\n", locale="sv_SE")
    assert "? [j/N] " in said_no, said_no
    assert await store.get_connection("console:local") is not None
    said_yes = await run_terminal(connected_console.url, b"/snow disconnect\nj\n", locale="sv_SE")
    assert "? [j/N] " in said_yes
    assert await store.get_connection("console:local") is None


async def test_a_swedish_terminal_assigns_to_a_group_in_swedish(console: Console, sim: Sim) -> None:
    """The action form's own prompts (asked by the terminal) are in the terminal's language."""
    number = await make(console, sim)
    typed = f"/snow assign {number}\nzzz\no\nx\no\n2\n".encode()
    text = await run_terminal(console.url, typed, locale="sv_SE.UTF-8")
    assert "'cancel' avbryter." in text, text
    assert "Tilldelningsgrupp (skriv en del av namnet): " in text
    assert "✗ Ingen aktiv grupp har 'zzz' i namnet." in text
    assert "Välj ett nummer (Enter: skriv igen): " in text
    assert "  2. Network" in text
    found = sim.instance.find_by_number(number)
    assert found is not None
    assert found[1]["assignment_group"]


async def test_a_swedish_terminal_cancels_in_swedish(connected_console: Console) -> None:
    typed = b"/snow create incident\ncancel\n"
    text = await run_terminal(connected_console.url, typed, locale="sv_SE")
    assert "Typ: incident, change, problem eller security-incident [incident]: " in text, text
    assert "Avbrutet: inget skickades till ServiceNow." in text


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"LANG": "sv_SE.UTF-8"}, "sv_SE.UTF-8"),
        ({"LANG": "sv_SE.UTF-8", "LC_MESSAGES": "en_GB.UTF-8"}, "en_GB.UTF-8"),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "sv_SE", "LC_ALL": "C.UTF-8"}, "C.UTF-8"),
        ({"LANG": "sv_SE.UTF-8", "LC_ALL": ""}, "sv_SE.UTF-8"),
        ({"LANG": "sv_SE.UTF-8\r\nX-Evil: 1"}, "sv_SE.UTF-8X-Evil1"),
        ({"LANG": "åäö"}, ""),
        ({}, ""),
    ],
)
def test_the_language_is_read_as_gettext_reads_it(env: dict[str, str], expected: str) -> None:
    """LC_ALL, then LC_MESSAGES, then LANG; an empty one does not count, and what no
    locale tag holds (nor a header could carry) is dropped."""
    assert console_locale(env) == expected


@pytest.mark.parametrize("tag", ["", "xx", "sv_SE.UTF-8@euro", "../../etc/passwd", "s" * 5000])
async def test_any_language_header_is_answered(console: Console, tag: str) -> None:
    """A tag SnowOps does not speak, or no tag at all, is answered (in English)."""
    headers = {"X-SnowOps-Locale": tag}
    async with console.http.post(
        f"{console.url}/console/commands", json={"text": "/snow help"}, headers=headers
    ) as response:
        assert response.status == 200
        text = (await response.json())["text"]
    expected = "Kommandon:" if tag.startswith("sv") else "Commands:"
    assert expected in text
