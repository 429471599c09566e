"""The private "connected" message after a sign-in speaks the language of whoever asked
for the sign-in link, not the workspace's (English here) nor the browser's."""

from __future__ import annotations

from core.connections import OAuthClientConfig
from core.i18n import use_locale
from core.outcomes import PrivateLink
from sim.servicenow import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
)
from tests.conftest import App, Sim, admin_ctx
from tests.integration.helpers import RecordingSink
from tests.integration.oauth_helpers import approve, through_intro
from tests.integration.test_oauth_flow import ADMIN_DM, WS


async def _sign_in(app: App, sim: Sim, locale: str, action: str = "allow") -> None:
    await app.services.connections.set_client(
        WS, OAuthClientConfig(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET), actor="test"
    )
    with use_locale(locale):  # as the chat entry point answers the admin
        outcome = await app.services.router.handle_text(admin_ctx(), f"connect {sim.url}")
    assert isinstance(outcome, PrivateLink), outcome
    assert outcome.notice.link
    authorize = await through_intro(app.http, outcome.notice.link)
    callback = await approve(
        app.http, authorize, username=DEFAULT_USERNAME, password=DEFAULT_PASSWORD, action=action
    )
    async with app.http.get(callback) as page:
        await page.text()


async def test_a_swedish_admin_hears_of_the_connection_in_swedish(
    app: App, sim: Sim, chat: RecordingSink
) -> None:
    await _sign_in(app, sim, "sv-SE")
    [told] = chat.sent_to(ADMIN_DM)
    assert told.text == f"Ansluten till ServiceNow på {sim.url} som {DEFAULT_USERNAME}."
    assert told.hint.startswith(f"Är {DEFAULT_USERNAME} ServiceNow-kontot du loggade in med?")


async def test_a_denied_sign_in_is_told_in_the_askers_language(
    app: App, sim: Sim, chat: RecordingSink
) -> None:
    await _sign_in(app, sim, "sv-SE", action="deny")
    [told] = chat.sent_to(ADMIN_DM)
    assert told.text == "ServiceNow anslöts inte: åtkomst tilläts inte."
