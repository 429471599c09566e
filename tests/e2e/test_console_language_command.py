"""``/snow language`` and ``/snow hjälp`` in the console (`/console/…`, as `snowops chat`
calls it), against the ServiceNow simulator: the admin sees the workspace's language, sets
it (and is answered in it), a language SnowOps does not speak is refused with the ones it
does, and what a timer then posts in the conversation (a reminder) is in Swedish."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import Sim
from tests.e2e.console_harness import Console
from tests.e2e.test_console_digests import create, tick_and_deliver
from tests.e2e.test_console_securescore import WORKSPACE, console, feed, say

__all__ = ["console"]


async def test_hjalp_is_help(console: Console) -> None:
    help_text = (await say(console, "/snow hjälp"))["text"]
    assert help_text == (await say(console, "/snow help"))["text"]
    assert "/snow language [en|sv]" in help_text


async def test_the_admin_sets_the_language_and_a_bad_one_is_refused(console: Console) -> None:
    shown = (await say(console, "/snow language"))["text"]
    assert "in English (language en)" in shown
    assert "/snow language sv" in shown

    refused = (await say(console, "/snow language de"))["text"]
    assert "'de' is not a language SnowOps speaks" in refused
    assert "/snow language en (English)" in refused
    assert "/snow language sv (svenska)" in refused

    done = (await say(console, "/snow language sv"))["text"]
    assert "SnowOps skriver nu på svenska i arbetsytans kanaler." in done
    services = console.services
    assert services is not None
    assert await services.languages.language(WORKSPACE) == "sv"
    audit = (await say(console, "/snow audit 5"))["text"]
    assert "root (console:root) set the channels' language to sv — in terminal" in audit


async def test_a_reminder_is_posted_in_the_workspace_language(console: Console, sim: Sim) -> None:
    await say(console, "/snow language sv")
    number = await create(console, "Rotate the VPN certificate", "2026-12-31")
    services = console.services
    assert services is not None
    ticket = await services.store.get_ticket(WORKSPACE, number)
    assert ticket is not None
    assert ticket.due is not None
    clock = services.clock
    assert hasattr(clock, "advance")
    clock.advance((ticket.due - clock.now() - timedelta(hours=2)).total_seconds())
    await tick_and_deliver(console)
    shown = await feed(console)
    swedish = (
        f"{number} Rotate the VPN certificate: påminnelse: förfaller tors 31 dec. 2026 23:59 UTC"
    )
    assert swedish in shown, shown
