"""Admin surfaces in Slack, rendered from core views: the configuration modal and the
private OAuth client form of `/snow connect`."""

from __future__ import annotations

from typing import Any

from adapters.slack.blocks import message
from adapters.slack.blocks_surfaces import modal
from adapters.slack.blocks_text import actions_block, context, escape, section
from core.actions import ClientFormContext, state_pick_value
from core.i18n import _
from core.views import ConfigurationView, NoticeLevel

__all__ = [
    "CLIENT_CALLBACK",
    "CONFIG_CALLBACK",
    "client_form_modal",
    "client_values",
    "config_modal",
    "input_value",
]

CONFIG_CALLBACK = "manage_configuration"
CLIENT_CALLBACK = "servicenow_client"

JSON = dict[str, Any]


def _input(block_id: str, label: str, element: JSON, *, optional: bool = False) -> JSON:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": {**element, "action_id": "value"},
        "optional": optional,
    }


_MARKS = {NoticeLevel.SUCCESS: ":white_check_mark: ", NoticeLevel.WARNING: ":warning: "}


def config_modal(view: ConfigurationView) -> JSON:
    """Connection status, state names (with a rename input), Reconnect and Disconnect."""
    options = []
    for states in view.states:
        for value, shown, default in states.states:
            renamed = f" ({default})" if shown != default else ""
            label = f"{states.kind.label} {value}: {shown}{renamed}"
            options.append(
                {
                    "text": {"type": "plain_text", "text": label[:75]},
                    "value": state_pick_value(states.kind, value),
                }
            )
    blocks: list[JSON] = []
    if view.banner is not None:
        mark = _MARKS.get(view.banner.level, "")
        blocks.append(section(mark + escape(view.banner.text)))
    blocks += [*message(view.status)["blocks"][:20], {"type": "divider"}]
    blocks.append(
        section(
            "*"
            + _("State names")
            + "* — "
            + _(
                "pick a state and give it this workspace's name "
                "(leave the name empty to restore ServiceNow's)."
            )
        )
    )
    current = [
        f"*{escape(s.kind.label)}:* " + escape(", ".join(shown for _, shown, _ in s.states))
        for s in view.states
    ]
    if current:
        blocks.append(context(*current))
    # The picker opens on the first state, never blank.
    select: JSON = {"type": "static_select", "options": options}
    if options:
        select["initial_option"] = options[0]
    blocks.append(_input("state_pick", _("State"), select))
    name = {
        "type": "plain_text_input",
        "max_length": 40,
        "placeholder": {"type": "plain_text", "text": _("The name to show (empty: ServiceNow's)")},
    }
    blocks.append(_input("state_label", _("Name"), name, optional=True))
    actions = actions_block(view.buttons)
    if actions is not None:
        blocks.append(actions)
    return modal(
        _("ServiceNow configuration"),
        blocks,
        callback_id=CONFIG_CALLBACK,
        submit={"type": "plain_text", "text": _("Save name")},
    )


def client_form_modal(instance: str, channel: str | None) -> JSON:
    """The private form for an instance's OAuth client (never typed into a chat message)."""
    blocks = [
        section(
            _(
                "Connecting to {instance}. Give the client id and secret of the instance's "
                "Application Registry entry (System OAuth &gt; Application Registry).",
                instance=f"*{escape(instance)}*",
            )
        ),
        _input("client_id", _("Client id"), {"type": "plain_text_input", "max_length": 200}),
        _input(
            "client_secret", _("Client secret"), {"type": "plain_text_input", "max_length": 200}
        ),
    ]
    meta = ClientFormContext(instance, channel).dumps()
    return modal(
        _("ServiceNow OAuth client"),
        blocks,
        callback_id=CLIENT_CALLBACK,
        submit={"type": "plain_text", "text": _("Connect")},
        private_metadata=meta,
    )


def input_value(view: dict[str, Any], block: str) -> str:
    """The value of input ``block`` in a submitted modal ("" when absent or malformed)."""
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    block_values = values.get(block) if isinstance(values, dict) else None
    element = block_values.get("value") if isinstance(block_values, dict) else None
    if not isinstance(element, dict):
        return ""
    if element.get("type") == "static_select":
        selected = element.get("selected_option")
        value = selected.get("value") if isinstance(selected, dict) else ""
    else:
        value = element.get("value")
    return value if isinstance(value, str) else ""


def client_values(view: dict[str, Any]) -> tuple[str, str, str, str | None]:
    """(instance, client id, client secret, channel) of a submitted client form."""
    meta = ClientFormContext.loads(view.get("private_metadata"))
    return (
        meta.instance,
        input_value(view, "client_id"),
        input_value(view, "client_secret"),
        meta.channel,
    )
