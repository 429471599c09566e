"""What core's handlers answer follows the asker's language: a Swedish request gets Swedish
notices, hints, state names and ServiceNow errors, an English one English; a workspace's own
names for states are its data and never translated."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field, replace

import httpx2
import pytest

from bot.core import build_core
from bot.settings import load_settings
from core.accounts import LinkResult
from core.clock import FakeClock
from core.doctor.platforms import check_slack
from core.handlers.context import RequestContext
from core.handlers.failures import failure_notice
from core.handlers.router import Router
from core.i18n import use_locale
from core.languages import WorkspaceLanguage
from core.models import ChannelRef, Requester, TicketKind
from core.no_answer import no_answer_text
from core.outcomes import Outcome, Reply
from core.repos.user_links import UserLink
from core.retry import RetryPolicy
from core.secrets import SecretBox, generate_key
from core.securescore.mapping import category_name
from core.securescore.verify import points
from core.servicenow.errors import UnavailableError
from core.servicenow.http import TableHttp, table_url
from core.servicenow.responses import error_for
from core.servicenow.states import state_label
from core.servicenow.transport import send_with_retries
from core.store.memory import MemoryStore
from core.views import Notice, StatesView, StatusView, TicketListView

WS = "slack:T0SV"
ASKER = Requester("slack", "U_ANNA", "Anna Andersson", "anna@example.se")
SV = RequestContext(WS, ASKER, ChannelRef(WS, "C1"), is_admin=True, locale="sv-SE")
EN = replace(SV, locale="en-US")


@dataclass
class Core:
    router: Router

    async def ask(self, ctx: RequestContext, text: str) -> Outcome:
        """``text`` typed after /snow, answered in ``ctx``'s language as an entry point does."""
        with use_locale(ctx.locale):
            return await self.router.handle_text(ctx, text)

    async def notice(self, ctx: RequestContext, text: str) -> Notice:
        outcome = await self.ask(ctx, text)
        assert isinstance(outcome, Reply), outcome
        assert isinstance(outcome.view, Notice), outcome
        return outcome.view


@pytest.fixture
def core() -> Core:
    key = generate_key()
    settings = load_settings(SNOWOPS_STORE="memory://", SNOWOPS_SECRET_KEY=key, _env_file=None)
    built = build_core(settings, MemoryStore(SecretBox(key)), FakeClock(), {})
    return Core(built.router)


def _states(outcome: Outcome) -> dict[str, str]:
    assert isinstance(outcome, Reply)
    views = outcome.view if isinstance(outcome.view, tuple) else (outcome.view,)
    view = views[0]
    assert isinstance(view, StatesView)
    return {value: shown for value, shown, _default in view.states}


async def test_servicenow_state_names_are_swedish_for_a_swedish_request(core: Core) -> None:
    sv = _states(await core.ask(SV, "states incident"))
    assert sv == {
        "1": "Ny",
        "2": "Pågår",
        "3": "Parkerad",
        "6": "Löst",
        "7": "Stängd",
        "8": "Annullerad",
    }
    change = _states(await core.ask(SV, "states change"))
    assert [change[v] for v in ("-4", "-3", "-2", "-1", "0")] == [
        "Bedöm",
        "Auktorisera",
        "Schemalagd",
        "Implementera",
        "Granska",
    ]
    en = _states(await core.ask(EN, "states incident"))
    assert en["2"] == "In Progress"
    assert en["3"] == "On Hold"


async def test_a_renamed_state_is_shown_as_typed_in_every_language(core: Core) -> None:
    await core.ask(EN, 'states incident 2 "Being fixed"')
    await core.ask(EN, 'states incident 6 "Klar"')
    for ctx in (SV, EN):
        names = _states(await core.ask(ctx, "states incident"))
        assert names["2"] == "Being fixed"
        assert names["6"] == "Klar"
    assert _states(await core.ask(SV, "states incident"))["1"] == "Ny"
    assert _states(await core.ask(EN, "states incident"))["1"] == "New"
    renames = {"2": "Being fixed"}
    with use_locale("sv"):
        assert state_label(TicketKind.INCIDENT, "2", renames) == "Being fixed"
        assert state_label(TicketKind.INCIDENT, "7", renames) == "Stängd"
        assert state_label(TicketKind.INCIDENT, "99", renames) == "Tillstånd 99"


@pytest.mark.parametrize(
    ("command", "swedish", "english"),
    [
        (
            "lookup",
            "/snow ticket och förhandsvisningar av länkar visar bara ärenden som skapats från "
            "den här arbetsytan (lookup own).",
            "/snow ticket and link previews show only tickets made from this workspace "
            "(lookup own).",
        ),
        (
            "create",
            "Den här arbetsytan är inte ansluten till ServiceNow, så inga ärenden kan skapas än.",
            "This workspace is not connected to ServiceNow, so no ticket can be made yet.",
        ),
        (
            "threads",
            "Trådar off: svar under ärendekort i den här kanalen stannar i chatten.",
            "Threads off: replies under ticket cards in this channel stay in chat.",
        ),
        (
            "rules",
            "Inga regler än.",
            "No rules yet.",
        ),
        (
            "notifications retry",
            "Det finns inga olevererade aviseringar.",
            "There are no undelivered notifications.",
        ),
    ],
)
async def test_notices_are_in_the_askers_language(
    core: Core, command: str, swedish: str, english: str
) -> None:
    assert (await core.notice(SV, command)).text == swedish
    assert (await core.notice(EN, command)).text == english


