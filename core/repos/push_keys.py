"""Per-instance keys that ServiceNow signs its pushed ticket changes with."""

from __future__ import annotations

import base64
import secrets

from core.storage import Documents

__all__ = ["PushKeys"]

_NS = "push_key"


class PushKeys:
    """One key per instance URL (normalised by the caller), encrypted at rest."""

    def __init__(self, docs: Documents) -> None:
        self._docs = docs

    async def create(self, instance_url: str) -> str:
        """Make (or replace) an instance's key; returns it base64-encoded, for ServiceNow."""
        key = base64.b64encode(secrets.token_bytes(32)).decode("ascii")
        await self._docs.put_document(_NS, instance_url, {"key": key}, secret=True)
        return key

    async def get(self, instance_url: str) -> bytes | None:
        """The raw key bytes of an instance, or None."""
        doc = await self._docs.get_document(_NS, instance_url)
        return base64.b64decode(doc["key"]) if doc else None

    async def delete(self, instance_url: str) -> bool:
        """Stop accepting pushes from an instance."""
        return await self._docs.delete_document(_NS, instance_url)
