"""Why a message could not be delivered reaches people (a ticket's card "could not be
posted (…)", parked notifications on /snow status): in the language being written, with
the platform's own error code kept as it is."""

from __future__ import annotations

from types import SimpleNamespace

import aiohttp
from slack_sdk.errors import SlackApiError

from adapters.slack.sink import _reachability, _refused
from adapters.teams.sink import delivery_error
from core.i18n import use_locale


def _slack_refusal(error: str) -> SlackApiError:
    response = SimpleNamespace(status_code=200, data={"ok": False, "error": error}, headers={})
    return SlackApiError("refused", response)


def test_a_slack_refusal_is_said_in_swedish_and_keeps_slacks_code() -> None:
    with use_locale("sv"):
        error = _refused("chat.postMessage", _slack_refusal("not_in_channel"))
        assert str(error) == "Slack avvisade chat.postMessage: not_in_channel"
        # The code is still read back from the message.
        assert not _reachability(error).reachable
    with use_locale("en"):
        error = _refused("chat.postMessage", _slack_refusal("not_in_channel"))
        assert str(error) == "Slack refused chat.postMessage: not_in_channel"


def test_a_teams_refusal_is_said_in_swedish() -> None:
    info = SimpleNamespace(real_url="https://smba.example/v3", method="POST", url="x")
    refused = aiohttp.ClientResponseError(info, (), status=403)  # type: ignore[arg-type]
    with use_locale("sv"):
        assert str(delivery_error(refused, "post card")) == (
            "Teams avvisade publicering av kort: 403"
        )
    with use_locale("en"):
        assert str(delivery_error(refused, "post card")) == "Teams refused post card: 403"
