"""Integration fixtures: the root ``app``, with a recorded chat platform for Slack workspaces.

No Slack is configured in these tests, yet core posts each new ticket's card and the
post-connect confirmation through the workspace platform's ChatSink: ``chat`` stands in
for it (``build_services(sinks=...)``, the composition root's own seam for chat platforms).
"""

from __future__ import annotations

import pytest

from core.ports import ChatSink
from tests.integration.helpers import RecordingSink


@pytest.fixture
def chat() -> RecordingSink:
    """What core posted to Slack workspaces (``slack:*``)."""
    return RecordingSink()


@pytest.fixture
def app_sinks(chat: RecordingSink) -> dict[str, ChatSink]:
    """Slack workspaces' cards and messages go to ``chat``."""
    return {"slack": chat}
