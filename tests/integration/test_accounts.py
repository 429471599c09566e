"""`/snow link` and `/snow unlink`: a person's own ServiceNow account, end to end against the
simulator (its OAuth page signs in any of its users)."""

from __future__ import annotations

from core.handlers.context import RequestContext
from core.models import ChannelRef, Requester
from core.outcomes import PrivateLink
from core.views import Notice, StatusView
from sim.servicenow.users import DEMO_PASSWORD
from tests.conftest import App, Sim, admin_ctx
from tests.integration.helpers import RecordingSink, run
from tests.integration.oauth_helpers import approve

WS = "slack:T0123"


def ana(private: bool = True) -> RequestContext:
    return RequestContext(
        WS,
        Requester("slack", "U_ANA", "Abel Tuter", "abel.tuter@example.com"),
        ChannelRef(WS, "D_ANA" if private else "C_SEC"),
        private=private,
    )


async def link_as(app: App, ctx: RequestContext, user: str, password: str = DEMO_PASSWORD) -> str:
    """Run /snow link as ``ctx`` and sign in as ``user``; the callback page's text."""
    outcome = await app.services.router.handle_text(ctx, "link")
    assert isinstance(outcome, PrivateLink), outcome
    assert outcome.notice.link
    assert outcome.notice.link.startswith(f"{app.url}/servicenow/oauth/start?t=")
    callback = await approve(app.http, outcome.notice.link, username=user, password=password)
    async with app.http.get(callback) as page:
        assert page.status == 200
        return await page.text()


async def status_line(app: App, ctx: RequestContext) -> str:
    view = await run(app, ctx, "status")
    assert isinstance(view, StatusView)
    return dict(view.lines)["Your ServiceNow account"]


async def test_a_user_links_their_own_account_and_unlinks_it(
    connected: App, sim: Sim, chat: RecordingSink
) -> None:
    assert await status_line(connected, ana()) == "not linked (/snow link)"
    page = await link_as(connected, ana(), "abel.tuter")
    assert "linked to the ServiceNow user abel.tuter" in page
    assert await status_line(connected, ana()) == "linked as abel.tuter"
    # Someone else in the same workspace is not linked by it.
    assert await status_line(connected, admin_ctx()) == "not linked (/snow link)"
    # They were told privately, and asked to check it was them.
    [told] = chat.sent_to(ChannelRef(WS, "D_U_ANA"))
    assert told.text == "Your ServiceNow account is linked: you are abel.tuter in ServiceNow."
    assert "run /snow unlink now" in told.hint

    accounts = connected.services.connections.accounts
    token = await accounts.access_token(WS, "slack:U_ANA")
    assert token
    assert await accounts.access_token(WS, "slack:U_ADMIN") is None  # never another's

    gone = await run(connected, ana(), "unlink")
    assert isinstance(gone, Notice)
    assert "no longer holds a token for abel.tuter" in gone.text
    assert await accounts.linked(WS, "slack:U_ANA") is None
    # The token was revoked at ServiceNow, not only forgotten here.
    async with connected.http.get(
        f"{sim.url}/api/now/table/sys_user",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    ) as r:
        assert r.status == 401
    again = await run(connected, ana(), "unlink")
    assert isinstance(again, Notice)
    assert "not linked" in again.text


async def test_a_link_is_refreshed_before_it_expires(connected: App, sim: Sim) -> None:
    await link_as(connected, ana(), "abel.tuter")
    accounts = connected.services.connections.accounts
    first = await accounts.access_token(WS, "slack:U_ANA")
    link = await accounts.linked(WS, "slack:U_ANA")
    assert link is not None
    connected.clock.advance((link.expires_at - connected.clock.now()).total_seconds() - 30)
    fresh = await accounts.access_token(WS, "slack:U_ANA")
    assert fresh
    assert fresh != first
    relinked = await accounts.linked(WS, "slack:U_ANA")
    assert relinked is not None
    assert relinked.expires_at > link.expires_at


async def test_links_go_with_the_workspace_connection(connected: App, sim: Sim) -> None:
    await link_as(connected, ana(), "abel.tuter")
    assert await run(connected, admin_ctx(), "disconnect confirm")
    assert await connected.services.connections.accounts.linked(WS, "slack:U_ANA") is None


async def test_link_is_private_and_needs_a_connection(app: App, sim: Sim) -> None:
    in_channel = await run(app, ana(private=False), "link")
    assert isinstance(in_channel, Notice)
    assert "sent privately" in in_channel.text
    not_connected = await run(app, ana(), "link")
    assert isinstance(not_connected, Notice)
    assert "not connected to ServiceNow" in not_connected.text


async def test_the_sign_in_page_says_it_links_a_personal_account(connected: App) -> None:
    outcome = await connected.services.router.handle_text(ana(), "link")
    assert isinstance(outcome, PrivateLink)
    assert outcome.notice.link
    async with connected.http.get(outcome.notice.link) as page:
        text = await page.text()
    assert "Link your own ServiceNow account?" in text
    assert "Abel Tuter" in text
    assert "sign in to ServiceNow as yourself" in text
