"""Reminders, digests, quiet hours and notify me in the console (`/console/…`, as
`snowops chat` calls it), against the ServiceNow simulator. The console is one conversation
that holds every card, so a ticket's news arrives in its card's thread there; a reminder and
an overdue notice arrive once each."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import Sim
from tests.e2e.console_harness import Console
from tests.e2e.test_console_securescore import WORKSPACE, console, feed, say

__all__ = ["console"]


async def create(console: Console, name: str, due: str) -> str:
    """A ticket made through the console's form endpoint; returns its number."""
    form = (await say(console, f"/snow create {name}"))["form"]
    values = {k: str(form[k] or "") for k in ("kind", "name", "description", "category")}
    values.update(priority="3", due=due)
    async with console.http.post(
        f"{console.url}/console/forms", json={"form": form, "values": values, "key": name}
    ) as r:
        made = (await r.json())["text"]
    return str(made.split("Created ", 1)[1][:10])


async def tick_and_deliver(console: Console) -> None:
    services = console.services
    assert services is not None
    assert services.workers is not None
    await services.workers.run_cycle(WORKSPACE)
    await services.score.schedule.tick(WORKSPACE)
    while await services.notifier.deliver("test"):
        pass


async def test_a_reminder_and_an_overdue_notice_arrive_once_each(
    console: Console, sim: Sim
) -> None:
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
    await tick_and_deliver(console)
    clock.advance(3 * 3600)
    await tick_and_deliver(console)
    await tick_and_deliver(console)
    shown = await feed(console)
    reminder = f"{number} Rotate the VPN certificate: reminder: due Thu 31 Dec 2026 23:59 UTC"
    overdue = f"{number} Rotate the VPN certificate: overdue: it was due Thu 31 Dec 2026 23:59 UTC"
    assert shown.count(reminder) == 1
    assert shown.count(overdue) == 1


async def test_digest_quiet_and_notify_commands_answer_and_refuse_clearly(
    console: Console,
) -> None:
    answer = await say(console, "/snow subscribe digest daily 09:00 zone Europe/Stockholm")
    assert "one digest a day at 09:00 (Europe/Stockholm)" in answer["text"]
    answer = await say(console, "/snow quiet 18:00-08:00")
    assert "quiet 18:00–08:00" in answer["text"]
    assert "(Europe/Stockholm)" in answer["text"]  # the channel's zone, set once
    assert "You will get a direct message" in (await say(console, "/snow notify me on"))["text"]
    bad = (await say(console, "/snow quiet 25:00-08:00"))["text"]
    assert "'25:00' is not a time of day" in bad
    bad = (await say(console, "/snow subscribe digest weekly"))["text"]
    assert "Say how often: digest daily or digest hourly" in bad
    bad = (await say(console, "/snow subscribe digest daily zone Mars/Olympus"))["text"]
    assert "'Mars/Olympus' is not a time zone" in bad
    bad = (await say(console, "/snow notify me maybe"))["text"]
    assert "/snow notify me on" in bad
    assert "no longer" in (await say(console, "/snow notify me off"))["text"]
    assert "each change as it happens" in (await say(console, "/snow subscribe digest off"))["text"]
