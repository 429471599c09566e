"""Cards with inputs: the ticket form, the home card, the admin configuration card and the
private OAuth client dialog."""

from __future__ import annotations

from typing import Any

from adapters.teams.cards_fields import extra_inputs, link_action
from adapters.teams.cards_layout import action_sets
from adapters.teams.cards_text import facts, text
from core.actions import FormContext, state_pick_value
from core.forms import DESCRIPTION_MAX, NAME_MAX, TicketFormView
from core.i18n import N_, _
from core.models import CATEGORIES, Priority, RecommendationSource, TicketKind
from core.views import ConfigurationView, HomeView, NoticeLevel

__all__ = [
    "CLIENT_VERB",
    "FORM_VERB",
    "RENAME_VERB",
    "client_card",
    "config_body",
    "form_card",
    "home_body",
]

JSON = dict[str, Any]

#: What the home card says of a kind with no tickets.
_NONE_YET = {
    TicketKind.INCIDENT: N_("No incidents yet."),
    TicketKind.CHANGE: N_("No changes yet."),
}
#: Where a ticket's recommendation came from, as the form shows it.
_SOURCES = {
    RecommendationSource.MICROSOFT: N_("Microsoft"),
    RecommendationSource.USER: N_("User"),
}
#: Said when SnowOps has no ServiceNow instance yet.
_NOT_CONNECTED = N_("Not connected to ServiceNow yet: an admin runs snow connect <instance>.")

FORM_VERB = "submit_ticket"
RENAME_VERB = "rename_state"
CLIENT_VERB = "servicenow_client"


def _card(body: list[JSON], actions: list[JSON]) -> JSON:
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": body,
        "actions": actions,
    }


def _choices(pairs: list[tuple[str, str]]) -> list[JSON]:
    return [{"title": title, "value": value} for title, value in pairs]


def _form_inputs(view: TicketFormView) -> list[JSON]:
    """The ticket form's inputs, prefilled; ids are the form's field names."""
    return [
        {
            "type": "Input.ChoiceSet",
            "id": "kind",
            "label": _("Type"),
            "value": view.kind.value,
            "choices": _choices([(k.label, k.value) for k in view.kinds]),
        },
        {
            "type": "Input.Text",
            "id": "name",
            "label": _("Name"),
            "value": view.name,
            "maxLength": NAME_MAX + 40,  # longer is caught server-side, with a clear message
            "isRequired": True,
            "errorMessage": _("Give the ticket a name."),
        },
        {
            "type": "Input.Text",
            "id": "description",
            "label": _("Description"),
            "value": view.description[:DESCRIPTION_MAX],
            "isMultiline": True,
            "maxLength": DESCRIPTION_MAX,
        },
        {
            "type": "Input.ChoiceSet",
            "id": "priority",
            "label": _("Priority"),
            "value": str(view.priority.value),
            "choices": _choices([(p.label, str(p.value)) for p in Priority]),
        },
        {
            "type": "Input.Date",
            "id": "due",
            "label": _("Due date ({zone})", zone=view.zone),
            "value": view.due,
        },
        {
            "type": "Input.ChoiceSet",
            "id": "category",
            "label": _("Category"),
            "value": view.category or "",
            "placeholder": _("None"),
            "choices": _choices([(c, c) for c in CATEGORIES]),
        },
        *extra_inputs(view.extra),
    ]


def _submit(context: FormContext, inline: bool) -> JSON:
    data = {"form": context.to_doc()}
    if inline:
        return {
            "type": "Action.Execute",
            "title": _("Create ticket"),
            "verb": FORM_VERB,
            "data": data,
            "style": "positive",
        }
    return {
        "type": "Action.Submit",
        "title": _("Create ticket"),
        "data": {"verb": FORM_VERB, **data},
        "style": "positive",
    }


def form_card(
    view: TicketFormView,
    context: FormContext,
    *,
    inline: bool,
    banner: str = "",
    link: str = "",
) -> JSON:
    """The ticket form, carrying ``context`` (its submission id is the idempotency key:
    one form, one ticket, however often it is submitted). ``inline``: in a message,
    submitted with ``Action.Execute`` (the card becomes the ticket card); otherwise in a
    dialog, submitted with ``Action.Submit``. Errors appear right under their field."""
    body: list[JSON] = [text(view.title, size="Medium", weight="Bolder")]
    if banner:
        body.append(text(banner, color="attention"))
    for field in _form_inputs(view):
        body.append(field)
        error = view.errors.get(field["id"])
        if error:
            body.append(text(error, color="attention", size="Small", spacing="None"))
    known = _SOURCES.get(view.source)
    source = _(known) if known else str(view.source.value)
    body.append(text(_("Source: {source}", source=source), isSubtle=True, size="Small"))
    return _card(body, [_submit(context, inline), *link_action(link)])


