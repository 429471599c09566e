"""One-line messages an admin reads from the ``snowops`` CLI follow its ``LANG``: the
Teams package's refusals and a busy port, in Swedish and (unchanged) in English."""

from __future__ import annotations

import socket

import pytest
from aiohttp import web

from adapters.teams.package import PackageError, build_manifest
from bot.server import PortBusy, start_sites
from core.i18n import use_locale

GUID = "00000000-0000-4000-8000-000000000001"


@pytest.mark.parametrize(
    ("app_id", "url", "swedish", "english"),
    [
        ("", "https://bot.example", "sätt TEAMS_APP_ID", "set TEAMS_APP_ID"),
        ("nope", "https://bot.example", "måste vara botens", "must be the bot's"),
        (GUID, "no url", "SNOWOPS_PUBLIC_URL är ingen URL", "SNOWOPS_PUBLIC_URL is not a URL"),
    ],
)
def test_the_teams_package_refuses_in_the_admins_language(
    app_id: str, url: str, swedish: str, english: str
) -> None:
    for locale, expected in (("sv", swedish), ("en", english)):
        with use_locale(locale), pytest.raises(PackageError) as caught:
            build_manifest({}, app_id, url)
        assert expected in str(caught.value)


async def test_a_busy_port_is_said_in_the_admins_language() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for locale, expected in (
            ("sv", f"port {port} på 127.0.0.1 används redan"),
            ("en", f"port {port} on 127.0.0.1 is already in use"),
        ):
            with use_locale(locale), pytest.raises(PortBusy) as caught:
                await start_sites([(web.Application(), "127.0.0.1", port)], shutdown_timeout=60.0)
            assert str(caught.value) == expected


async def test_snowops_dev_says_a_port_raised_in_english_in_its_own_language() -> None:
    """``snowops dev`` runs its server outside the admin's language and reports in it."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortBusy) as caught:
            await start_sites([(web.Application(), "127.0.0.1", port)], shutdown_timeout=60.0)
    with use_locale("sv"):
        assert caught.value.said() == f"port {port} på 127.0.0.1 används redan"
