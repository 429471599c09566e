"""Table API reads sent together in one Batch API request (``POST /api/now/v1/batch``).

Each read comes back on its own: its records, or None where it failed (its caller reads
it alone, with the retries a read of its own gets). An instance that refuses the endpoint
(:data:`~core.servicenow.table.BATCH_REFUSED`: an older release, a REST API ACL, a proxy
that lets only the Table API through) is not asked again for :data:`REFUSED_FOR`, and its
reads go one by one meanwhile, as they would without the Batch API.
"""

from __future__ import annotations

import base64
import binascii
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from core import jsonfast
from core.servicenow.http import table_url
from core.servicenow.table import TABLE_PATH, Record, TableClient

__all__ = ["REFUSED_FOR", "BatchReads", "Read"]

log = logging.getLogger(__name__)

#: How long an instance that refused the Batch API is left alone (seconds).
REFUSED_FOR = 15 * 60.0
_ACCEPT = [{"name": "Accept", "value": "application/json"}]


@dataclass(frozen=True, slots=True)
class Read:
    """One page of ``table`` matching the encoded ``query`` (at most ``limit`` records)."""

    table: str
    query: str
    fields: Sequence[str]
    limit: int

    def url(self) -> str:
        """The read as a Table API path with its query string."""
        params: dict[str, str | int] = {
            "sysparm_query": self.query,
            "sysparm_limit": self.limit,
            "sysparm_display_value": "false",
            "sysparm_exclude_reference_link": "true",
            "sysparm_fields": ",".join(self.fields),
        }
        return table_url("", TABLE_PATH + self.table, params)


class BatchReads:
    """Reads sent together where the instance takes the Batch API."""

    def __init__(self, table: TableClient, *, now: Callable[[], float] = time.monotonic) -> None:
        self._table = table
        self._now = now
        #: workspace → when its instance may be asked again.
        self._refused: dict[str, float] = {}

    async def read(self, workspace: str, reads: Sequence[Read]) -> list[list[Record] | None] | None:
        """Each read's records, in order (None for one that failed on its own); None for
        all when the instance does not take the Batch API."""
        until = self._refused.get(workspace)
        if until is not None:
            if self._now() < until:
                return None
            del self._refused[workspace]
        items = [
            {"id": str(i), "method": "GET", "url": r.url(), "headers": _ACCEPT,
             "exclude_response_headers": True}
            for i, r in enumerate(reads)
        ]  # fmt: skip
        body = await self._table.batch(workspace, items)
        served = body.get("serviced_requests") if isinstance(body, dict) else None
        if not isinstance(served, list):
            # Refused, or an answer of another shape (not the Batch API behind that path).
            self._refused[workspace] = self._now() + REFUSED_FOR
            log.info(
                "%s: the instance refuses the Batch API; its reads go one by one for %d minutes",
                workspace,
                REFUSED_FOR // 60,
            )
            return None
        by_id = {str(s.get("id")): s for s in served if isinstance(s, dict)}
        return [_records(by_id.get(str(i))) for i in range(len(reads))]


def _records(item: Any) -> list[Record] | None:
    """A served item's records; None when it failed, was not served or is not a list of
    records in the Table API's envelope."""
    if item is None or item.get("status_code") != 200 or not isinstance(item.get("body"), str):
        return None
    try:
        decoded = jsonfast.loads(base64.b64decode(item["body"], validate=True))
    except (ValueError, binascii.Error, RecursionError):  # not Base64, UTF-8, or JSON we read
        return None
    result = decoded.get("result") if isinstance(decoded, dict) else None
    if not isinstance(result, list) or not all(isinstance(r, dict) for r in result):
        return None
    return result
