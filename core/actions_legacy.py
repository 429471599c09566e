"""Buttons of SnowOps cards posted before buttons carried their command: what each stood
for, read through the one grammar, so those cards go on working."""

from __future__ import annotations

from collections.abc import Callable

from core.commands import Command
from core.errors import UsageError
from core.grammar import parse
from core.i18n import N_, _

__all__ = ["OLD_BUTTON_IDS", "OLD_CARD", "OLD_LINKS", "read_old_button"]

#: Marked for the catalogue; translate it where it is shown (``_(OLD_CARD)``).
OLD_CARD = N_("That button is from an older SnowOps card: run the command again.")


def _old_recommendations(value: str) -> str:
    category, done, page = [*value.split("|"), "", "", ""][:3]
    return f"recommendations {category} {'all' if done == '1' else ''} page {page or 1}"


def _old_tickets(value: str) -> str:
    kind, open_only, offset = [*value.split(":"), "", "", ""][:3]
    kind = kind if kind in ("incident", "change") else ""
    page = int(offset) // 10 + 1 if offset.isascii() and offset.isdigit() else 1
    return f"tickets {kind} {'open' if open_only == 'True' else 'all'} page {page}"


#: Buttons of cards posted before buttons carried their command (action id or verb → the
#: command text it meant), kept so those cards go on working.
_OLD_BUTTONS: dict[str, Callable[[str], str]] = {
    "share_recommendation": lambda v: f"share {v}",
    "share": lambda v: f"share {v}",
    "recommendations_page": _old_recommendations,
    "tickets_more": _old_tickets,
    "view_all_tickets": lambda v: "tickets all",
    "create_ticket": lambda v: "create",
    "create": lambda v: "create",
    "manage_configuration": lambda v: "config",
    "reconnect_servicenow": lambda v: "reconnect",
    "reconnect": lambda v: "reconnect",
    "disconnect_servicenow": lambda v: "disconnect",
    "disconnect": lambda v: "disconnect",
    "refresh_ticket": lambda v: f"ticket {v}",
    "home": lambda v: "home",
}
#: Old action ids of buttons that only opened a URL.
OLD_LINKS = ("open_ticket", "open_link", "how_to_fix", "open_ticket_list")
OLD_BUTTON_IDS = tuple(_OLD_BUTTONS)


def read_old_button(action_id: str, value: object) -> Command:
    """The command an old card's button (``action_id`` and ``value``) stood for, through
    the one grammar; :class:`UsageError` when it stands for none."""
    meant = _OLD_BUTTONS.get(action_id.split(":", 1)[0])
    if meant is None:
        raise UsageError(_(OLD_CARD))
    text = meant(value if isinstance(value, str) else "")
    return parse(" ".join(text.split()), typed=False)
