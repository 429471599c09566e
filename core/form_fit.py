"""The ticket form fitted to the instance: its required fields added before it opens,
their values checked and sent on submit, and a refusal turned into ServiceNow's message and
a pre-filled link (:mod:`core.refusals`). Built once by the composition root."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace

from core.clock import Clock
from core.field_mapping import FieldMappings
from core.forms import TicketFormView
from core.gateway import TicketGateway
from core.i18n import _
from core.instance_cache import InstanceFacts
from core.instance_fields import RequiredFields, check_values, with_values
from core.instance_meta import FormField
from core.mapping_check import MappingCheck
from core.models import TicketKind, TicketRequest
from core.outcomes import Outcome, ShowForm
from core.record_fit import RecordFitter
from core.refusals import prefilled_url, refusal_text
from core.servicenow.errors import ServiceNowError
from core.servicenow.mapping import request_fields
from core.storage import ConnectionStore, Documents

__all__ = ["FormFit", "Refusal", "build_form_fit"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Refusal:
    """ServiceNow refused the record: its words, and its form pre-filled with what was typed."""

    banner: str
    link: str


@dataclass(frozen=True, slots=True)
class FormFit:
    """The parts that fit tickets to the instance (see the module docstring)."""

    fitter: RecordFitter
    required: RequiredFields
    check: MappingCheck
    mappings: FieldMappings
    connections: ConnectionStore

    async def _fields(
        self, workspace: str, kind: TicketKind, category: str | None
    ) -> tuple[FormField, ...]:
        try:
            route = await self.fitter.route(workspace, kind, category)
        except ServiceNowError:
            route = None
        return await self.required.fields(workspace, kind, route)

    async def form(self, workspace: str, outcome: Outcome) -> Outcome:
        """A form outcome with the instance's required fields (others as they are)."""
        if not isinstance(outcome, ShowForm):
            return outcome
        if outcome.context is not None and not outcome.link:
            # Shown again after a submit: with the fields just checked, asking no one (a
            # form refused for its own errors sends nothing to ServiceNow).
            return self.form_now(workspace, outcome)
        view = outcome.form
        fields = await self._fields(workspace, view.kind, view.category)
        return replace(outcome, form=_with(view, fields))

    def form_now(self, workspace: str, outcome: Outcome) -> Outcome:
        """:meth:`form` from what is known already, asking no one (a quick answer)."""
        if not isinstance(outcome, ShowForm):
            return outcome
        fields = self.required.known(workspace, outcome.form.kind)
        return replace(outcome, form=_with(outcome.form, fields))

    async def values(
        self,
        workspace: str,
        kind: TicketKind,
        category: str | None,
        typed: Mapping[str, str | None],
    ) -> tuple[tuple[tuple[str, str], ...], dict[str, str]]:
        """The record fields the form's required inputs give, or errors by input id."""
        fields = await self._fields(workspace, kind, category)
        return check_values(fields, typed)

    def errors_now(
        self, workspace: str, kind: TicketKind, typed: Mapping[str, str | None]
    ) -> dict[str, str]:
        """:meth:`values`' errors from the fields last read, asking no one."""
        return check_values(self.required.known(workspace, kind), typed)[1]

    async def refused(self, exc: BaseException, request: TicketRequest) -> Refusal | None:
        """ServiceNow's refusal of ``request``, with its form pre-filled (None when ``exc``
        is no refusal of the record). Its fields are read again next time: a refusal may
        be news of a new mandatory field."""
        said = refusal_text(exc)
        if said is None:
            return None
        self.required.forget(request.workspace)
        conn = await self.connections.get_connection(request.workspace)
        if conn is None:
            return None
        try:
            fitted = await self.fitter.fit(request)
        except ServiceNowError:
            fitted = request
        typed = replace(fitted, description=request.description)
        fields = request_fields(typed, "", None)
        fields["description"] = request.description  # theirs, without SnowOps's footer
        # Made by hand from this form, the record is not SnowOps's to track.
        fields.pop("correlation_id", None)
        link, cut = prefilled_url(conn.instance_url, request.kind.table, fields)
        banner = _(
            "ServiceNow refused the {kind}: {said}", kind=request.kind.label.lower(), said=said
        )
        hint = _(
            "Fill in what it asks for and submit again, or open ServiceNow's form: it is "
            "filled with what you typed."
        )
        if cut:
            hint += " " + _("The description is cut short in the link: copy it from here.")
        return Refusal(f"{banner} {hint}", link)


def _with(view: TicketFormView, fields: tuple[FormField, ...]) -> TicketFormView:
    return replace(view, extra=with_values(fields, dict(view.typed)))


def build_form_fit(
    gateway: TicketGateway, docs: Documents, connections: ConnectionStore, clock: Clock
) -> FormFit:
    """The parts, sharing one cache of the instances' metadata."""
    facts = InstanceFacts(gateway, connections, clock)
    mappings = FieldMappings(docs)
    fitter = RecordFitter(mappings, facts)
    return FormFit(
        fitter, RequiredFields(facts), MappingCheck(gateway, facts), mappings, connections
    )
