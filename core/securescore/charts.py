"""Chart images served from a short-lived, unguessable URL: each image is kept in the store
(so any replica serves it) under a random token, and forgotten when it expires. The URL
carries no secret of anyone's: only the token, which names one image."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime, timedelta

from core.clock import Clock
from core.storage import Documents

__all__ = ["CHART_PATH", "CHART_TTL", "ChartImages"]

_IMAGES = "chart_image"
#: How long a chart URL works: long enough for Slack and Teams to fetch and show it.
CHART_TTL = timedelta(hours=24)
#: Where the server serves them: ``{CHART_PATH}/{token}.png``.
CHART_PATH = "/securescore/charts"


class ChartImages:
    """PNG images by random token, until they expire."""

    def __init__(self, docs: Documents, clock: Clock) -> None:
        self._docs = docs
        self._clock = clock

    async def put(self, png: bytes) -> str:
        """Keep ``png``; returns its token. Expired images go at the same time."""
        now = self._clock.now()
        for token, doc in (await self._docs.list_documents(_IMAGES)).items():
            if datetime.fromisoformat(str(doc.get("expires"))) <= now:
                await self._docs.delete_document(_IMAGES, token)
        token = secrets.token_urlsafe(24)
        doc = {"png": base64.b64encode(png).decode(), "expires": (now + CHART_TTL).isoformat()}
        await self._docs.put_document(_IMAGES, token, doc)
        return token

    async def get(self, token: str) -> bytes | None:
        """The image, or None when there is none by that token (or it expired)."""
        if not token or len(token) > 64:
            return None
        doc = await self._docs.get_document(_IMAGES, token)
        if doc is None:
            return None
        if datetime.fromisoformat(str(doc.get("expires"))) <= self._clock.now():
            await self._docs.delete_document(_IMAGES, token)
            return None
        return base64.b64decode(str(doc["png"]))
