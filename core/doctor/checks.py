"""One check's outcome, and how ``snowops doctor`` prints it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Check", "Outcome", "all_passed", "failed", "passed", "skipped"]


class Outcome(StrEnum):
    """How a check ended."""

    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class Check:
    """What was checked, what was found, and (when it failed) what to do."""

    name: str
    outcome: Outcome
    detail: str = ""
    hint: str = ""

    @property
    def ok(self) -> bool:
        """True unless the check failed (a skipped check is not a failure)."""
        return self.outcome is not Outcome.FAIL

    def line(self) -> str:
        """One line: outcome, name, finding, and what to do."""
        text = f"{self.outcome.value:<4}  {self.name}"
        if self.detail:
            text += f": {self.detail}"
        if self.hint and self.outcome in (Outcome.FAIL, Outcome.WARN):
            text += f" → {self.hint}"
        return text


def passed(name: str, detail: str = "") -> Check:
    """A check that passed."""
    return Check(name, Outcome.OK, detail)


def failed(name: str, detail: str, hint: str = "") -> Check:
    """A check that failed, with what to do."""
    return Check(name, Outcome.FAIL, detail, hint)


def warned(name: str, detail: str, hint: str = "") -> Check:
    """A finding that does not stop SnowOps but puts data at risk, with what to do."""
    return Check(name, Outcome.WARN, detail, hint)


def skipped(name: str, detail: str) -> Check:
    """A check that could not or need not run."""
    return Check(name, Outcome.SKIP, detail)


def all_passed(checks: list[Check]) -> bool:
    """True when no check failed."""
    return all(c.ok for c in checks)
