"""core.i18n: the language follows the request, and numbers and dates follow the language."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from core.i18n import (
    current_locale,
    format_date,
    format_number,
    language_name,
    negotiate,
    use_locale,
)


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("sv-SE", "sv"),
        ("sv_SE.UTF-8", "sv"),
        ("SV", "sv"),
        ("sv_FI@euro", "sv"),
        ("en-US", "en"),
        ("en_GB.UTF-8", "en"),
        ("de-DE", "en"),
        ("C", "en"),
        ("POSIX", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_a_platform_locale_picks_a_supported_language(tag: str | None, expected: str) -> None:
    assert negotiate(tag) == expected


def test_numbers_and_dates_follow_the_language() -> None:
    with use_locale("sv-SE"):
        assert format_number(1234.5) == "1\xa0234,5"
        assert format_date(date(2026, 12, 3)) == "3 dec. 2026"
        assert language_name("sv") == "svenska"
    with use_locale("en-US"):
        assert format_number(1234.5) == "1,234.5"
        assert format_date(date(2026, 12, 3)) == "Dec 3, 2026"
    assert current_locale() == "en"


async def test_two_requests_in_two_languages_never_see_each_others() -> None:
    seen: dict[str, list[str]] = {"sv": [], "en": []}

    async def request(tag: str, key: str) -> None:
        with use_locale(tag):
            for _ in range(5):
                await asyncio.sleep(0)
                seen[key].append(current_locale())

    await asyncio.gather(request("sv-SE", "sv"), request("en-GB", "en"))
    assert seen == {"sv": ["sv"] * 5, "en": ["en"] * 5}


async def test_a_workspace_speaks_english_until_an_admin_picks_swedish() -> None:
    from core.languages import WorkspaceLanguage
    from core.secrets import SecretBox, generate_key
    from core.store.memory import MemoryStore

    languages = WorkspaceLanguage(MemoryStore(SecretBox(generate_key())))
    assert await languages.language("slack:T1") == "en"
    await languages.set_language("slack:T1", "sv")
    assert await languages.language("slack:T1") == "sv"
    assert await languages.language("slack:T2") == "en"
    with pytest.raises(ValueError, match="de"):
        await languages.set_language("slack:T1", "de")
