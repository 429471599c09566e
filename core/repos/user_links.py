"""Chat users' own ServiceNow accounts (``/snow link``): their tokens, encrypted whole.

Keyed by workspace and chat user (``platform:user``, from a verified request), so one
person's link can never be looked up for another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.storage import Documents

__all__ = ["UserLink", "UserLinks"]

_NS = "user_link"


@dataclass(frozen=True, slots=True)
class UserLink:
    """One chat user's ServiceNow account and its tokens."""

    workspace: str
    user: str  # platform:user
    instance_url: str
    user_name: str
    email: str
    access_token: str
    refresh_token: str
    expires_at: datetime
    linked_at: datetime
    sys_id: str = ""  # the ServiceNow user's id (assign to me)

    def __repr__(self) -> str:  # tokens never in a log line or a traceback
        return f"UserLink({self.workspace!r}, {self.user!r}, as {self.user_name!r})"


class UserLinks:
    """The links of every workspace."""

    def __init__(self, docs: Documents) -> None:
        self._docs = docs

    async def put(self, link: UserLink) -> None:
        """Keep (or replace) a user's link."""
        doc = {
            "instance_url": link.instance_url,
            "user_name": link.user_name,
            "email": link.email,
            "access_token": link.access_token,
            "refresh_token": link.refresh_token,
            "expires_at": link.expires_at.isoformat(),
            "linked_at": link.linked_at.isoformat(),
            "sys_id": link.sys_id,
        }
        await self._docs.put_document(_NS, f"{link.workspace}|{link.user}", doc, secret=True)

    async def get(self, workspace: str, user: str) -> UserLink | None:
        """``user``'s link in ``workspace``, if they linked."""
        doc = await self._docs.get_document(_NS, f"{workspace}|{user}")
        return None if doc is None else _link(workspace, user, doc)

    async def delete(self, workspace: str, user: str) -> bool:
        """Forget a link; True if there was one."""
        return await self._docs.delete_document(_NS, f"{workspace}|{user}")

    async def of(self, workspace: str) -> list[UserLink]:
        """Every link of a workspace."""
        docs = await self._docs.list_documents(_NS, f"{workspace}|")
        return [_link(workspace, key.split("|", 1)[1], doc) for key, doc in docs.items()]


def _link(workspace: str, user: str, doc: dict[str, object]) -> UserLink:
    return UserLink(
        workspace=workspace,
        user=user,
        instance_url=str(doc["instance_url"]),
        user_name=str(doc.get("user_name") or ""),
        email=str(doc.get("email") or ""),
        access_token=str(doc["access_token"]),
        refresh_token=str(doc.get("refresh_token") or ""),
        expires_at=datetime.fromisoformat(str(doc["expires_at"])),
        linked_at=datetime.fromisoformat(str(doc["linked_at"])),
        sys_id=str(doc.get("sys_id") or ""),
    )
