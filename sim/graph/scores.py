"""The tenant's daily Secure Score snapshots, and the live control scores they are taken from.

Graph keeps one secureScore entity per day for 90 days. The sim keeps the control scores as
they are now (`live`) and one snapshot per day; when the clock passes midnight, the new day's
snapshot is taken from `live` after any scripted change due that day. So a score moved today
shows up in tomorrow's entry, and today's entry stays as it was taken.
"""

from __future__ import annotations

from datetime import date, timedelta

from . import data


class ScoreBook:
    """Live scores, scripted future scores and the retained daily snapshots."""

    def __init__(self, today: date, retention: int) -> None:
        self.retention = max(retention, 1)
        self.live: dict[str, float] = {
            name: float(entry["score"]) for name, entry in data.CONTROL_SCORES.items()
        }
        #: control -> [(first day it applies, score)], oldest first.
        self.schedule: dict[str, list[tuple[date, float]]] = {}
        self.days: dict[date, dict[str, float]] = {}
        for back in range(self.retention):
            scores = dict(self.live)
            for control_id, history in data.SCORE_HISTORY.items():
                if back and history:
                    scores[control_id] = float(history[min(back, len(history)) - 1])
            self.days[today - timedelta(days=back)] = scores

    @property
    def latest(self) -> date:
        """The newest snapshot's day."""
        return max(self.days)

    def roll(self, today: date) -> None:
        """Take a snapshot for each day the clock has reached since the newest one."""
        latest = self.latest
        while latest < today:
            latest += timedelta(days=1)
            self._apply_due(latest)
            self.days[latest] = dict(self.live)
        keep = sorted(self.days, reverse=True)[: self.retention]
        self.days = {day: self.days[day] for day in keep}

    def _apply_due(self, day: date) -> None:
        for control_id, steps in list(self.schedule.items()):
            due = [step for step in steps if step[0] <= day]
            if due:
                self.live[control_id] = due[-1][1]
                rest = [step for step in steps if step[0] > day]
                if rest:
                    self.schedule[control_id] = rest
                else:
                    del self.schedule[control_id]

    def move(self, control_id: str, score: float) -> None:
        """The tenant's configuration changed: the next day's snapshot shows `score`."""
        self.live[control_id] = score
        self.schedule.pop(control_id, None)

    def rewrite_today(self, control_id: str, score: float) -> None:
        """Change the score now and in today's snapshot too (a test shortcut)."""
        self.move(control_id, score)
        self.days[self.latest][control_id] = score

    def script(self, control_id: str, steps: list[tuple[int, float]]) -> None:
        """Scores over time: each (day, score) holds from the snapshot `day` days after today
        on (day 0 rewrites today's snapshot). Replaces any earlier script of the control."""
        self.schedule.pop(control_id, None)
        today = self.latest
        future = []
        for offset, score in sorted(steps):
            if offset <= 0:
                self.rewrite_today(control_id, score)
            else:
                future.append((today + timedelta(days=offset), score))
        if future:
            self.schedule[control_id] = future

    def set_history(self, control_id: str, scores: list[float]) -> int:
        """Past snapshots of one control, newest first: scores[0] is yesterday's. Returns how
        many retained days were set (older ones fall outside the retention)."""
        today = self.latest
        count = 0
        for back, score in enumerate(scores, start=1):
            day = today - timedelta(days=back)
            if day in self.days:
                self.days[day][control_id] = score
                count += 1
        return count

    def scheduled(self, control_id: str) -> list[dict[str, object]]:
        """The control's pending scripted steps as JSON-able dicts."""
        return [
            {"date": day.isoformat(), "score": score}
            for day, score in self.schedule.get(control_id, [])
        ]
