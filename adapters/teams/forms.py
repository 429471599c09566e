"""The ticket form in Teams: values from a card or dialog → the core → the outcome.

A form carries its submission id (``form.sid``), and that id is the idempotency key: two
clicks, a retried invoke or a second dialog submit of the same form make one ticket.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from core.dispatch import Dispatcher, FormSubmission, RequestContext
from core.forms import FORM_FIELDS, TicketFormView, form_again
from core.models import CardLocation, RecommendationSource
from core.store.port import Store

__all__ = ["FormResult", "TeamsForms", "form_data"]

log = logging.getLogger(__name__)


def form_data(value: Any) -> dict[str, Any]:
    """The submitted data of an invoke's value (``action.data`` or ``data``)."""
    if not isinstance(value, dict):
        return {}
    action = value.get("action")
    if isinstance(action, dict) and isinstance(action.get("data"), dict):
        return dict(action["data"])
    data = value.get("data")
    return dict(data) if isinstance(data, dict) else {}


def _meta(data: dict[str, Any]) -> dict[str, Any]:
    meta = data.get("form")
    return dict(meta) if isinstance(meta, dict) else {}


def _str(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)[:5000]


@dataclass(frozen=True, slots=True)
class FormResult:
    """The outcome, with the form to show again (its errors or a banner) when needed."""

    submission: FormSubmission
    again: TicketFormView | None
    meta: dict[str, Any]
    banner: str = ""


class TeamsForms:
    """Submitting the ticket form, and remembering where its card went."""

    def __init__(self, dispatcher: Dispatcher, store: Store) -> None:
        self._dispatcher = dispatcher
        self._store = store

    async def submit(
        self, ctx: RequestContext, data: dict[str, Any], fallback_key: str
    ) -> FormResult:
        """Validate and create; ``fallback_key`` (the activity id) keys a form without id."""
        meta = _meta(data)
        values = {name: _str(data.get(name)) for name in FORM_FIELDS}
        source = (
            RecommendationSource.MICROSOFT
            if meta.get("s") == RecommendationSource.MICROSOFT.value
            else RecommendationSource.USER
        )
        sid = str(meta.get("sid") or "")[:100]
        key = f"teams-form:{sid}" if sid else f"teams-activity:{fallback_key}"
        result = await self._dispatcher.submit_form(
            ctx,
            values,
            source=source,
            recommendation_id=_str(meta.get("r")),
            recommendation_url=_str(meta.get("u")),
            idempotency_key=key,
        )
        if result.card is not None or result.pending:
            return FormResult(result, None, meta)
        again = form_again(
            values,
            source=source,
            recommendation_id=_str(meta.get("r")),
            recommendation_url=_str(meta.get("u")),
            errors=result.errors,
        )
        banner = ""
        if result.notice is not None and not result.errors:
            banner = f"{result.notice.text} {result.notice.hint}".strip()
        return FormResult(result, again, meta, banner)

    async def remember_card(self, workspace: str, number: str, where: CardLocation) -> None:
        """The notifier updates this card in place from now on."""
        await self._store.add_card_location(workspace, number, where)
