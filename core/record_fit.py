"""A ticket request fitted to the workspace's instance before it is sent: the mapping's
category, subcategory, assignment group and configuration item for its security category,
and its source in a real field (:mod:`core.field_mapping`).

With no set-up: ``category`` is the instance's "security" choice when it has one (else the
instance's own default stays), ``subcategory`` its choice named for the security category
under it when there is one, and ``correlation_display`` reads ``SnowOps · Microsoft ·
Identity``: a string field every task table has, so a list can filter on the source and
the security category (``Correlation display contains Identity``).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from core.field_mapping import DEFAULT_SOURCE_FIELD, FieldMappings, Route
from core.instance_cache import InstanceFacts
from core.models import TicketKind, TicketRequest
from core.servicenow.errors import ServiceNowError
from core.servicenow.mapping import CORRELATION_DISPLAY

__all__ = ["DEFAULT_CATEGORY", "RecordFitter", "display_tag"]

log = logging.getLogger(__name__)

#: The instance's category a security ticket gets by default, when its list has it.
DEFAULT_CATEGORY = "security"
_SEP = " · "


def display_tag(req: TicketRequest, source_field: str) -> str:
    """``SnowOps · Microsoft · Identity``: what ``correlation_display`` reads."""
    parts = [CORRELATION_DISPLAY]
    if req.recommendation_id and source_field == DEFAULT_SOURCE_FIELD:
        parts.append(req.source.value)
    if req.category:
        parts.append(req.category)
    return _SEP.join(parts)


def _pick(entries: list[tuple[str, str]], *names: str) -> str:
    """The value of the first entry whose value or label is one of ``names`` (any case)."""
    wanted = {n.casefold() for n in names if n}
    return next((v for v, label in entries if {v.casefold(), label.casefold()} & wanted), "")


class RecordFitter:
    """Fits each ticket request to its workspace's mapping and instance."""

    def __init__(self, mappings: FieldMappings, facts: InstanceFacts) -> None:
        self._mappings = mappings
        self._facts = facts

    async def route(self, workspace: str, kind: TicketKind, category: str | None) -> Route:
        """Where a ticket of ``category`` goes: the mapping, with the defaults filled in."""
        mapping = await self._mappings.get(workspace, kind)
        return await self._defaults(workspace, kind, category, mapping.route(category))

    async def fit(self, req: TicketRequest) -> TicketRequest:
        """``req`` with the record fields its mapping gives (the form's own values win)."""
        mapping = await self._mappings.get(req.workspace, req.kind)
        route = await self._defaults(
            req.workspace, req.kind, req.category, mapping.route(req.category)
        )
        fields = _route_fields(route)
        fields["correlation_display"] = display_tag(req, mapping.source)
        if req.recommendation_id and mapping.source != DEFAULT_SOURCE_FIELD:
            fields[mapping.source] = req.source.value
        fields.update(dict(req.fields))
        return replace(req, fields=tuple(fields.items()))

    async def _defaults(
        self, workspace: str, kind: TicketKind, category: str | None, route: Route
    ) -> Route:
        if not category or (route.category and route.subcategory):
            return route
        try:
            if not route.category:
                entries = await self._facts.choices(workspace, kind.table, "category")
                found = _pick([(e.value, e.label) for e in entries], DEFAULT_CATEGORY)
                route = replace(route, category=found)
            if route.category and not route.subcategory:
                entries = await self._facts.choices(workspace, kind.table, "subcategory")
                under = [(e.value, e.label) for e in entries if e.dependent_value == route.category]
                route = replace(route, subcategory=_pick(under, category, category.rstrip("s")))
        except ServiceNowError as exc:
            # The instance's own defaults stay: the ticket matters more than its category.
            log.info("default category of %s not read: %s", kind.table, exc.message)
        return route


def _route_fields(route: Route) -> dict[str, str]:
    pairs = {
        "category": route.category,
        "subcategory": route.subcategory,
        "assignment_group": route.group_id,
        "cmdb_ci": route.ci_id,
    }
    return {k: v for k, v in pairs.items() if v}