async def test_hints_and_refusals_are_in_the_askers_language(core: Core) -> None:
    lookup = await core.notice(SV, "lookup")
    assert lookup.hint == "Ändra med /snow lookup any eller /snow lookup own."
    created = await core.notice(SV, "create")
    assert created.hint == "En administratör kan ansluta den med /snow connect <instance>."
    member = replace(SV, is_admin=False)
    refused = await core.notice(member, "connect acme")
    assert refused.text == "Bara arbetsytans administratörer kan göra det."
    assert "SNOWOPS_ADMINS" in refused.hint
    english = await core.notice(replace(EN, is_admin=False), "connect acme")
    assert english.text == "Only workspace admins can do that."
    outside = replace(SV, channel=None)
    assert (await core.notice(outside, "subscribe incident")).text == (
        "Prenumerera inifrån kanalen."
    )


async def test_views_have_swedish_titles_for_a_swedish_request(core: Core) -> None:
    listed = await core.ask(SV, "tickets incident")
    assert isinstance(listed, Reply)
    assert isinstance(listed.view, TicketListView)
    assert (listed.view.title, listed.view.empty_text) == (
        "Öppna incidenter",
        "Inga öppna ärenden.",
    )
    status = await core.ask(SV, "status")
    assert isinstance(status, Reply)
    assert isinstance(status.view, StatusView)
    assert status.view.title == "ServiceNow: inte ansluten"
    await core.ask(SV, "lookup any")
    audit = await core.ask(SV, "audit")
    assert isinstance(audit, Reply)
    assert isinstance(audit.view, StatusView)
    assert audit.view.title == "Granskningslogg: den senaste"


async def test_a_servicenow_error_reaches_a_swedish_asker_in_swedish(core: Core) -> None:
    sv = await core.notice(SV, "ticket INC0010001")
    assert sv.text == "ServiceNow: den här arbetsytan är inte ansluten till ServiceNow."
    assert sv.hint == "En administratör kan ansluta den med /snow connect <instance>."
    en = await core.notice(EN, "ticket INC0010001")
    assert en.text == "ServiceNow: this workspace is not connected to ServiceNow."
    assert en.hint == "An admin can connect it with /snow connect <instance>."


REQ = httpx2.Request("GET", "https://acme.service-now.com/api/now/table/incident")
ACL = {"error": {"message": "Operation Failed", "detail": "ACL Exception"}, "status": "failure"}
IP = "<html><body>Access restricted: IP address access control</body></html>"
LOGIN = "<!DOCTYPE html><html><body>Log in</body></html>"


@pytest.mark.parametrize(
    ("response", "token_endpoint", "text", "hint"),
    [
        (
            httpx2.Response(403, json=ACL, request=REQ),
            False,
            "ServiceNow: ServiceNow nekade: Operation Failed (ACL Exception).",
            "Integrationsanvändaren får inte läsa eller skriva de här posterna.",
        ),
        (
            httpx2.Response(403, text=IP, request=REQ),
            False,
            "ServiceNow: instansens IP-åtkomstkontroll blockerade begäran.",
            "Instansens IP Address Access Control blockerar boten.",
        ),
        (
            httpx2.Response(200, text=LOGIN, headers={"content-type": "text/html"}, request=REQ),
            False,
            "ServiceNow: ServiceNow skickade en webbsida (HTTP 200) från Table API i stället "
            "för JSON.",
            "ServiceNow svarade med en inloggningssida: enkel inloggning (SSO)",
        ),
        (
            httpx2.Response(401, json={"error": "access_denied"}, request=REQ),
            True,
            "ServiceNow: ServiceNow nekade OAuth-uppgifterna (401 access_denied).",
            "Uppdateringstoken har gått ut eller återkallats",
        ),
        (
            httpx2.Response(503, text="", request=REQ),
            False,
            "ServiceNow: ServiceNow svarade HTTP 503.",
            "Instansen svarade inte. Kontrollera att den är vaken",
        ),
    ],
    ids=["acl", "ip-filter", "sso-login-page", "oauth-refused", "unavailable"],
)
def test_troubleshooting_messages_are_swedish_for_a_swedish_asker(
    response: httpx2.Response, token_endpoint: bool, text: str, hint: str
) -> None:
    with use_locale("sv-SE"):
        notice = failure_notice(error_for(response, token_endpoint=token_endpoint), "test")
    assert notice.text == text
    assert notice.hint.startswith(hint)
    with use_locale("en"):
        english = failure_notice(error_for(response, token_endpoint=token_endpoint), "test")
    assert english.text.startswith("ServiceNow: ServiceNow ") or "the instance's" in english.text
    assert not english.hint.startswith(hint)


