"""One pooled aiohttp session for every call SnowOps makes to Slack.

slack_sdk and bolt open a new session, and so a new connection, per call unless given one.
"""

from __future__ import annotations

import aiohttp

__all__ = ["SlackHttp"]


class SlackHttp:
    """Holds the shared session; it exists between ``start`` and ``stop``."""

    def __init__(self) -> None:
        self.session: aiohttp.ClientSession | None = None

    async def start(self) -> aiohttp.ClientSession:
        """Open the session (inside the running event loop)."""
        if self.session is None:
            self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        return self.session

    async def stop(self) -> None:
        """Close it."""
        session, self.session = self.session, None
        if session is not None:
            await session.close()
