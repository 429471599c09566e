"""What a workspace keeps about Secure Score: its Microsoft tenant and its own recommendations."""

from __future__ import annotations

from core.models import Recommendation, RecommendationSource
from core.storage import Documents

__all__ = ["OwnRecommendations", "TenantLinks"]

_TENANTS = "graph_tenant"
_OWN = "user_recommendation"


class TenantLinks:
    """Which Microsoft tenant each workspace reads Secure Score from."""

    def __init__(self, docs: Documents) -> None:
        self._docs = docs

    async def get(self, workspace: str) -> str | None:
        """The linked tenant, if an admin linked one."""
        doc = await self._docs.get_document(_TENANTS, workspace)
        return str(doc["tenant"]) if doc else None

    async def link(self, workspace: str, tenant: str) -> None:
        """Link ``workspace`` to ``tenant``."""
        await self._docs.put_document(_TENANTS, workspace, {"tenant": tenant})


class OwnRecommendations:
    """A team's own recommendations, listed and shared like Microsoft's."""

    def __init__(self, docs: Documents) -> None:
        self._docs = docs

    @staticmethod
    def _key(workspace: str, rec_id: str) -> str:
        return f"{workspace}|{rec_id}"

    async def list(self, workspace: str) -> list[Recommendation]:
        """Every one of the workspace's own recommendations."""
        docs = await self._docs.list_documents(_OWN, f"{workspace}|")
        return [
            Recommendation(
                id=str(d["id"]),
                title=str(d["title"]),
                category=str(d["category"]),
                source=RecommendationSource.USER,
                description=str(d.get("description", "")),
                created_by=str(d.get("created_by", "")),
            )
            for d in docs.values()
        ]

    async def add(self, workspace: str, rec: Recommendation, created_at: str) -> None:
        """Keep one."""
        doc = {
            "id": rec.id,
            "title": rec.title,
            "category": rec.category,
            "description": rec.description,
            "created_by": rec.created_by,
            "created_at": created_at,
        }
        await self._docs.put_document(_OWN, self._key(workspace, rec.id), doc)

    async def remove(self, workspace: str, rec_id: str) -> bool:
        """Forget one; True if it was there."""
        return await self._docs.delete_document(_OWN, self._key(workspace, rec_id))
