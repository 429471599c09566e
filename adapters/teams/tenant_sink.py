"""The Teams ChatSink, each call made on behalf of the tenant whose conversation it is.

Microsoft Graph tokens are per tenant (each tenant consents to the app for itself), so a
read-back in a conversation of tenant B needs a token from B's token endpoint. The sink
(:mod:`adapters.teams.sink`) hands :class:`~adapters.teams.recall.GraphReader` only a path;
this subclass names the tenant of the conversation (its workspace, ``teams:<tenant>``) in
:data:`~adapters.teams.tenants.current_tenant` around each call.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from adapters.teams.sink import TeamsChatSink
from adapters.teams.tenants import current_tenant, tenant_of_workspace
from core.models import ChannelRef

__all__ = ["TenantChatSink"]


@contextmanager
def _on_behalf_of(workspace: str) -> Iterator[None]:
    token = current_tenant.set(tenant_of_workspace(workspace))
    try:
        yield
    finally:
        current_tenant.reset(token)


class TenantChatSink(TeamsChatSink):
    """:class:`TeamsChatSink` whose Graph read-backs use the conversation's tenant."""

    async def was_posted(self, channel: ChannelRef, key: str, *, thread: str | None = None) -> bool:
        """See :meth:`TeamsChatSink.was_posted`; Graph is asked with ``channel``'s tenant."""
        with _on_behalf_of(channel.workspace):
            return await super().was_posted(channel, key, thread=thread)
