"""The ticket kinds a workspace is offered: incident, change and problem everywhere, and
security incident where the connected instance has Security Incident Response (the
gateway knows: :meth:`core.gateway.TicketGateway.kinds`). Forms list only those, and a
request for another says why it cannot be had."""

from __future__ import annotations

from dataclasses import replace

from core.errors import UserError
from core.forms import TicketFormView
from core.gateway import TicketGateway
from core.i18n import _
from core.models import TicketKind

__all__ = ["check_offered", "form_kinds", "not_offered"]


def not_offered(kind: TicketKind) -> UserError:
    """Why ``kind`` cannot be created here, and who can change that."""
    if kind is TicketKind.SECURITY:
        return UserError(
            _("Security incidents are not available on this ServiceNow instance"),
            hint=_(
                "They need the Security Incident Response plugin, and the sn_si.analyst "
                "role for SnowOps's integration user. Ask your ServiceNow admin."
            ),
        )
    return UserError(_("{kind} is not available on this ServiceNow instance", kind=_(kind.label)))


async def check_offered(gateway: TicketGateway, workspace: str, kind: TicketKind) -> None:
    """Raise :func:`not_offered` unless ``workspace``'s instance has ``kind``."""
    if kind not in await gateway.kinds(workspace):
        raise not_offered(kind)


async def form_kinds(
    gateway: TicketGateway, workspace: str, form: TicketFormView
) -> TicketFormView:
    """``form`` offering the kinds ``workspace``'s instance has (its kind one of them)."""
    kinds = await gateway.kinds(workspace)
    kind = form.kind if form.kind in kinds else kinds[0]
    return replace(form, kinds=kinds, kind=kind)
