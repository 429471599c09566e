"""Each workspace's own names for ServiceNow's ticket states."""

from __future__ import annotations

from core.errors import UserError
from core.i18n import gettext
from core.models import TicketKind
from core.servicenow.states import DEFAULT_STATES, default_states, state_labels
from core.storage import Documents

__all__ = ["StateNames"]

_NS = "state_labels"


def _key(workspace: str, kind: TicketKind) -> str:
    return f"{workspace}:{kind.value}"


class StateNames:
    """State display names per workspace and ticket kind (renames over the defaults)."""

    def __init__(self, docs: Documents) -> None:
        self._docs = docs

    @property
    def documents(self) -> Documents:
        """The store the names are kept in, with the workspace's other settings (its
        language among them)."""
        return self._docs

    async def renames(self, workspace: str, kind: TicketKind) -> dict[str, str]:
        """Only the states this workspace renamed: value → name."""
        doc = await self._docs.get_document(_NS, _key(workspace, kind))
        return {str(k): str(v) for k, v in (doc or {}).items()}

    async def names(self, workspace: str, kind: TicketKind) -> dict[str, str]:
        """The whole catalog of ``kind`` in this workspace's names."""
        return state_labels(kind, await self.renames(workspace, kind))

    async def rename(
        self, workspace: str, kind: TicketKind, value: str, label: str
    ) -> dict[str, str]:
        """Give state ``value`` the name ``label`` (empty: ServiceNow's own again)."""
        if value not in DEFAULT_STATES[kind]:
            choices = ", ".join(f"{v} ({n})" for v, n in default_states(kind).items())
            shown = repr(value[:20])
            raise UserError(
                gettext(
                    "Incident has no state {value}. States: {choices}.",
                    value=shown,
                    choices=choices,
                )
                if kind is TicketKind.INCIDENT
                else gettext(
                    "Change has no state {value}. States: {choices}.", value=shown, choices=choices
                )
            )
        renames = await self.renames(workspace, kind)
        if label:
            renames[value] = label
        else:
            renames.pop(value, None)
        await self._docs.put_document(_NS, _key(workspace, kind), dict(renames))
        return state_labels(kind, renames)
