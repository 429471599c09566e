"""Views (modals and the App Home tab): core views → ``views.open/update/publish`` payloads."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View as SlackView

from adapters.slack.blocks_cards import compact_ticket
from adapters.slack.blocks_fields import extra_elements, extra_keys, link_block
from adapters.slack.blocks_text import (
    MODAL_TITLE_MAX,
    OPTION_TEXT_MAX,
    SURFACE_BLOCKS_MAX,
    Layout,
    actions_block,
    context,
    escape,
    fields_sections,
    header,
    link,
    safe_url,
    section,
    truncate,
)
from core.forms import FORM_FIELDS, NAME_MAX, TicketFormView
from core.i18n import _
from core.models import CATEGORIES, Priority, RecommendationSource
from core.views import Button, HomeView, KindSummary, TicketListView

__all__ = [
    "FORM_CALLBACK_ID",
    "form_values",
    "home_layout",
    "home_view",
    "progress_modal",
    "result_modal",
    "ticket_form_modal",
    "ticket_list_modal",
]

JSON = dict[str, Any]

FORM_CALLBACK_ID = "ticket_form"
LIST_CALLBACK_ID = "ticket_list"
#: The element inside every form input block; the block_id names the field.
INPUT_ACTION_ID = "value"
#: Slack's plain_text_input max_length cap (core allows more; Slack users cannot).
SLACK_INPUT_MAX = 3000
PRIVATE_METADATA_MAX = 3000
_ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})")


def _plain(text: str, limit: int) -> PlainTextObject:
    return PlainTextObject(text=truncate(text, limit), emoji=True)


def modal(title: str, blocks: list[JSON], *, close: str = "", **extra: Any) -> JSON:
    """A modal view (``close``: its close button's text, "Close" when not given)."""
    # Built through slack_sdk's View so its validators (title, block count, metadata) run.
    view = SlackView(
        type="modal",
        title=_plain(title or "SnowOps", MODAL_TITLE_MAX),
        close=_plain(close or _("Close"), MODAL_TITLE_MAX),
        blocks=blocks,
        **extra,
    )
    return view.to_dict()


def _summary_blocks(summary: KindSummary) -> list[JSON]:
    blocks = [header(summary.title)]
    if not summary.counts:
        blocks.append(context(_("No tickets yet.")))
    elif len(summary.counts) <= 10:
        blocks += fields_sections([(name, str(count)) for name, count in summary.counts])
    else:
        blocks.append(context(" · ".join(f"{escape(n)}: {c}" for n, c in summary.counts)))
    blocks += [compact_ticket(card) for card in summary.recent[:3]]
    return blocks


def home_layout(view: HomeView) -> Layout:
    """The home cards as a layout, for the Home tab or a `/snow home` message."""
    where = link(view.instance_url, view.instance_url or "ServiceNow")
    notes = []
    if not view.connected:
        line = ":warning: " + _(
            "Not connected to ServiceNow. An admin runs {command}.",
            command="`/snow connect &lt;instance&gt;`",
        )
    elif view.problem:
        # Never a green "Connected" while ServiceNow's calls fail.
        line = ":red_circle: " + _(
            "Connected to {where}, but {problem}.", where=where, problem=escape(view.problem)
        )
        notes = [escape(view.problem_hint)] if view.problem_hint else []
    else:
        line = ":large_green_circle: " + _("Connected to {where}", where=where)
    actions = actions_block(view.buttons)
    return Layout(
        head=[header("SnowOps"), context(line, *notes)],
        items=[_summary_blocks(s) for s in view.summaries],
        tail=[actions] if actions else [],
    )


def home_view(view: HomeView) -> JSON:
    """The App Home tab (``views.publish``): connection, a card per ticket kind, buttons."""
    return SlackView(type="home", blocks=home_layout(view).fit(SURFACE_BLOCKS_MAX)).to_dict()


def _option(value: str, text: str) -> Option:
    return Option(value=value, text=_plain(text, OPTION_TEXT_MAX))


def _select(options: list[Option], initial: str | None, placeholder: str) -> StaticSelectElement:
    chosen = next((o for o in options if o.value == initial), None)
    return StaticSelectElement(
        action_id=INPUT_ACTION_ID,
        placeholder=_plain(placeholder, 150),
        options=options,
        initial_option=chosen,
    )


def _initial_date(due: str) -> str | None:
    match = _ISO_DATE.match(due.strip())
    if not match:
        return None
    try:
        return date.fromisoformat(match.group(1)).isoformat()
    except ValueError:
        return None


def _source_line(form: TicketFormView) -> str:
    microsoft = form.source is RecommendationSource.MICROSOFT
    who = _("Microsoft Secure Score") if microsoft else _("your team")
    text = _("Source: {who}", who=who)
    if form.recommendation_id:
        text += f" — {link(form.recommendation_url, form.recommendation_id)}"
    return text


def _form_elements(form: TicketFormView) -> list[tuple[str, str, Any, bool]]:
    """(field, label, element, optional) of each input of the ticket form, prefilled."""
    kinds = [_option(k.value, k.label) for k in form.kinds]
    priorities = [_option(str(p.value), p.label) for p in Priority]
    categories = [_option(c, c) for c in CATEGORIES]
    category = next((c for c in CATEGORIES if c.lower() == (form.category or "").lower()), None)
    name = PlainTextInputElement(
        action_id=INPUT_ACTION_ID,
        initial_value=truncate(form.name, NAME_MAX) or None,
        max_length=NAME_MAX,
    )
    description = PlainTextInputElement(
        action_id=INPUT_ACTION_ID,
        initial_value=truncate(form.description, SLACK_INPUT_MAX) or None,
        multiline=True,
        max_length=SLACK_INPUT_MAX,
    )
    due = DatePickerElement(
        action_id=INPUT_ACTION_ID,
        initial_date=_initial_date(form.due),
        placeholder=_plain(_("Pick a date"), 150),
    )
    return [
        ("kind", _("Type"), _select(kinds, form.kind.value, _("Type of ticket")), False),
        ("name", _("Name"), name, False),
        ("description", _("Description"), description, True),
        (
            "priority",
            _("Priority"),
            _select(priorities, str(form.priority.value), _("Priority")),
            False,
        ),
        ("due", _("Due date ({zone})", zone=form.zone), due, True),
        ("category", _("Category"), _select(categories, category, _("Choose a category")), True),
        *extra_elements(form.extra),
    ]


def ticket_form_modal(
    form: TicketFormView,
    *,
    private_metadata: str,
    errors: dict[str, str] | None = None,
    banner: str = "",
    link: str = "",
) -> JSON:
    """The ticket form as a modal; each input's ``block_id`` is the form field name.

    Field errors show as the input's hint (Slack has no static error state; live
    validation errors go back through ``response_action: errors`` instead).
    """
    if len(private_metadata) > PRIVATE_METADATA_MAX:
        raise ValueError(f"private_metadata is {len(private_metadata)} chars; Slack keeps 3000")
    problems = {**form.errors, **(errors or {})}
    blocks: list[JSON] = []
    if banner:
        blocks.append(section(f":warning: {escape(banner)}"))
    if button := link_block(link):
        blocks.append(button)
    blocks.append(context(_source_line(form)))
    for block_id, label, element, optional in _form_elements(form):
        hint = problems.get(block_id)
        block = InputBlock(
            block_id=block_id,
            label=_plain(label, 2000),
            element=element,
            optional=optional,
            hint=_plain(f":warning: {hint}", 2000) if hint else None,
        )
        blocks.append(block.to_dict())
    return modal(
        form.title,
        blocks,
        callback_id=FORM_CALLBACK_ID,
        submit=_plain(_("Create"), MODAL_TITLE_MAX),
        close=_("Cancel"),
        private_metadata=private_metadata,
    )


def _element_value(element: Mapping[str, Any]) -> str | None:
    kind = element.get("type")
    if kind in ("static_select", "external_select"):
        selected = element.get("selected_option")
        value = selected.get("value") if isinstance(selected, Mapping) else None
    elif kind == "datepicker":
        value = element.get("selected_date")
    else:
        value = element.get("value")
    return value if isinstance(value, str) else None


def form_values(state_values: Mapping[str, Any]) -> dict[str, str | None]:
    """A ``view_submission``'s ``view.state.values`` → ``{field: str | None}``.

    The result feeds :func:`core.forms.validate_ticket_form`; a missing or empty field is
    None. Reads the ``value`` element of each block, or its only element if renamed.
    """
    out: dict[str, str | None] = {}
    for name in [*FORM_FIELDS, *extra_keys(state_values)]:
        block = state_values.get(name)
        if not isinstance(block, Mapping):
            block = {}  # absent, or not what Slack sends: the field is missing
        element = block.get(INPUT_ACTION_ID)
        if element is None and len(block) == 1:
            element = next(iter(block.values()))
        out[name] = _element_value(element) if isinstance(element, Mapping) else None
    return out


def progress_modal(title: str, text: str) -> JSON:
    """A modal with no submit button, shown while a ticket is being created."""
    return modal(title, [section(f":hourglass_flowing_sand: {escape(text)}")])


def result_modal(title: str, text: str, url: str | None) -> JSON:
    """The outcome of a submit: the text and, when there is one, a link to the ticket."""
    blocks = [section(escape(text))]
    if safe_url(url):
        block = actions_block([Button(_("Open in ServiceNow"), url=url)])
        blocks += [block] if block else []
    return modal(title, blocks)


def ticket_list_modal(view: TicketListView, *, private_metadata: str = "") -> JSON:
    """The "View all tickets" modal: compact cards, a More button, and the list in ServiceNow."""
    if len(private_metadata) > PRIVATE_METADATA_MAX:
        raise ValueError(f"private_metadata is {len(private_metadata)} chars; Slack keeps 3000")
    buttons = [view.more] if view.more else []
    if safe_url(view.servicenow_list_url):
        buttons.append(Button(_("Open list in ServiceNow"), url=view.servicenow_list_url))
    block = actions_block(buttons)
    notes = [escape(n) for n in (view.note, "" if view.cards else view.empty_text) if n]
    layout = Layout(
        head=[context(*notes)] if notes else [],
        items=[[compact_ticket(c)] for c in view.cards],
        tail=[block] if block else [],
    )
    return modal(
        view.title,
        layout.fit(SURFACE_BLOCKS_MAX),
        callback_id=LIST_CALLBACK_ID,
        private_metadata=private_metadata or None,
    )
