"""The rules a workspace keeps for opening tickets from Secure Score, and which of its
tenant's recommendations it has seen (so a *new* one can be told from an old one)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from core.commands import AddRule
from core.models import ChannelRef, Requester, TicketKind
from core.storage import Doc, Documents

__all__ = ["Rule", "RuleBook", "SeenRecommendations"]

_RULES = "score_rule"
_SEEN = "score_seen"


@dataclass(frozen=True, slots=True)
class Rule:
    """A kept rule: what it waits for, what it opens, where it is told and who made it."""

    id: str
    spec: AddRule
    channel: ChannelRef
    by: Requester
    created_at: datetime
    seq: int = 0  # the order rules were made in (several may share a moment)


def _doc(rule: Rule) -> Doc:
    spec = rule.spec
    return {
        "id": rule.id,
        "trigger": spec.trigger,
        "kind": spec.kind.value,
        "priority": spec.priority,
        "category": spec.category,
        "min_points": spec.min_points,
        "drop": spec.drop,
        "channel": {"channel": rule.channel.channel, "thread": rule.channel.thread},
        "by": [rule.by.platform, rule.by.user_id, rule.by.display_name, rule.by.email],
        "created_at": rule.created_at.isoformat(),
        "seq": rule.seq,
    }


def _rule(workspace: str, d: Doc) -> Rule:
    spec = AddRule(
        str(d["trigger"]),
        TicketKind(d["kind"]),
        int(d["priority"]),
        d.get("category"),
        int(d.get("min_points", 0)),
        int(d.get("drop", 0)),
    )
    where = d["channel"]
    platform, user, name, email = d["by"]
    return Rule(
        str(d["id"]),
        spec,
        ChannelRef(workspace, str(where["channel"]), where.get("thread")),
        Requester(str(platform), str(user), str(name), email),
        datetime.fromisoformat(str(d["created_at"])),
        int(d.get("seq", 0)),
    )


class RuleBook:
    """A workspace's rules, numbered in the order they were made."""

    def __init__(self, docs: Documents) -> None:
        self._docs = docs

    async def list(self, workspace: str) -> list[Rule]:
        """Every rule, oldest first (``/snow rules`` numbers them so)."""
        docs = await self._docs.list_documents(_RULES, f"{workspace}|")
        rules = [_rule(workspace, d) for d in docs.values()]
        return sorted(rules, key=lambda r: (r.seq, r.created_at, r.id))

    async def add(
        self, workspace: str, spec: AddRule, channel: ChannelRef, by: Requester, at: datetime
    ) -> Rule:
        """Keep a new rule."""
        seq = max((r.seq for r in await self.list(workspace)), default=0) + 1
        rule = Rule(uuid.uuid4().hex[:12], spec, channel, by, at, seq)
        await self._docs.put_document(_RULES, f"{workspace}|{rule.id}", _doc(rule))
        return rule

    async def remove(self, workspace: str, rule: Rule) -> bool:
        """Forget a rule; True if it was there."""
        return await self._docs.delete_document(_RULES, f"{workspace}|{rule.id}")


class SeenRecommendations:
    """The recommendation ids a workspace's rules have seen."""

    def __init__(self, docs: Documents) -> None:
        self._docs = docs

    async def get(self, workspace: str) -> set[str] | None:
        """The ids seen, or None before the first look."""
        doc = await self._docs.get_document(_SEEN, workspace)
        return None if doc is None else {str(i) for i in doc.get("ids", [])}

    async def put(self, workspace: str, ids: set[str]) -> None:
        """Remember ``ids`` as seen."""
        await self._docs.put_document(_SEEN, workspace, {"ids": sorted(ids)})
