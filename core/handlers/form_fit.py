"""The type-ahead of the ticket form's reference fields (the instance's own required
fields that point at another table: a service, a configuration item, a location…)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from core.actions_fit import SuggestRecords
from core.handlers.context import RequestContext
from core.handlers.router import Handler
from core.instance_fields import RequiredFields
from core.outcomes import Outcome, Suggestions
from core.servicenow.errors import ServiceNowError

__all__ = ["FormFitHandlers"]

log = logging.getLogger(__name__)

#: Slack waits 3 s for the answer, in the acknowledgement: ServiceNow gets 2 of them.
SUGGEST_SECONDS = 2.0


class FormFitHandlers:
    """Answers a reference field's type-ahead."""

    def __init__(self, required: RequiredFields) -> None:
        self._required = required

    def routes(self) -> Mapping[type[Any], Handler]:
        """The requests this group answers."""
        return {SuggestRecords: self.suggest}

    async def suggest(self, ctx: RequestContext, request: SuggestRecords) -> Outcome:
        """The records whose name holds what was typed: (sys_id, name)."""
        try:
            async with asyncio.timeout(SUGGEST_SECONDS):
                found = await self._required.suggest(ctx.workspace, request.table, request.query)
        except TimeoutError:
            log.info("%s search took over %.0f s: no suggestions", request.table, SUGGEST_SECONDS)
            return Suggestions(())
        except ServiceNowError as exc:
            log.info("%s search failed: %s", request.table, exc.message)
            return Suggestions(())
        return Suggestions(tuple(found))
