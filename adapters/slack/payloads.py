"""The shape of a Slack payload, checked before bolt or a listener reads it.

Bolt indexes into a payload as Slack documents it (``body["actions"][0]["action_id"]``,
``"id" in body["team"]``, ``len(body["response_urls"])``…), so a signed payload of another
shape would fail deep inside it as a 500 with a traceback. Every field that bolt's context
builder, its matchers or SnowOps's listeners read must have its documented type when it
is present (``null`` is allowed where Slack sends it); each payload type must carry what
its matcher needs. Anything else in the payload is left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["PayloadError", "check_payload"]

_Types = tuple[type, ...]
_STR: _Types = (str,)
_OBJ: _Types = (dict,)
_LIST: _Types = (list,)
_OBJ_OR_ID: _Types = (dict, str)
_FLAG: _Types = (bool, str)
_NAMES = {str: "a string", dict: "an object", list: "a list", bool: "true or false"}

#: Scalars anywhere bolt or a listener reads them: ids, timestamps, URLs, texts.
_SCALARS = (
    "type",
    "subtype",
    "token",
    "team_id",
    "enterprise_id",
    "user_id",
    "user_name",
    "user_team",
    "channel_id",
    "channel_type",
    "context_team_id",
    "context_enterprise_id",
    "api_app_id",
    "trigger_id",
    "response_url",
    "callback_id",
    "action_id",
    "command",
    "text",
    "event_id",
    "thread_ts",
    "ts",
    "bot_id",
    "tab",
    "function_execution_id",
    "bot_access_token",
    "challenge",
)
#: Objects (or ids) that bolt reads ids from.
_HOLDERS = ("team", "user", "channel", "enterprise")
#: Nested objects that bolt looks into for the same ids.
_NESTED = ("message", "previous_message", "item", "assistant_thread", "function_data")


class PayloadError(ValueError):
    """A payload not shaped as Slack sends it; the message names the field."""


def _is(value: Any, types: _Types, *, nullable: bool = True) -> bool:
    if value is None:
        return nullable
    # bool is an int in Python; no field here is a number.
    return isinstance(value, types)


def _want(obj: Mapping[str, Any], key: str, types: _Types, path: str, **kw: bool) -> None:
    if key in obj and not _is(obj[key], types, **kw):
        names = " or ".join(_NAMES[t] for t in types)
        raise PayloadError(f"{path}{key} must be {names}")


_FLAGS = frozenset({"is_enterprise_install", "is_ext_shared_channel"})
_CHECKED = frozenset(_SCALARS) | _FLAGS | frozenset(_HOLDERS) | frozenset(_NESTED)
_NESTED_SET = frozenset(_NESTED)


def _all_plain(obj: Mapping[str, Any]) -> bool:
    """Whether every field :func:`_ids` checks is plainly right: null, a string where a
    string (or an id) will do, or a flag's true or false. A slash command's form always is,
    and this look at its dozen fields is much cheaper than the full check's forty lookups;
    anything else gets the full check, which names the first wrong field."""
    for key, value in obj.items():
        if key not in _CHECKED or value is None:
            continue
        if type(value) is str and key not in _NESTED_SET:
            continue
        if type(value) is bool and key in _FLAGS:
            continue
        return False
    return True


def _ids(obj: Mapping[str, Any], path: str) -> None:
    """The fields bolt reads ids from, at one level of a payload."""
    if _all_plain(obj):
        return
    for key in _SCALARS:
        _want(obj, key, _STR, path)
    for key in sorted(_FLAGS):
        _want(obj, key, _FLAG, path)
    for key in _HOLDERS:
        _want(obj, key, _OBJ_OR_ID, path)
        holder = obj.get(key)
        if isinstance(holder, dict):
            for inner in ("id", "team_id", "enterprise_id", "name", "username"):
                _want(holder, inner, _STR, f"{path}{key}.")
    for key in _NESTED:
        _want(obj, key, _OBJ, path)
        nested = obj.get(key)
        if isinstance(nested, dict):
            _ids(nested, f"{path}{key}.")


def _url(obj: Mapping[str, Any], path: str) -> None:
    """Answers are posted to a ``response_url``: it must at least be a web address."""
    url = obj.get("response_url")
    if isinstance(url, str) and url and not url.startswith(("https://", "http://")):
        raise PayloadError(f"{path}response_url must be an http(s) URL")


def _objects(items: Any, path: str, *, required: bool = False) -> list[dict[str, Any]]:
    """A list of objects (non-empty when ``required``)."""
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise PayloadError(f"{path} must be a list of objects")
    if required and not items:
        raise PayloadError(f"{path} must not be empty")
    return items


def _view(view: Any, *, submitted: bool) -> None:
    """A modal or Home view; a submitted one names its callback and carries its inputs."""
    if not isinstance(view, dict):
        raise PayloadError("view must be an object")
    for key in ("id", "type", "callback_id", "private_metadata", "team_id", "hash"):
        _want(view, key, _STR, "view.")
    _want(view, "app_installed_team_id", _STR, "view.")
    if submitted and not isinstance(view.get("callback_id"), str):
        raise PayloadError("view.callback_id must be a string")
    _want(view, "state", _OBJ, "view.")
    values = (view.get("state") or {}).get("values")
    if values is None:
        return
    if not isinstance(values, dict):
        raise PayloadError("view.state.values must be an object")
    for block_id, block in values.items():
        if not isinstance(block, dict) or not all(isinstance(e, dict) for e in block.values()):
            raise PayloadError(f"view.state.values.{block_id[:40]} must map action ids to objects")


def _actions(body: Mapping[str, Any]) -> None:
    for i, action in enumerate(_objects(body.get("actions"), "actions", required=True)):
        if not isinstance(action.get("action_id"), str):
            raise PayloadError(f"actions[{i}].action_id must be a string")
        for key in ("block_id", "value", "type", "selected_date"):
            _want(action, key, _STR, f"actions[{i}].")
        _want(action, "selected_option", _OBJ, f"actions[{i}].")


def _needs_callback(body: Mapping[str, Any]) -> None:
    if not isinstance(body.get("callback_id"), str):
        raise PayloadError("callback_id must be a string")


def _attachment_action(body: Mapping[str, Any]) -> None:
    """A legacy message button: bolt reads ``actions[0]`` as for ``block_actions``."""
    _needs_callback(body)
    _objects(body.get("actions"), "actions", required=True)


def _step(body: Mapping[str, Any]) -> None:
    """Bolt reads ``workflow_step`` of every workflow step edit and save."""
    if not isinstance(body.get("workflow_step"), dict):
        raise PayloadError("workflow_step must be an object")


def _step_edit(body: Mapping[str, Any]) -> None:
    _needs_callback(body)
    _step(body)


def _submitted(body: Mapping[str, Any]) -> None:
    _view(body.get("view"), submitted=True)
    if body["view"].get("type") == "workflow_step":
        _step(body)


def _event(body: Mapping[str, Any]) -> None:
    event = body.get("event")
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        raise PayloadError("event must be an object with a type")
    _ids(event, "event.")
    if "view" in event:
        _view(event["view"], submitted=False)


_BY_TYPE = {
    "block_actions": _actions,
    "view_submission": _submitted,
    "view_closed": _submitted,
    "message_action": _needs_callback,
    "shortcut": _needs_callback,
    "interactive_message": _attachment_action,
    "dialog_submission": _needs_callback,
    "dialog_cancellation": _needs_callback,
    "dialog_suggestion": _needs_callback,
    "workflow_step_edit": _step_edit,
    "event_callback": _event,
}


def check_payload(body: Mapping[str, Any]) -> None:
    """Raise :class:`PayloadError` when ``body`` (a parsed command, interactivity payload
    or Events API envelope) is not shaped as Slack sends it."""
    _ids(body, "")
    for key in ("authorizations", "response_urls"):
        if key in body:
            _objects(body[key], key)
    for auth in body.get("authorizations") or ():
        _ids(auth, "authorizations[].")
    for url in body.get("response_urls") or ():
        _want(url, "response_url", _STR, "response_urls[].")
        _url(url, "response_urls[].")
    _url(body, "")
    if "view" in body and body.get("type") not in ("view_submission", "view_closed"):
        _view(body["view"], submitted=False)
    if "actions" in body and body.get("type") != "block_actions":
        _objects(body["actions"], "actions")
    if body.get("type") == "block_suggestion" and not isinstance(body.get("action_id"), str):
        raise PayloadError("action_id must be a string")
    check = _BY_TYPE.get(str(body.get("type") or ""))
    if check is not None:
        check(body)
