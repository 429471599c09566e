"""``/snow mapping``: show and change how a ticket becomes a ServiceNow record (admins)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from core import commands as c
from core.errors import UserError
from core.field_mapping import DEFAULT_SOURCE_FIELD, FieldMappings, Route
from core.grammar_mapping import SOURCE
from core.handlers.context import RequestContext
from core.handlers.router import Handler
from core.i18n import _
from core.mapping_check import MappingCheck
from core.models import CATEGORIES, TicketKind
from core.outcomes import Outcome, Reply
from core.record_fit import RecordFitter
from core.storage import AuditLog
from core.views import Notice, NoticeLevel, StatusView

__all__ = ["MappingHandlers", "route_text"]


def route_text(route: Route, mapped: Route) -> str:
    """``category security / identity · group SOC · CI Email``; parts that come from the
    defaults (not ``mapped``) say so."""

    def part(label: str, value: str, own: str) -> str:
        return f"{label} {value}" + ("" if own else " " + _("(default)"))

    parts: list[str] = []
    if route.category:
        category = route.category + (f" / {route.subcategory}" if route.subcategory else "")
        parts.append(part(_("category"), category, mapped.category or mapped.subcategory))
    if route.group_name:
        parts.append(part(_("group"), route.group_name, mapped.group_name))
    if route.ci_name:
        parts.append(part("CI", route.ci_name, mapped.ci_name))
    return " · ".join(parts) or _("the instance's own defaults")


class MappingHandlers:
    """The mapping of each ticket kind to the workspace's instance."""

    def __init__(
        self, mappings: FieldMappings, check: MappingCheck, fitter: RecordFitter, audit: AuditLog
    ) -> None:
        self._mappings = mappings
        self._check = check
        self._fitter = fitter
        self._audit = audit

    def routes(self) -> Mapping[type[Any], Handler]:
        """The requests this group answers."""
        return {c.MapFields: self.mapping}

    async def mapping(self, ctx: RequestContext, command: c.MapFields) -> Outcome:
        """Show, set or reset the mapping."""
        if command.kind is None or (not command.values and not command.reset):
            return Reply(await self.view(ctx.workspace, command.kind))
        kind = command.kind
        if command.reset:
            category = None if not command.category else command.category
            if category == SOURCE:
                await self._mappings.set_source(ctx.workspace, kind, "")
            else:
                await self._mappings.reset(ctx.workspace, kind, category)
            what = " ".join(w for w in (kind.value, command.category) if w)
            await self._audit.audit(ctx.workspace, ctx.actor, "mapping.reset", {"what": what})
            text = _("The mapping of {what} is back to the defaults.", what=what)
            return Reply(Notice(text, NoticeLevel.SUCCESS))
        values = dict(command.values)
        if not command.category:
            field = await self._check.source_field(ctx.workspace, kind, values[SOURCE])
            await self._mappings.set_source(
                ctx.workspace, kind, "" if field == DEFAULT_SOURCE_FIELD else field
            )
            await self._audit.audit(ctx.workspace, ctx.actor, "mapping.source", {"field": field})
            text = _(
                "The source of {kind} tickets now goes in {field}.", kind=kind.value, field=field
            )
            return Reply(Notice(text, NoticeLevel.SUCCESS))
        return await self._set_route(ctx, kind, command.category, values)

    async def _set_route(
        self, ctx: RequestContext, kind: TicketKind, category: str, values: Mapping[str, str]
    ) -> Outcome:
        current = (await self._mappings.get(ctx.workspace, kind)).route(category)
        change = await self._check.route(ctx.workspace, kind, values, current)
        route = current.merged(change)
        if change.category and change.category != current.category and not change.subcategory:
            # A subcategory belongs to its category: a new category drops the old one.
            route = replace(route, subcategory="")
        await self._mappings.put_route(ctx.workspace, kind, category, route)
        await self._audit.audit(
            ctx.workspace,
            ctx.actor,
            "mapping.set",
            {"kind": kind.value, "category": category, **dict(values)},
        )
        text = _(
            "{kind} tickets of {category} now go to: {route}.",
            kind=kind.label,
            category=_(category),
            route=route_text(route, route),
        )
        return Reply(Notice(text, NoticeLevel.SUCCESS))

    async def view(self, workspace: str, only: TicketKind | None) -> StatusView:
        """Every security category's route and the source field, per kind."""
        lines: list[tuple[str, str]] = []
        for kind in [only] if only else list(TicketKind):
            mapping = await self._mappings.get(workspace, kind)
            source = mapping.source + ("" if mapping.source_field else " " + _("(default)"))
            lines.append((_("{kind}: source", kind=kind.label), source))
            for category in CATEGORIES:
                try:
                    route = await self._fitter.route(workspace, kind, category)
                except UserError:
                    route = mapping.route(category)
                lines.append(
                    (f"{kind.label} · {_(category)}", route_text(route, mapping.route(category)))
                )
        hint = _(
            'Change one: /snow mapping incident Identity category=security group="Security '
            'Operations" ci="Corporate VPN", or /snow mapping incident source=u_source. '
            "Undo: /snow mapping reset incident Identity."
        )
        return StatusView(_("How tickets become ServiceNow records"), tuple(lines), hint)