def test_a_bug_is_reported_with_its_reference_in_the_askers_language() -> None:
    with use_locale("sv"):
        notice = failure_notice(RuntimeError("boom"), "test")
    assert notice.text.startswith("Något gick fel hos SnowOps (referens ")
    assert notice.hint == (
        "Försök igen, och ge referensen till din administratör om felet kvarstår."
    )


def test_secure_score_numbers_and_categories_follow_the_language() -> None:
    with use_locale("sv"):
        assert (points(6.75), points(9), category_name("Devices")) == ("6,75", "9", "Enheter")
        assert category_name("Identity") == "Identitet"
        assert category_name("Quantum") == "Quantum"  # one Graph added later: as Graph names it
    assert (points(6.75), category_name("Devices")) == ("6.75", "Devices")


async def test_the_doctors_findings_are_in_the_current_language() -> None:
    async with httpx2.AsyncClient() as http:
        with use_locale("sv"):
            (check,) = await check_slack(None, http)
    assert (check.name, check.detail) == (
        "Slack-token",
        "inte konfigurerad (SLACK_BOT_TOKEN saknas)",
    )


@dataclass
class _Sink:
    """Keeps what SnowOps posts privately (only the calls the sign-in confirmation makes)."""

    posted: list[Notice] = field(default_factory=list)

    async def direct(self, workspace: str, user: str) -> ChannelRef:
        return ChannelRef(workspace, f"D-{user}")

    async def post(self, channel: ChannelRef, view: object, **kw: object) -> None:
        assert isinstance(view, Notice)
        self.posted.append(view)


async def test_a_sign_in_is_confirmed_in_the_workspaces_language() -> None:
    """The OAuth callback comes outside any request: the confirmation follows the
    workspace's language."""
    key = generate_key()
    settings = load_settings(SNOWOPS_STORE="memory://", SNOWOPS_SECRET_KEY=key, _env_file=None)
    store, clock, sink = MemoryStore(SecretBox(key)), FakeClock(), _Sink()
    built = build_core(settings, store, clock, {"slack": sink})  # type: ignore[dict-item]
    now = clock.now()
    link = UserLink(
        WS, "slack:U_ANNA", "https://acme.service-now.com", "anna.andersson", "", "t", "r",
        expires_at=now, linked_at=now, sys_id="1",
    )  # fmt: skip
    result = LinkResult(link, ChannelRef(WS, "C1"), "slack:U_ANNA")
    await built.announce(result)
    await WorkspaceLanguage(store).set_language(WS, "sv")
    await built.announce(result)
    english, swedish = sink.posted
    assert (
        english.text == "Your ServiceNow account is linked: you are anna.andersson in ServiceNow."
    )
    assert swedish.text == "Ditt ServiceNow-konto är kopplat: du är anna.andersson i ServiceNow."
    assert swedish.hint.startswith("Är anna.andersson du?")


async def test_an_instance_that_does_not_answer_is_told_in_swedish() -> None:
    """A connection failure (nothing listens on the instance's port) through the Table API's
    own client: the message and the troubleshooting hint in the asker's language."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # 127.0.0.2: core.retry remembers a host that is down, and other tests use 127.0.0.1.
    url = table_url(f"http://127.0.0.2:{port}", "/api/now/table/incident", None)
    http = TableHttp(timeout=lambda: 5.0, user_agent="SnowOps/test")
    fast = RetryPolicy(attempts=1, base_delay=0.001, max_delay=0.001, budget_seconds=5)
    try:
        with use_locale("sv-SE"), pytest.raises(UnavailableError) as caught:
            await send_with_retries(fast, lambda: http.send("GET", url, "t"), what="read")
        with pytest.raises(UnavailableError) as english:
            await send_with_retries(fast, lambda: http.send("GET", url, "t"), what="read")
    finally:
        await http.aclose()
    assert caught.value.message == "kunde inte nå ServiceNow: ConnectError"
    assert caught.value.hint.startswith("Instansen svarade inte. Kontrollera att den är vaken")
    assert english.value.message == "the ServiceNow read could not reach the server: ConnectError"


def test_the_other_ways_a_service_fails_to_answer_are_translated() -> None:
    with use_locale("sv"):
        late = no_answer_text(
            "the Microsoft Graph request got no answer in time", "Microsoft Graph"
        )
        lost = no_answer_text("the ServiceNow read failed on the way: ReadError", "ServiceNow")
        other = no_answer_text("something else", "ServiceNow")
    assert late == "Microsoft Graph svarade inte i tid"
    assert lost == "anropet till ServiceNow avbröts på vägen: ReadError"
    assert other == "something else"
