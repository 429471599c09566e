"""Mapping values checked against the instance before they are kept: a category and
subcategory must be choices of the table (``sys_choice``), a group an active
``sys_user_group``, a configuration item a ``cmdb_ci`` (both kept as sys_id and name), the
source field a text field of the table (``sys_dictionary``). A value that is none of these
is refused with the closest ones the instance has."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from core.errors import UserError
from core.field_mapping import Route
from core.gateway import TicketGateway
from core.i18n import _
from core.instance_cache import InstanceFacts
from core.instance_fields import FILLED_BY_SNOWOPS
from core.instance_meta import TEXT_TYPES
from core.models import TicketKind

__all__ = ["MappingCheck"]

#: Names compared for close matches (a CMDB may be large: a first page is enough).
_CANDIDATES = 200


def _close(value: str, names: Iterable[str]) -> list[str]:
    """Up to five names like ``value``: containing it, or spelled nearly the same."""
    pool = list(dict.fromkeys(n for n in names if n))
    within = [n for n in pool if value.casefold() in n.casefold()]
    near = difflib.get_close_matches(value, pool, n=5, cutoff=0.5)
    lower = {n.casefold(): n for n in pool}
    near += [lower[m] for m in difflib.get_close_matches(value.casefold(), list(lower), 5, 0.5)]
    return list(dict.fromkeys(within + near))[:5]


def _refuse(message: str, close: list[str]) -> UserError:
    hint = (
        _("Close matches: {names}.", names=", ".join(close))
        if close
        else _("Check the spelling in ServiceNow.")
    )
    return UserError(message, hint=hint)


class MappingCheck:
    """Reads the instance to check (and resolve) mapping values."""

    def __init__(self, gateway: TicketGateway, facts: InstanceFacts) -> None:
        self._gateway = gateway
        self._facts = facts

    async def route(
        self, workspace: str, kind: TicketKind, values: Mapping[str, str], current: Route
    ) -> Route:
        """The route change ``values`` ask for (category, subcategory, group, ci), each
        resolved to what the instance stores; UserError for a value it does not have."""
        change = Route()
        table = kind.table
        if category := values.get("category"):
            change = Route(category=await self._choice(workspace, table, "category", category))
        if subcategory := values.get("subcategory"):
            parent = change.category or current.category
            value = await self._choice(workspace, table, "subcategory", subcategory, parent)
            change = change.merged(Route(subcategory=value))
        if group := values.get("group"):
            group_id, group_name = await self._group(workspace, group)
            change = change.merged(Route(group_id=group_id, group_name=group_name))
        if ci := values.get("ci"):
            ci_id, ci_name = await self._ci(workspace, ci)
            change = change.merged(Route(ci_id=ci_id, ci_name=ci_name))
        return change

    async def _choice(
        self, workspace: str, table: str, element: str, wanted: str, parent: str = ""
    ) -> str:
        entries = await self._facts.choices(workspace, table, element)
        if parent:
            entries = [e for e in entries if e.dependent_value in ("", parent)]
        # The value as stored, else its label or the value in any case ("Security").
        for entry in entries:
            if wanted == entry.value:
                return entry.value
        for entry in entries:
            if wanted.casefold() in (entry.label.casefold(), entry.value.casefold()):
                return entry.value
        names = [e.value for e in entries] + [e.label for e in entries]
        where = f"{table}.{element}"
        if parent:
            message = _(
                "ServiceNow has no {element} {value} under {parent} in {where}.",
                element=element,
                value=repr(wanted),
                parent=parent,
                where=where,
            )
        else:
            message = _(
                "ServiceNow has no {element} {value} in {where}.",
                element=element,
                value=repr(wanted),
                where=where,
            )
        raise _refuse(message, _close(wanted, names))

    async def _group(self, workspace: str, name: str) -> tuple[str, str]:
        found = await self._gateway.group_by_name(workspace, name)
        if found is not None:
            return found
        groups = await self._gateway.groups_matching(workspace, "", _CANDIDATES)
        for sys_id, group in groups:
            if group.casefold() == name.casefold():
                return sys_id, group
        message = _("ServiceNow has no active assignment group {name}.", name=repr(name))
        raise _refuse(message, _close(name, [g for _i, g in groups]))

    async def _ci(self, workspace: str, name: str) -> tuple[str, str]:
        exact = await self._gateway.named_records(workspace, "cmdb_ci", name, 2, exact=True)
        if len(exact) == 1:
            return exact[0]
        if len(exact) > 1:
            raise UserError(
                _("ServiceNow has more than one configuration item named {name}.", name=repr(name)),
                hint=_("Rename one in the CMDB, or map another."),
            )
        first = name.split()[0][:20] if name.split() else name
        like = await self._gateway.named_records(workspace, "cmdb_ci", first, _CANDIDATES)
        some = await self._gateway.named_records(workspace, "cmdb_ci", "", _CANDIDATES)
        for sys_id, ci in like + some:
            if ci.casefold() == name.casefold():
                return sys_id, ci
        message = _("ServiceNow has no configuration item {name}.", name=repr(name))
        raise _refuse(message, _close(name, [c for _i, c in like + some]))

    async def source_field(self, workspace: str, kind: TicketKind, name: str) -> str:
        """``name`` when it is a text field of the kind's table SnowOps may write the source
        in; UserError otherwise, with the text fields most like it."""
        fields = await self._facts.dictionary(workspace, kind.table)
        usable = {
            f.element: f
            for f in fields
            if f.internal_type in TEXT_TYPES
            and not f.read_only
            and (f.element == "correlation_display" or f.element not in FILLED_BY_SNOWOPS)
            and not f.element.startswith("sys_")
        }
        if name.lower() in usable:
            return name.lower()
        known = {f.element: f for f in fields}
        if name.lower() in known:
            field = known[name.lower()]
            message = _(
                "{field} ({label}) cannot carry the source: it is a {type} field, or one "
                "SnowOps fills itself.",
                field=field.element,
                label=field.label,
                type=field.internal_type,
            )
        else:
            message = _("{table} has no field {field}.", table=kind.table, field=repr(name))
        raise _refuse(message, _close(name, list(usable)))
