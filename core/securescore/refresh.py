"""One Secure Score refresh of a workspace: read its tenant once, check the tickets that
were resolved (did the score move?), then run its rules. ``bot/`` schedules refreshes;
tests call :meth:`ScoreRefresher.refresh` themselves."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from core.rules import RuleEngine
from core.securescore.errors import GraphError, GraphNotConfigured
from core.securescore.snapshot import ScoreSource
from core.securescore.verify import ScoreVerifier

__all__ = ["RefreshResult", "ScoreRefresher"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RefreshResult:
    """What a refresh did: outcomes told on tickets, tickets opened by rules."""

    told: int = 0
    opened: int = 0


class ScoreRefresher:
    """Refreshes each workspace's Secure Score; logs once when Graph starts failing for a
    workspace and once when it recovers."""

    def __init__(self, source: ScoreSource, verifier: ScoreVerifier, rules: RuleEngine) -> None:
        self._source = source
        self._verifier = verifier
        self._rules = rules
        self._failing: set[str] = set()

    async def refresh(self, workspace: str) -> RefreshResult:
        """One refresh; nothing happens for a workspace without Secure Score."""
        try:
            scores = await self._source.snapshot(workspace)
        except GraphNotConfigured:
            return RefreshResult()
        except GraphError as exc:
            if workspace not in self._failing:
                log.warning("Secure Score refresh of %s failing: %s", workspace, exc.message)
            self._failing.add(workspace)
            return RefreshResult()
        if workspace in self._failing:
            log.info("Secure Score refresh of %s recovered", workspace)
            self._failing.discard(workspace)
        told = await self._verifier.check(workspace, scores)
        opened = await self._rules.evaluate(workspace, scores)
        return RefreshResult(told, opened)
