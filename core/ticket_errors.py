"""The errors of a ticket create whose outcome SnowOps cannot vouch for: re-exported by
:mod:`core.tickets`, which raises them."""

from __future__ import annotations

from typing import ClassVar

from core.errors import SnowOpsError
from core.i18n import N_, _
from core.models import Ticket
from core.servicenow.errors import UnavailableError

__all__ = ["CreateInDoubt", "UnrecordedTicket"]


class CreateInDoubt(UnavailableError):
    """ServiceNow's answer to a create was lost and it could not be asked since: it may
    have made the ticket. SnowOps keeps looking (:mod:`core.pending`)."""

    level: ClassVar[str] = "warning"
    default_hint: ClassVar[str] = N_(
        "SnowOps keeps checking and will post the ticket here if it was made, or tell you "
        "here that it was not. Submitting again is safe: it will not make a second one."
    )


class UnrecordedTicket(SnowOpsError):
    """ServiceNow made the ticket, but SnowOps could not record it (its store failed)."""

    level: ClassVar[str] = "warning"
    default_hint: ClassVar[str] = N_(
        "Do not submit it again: SnowOps takes it over once its store answers again."
    )

    def __init__(self, ticket: Ticket) -> None:
        super().__init__(
            _(
                "ServiceNow created {number}, but SnowOps could not record it: its store "
                "is not answering",
                number=ticket.number,
            )
        )
        self.ticket = ticket
