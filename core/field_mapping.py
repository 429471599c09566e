"""How a SnowOps ticket becomes a ServiceNow record, per workspace and ticket kind.

For each security category (Devices, Data, Apps, Identity, Infrastructure) a *route*: the
record's category and subcategory (``sys_choice`` values), assignment group and
configuration item (sys_id and name); and the field that carries the recommendation's
source. Admins set them with ``/snow mapping`` (:mod:`core.handlers.mapping`), values
checked against the instance first (:mod:`core.mapping_check`). Nothing set means the
defaults of :mod:`core.record_fit`, which need no set-up.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from core.models import TicketKind
from core.storage import Documents

__all__ = ["DEFAULT_SOURCE_FIELD", "FieldMappings", "KindMapping", "Route"]

_NS = "field_mapping"
#: Where the source goes with no set-up: a string field every task table has, filterable.
DEFAULT_SOURCE_FIELD = "correlation_display"


@dataclass(frozen=True, slots=True)
class Route:
    """Where tickets of one security category go; empty parts are left to the defaults."""

    category: str = ""
    subcategory: str = ""
    group_id: str = ""
    group_name: str = ""
    ci_id: str = ""
    ci_name: str = ""

    def merged(self, change: Route) -> Route:
        """This route with the parts ``change`` sets."""
        return replace(
            self, **{f.name: v for f in fields(change) if (v := getattr(change, f.name))}
        )

    @property
    def empty(self) -> bool:
        """True when nothing is set."""
        return not any(asdict(self).values())


@dataclass(frozen=True, slots=True)
class KindMapping:
    """The mapping of one ticket kind; ``source_field`` "" is the default field."""

    source_field: str = ""
    routes: dict[str, Route] = field(default_factory=dict)

    def route(self, category: str | None) -> Route:
        """The route of a security category (an empty one when none is set)."""
        return self.routes.get(category or "", Route())

    @property
    def source(self) -> str:
        """The field that carries the source."""
        return self.source_field or DEFAULT_SOURCE_FIELD


def _route(doc: Any) -> Route:
    if not isinstance(doc, dict):
        return Route()
    return Route(**{f.name: str(doc.get(f.name) or "") for f in fields(Route)})


def _kind(doc: Any) -> KindMapping:
    if not isinstance(doc, dict):
        return KindMapping()
    routes = doc.get("routes")
    found = {str(k): _route(v) for k, v in routes.items()} if isinstance(routes, dict) else {}
    return KindMapping(
        str(doc.get("source") or ""), {k: r for k, r in found.items() if not r.empty}
    )


class FieldMappings:
    """Each workspace's mapping, one document per workspace."""

    def __init__(self, docs: Documents) -> None:
        self._docs = docs

    async def _all(self, workspace: str) -> dict[str, Any]:
        return dict(await self._docs.get_document(_NS, workspace) or {})

    async def get(self, workspace: str, kind: TicketKind) -> KindMapping:
        """The mapping of ``kind`` in ``workspace`` (empty: the defaults)."""
        return _kind((await self._all(workspace)).get(kind.value))

    async def _put(self, workspace: str, kind: TicketKind, mapping: KindMapping) -> None:
        doc = await self._all(workspace)
        doc[kind.value] = {
            "source": mapping.source_field,
            "routes": {k: asdict(r) for k, r in mapping.routes.items() if not r.empty},
        }
        await self._docs.put_document(_NS, workspace, doc)

    async def put_route(
        self, workspace: str, kind: TicketKind, category: str, route: Route
    ) -> None:
        """Keep ``route`` as the one of ``category`` (an empty route: the defaults)."""
        mapping = await self.get(workspace, kind)
        await self._put(
            workspace, kind, replace(mapping, routes={**mapping.routes, category: route})
        )

    async def set_source(self, workspace: str, kind: TicketKind, source_field: str) -> None:
        """The field that carries the source ("" for the default)."""
        mapping = await self.get(workspace, kind)
        await self._put(workspace, kind, replace(mapping, source_field=source_field))

    async def reset(self, workspace: str, kind: TicketKind, category: str | None) -> None:
        """Back to the defaults: one category's route, or (None) the kind's whole mapping."""
        if category is None:
            await self._put(workspace, kind, KindMapping())
            return
        mapping = await self.get(workspace, kind)
        routes = {k: r for k, r in mapping.routes.items() if k != category}
        await self._put(workspace, kind, replace(mapping, routes=routes))
