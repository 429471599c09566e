"""Secure Score requests: the score with its trend and chart, the tenant it comes from,
and the rules that open tickets on a refresh."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import commands as c
from core.audit import AuditTrail
from core.clock import Clock
from core.grammar_rules import condition_text
from core.handlers.context import RequestContext
from core.handlers.router import Handler
from core.i18n import _
from core.outcomes import Audience, Outcome, Reply
from core.recommendations import RecommendationService
from core.rules import RuleEngine
from core.securescore.errors import GraphError, GraphNotConfigured
from core.securescore.report import ScoreReports
from core.securescore.snapshot import ScoreSource
from core.views import Notice, NoticeLevel, sentence

__all__ = ["SecureScoreHandlers"]


def _rule_text(spec: c.AddRule) -> str:
    """The rule as it is typed: command words, the same in every language."""
    return f"{condition_text(spec)} then {spec.kind.value} priority {spec.priority}"


def _rule_line(number: int, spec: c.AddRule) -> str:
    return f"{number}. {_rule_text(spec)}"


class SecureScoreHandlers:
    """``securescore`` and ``rules``."""

    def __init__(
        self,
        recommendations: RecommendationService,
        reports: ScoreReports,
        source: ScoreSource,
        rules: RuleEngine,
        audit: AuditTrail,
        clock: Clock,
    ) -> None:
        self._recs = recommendations
        self._reports = reports
        self._source = source
        self._engine = rules
        self._audit = audit
        self._clock = clock

    def routes(self) -> Mapping[type[Any], Handler]:
        """The requests this group answers."""
        return {
            c.LinkTenant: self.tenant,
            c.ListRules: self.list_rules,
            c.AddRule: self.add_rule,
            c.RemoveRule: self.remove_rule,
        }

    async def tenant(self, ctx: RequestContext, command: c.LinkTenant) -> Outcome:
        """The tenant's Secure Score, or link a tenant (admins)."""
        configured = self._recs.graph_configured
        if command.tenant is not None:
            linked = await self._recs.link_tenant(ctx.workspace, command.tenant, ctx.actor)
            hint = "" if configured else _(GraphNotConfigured.default_hint)
            text = _("Secure Score will come from tenant {tenant}.", tenant=linked)
            return Reply(Notice(text, NoticeLevel.SUCCESS, hint=hint))
        if not configured:
            text = _("Microsoft Secure Score is not connected.")
            return Reply(Notice(text, hint=_(GraphNotConfigured.default_hint)))
        tenant = await self._recs.tenant(ctx.workspace)
        if tenant is None:
            return Reply(
                Notice(
                    _("This workspace is not linked to a Microsoft tenant yet."),
                    hint=_("An admin links it with /snow securescore <tenant-id>."),
                )
            )
        try:
            view = await self._reports.view(ctx.workspace)
        except GraphError as exc:
            text = _(
                "Secure Score comes from tenant {tenant}, but {problem}",
                tenant=tenant,
                problem=sentence(exc.message),
            )
            return Reply(Notice(text, NoticeLevel.WARNING, hint=exc.hint))
        return Reply(view, Audience.CONVERSATION)

    async def list_rules(self, ctx: RequestContext, command: c.ListRules) -> Outcome:
        """The workspace's rules, numbered."""
        rules = await self._engine.rules.list(ctx.workspace)
        if not rules:
            return Reply(
                Notice(
                    _("No rules yet."),
                    hint=_(
                        'An admin adds one: /snow rules add when "new recommendation" '
                        "category Identity points>=8 then incident priority 2"
                    ),
                )
            )
        lines = [_rule_line(n, r.spec) for n, r in enumerate(rules, start=1)]
        text = _("Rules (checked on each Secure Score refresh):") + "\n" + "\n".join(lines)
        return Reply(Notice(text, hint=_("Remove one: /snow rules remove <n>")))

    async def add_rule(self, ctx: RequestContext, command: c.AddRule) -> Outcome:
        """Keep a rule; the tickets it opens are announced where it was made."""
        if ctx.channel is None:
            return Reply(Notice(_("Add rules in the channel that should hear of their tickets.")))
        rules = self._engine.rules
        now = self._clock.now()
        rule = await rules.add(ctx.workspace, command, ctx.channel, ctx.requester, now)
        detail = {"rule": _rule_text(command)}
        await self._audit.audit(ctx.workspace, ctx.actor, "rule.add", detail)
        try:
            # What the tenant lists now is not new: only what Microsoft adds later is.
            await self._engine.seed(ctx.workspace, await self._source.snapshot(ctx.workspace))
        except GraphError:
            pass  # the first refresh takes the snapshot instead
        number = len(await rules.list(ctx.workspace))
        text = _(
            "Rule {number} added: {rule}. Tickets it opens are announced here.",
            number=number,
            rule=_rule_text(rule.spec),
        )
        return Reply(Notice(text, NoticeLevel.SUCCESS), Audience.CONVERSATION)

    async def remove_rule(self, ctx: RequestContext, command: c.RemoveRule) -> Outcome:
        """Forget rule N."""
        rules = await self._engine.rules.list(ctx.workspace)
        if not 1 <= command.number <= len(rules):
            return Reply(
                Notice(
                    _("There is no rule {number}.", number=command.number),
                    NoticeLevel.WARNING,
                    hint=_("/snow rules lists them with their numbers."),
                )
            )
        rule = rules[command.number - 1]
        await self._engine.rules.remove(ctx.workspace, rule)
        detail = {"rule": _rule_text(rule.spec)}
        await self._audit.audit(ctx.workspace, ctx.actor, "rule.remove", detail)
        text = _(
            "Removed rule {number}: {rule}.", number=command.number, rule=_rule_text(rule.spec)
        )
        return Reply(Notice(text, NoticeLevel.SUCCESS))
