"""``snowops doctor``: the checks of :mod:`core.doctor` with this deployment's settings."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys

from pydantic import SecretStr

from adapters.slack.config import BOT_SCOPES
from bot.adapters import teams_config
from bot.services import Services, build_services
from bot.settings import Settings, SettingsError, load_settings
from core.doctor import (
    HINT_STORE,
    Check,
    Doctor,
    Outcome,
    SlackCredentials,
    TeamsCredentials,
    failed,
    passed,
)
from core.i18n import _, ngettext
from core.secrets import SecretKeyError

__all__ = ["build_doctor", "run_doctor"]

TEAMS_LOGIN_URL = "https://login.microsoftonline.com"


def _plain(value: object) -> str | None:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return str(value) if value else None


def teams_credentials(settings: Settings) -> TeamsCredentials | None:
    """Teams settings, when this build has them and they are set (read defensively: the
    Teams adapter adds them)."""
    app_id = _plain(getattr(settings, "teams_app_id", None))
    password = _plain(getattr(settings, "teams_app_password", None))
    if not app_id or not password:
        return None
    return TeamsCredentials(
        app_id=app_id,
        app_password=password,
        tenant_id=teams_config(settings).tenant_id,
        login_url=_plain(getattr(settings, "teams_login_url", None)) or TEAMS_LOGIN_URL,
    )


def build_doctor(services: Services) -> Doctor:
    """A Doctor for these services and their settings."""
    settings = services.settings
    slack = None
    if settings.slack_bot_token is not None:
        slack = SlackCredentials(
            settings.slack_bot_token.get_secret_value(), settings.slack_api_url, BOT_SCOPES
        )
    return Doctor(
        services.store,
        services.pool,
        services.clock,
        graph=services.graph,
        graph_tenants=[settings.graph_tenant_id] if settings.graph_tenant_id else [],
        slack=slack,
        teams=teams_credentials(settings),
    )


async def _linked_tenants(services: Services) -> list[str]:
    tenants = []
    with contextlib.suppress(SecretKeyError):  # the doctor reports that one itself
        for conn in await services.store.list_connections():
            tenant = await services.recommendations.tenant(conn.workspace)
            if tenant:
                tenants.append(tenant)
    return tenants


async def _run(settings: Settings) -> list[Check]:
    checks = [passed(_("settings"), _("valid (store {kind})", kind=settings.store.split("://")[0]))]
    try:
        settings.secret_box()
    except SettingsError as exc:
        return [*checks, failed(_("secret key"), str(exc))]
    services = build_services(settings)
    try:
        try:
            await services.store.open()
        except Exception as exc:
            problem = _("cannot open ({error})", error=type(exc).__name__)
            return [*checks, failed(_("store"), problem, _(HINT_STORE))]
        doctor = build_doctor(services)
        try:
            return checks + await doctor.run(await _linked_tenants(services))
        except Exception as exc:  # a check that broke must still end in one clear line
            logging.getLogger(__name__).debug("doctor failed", exc_info=True)
            return [
                *checks,
                failed(
                    _("doctor"),
                    _(
                        "a check could not finish ({error}: {problem})",
                        error=type(exc).__name__,
                        problem=str(exc)[:120],
                    ),
                    _("run again with SNOWOPS_LOG_LEVEL=DEBUG and report it"),
                ),
            ]
    finally:
        await services.pool.aclose()
        if services.graph is not None:
            await services.graph.aclose()
        with contextlib.suppress(Exception):
            await services.store.close()


def run_doctor(settings: Settings | None = None) -> int:
    """Print one line per check; 0 only when every check passed."""
    try:
        settings = settings or load_settings()
    except SettingsError as exc:
        print(failed(_("settings"), str(exc).removeprefix("invalid setting ")).line())
        return 1
    # Findings go to stdout; the services' own log lines would only repeat them.
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    checks = asyncio.run(_run(settings))
    for check in checks:
        print(check.line())
    bad = [c for c in checks if not c.ok]
    if bad:
        total = len(checks)
        print(
            "\n"
            + ngettext(
                "{bad} of {n} check failed.", "{bad} of {n} checks failed.", total, bad=len(bad)
            )
        )
        return 1
    warned = sum(c.outcome is Outcome.WARN for c in checks)
    if warned:
        summary = ngettext(
            "All {n} checks passed, with {warnings} warning.",
            "All {n} checks passed, with {warnings} warnings.",
            warned,
            n=len(checks),
            warnings=warned,
        )
    else:
        summary = _("All {n} checks passed.", n=len(checks))
    print("\n" + summary)
    return 0
