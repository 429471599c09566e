"""``snowops doctor``: check the configuration and every connection, one line per check.

The same ServiceNow checks (:class:`ServiceNowProbe`) feed ``/snow status``, so a chat user
and an admin at a terminal get the same finding and the same advice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import httpx2

from core.clock import Clock
from core.doctor.checks import Check, Outcome, all_passed, failed, passed, skipped, warned
from core.doctor.platforms import (
    SlackCredentials,
    TeamsCredentials,
    check_graph,
    check_slack,
    check_teams,
)
from core.doctor.servicenow import ServiceNowProbe
from core.i18n import N_, gettext, ngettext
from core.secrets import SecretKeyError
from core.securescore.client import GraphClient
from core.servicenow.transport import InstancePool
from core.store.port import Store

__all__ = [
    "HINT_KEY",
    "HINT_STORE",
    "Check",
    "Doctor",
    "Outcome",
    "ServiceNowProbe",
    "SlackCredentials",
    "TeamsCredentials",
    "all_passed",
    "failed",
    "passed",
    "skipped",
    "warned",
]

log = logging.getLogger(__name__)

HINT_STORE = N_(
    "Check SNOWOPS_STORE: the SQLite file's directory must be writable, a Redis server must "
    "be up and reachable (redis:// for loopback, rediss:// elsewhere)."
)
HINT_KEY = N_(
    "SNOWOPS_SECRET_KEY is not the key the secrets were stored with. Put the old key back, "
    "or list both as new,old while rotating; losing it means connecting every workspace again."
)


class Doctor:
    """Runs every check against one deployment's store and connections."""

    def __init__(
        self,
        store: Store,
        pool: InstancePool,
        clock: Clock,
        *,
        graph: GraphClient | None = None,
        graph_tenants: Sequence[str] = (),
        slack: SlackCredentials | None = None,
        teams: TeamsCredentials | None = None,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        self._store = store
        self._probe = ServiceNowProbe(store, pool, clock)
        self._timeout = pool.retry.timeout_seconds
        self._graph = graph
        self._graph_tenants = graph_tenants
        self._slack = slack
        self._teams = teams
        self._transport = transport

    async def run(self, linked_tenants: Sequence[str] = ()) -> list[Check]:
        """Every check, in order. The store must be open."""
        try:
            await self._store.ping()
        except Exception as exc:
            log.info("store ping failed: %r", exc)
            return [
                failed(
                    gettext("store"),
                    gettext("unreachable ({error})", error=type(exc).__name__),
                    gettext(HINT_STORE),
                )
            ]
        checks = [passed(gettext("store"), gettext("reachable"))]
        try:
            risks = await self._store.durability_risks()
        except Exception as exc:
            log.info("store durability unknown: %r", exc)
            risks = []
        durability = gettext("store durability")
        checks += [warned(durability, finding, hint) for finding, hint in risks]
        try:
            connections = await self._store.list_connections()
        except SecretKeyError:
            why = gettext("cannot decrypt the stored secrets")
            return [*checks, failed(gettext("secret key"), why, gettext(HINT_KEY))]
        count = len(connections)
        decrypts = ngettext(
            "decrypts {n} stored connection", "decrypts {n} stored connections", count
        )
        checks.append(passed(gettext("secret key"), decrypts))
        if not connections:
            checks.append(skipped("ServiceNow", gettext("no workspace is connected yet")))
        for conn in connections:
            checks += await self._probe.check(conn)
        async with httpx2.AsyncClient(timeout=self._timeout, transport=self._transport) as http:
            checks += await check_slack(self._slack, http)
            checks += await check_teams(self._teams, http)
        tenants = list(dict.fromkeys([*self._graph_tenants, *linked_tenants]))
        checks += await check_graph(self._graph, tenants)
        return checks
