"""Cards posted before buttons carried their command keep working: each old action id or
verb stands for the command it meant, read through the one grammar."""

from __future__ import annotations

import pytest

from core import commands as c
from core.actions import read_old_button
from core.errors import UsageError
from core.models import TicketKind


@pytest.mark.parametrize(
    ("action_id", "value", "command"),
    [
        ("share_recommendation", "AdminMFAV2", c.Share("AdminMFAV2")),
        ("share_recommendation:2", "DLPEnabled", c.Share("DLPEnabled")),
        ("share", "DLPEnabled", c.Share("DLPEnabled")),
        ("recommendations_page", "Identity|1|3", c.Recommendations("Identity", True, 3)),
        ("recommendations_page", "|0|2", c.Recommendations(None, False, 2)),
        ("tickets_more", "incident:True:10", c.Tickets(TicketKind.INCIDENT, True, 2)),
        ("tickets_more", "all:False:120", c.Tickets(None, False, 13)),
        ("view_all_tickets", "", c.Tickets(None, False)),
        ("create_ticket", "", c.Create()),
        ("manage_configuration", "", c.Configure()),
        ("reconnect_servicenow", "", c.Reconnect()),
        ("disconnect_servicenow", "", c.Disconnect()),
        ("refresh_ticket", "INC0010001", c.ShowTicket("INC0010001")),
        ("home", "", c.Home()),
    ],
)
def test_an_old_button_means_its_command(action_id: str, value: str, command: c.Command) -> None:
    assert read_old_button(action_id, value) == command


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        ("frobnicate", ""),
        ("share_recommendation", ""),  # no id
        ("refresh_ticket", "DROP TABLE"),
        ("tickets_more", "x:y:99999999999999999999999999999"),
        ("recommendations_page", "Nonsense|1|2"),
        ("share", None),
    ],
)
def test_an_unknown_or_forged_old_button_is_refused(action_id: str, value: object) -> None:
    with pytest.raises(UsageError):
        read_old_button(action_id, value)