def _where(view: HomeView) -> list[JSON]:
    """Whether ServiceNow is connected, and working: "Connected to …" alone would be
    untrue while its calls fail."""
    if not view.connected:
        return [text(_(_NOT_CONNECTED), color="warning")]
    if not view.problem:
        return [text(_("Connected to {url}.", url=view.instance_url))]
    down = _("Connected to {url}, but {problem}.", url=view.instance_url, problem=view.problem)
    out = [text(down, color="attention")]
    if view.problem_hint:
        out.append(text(view.problem_hint, isSubtle=True, size="Small", spacing="None"))
    return out


def home_body(view: HomeView, actions: list[JSON]) -> tuple[list[JSON], list[JSON]]:
    """The Incident management and Change management cards, with the home buttons in
    rows that fit (a long title such as "Manage ServiceNow configuration" gets its own)."""
    body: list[JSON] = [
        text(_("Welcome to SnowOps"), size="Large", weight="Bolder"),
        *_where(view),
        text(_("Type snow help for every command."), isSubtle=True, spacing="None"),
    ]
    for summary in view.summaries:
        items: list[JSON] = [text(summary.title, size="Medium", weight="Bolder")]
        if summary.counts:
            items.append(facts((n, str(c)) for n, c in summary.counts))
        else:
            items.append(text(_(_NONE_YET[summary.kind]), isSubtle=True))
        for ticket in summary.recent:
            line = f"{ticket.state} · {ticket.priority}"
            items.append(
                {
                    "type": "Container",
                    "selectAction": {
                        "type": "Action.OpenUrl",
                        "title": _("Open"),
                        "url": ticket.url,
                    },
                    "items": [
                        text(f"{ticket.number} · {ticket.title}", color="accent"),
                        text(line, isSubtle=True, size="Small", spacing="None"),
                    ],
                }
            )
        body.append({"type": "Container", "style": "emphasis", "spacing": "Medium", "items": items})
    return body + action_sets(actions), []


def config_body(
    view: ConfigurationView, status: list[JSON], actions: list[JSON]
) -> tuple[list[JSON], list[JSON]]:
    """Connection status, state names with a rename input, and ``actions`` (Reconnect,
    Disconnect)."""
    body: list[JSON] = [text(_("ServiceNow configuration"), size="Large", weight="Bolder")]
    if view.banner is not None:
        color = "good" if view.banner.level is NoticeLevel.SUCCESS else "attention"
        body.append(text(view.banner.text, color=color))
    body.extend(status)
    choices = []
    current: list[tuple[str, str]] = []
    for states in view.states:
        for value, shown, default in states.states:
            renamed = f" ({default})" if shown != default else ""
            label = f"{states.kind.label} {value}: {shown}{renamed}"
            choices.append({"title": label, "value": state_pick_value(states.kind, value)})
        current.append((states.kind.label, ", ".join(s[1] for s in states.states)))
    body.append(text(_("State names"), weight="Bolder", spacing="Medium"))
    body.append(facts(current))
    body.append(
        text(
            _(
                "Pick a state and give it this workspace's name "
                "(leave the name empty to restore ServiceNow's)."
            ),
            isSubtle=True,
        )
    )
    # The list opens on the first state, never blank.
    pick: JSON = {"type": "Input.ChoiceSet", "id": "state_pick", "label": _("State")}
    pick |= {"choices": choices, "value": choices[0]["value"] if choices else ""}
    body.append(pick)
    body.append(
        {
            "type": "Input.Text",
            "id": "state_label",
            "label": _("Name"),
            "maxLength": 40,
            "placeholder": _("The name to show (empty: ServiceNow's)"),
        }
    )
    save = {"type": "Action.Execute", "title": _("Save name"), "verb": RENAME_VERB, "data": {}}
    return body, [save, *actions]


def client_card(instance: str) -> JSON:
    """The private dialog for an instance's OAuth client (never typed into a chat message)."""
    body = [
        text(
            _(
                "Connecting to {instance}. Give the client id and secret of the instance's "
                "Application Registry entry (System OAuth > Application Registry).",
                instance=instance,
            )
        ),
        {
            "type": "Input.Text",
            "id": "client_id",
            "label": _("Client id"),
            "maxLength": 200,
            "isRequired": True,
            "errorMessage": _("Required."),
        },
        {
            "type": "Input.Text",
            "id": "client_secret",
            "label": _("Client secret"),
            "style": "Password",
            "maxLength": 200,
            "isRequired": True,
            "errorMessage": _("Required."),
        },
    ]
    action = {
        "type": "Action.Submit",
        "title": _("Connect"),
        "data": {"verb": CLIENT_VERB, "instance": instance},
    }
    return _card(body, [action])
