"""Cadence: how long each connection's poll loop waits before its next turn.

Polling is the safety net and never stops. A connection whose instance pushes its changes
(a verified push arrived for it) needs the net less often: each quiet turn doubles its
wait, from the configured interval up to a ceiling. The moment the net catches something
the push did not bring (a poll finds a change not told yet: a push was missed), or a push
from its instance fails verification, it goes back to the interval, at once: a loop
sleeping towards the ceiling is woken. So the worst case for a change whose push is lost
is the ceiling plus one poll, instead of the interval plus one poll; a change that is
pushed is told as fast as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

__all__ = ["Cadence", "default_ceiling"]

log = logging.getLogger(__name__)


def default_ceiling(interval: float) -> float:
    """Twelve intervals, at most five minutes (never below the interval)."""
    return max(interval, min(interval * 12, 300.0))


class Cadence:
    """Per-connection waits between poll turns (this replica's view, in memory)."""

    def __init__(self, interval: float, ceiling: float | None = None) -> None:
        self.interval = interval
        self.ceiling = max(interval, ceiling if ceiling is not None else default_ceiling(interval))
        #: Workspaces pushes arrive for → their instance.
        self._pushed: dict[str, str] = {}
        self._wait: dict[str, float] = {}
        self._wake: dict[str, asyncio.Event] = {}

    def pushing(self, workspace: str) -> bool:
        """True while pushes are trusted to bring ``workspace``'s changes."""
        return workspace in self._pushed

    def pushed(self, workspace: str, instance_url: str) -> None:
        """A verified push arrived for ``workspace``."""
        self._pushed[workspace] = instance_url

    def missed(self, workspace: str, *, wake: bool = True) -> None:
        """Pushes did not bring everything: back to the interval, at once (a loop waiting
        towards the ceiling is woken, unless it is the poll itself that noticed)."""
        if self._pushed.pop(workspace, None) is not None:
            log.info("a push for %s was missed: polling every %gs again", workspace, self.interval)
        self._wait.pop(workspace, None)
        event = self._wake.get(workspace)
        if wake and event is not None:
            event.set()

    def rejected(self, instance_url: str) -> None:
        """A push from ``instance_url`` failed verification: its connections cannot count
        on pushes until one is verified again."""
        for workspace in [w for w, i in self._pushed.items() if i == instance_url]:
            self.missed(workspace)

    def forget(self, workspace: str) -> None:
        """The connection went away."""
        self._pushed.pop(workspace, None)
        self._wait.pop(workspace, None)
        self._wake.pop(workspace, None)

    def after_turn(self, workspace: str, found: int) -> float:
        """The wait after a healthy turn that found ``found`` events."""
        if found and workspace in self._pushed:
            self.missed(workspace, wake=False)
        if workspace not in self._pushed:
            return self.interval
        wait = min(self.ceiling, self._wait.get(workspace, self.interval) * 2)
        self._wait[workspace] = wait
        return wait

    def lease_seconds(self, workspace: str) -> float:
        """How long a poll lease must last to cover the next turn and its wait: three
        intervals, or the longest wait ahead plus two (another replica takes a connection
        over only once its poller has missed a turn)."""
        ahead = self.interval
        if workspace in self._pushed:
            ahead = min(self.ceiling, self._wait.get(workspace, self.interval) * 2)
        return max(self.interval * 3, ahead + self.interval * 2)

    async def sleep(self, workspace: str, seconds: float) -> None:
        """Wait ``seconds``, or less if the connection must be polled sooner."""
        event = self._wake.setdefault(workspace, asyncio.Event())
        # Cleared after the wait, not before: a wake-up that came during the turn counts.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await event.wait()
        event.clear()
