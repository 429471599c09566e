"""Checks of one ServiceNow connection, each one request, read as the bot reads answers.

The probe never changes anything: tokens it obtains are not stored (the connection's health
and tokens stay as the workers left them), and the write probe is an empty update, which
ServiceNow checks against the write ACLs but applies as a no-op (``sys_mod_count`` stays).
Failures are classified by :func:`core.servicenow.responses.error_for`, so the hints are the
ones ``/snow status`` and the bot's own errors give (README: Troubleshooting).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx2

from core.clock import Clock
from core.doctor.checks import Check, failed, passed, skipped
from core.i18n import N_, gettext, ngettext
from core.models import Connection, ConnectionStatus, TicketKind
from core.servicenow.errors import ReauthorizationRequired, ServiceNowError
from core.servicenow.oauth import TOKEN_PATH
from core.servicenow.responses import error_for, parse_json
from core.servicenow.table import TABLE_PATH
from core.servicenow.transport import JSON_HEADERS, NO_AUTH, BearerAuth, InstancePool
from core.store.port import Store

__all__ = ["ServiceNowProbe"]

HINT_DNS = N_(
    "Check the instance name (acme means https://acme.service-now.com) and the bot's DNS."
)
HINT_TLS = N_(
    "The instance's certificate is not trusted from here: a TLS-inspecting proxy needs its CA "
    "in the bot's trust store (SSL_CERT_FILE)."
)
HINT_UNREACHABLE = N_(
    "The instance did not answer. Check that it is awake (developer instances hibernate) and "
    "that the bot may reach it (firewall, proxy)."
)


@dataclass
class _Found:
    token: str | None = None
    record: tuple[str, str, str] | None = None  # table, sys_id, what to call it


def _why(exc: ServiceNowError) -> str:
    return exc.message[:1].upper() + exc.message[1:]


class ServiceNowProbe:
    """Runs the connection checks of ``snowops doctor`` and ``/snow status``."""

    def __init__(self, store: Store, pool: InstancePool, clock: Clock) -> None:
        self._store = store
        self._pool = pool
        self._clock = clock

    async def check(self, conn: Connection, *, refresh: bool = True) -> list[Check]:
        """Every check of one connection, in order; later ones skip when earlier ones fail.
        With ``refresh=False`` (`/snow status`) a still-valid access token is used as is,
        and the refresh grant is left alone."""
        # The names start with this label in every language: /snow status shows them without.
        label = f"ServiceNow {conn.workspace}"
        found = _Found()
        checks = [await self._network(conn.instance_url, f"{label} {gettext('DNS and TLS')}")]
        if not checks[0].ok:
            return checks
        fresh = conn.access_token and conn.expires_at and conn.expires_at > self._clock.now()
        if not refresh and fresh:
            found.token = conn.access_token
        else:
            checks += await self._tokens(conn, label, found)
        for kind in TicketKind:
            name = gettext("read {table}", table=kind.table)
            check = await self._read(conn, kind.table, f"{label} {name}", found)
            if kind.optional and not check.ok and found.token is not None:
                # A plugin's table (sn_si_incident): without it SnowOps just offers less.
                detail = gettext("{detail}: security incidents not offered", detail=check.detail)
                check = skipped(check.name, detail)
            checks.append(check)
        checks.append(await self._write(conn, f"{label} {gettext('write permission')}", found))
        return checks

    async def _network(self, url: str, name: str) -> Check:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        timeout = self._pool.retry.timeout_seconds
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout
            )
        except (OSError, TimeoutError):
            return failed(name, gettext("{host} does not resolve", host=host), gettext(HINT_DNS))
        address = str(infos[0][4][0]) if infos else host
        if parts.scheme != "https":
            return passed(
                name,
                gettext(
                    "{host} is {address} (plain http: loopback only)", host=host, address=address
                ),
            )
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(
                    host, port, ssl=ssl.create_default_context(), server_hostname=host
                ),
                timeout,
            )
        except ssl.SSLCertVerificationError as exc:
            why = gettext("TLS to {host}: {error}", host=host, error=exc.verify_message)
            return failed(name, why, gettext(HINT_TLS))
        except (OSError, TimeoutError) as exc:
            why = gettext(
                "cannot open {host}:{port} ({error})",
                host=host,
                port=port,
                error=type(exc).__name__,
            )
            return failed(name, why, gettext(HINT_UNREACHABLE))
        writer.close()
        return passed(
            name, gettext("{host} is {address}, certificate valid", host=host, address=address)
        )

    async def _send(
        self, instance_url: str, method: str, path: str, **kwargs: Any
    ) -> httpx2.Response | Check:
        try:
            response: httpx2.Response = await self._pool.client(instance_url).request(
                method, path, **kwargs
            )
        except httpx2.TimeoutException:
            return failed("", gettext("no answer in time"), gettext(HINT_UNREACHABLE))
        except httpx2.RequestError as exc:
            why = gettext("could not connect ({error})", error=type(exc).__name__)
            return failed("", why, gettext(HINT_UNREACHABLE))
        return response

    async def _tokens(self, conn: Connection, label: str, found: _Found) -> list[Check]:
        endpoint = f"{label} {gettext('OAuth token endpoint')}"
        refresh = f"{label} {gettext('refresh token')}"
        not_tried = gettext("not tried")
        if not conn.refresh_token:
            return [
                skipped(endpoint, gettext("no refresh token stored")),
                failed(
                    refresh, gettext("none stored"), gettext(ReauthorizationRequired.default_hint)
                ),
            ]
        answer = await self._send(
            conn.instance_url,
            "POST",
            TOKEN_PATH,
            data={
                "grant_type": "refresh_token",
                "client_id": conn.client_id,
                "client_secret": conn.client_secret,
                "refresh_token": conn.refresh_token,
            },
            auth=NO_AUTH,
        )
        if isinstance(answer, Check):
            return [failed(endpoint, answer.detail, answer.hint), skipped(refresh, not_tried)]
        try:
            if answer.status_code != 200:
                raise error_for(answer, token_endpoint=True)
            body = parse_json(answer)
        except ReauthorizationRequired as exc:
            if conn.expires_at and conn.expires_at > self._clock.now():
                found.token = conn.access_token  # still good for a while: go on with it
            return [passed(endpoint, gettext("answers")), failed(refresh, _why(exc), exc.hint)]
        except ServiceNowError as exc:
            return [failed(endpoint, _why(exc), exc.hint), skipped(refresh, not_tried)]
        if not isinstance(body, dict) or not body.get("access_token"):
            why = gettext("answered 200 without an access_token")
            return [
                failed(endpoint, why, gettext(HINT_UNREACHABLE)),
                skipped(refresh, not_tried),
            ]
        found.token = str(body["access_token"])
        await self._keep(conn, body)
        valid = gettext("valid")
        if conn.status is ConnectionStatus.NEEDS_REAUTH:
            valid = gettext(
                "valid (the connection is marked for re-authorization: run /snow connect again)"
            )
        return [passed(endpoint, gettext("answers")), passed(refresh, valid)]

    async def _keep(self, conn: Connection, body: dict[str, Any]) -> None:
        """Store what the refresh grant gave, as the bot would: an instance that rotates
        refresh tokens has just retired the stored one, and dropping the new one would cut
        the connection. Only if nobody changed the connection meanwhile."""
        current = await self._store.get_connection(conn.workspace)
        if current is None or current.refresh_token != conn.refresh_token:
            return
        raw_expiry = str(body.get("expires_in") or "")
        seconds = int(raw_expiry) if raw_expiry.isdigit() else 1799
        await self._store.save_connection(
            replace(
                current,
                access_token=str(body["access_token"]),
                refresh_token=str(body.get("refresh_token") or current.refresh_token),
                expires_at=self._clock.now() + timedelta(seconds=seconds),
            )
        )

    async def _read(self, conn: Connection, table: str, name: str, found: _Found) -> Check:
        if found.token is None:
            return skipped(name, gettext("no access token to try with"))
        answer = await self._send(
            conn.instance_url,
            "GET",
            TABLE_PATH + table,
            params={"sysparm_limit": "1", "sysparm_fields": "sys_id,number"},
            auth=BearerAuth(found.token),
        )
        if isinstance(answer, Check):
            return failed(name, answer.detail, answer.hint)
        try:
            if answer.status_code != 200:
                raise error_for(answer)
            body = parse_json(answer)
        except ServiceNowError as exc:
            return failed(name, _why(exc), exc.hint)
        rows = body.get("result") if isinstance(body, dict) else None
        if not isinstance(rows, list):
            why = gettext("answered without a result list")
            return failed(name, why, gettext(HINT_UNREACHABLE))
        if rows and found.record is None and isinstance(rows[0], dict) and rows[0].get("sys_id"):
            found.record = (table, str(rows[0]["sys_id"]), str(rows[0].get("number") or ""))
        return passed(name, ngettext("{n} record read", "{n} records read", len(rows)))

    async def _write(self, conn: Connection, name: str, found: _Found) -> Check:
        if found.token is None:
            return skipped(name, gettext("no access token to try with"))
        # Probe on a ticket SnowOps made here if there is one; otherwise on a readable record.
        ours = await self._store.list_tickets(conn.workspace, limit=1)
        target = (ours[0].kind.table, ours[0].sys_id, ours[0].number) if ours else found.record
        if target is None:
            why = gettext("no record to probe with (checked on the first ticket)")
            return skipped(name, why)
        table, sys_id, number = target
        answer = await self._send(
            conn.instance_url,
            "PATCH",
            f"{TABLE_PATH}{table}/{sys_id}",
            json={},
            headers=JSON_HEADERS,
            auth=BearerAuth(found.token),
        )
        if isinstance(answer, Check):
            return failed(name, answer.detail, answer.hint)
        try:
            if answer.status_code != 200:
                raise error_for(answer)
            parse_json(answer)
        except ServiceNowError as exc:
            return failed(name, _why(exc), exc.hint)
        return passed(
            name,
            gettext("may update {record} (probed with an empty update)", record=number or table),
        )
