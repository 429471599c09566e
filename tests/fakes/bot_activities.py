"""Bot Framework activities as Teams sends them to a bot (message, invoke, conversation
and installation updates), for tests to POST to ``/api/messages``."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
APP_ID = "00000000-0000-0000-0000-00000000b07a"
BOT_ID = f"28:{APP_ID}"
BOT_NAME = "SnowOps"
ADMIN_AAD = "aad-0000-admin"
USER_AAD = "aad-0000-user"
ADMIN_ID = "29:1admin"
USER_ID = "29:1user"
PERSONAL = "a:1personal-chat"
GROUP = "19:group-chat@thread.v2"
CHANNEL = "19:security-channel@thread.tacv2"
#: A private channel of the same team (the app must be added to it on its own).
PRIVATE_CHANNEL = "19:incident-room@thread.tacv2"
_CHANNELS = (CHANNEL, PRIVATE_CHANNEL)

_ids = itertools.count(1)


def conversation(conv_id: str, tenant: str = TENANT) -> dict[str, Any]:
    """The conversation object of a personal chat, group chat or channel."""
    kind = (
        "channel"
        if conv_id.startswith(_CHANNELS)
        else ("groupChat" if conv_id.startswith(GROUP) else "personal")
    )
    conv: dict[str, Any] = {"id": conv_id, "conversationType": kind, "tenantId": tenant}
    if kind != "personal":
        conv["isGroup"] = True
    return conv


def base(
    kind: str,
    service_url: str,
    *,
    conv: str = PERSONAL,
    user: str = USER_ID,
    aad: str = USER_AAD,
    user_name: str = "Abel Tuter",
    activity_id: str | None = None,
    tenant: str = TENANT,
    **fields: Any,
) -> dict[str, Any]:
    """The fields every activity from Teams has (of ``tenant``)."""
    data: dict[str, Any] = {
        "type": kind,
        "id": activity_id or f"f:{next(_ids):06d}",
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": user, "name": user_name, "aadObjectId": aad},
        "conversation": conversation(conv, tenant),
        "recipient": {"id": BOT_ID, "name": BOT_NAME},
        "channelData": {"tenant": {"id": tenant}},
        "locale": "en-US",
    }
    if conv.startswith(CHANNEL):
        data["channelData"]["channel"] = {"id": CHANNEL}
        data["channelData"]["team"] = {"id": CHANNEL}
    elif conv.startswith(PRIVATE_CHANNEL):
        data["channelData"]["channel"] = {"id": PRIVATE_CHANNEL, "membershipType": "private"}
        data["channelData"]["team"] = {"id": CHANNEL}
    data.update(fields)
    return data


def message(text: str, service_url: str, *, mention: bool = False, **kw: Any) -> dict[str, Any]:
    """A message typed to the bot; ``mention`` prefixes ``<at>SnowOps</at>`` like Teams."""
    entities: list[dict[str, Any]] = []
    if mention:
        text = f"<at>{BOT_NAME}</at> {text}"
        entities.append(
            {
                "type": "mention",
                "text": f"<at>{BOT_NAME}</at>",
                "mentioned": {"id": BOT_ID, "name": BOT_NAME},
            }
        )
    return base("message", service_url, text=text, textFormat="plain", entities=entities, **kw)


def invoke(name: str, value: dict[str, Any], service_url: str, **kw: Any) -> dict[str, Any]:
    """An invoke activity (``adaptiveCard/action``, ``task/fetch``, …)."""
    return base("invoke", service_url, name=name, value=value, **kw)


def card_action(
    verb: str, data: dict[str, Any], service_url: str, *, card_id: str | None = None, **kw: Any
) -> dict[str, Any]:
    """A click on an ``Action.Execute`` button of the card ``card_id``; ``data`` holds the
    action's data merged with the card's inputs, as Teams sends them."""
    value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"}
    extra = {"replyToId": card_id} if card_id else {}
    return invoke("adaptiveCard/action", value, service_url, **extra, **kw)


def task_fetch(data: dict[str, Any], service_url: str, **kw: Any) -> dict[str, Any]:
    """A click on a button with ``msteams.type: task/fetch``."""
    return invoke("task/fetch", {"data": data, "context": {"theme": "default"}}, service_url, **kw)


def task_submit(data: dict[str, Any], service_url: str, **kw: Any) -> dict[str, Any]:
    """A dialog's ``Action.Submit``."""
    return invoke("task/submit", {"data": data, "context": {"theme": "default"}}, service_url, **kw)


def share_message_fetch(text: str, service_url: str, **kw: Any) -> dict[str, Any]:
    """ "Share to ServiceNow" chosen on a message (``…`` > More actions)."""
    value = {
        "commandId": "shareToServiceNow",
        "commandContext": "message",
        "messagePayload": {
            "id": "1700000000999",
            "body": {"contentType": "html", "content": text},
            "linkToMessage": "https://teams.microsoft.com/l/message/19:x/1700000000999",
        },
    }
    return invoke("composeExtension/fetchTask", value, service_url, **kw)


def share_message_submit(data: dict[str, Any], service_url: str, **kw: Any) -> dict[str, Any]:
    """The message action's dialog submitted."""
    value = {"commandId": "shareToServiceNow", "commandContext": "message", "data": data}
    return invoke("composeExtension/submitAction", value, service_url, **kw)


def members_added(service_url: str, *members: str, **kw: Any) -> dict[str, Any]:
    """``conversationUpdate`` with ``membersAdded`` (the bot's id when it was added)."""
    added = [{"id": m} for m in members or (BOT_ID,)]
    return base("conversationUpdate", service_url, membersAdded=added, **kw)


def installation(service_url: str, action: str = "add", **kw: Any) -> dict[str, Any]:
    """``installationUpdate``."""
    return base("installationUpdate", service_url, action=action, **kw)
