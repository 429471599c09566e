"""Recommendations as users see them, through core's router over real HTTP: Secure Score
from the Graph simulator, tickets in the ServiceNow simulator, a team's own
recommendations, and what happens when Graph is missing or down.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from core.actions import button_value
from core.commands import Recommendations, Share
from core.forms import TicketFormView
from core.handlers.context import RequestContext
from core.models import Priority, RecommendationSource, TicketKind
from core.outcomes import Audience, Reply, ShowForm
from core.views import (
    Button,
    Notice,
    NoticeLevel,
    RecommendationCard,
    RecommendationListView,
    TicketCard,
    View,
)
from sim.graph import DEFAULT_CLIENT_ID as GRAPH_CLIENT_ID
from sim.graph import DEFAULT_CLIENT_SECRET as GRAPH_CLIENT_SECRET
from sim.graph import DEFAULT_TENANT_ID, GraphFault
from tests.conftest import App, Graph, Sim, admin_ctx, connect_workspace
from tests.integration.helpers import made, run, submit

WS = "slack:T0123"
PERMISSION = "SecurityEvents.Read.All"
PAGE = 8  # cards per page, as core shows them
ADMIN_MFA = "AdminMFAV2"
ADMIN_MFA_URL = "https://entra.microsoft.com/#view/Microsoft_AAD_ConditionalAccess"


# -- helpers ---------------------------------------------------------------------------------


def user_ctx(user: str = "U_ANA") -> RequestContext:
    """A workspace member who is not an admin."""
    return replace(admin_ctx(WS, user), is_admin=False)


def facts(card: RecommendationCard) -> dict[str, str]:
    """A card's facts by label."""
    return dict(card.facts)


def gain(card: RecommendationCard) -> float:
    """The points a Microsoft card says are still to gain."""
    match = re.fullmatch(r"\+([0-9.]+) points?", facts(card)["Score to gain"])
    assert match is not None, card.facts
    return float(match.group(1))


async def listing(
    app: App, args: str = "", ctx: RequestContext | None = None
) -> RecommendationListView:
    """``/snow recommendations <args>``: cards for the whole conversation to see."""
    outcome = await app.services.router.handle_text(ctx or user_ctx(), f"recommendations {args}")
    assert isinstance(outcome, Reply), outcome
    assert outcome.audience is Audience.CONVERSATION
    assert isinstance(outcome.view, RecommendationListView), outcome.view
    return outcome.view


async def click(app: App, button: Button) -> RecommendationListView:
    """Click a page's 'more' button: the command its value carries, as a chat sends it."""
    assert button.command is not None, button
    outcome = await app.services.router.handle_text(user_ctx(), button_value(button.command))
    assert isinstance(outcome, Reply), outcome
    assert isinstance(outcome.view, RecommendationListView), outcome.view
    return outcome.view


async def every_page(app: App, args: str = "") -> list[RecommendationListView]:
    """Every page of a listing, following the 'more' button as a user would."""
    pages = [await listing(app, args)]
    while pages[-1].more is not None:
        assert len(pages) < 20
        pages.append(await click(app, pages[-1].more))
    return pages


def cards_of(pages: list[RecommendationListView]) -> list[RecommendationCard]:
    """All cards of several pages, in order."""
    return [card for page in pages for card in page.cards]


def card_by_id(pages: list[RecommendationListView], rec_id: str) -> RecommendationCard:
    """The card of one recommendation."""
    [card] = [c for c in cards_of(pages) if c.id == rec_id]
    return card


def form_values(form: TicketFormView, **overrides: str) -> dict[str, str | None]:
    """What the user submits when they accept the prefilled form (with some changes)."""
    return {
        "kind": form.kind.value,
        "name": form.name,
        "description": form.description,
        "priority": str(int(form.priority)),
        "due": form.due,
        "category": form.category,
        **overrides,
    }


async def share_form(app: App, rec_id: str, ctx: RequestContext | None = None) -> TicketFormView:
    """``/snow share <id>``, expecting the prefilled form."""
    outcome = await app.services.router.handle_text(ctx or user_ctx(), f"share {rec_id}")
    assert isinstance(outcome, ShowForm), outcome
    return outcome.form


async def submit_form(app: App, form: TicketFormView, **overrides: str) -> TicketCard:
    """Submit the form as the adapters do (source and recommendation from the form view)."""
    out = made(
        await submit(
            app,
            user_ctx(),
            form_values(form, **overrides),
            source=form.source,
            recommendation_id=form.recommendation_id,
            recommendation_url=form.recommendation_url,
        )
    )
    assert out.created, out
    return out.card


def servicenow_record(sim: Sim, number: str) -> tuple[str, dict[str, str]]:
    """The table and record ServiceNow holds for a ticket number."""
    found = sim.instance.find_by_number(number)
    assert found is not None
    return found


async def add_own(app: App, title: str = "Review guest access") -> RecommendationCard:
    """``/snow recommendations add identity "<title>" "Quarterly review"``."""
    view = await run(app, user_ctx(), f'recommendations add identity "{title}" "Quarterly review"')
    assert isinstance(view, tuple), view
    notice, card = view
    assert isinstance(notice, Notice)
    assert isinstance(card, RecommendationCard)
    assert notice.level is NoticeLevel.SUCCESS
    assert notice.text == f"Added {card.id}."
    return card


def as_views(view: View) -> tuple[View, ...]:
    """A view or a tuple of views, as a tuple."""
    return view if isinstance(view, tuple) else (view,)


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def graph_tenant() -> str:
    """GRAPH_TENANT_ID ('' leaves it unset); a test parametrizes it to change it."""
    return DEFAULT_TENANT_ID


@pytest.fixture
def app_env(graph: Graph, graph_tenant: str) -> dict[str, str]:
    """SnowOps with Graph configured against the simulator (tests pass {} for none)."""
    env = {
        "GRAPH_CLIENT_ID": GRAPH_CLIENT_ID,
        "GRAPH_CLIENT_SECRET": GRAPH_CLIENT_SECRET,
        "GRAPH_API_URL": graph.url,
        "GRAPH_LOGIN_URL": graph.url,
    }
    if graph_tenant:
        env["GRAPH_TENANT_ID"] = graph_tenant
    return env


@pytest.fixture
def live(graph: Graph) -> dict[str, float]:
    """Points to gain per non-deprecated control, from the simulator's own data."""
    profiles = {p["id"]: p for p in graph.sim.profiles(DEFAULT_TENANT_ID)}
    today = graph.sim.scores(DEFAULT_TENANT_ID)[0]["controlScores"]
    return {
        cs["controlName"]: float(profiles[cs["controlName"]]["maxScore"]) - cs["score"]
        for cs in today
        if not profiles[cs["controlName"]]["deprecated"]
    }


# -- listing ---------------------------------------------------------------------------------


async def test_listing_is_sorted_by_score_to_gain(app: App, live: dict[str, float]) -> None:
    pages = await every_page(app)
    cards = cards_of(pages)
    gains = [gain(c) for c in cards]
    assert gains == sorted(gains, reverse=True)
    assert all(g > 0 for g in gains)
    achieved = {rec_id for rec_id, g in live.items() if g == 0}
    assert {c.id for c in cards} == set(live) - achieved
    assert len(cards) == len({c.id for c in cards})
    # Ties go by Secure Score's rank: three controls are worth 10 points.
    assert [c.id for c in cards[:3]] == [
        "InformationProtectionLabels",
        "mdc_defender_for_servers",
        "DLPEnabled",
    ]
    assert pages[0].title == "Recommendations"
    assert pages[0].note == (
        f"{len(achieved)} recommendations achieved in full are hidden; add 'all' to see them."
    )
    assert pages[0].hint == ""


async def test_all_shows_the_achieved_ones(app: App, live: dict[str, float]) -> None:
    cards = cards_of(await every_page(app, "all"))
    assert {c.id for c in cards} == set(live)
    first = await listing(app, "all")
    assert first.note == ""
    done = card_by_id(await every_page(app, "all"), "SelfServicePasswordReset")
    assert facts(done)["Score to gain"] == "+0 points"
    assert facts(done)["Current score"] == "1 of 1 (100%)"
    gains = [gain(c) for c in cards]
    assert gains == sorted(gains, reverse=True)


@pytest.mark.parametrize("word", ["identity", "Identity"])
async def test_category_filter_identity(app: App, live: dict[str, float], word: str) -> None:
    pages = await every_page(app, word)
    cards = cards_of(pages)
    assert pages[0].title == "Identity recommendations"
    assert {c.category for c in cards} == {"Identity"}
    assert ADMIN_MFA in {c.id for c in pages[0].cards}
    assert "OneAdmin" not in {c.id for c in cards}  # achieved: hidden
    assert pages[0].more is not None
    assert pages[0].more.command == Recommendations("Identity", False, 2)
    assert pages[0].more.command is not None
    assert button_value(pages[0].more.command) == "recommendations Identity page 2"


@pytest.mark.parametrize("word", ["devices", "device", "DEVICES"])
async def test_category_filter_devices(app: App, live: dict[str, float], word: str) -> None:
    view = await listing(app, word)
    assert view.title == "Devices recommendations"
    assert {c.category for c in view.cards} == {"Devices"}
    expected = {i for i, g in live.items() if i.startswith("scid_") and g > 0}
    assert {c.id for c in view.cards} == expected
    assert view.more is None
    assert view.note.startswith("1 recommendation achieved in full is")


async def test_paging(app: App, live: dict[str, float]) -> None:
    first = await listing(app)
    second = await listing(app, "page 2")
    assert len(first.cards) == PAGE
    assert second.cards
    assert not {c.id for c in first.cards} & {c.id for c in second.cards}
    assert first.more == Button("Next page (2)", Recommendations(None, False, 2))
    assert first.more is not None
    assert first.more.command is not None
    assert button_value(first.more.command) == "recommendations page 2"
    assert second.more is not None
    assert second.more.command == Recommendations(None, False, 3)
    shown = sum(1 for g in live.values() if g > 0)
    last_number = -(-shown // PAGE)
    last = await listing(app, f"page {last_number}")
    assert last.more is None
    assert len(last.cards) == shown - PAGE * (last_number - 1)
    beyond = await listing(app, f"page {last_number + 1}")
    assert beyond.cards == ()
    assert beyond.more is None
    assert beyond.empty_text
    combined = await listing(app, "identity all page 2")
    assert combined.title == "Identity recommendations"
    assert {c.category for c in combined.cards} == {"Identity"}


async def test_a_card_shows_what_an_admin_needs_to_decide(app: App) -> None:
    pages = [await listing(app, "identity")]
    card = card_by_id(pages, ADMIN_MFA)
    assert card.title.startswith("Ensure multifactor authentication is enabled for all users in")
    assert card.source == "Microsoft"
    assert card.url == ADMIN_MFA_URL
    assert facts(card) == {
        "Category": "Identity",
        "Source": "Microsoft",
        "Score to gain": "+5 points",
        "Current score": "5 of 10 (50%)",
        "User impact": "Low",
        "Implementation cost": "Low",
        "Threats": "Account breach, Elevation of privilege",
    }
    assert card.summary.startswith("You have 2 of 4 users in administrative")
    assert card.ticket is None
    assert card.buttons == (Button("Share to ServiceNow", Share(ADMIN_MFA), primary=True),)
    assert card.note == ""
    for other in pages[0].cards:
        assert [b.command for b in other.buttons] == [Share(other.id)]
        assert "<" not in other.summary

    unknown = card_by_id(pages, "aad_admin_consent_workflow")  # cost "Unknown", impact null
    assert facts(unknown)["User impact"] == "Unknown"
    assert facts(unknown)["Implementation cost"] == "Unknown"


async def test_ignored_and_third_party_controls_are_shown_as_such(app: App, graph: Graph) -> None:
    graph.sim.set_control_state("DLPEnabled", "ThirdParty")
    ignored = card_by_id(await every_page(app, "identity"), "RoleOverlap")
    assert ignored.note == "Marked Ignored in Secure Score."
    third = card_by_id([await listing(app, "data")], "DLPEnabled")
    assert third.note == "Marked as handled by a third-party tool in Secure Score."
    achieved = card_by_id([await listing(app, "apps all")], "mdo_safeattachments")
    assert achieved.note == "Marked as handled by a third-party tool in Secure Score."


# -- sharing ---------------------------------------------------------------------------------


async def test_share_prefills_the_form_from_the_action(app: App, graph: Graph, sim: Sim) -> None:
    await connect_workspace(app.services, sim.url)  # a form opens only when a ticket can be made
    form = await share_form(app, ADMIN_MFA)
    profile = next(p for p in graph.sim.profiles(DEFAULT_TENANT_ID) if p["id"] == ADMIN_MFA)
    assert form.kind is TicketKind.INCIDENT
    assert form.name == profile["title"]
    assert form.description.endswith(f"\n\nAction: {ADMIN_MFA_URL}")
    remediation = form.description.removesuffix(f"\n\nAction: {ADMIN_MFA_URL}")
    assert remediation.startswith("Create a Conditional Access policy that requires")
    assert "5. Set Enable policy to On and click Create." in remediation
    assert "<" not in form.description
    assert "&gt;" not in form.description
    assert form.category == "Identity"
    assert form.source is RecommendationSource.MICROSOFT
    assert form.recommendation_id == ADMIN_MFA
    assert form.recommendation_url == ADMIN_MFA_URL
    assert form.priority is Priority.MODERATE
    assert form.title == "Share to ServiceNow"
    # Ids are matched without regard to case; the form carries Graph's spelling.
    again = await share_form(app, ADMIN_MFA.lower())
    assert again.recommendation_id == ADMIN_MFA


async def test_share_an_unknown_id_is_a_clear_message(app: App) -> None:
    view = await run(app, user_ctx(), "share NoSuchControl")
    assert isinstance(view, Notice)
    assert view.level is NoticeLevel.WARNING
    assert view.text == "There is no recommendation 'NoSuchControl'."
    assert "/snow recommendations" in view.hint


async def test_share_into_an_incident_then_the_ticket_tracks_it(connected: App, sim: Sim) -> None:
    app = connected
    form = await share_form(app, ADMIN_MFA)
    ticket = await submit_form(app, form)
    assert ticket.kind is TicketKind.INCIDENT
    assert ticket.source == "Microsoft"
    assert ticket.category == "Identity"
    assert ticket.recommendation_id == ADMIN_MFA

    table, record = servicenow_record(sim, ticket.number)
    assert table == "incident"
    assert record["short_description"] == form.name
    description = record["description"]
    assert description.startswith("Create a Conditional Access policy that requires")
    assert f"Action: {ADMIN_MFA_URL}" in description
    footer = description.split("\n---\n", 1)[1]
    assert "Recommendation source: Microsoft" in footer
    assert "Category: Identity" in footer
    assert f"Recommendation: {ADMIN_MFA} ({ADMIN_MFA_URL})" in footer
    assert record["correlation_id"] == f"snowops:{WS}:rec:{ADMIN_MFA}"

    # A second share of the same action points to the open ticket.
    again = await run(app, user_ctx("U_OTHER"), f"share {ADMIN_MFA}")
    assert isinstance(again, tuple)
    notice, card = again
    assert isinstance(notice, Notice)
    assert isinstance(card, TicketCard)
    assert f"is already tracked by {ticket.number} (New)" in notice.text
    assert notice.link == ticket.url
    assert card.number == ticket.number

    # The recommendation card now shows the ticket instead of the Share button.
    view = await listing(app, "identity")
    tracked = card_by_id([view], ADMIN_MFA)
    assert tracked.ticket is not None
    assert tracked.ticket.number == ticket.number
    assert tracked.buttons == ()
    others = [c for c in view.cards if c.id != ADMIN_MFA]
    assert all(c.ticket is None for c in others)
    assert all([b.command for b in card.buttons] == [Share(card.id)] for card in others)
    incidents = [p for m, p in sim.instance.request_log if m == "POST" and "/incident" in p]
    assert len(incidents) == 1


async def test_share_into_a_change(connected: App, sim: Sim) -> None:
    app = connected
    form = await share_form(app, "DLPEnabled")
    assert form.category == "Data"
    ticket = await submit_form(app, form, kind="change", priority="2")
    assert ticket.kind is TicketKind.CHANGE
    assert ticket.number.startswith("CHG")
    table, record = servicenow_record(sim, ticket.number)
    assert table == "change_request"
    assert "Recommendation source: Microsoft" in record["description"]
    assert "Category: Data" in record["description"]
    assert "Action: https://" in record["description"]

    again = await run(app, user_ctx(), "share dlpenabled")
    assert isinstance(again, tuple)
    notice, card = again
    assert isinstance(notice, Notice)
    assert isinstance(card, TicketCard)
    assert "already tracked by" in notice.text
    assert card.number == ticket.number
    assert card.kind is TicketKind.CHANGE

    tracked = card_by_id([await listing(app, "data")], "DLPEnabled")
    assert tracked.ticket is not None
    assert tracked.ticket.kind is TicketKind.CHANGE
    assert tracked.buttons == ()


async def test_submitting_a_stale_form_twice_gives_the_same_ticket(connected: App) -> None:
    app = connected
    form = await share_form(app, "scid_90")
    first = await submit_form(app, form)
    out = made(
        await submit(
            app,
            user_ctx("U_LATE"),
            form_values(form),
            source=form.source,
            recommendation_id=form.recommendation_id,
            recommendation_url=form.recommendation_url,
        )
    )
    assert not out.created
    assert out.card.number == first.number
    assert "Already tracked by open incident" in out.notice.text


# -- a team's own recommendations -------------------------------------------------------------


async def test_own_recommendation_lists_and_shares_like_microsofts(
    connected: App, sim: Sim
) -> None:
    app = connected
    added = await add_own(app)
    assert added.id.startswith("own-")
    assert added.source == "User"
    assert added.category == "Identity"
    assert facts(added) == {"Category": "Identity", "Source": "User"}
    assert [b.command for b in added.buttons] == [Share(added.id)]

    for args in ("", "identity"):
        listed = card_by_id(await every_page(app, args), added.id)
        assert listed.title == "Review guest access"
        assert listed.source == "User"
        assert "Score to gain" not in facts(listed)
        assert "Current score" not in facts(listed)
        assert listed.summary == "Quarterly review"
    devices = cards_of(await every_page(app, "devices"))
    assert added.id not in {c.id for c in devices}

    form = await share_form(app, added.id)
    assert form.name == "Review guest access"
    assert form.description == "Quarterly review"
    assert form.category == "Identity"
    assert form.source is RecommendationSource.USER
    assert form.recommendation_id == added.id
    assert form.recommendation_url is None

    ticket = await submit_form(app, form)
    assert ticket.source == "User"
    _, record = servicenow_record(sim, ticket.number)
    footer = record["description"].split("\n---\n", 1)[1]
    assert "Recommendation source: User" in footer
    assert "Category: Identity" in footer
    assert f"Recommendation: {added.id}" in footer

    again = await run(app, user_ctx(), f"share {added.id}")
    assert isinstance(again, tuple)
    assert isinstance(again[1], TicketCard)
    assert again[1].number == ticket.number
    tracked = card_by_id(await every_page(app, "identity"), added.id)
    assert tracked.ticket is not None
    assert tracked.buttons == ()


async def test_only_admins_remove_own_recommendations(app: App) -> None:
    added = await add_own(app)

    refused = await run(app, user_ctx(), f"recommendations remove {added.id}")
    assert isinstance(refused, Notice)
    assert refused.text == "Only workspace admins can do that."
    assert added.id in {c.id for c in cards_of(await every_page(app, "identity"))}

    removed = await run(app, admin_ctx(), f"recommendations remove {added.id}")
    assert isinstance(removed, Notice)
    assert removed.level is NoticeLevel.SUCCESS
    assert removed.text == f"Removed {added.id}."
    assert added.id not in {c.id for c in cards_of(await every_page(app, "identity"))}

    twice = await run(app, admin_ctx(), f"recommendations remove {added.id}")
    assert isinstance(twice, Notice)
    assert twice.level is NoticeLevel.WARNING
    # Microsoft's cannot be removed.
    microsoft = await run(app, admin_ctx(), f"recommendations remove {ADMIN_MFA}")
    assert isinstance(microsoft, Notice)
    assert microsoft.level is NoticeLevel.WARNING
    assert ADMIN_MFA in {c.id for c in (await listing(app, "identity")).cards}


async def test_own_recommendations_are_per_workspace(app: App) -> None:
    added = await add_own(app)
    other = RequestContext("slack:TOTHER", user_ctx().requester, None, False)
    view = await run(app, other, "recommendations identity all page 2")
    assert isinstance(view, RecommendationListView)
    assert added.id not in {c.id for c in view.cards}
    shared = await run(app, other, f"share {added.id}")
    assert isinstance(shared, Notice)
    assert shared.level is NoticeLevel.WARNING


async def test_bad_own_recommendations_are_refused_with_the_usage(app: App) -> None:
    for text in (
        'recommendations add nonsense "Title"',
        "recommendations add identity",
        'recommendations add identity "unterminated',
        f'recommendations add identity "{"x" * 161}"',
        'recommendations add identity "   "',
    ):
        view = await run(app, user_ctx(), text)
        assert isinstance(view, Notice), text
        assert view.level is NoticeLevel.WARNING, text
    assert all(c.source == "Microsoft" for c in cards_of(await every_page(app, "all")))


# -- without Graph, or with Graph down --------------------------------------------------------


@pytest.mark.parametrize("app_env", [{}])
async def test_without_graph_the_listing_explains_and_keeps_own(app: App, sim: Sim) -> None:
    await connect_workspace(app.services, sim.url)  # a form opens only when a ticket can be made
    added = await add_own(app)
    view = await listing(app)
    lines = [line for line in (view.note, view.hint) if line]
    assert len(lines) <= 2
    assert all("\n" not in line for line in lines)
    assert "not connected" in view.note
    assert "GRAPH_CLIENT_ID" in view.hint
    assert PERMISSION in view.hint
    assert [c.id for c in view.cards] == [added.id]
    assert view.more is None
    filtered = await listing(app, "identity")
    assert [c.id for c in filtered.cards] == [added.id]
    form = await share_form(app, added.id)
    assert form.source is RecommendationSource.USER


@pytest.mark.parametrize("app_env", [{}])
async def test_without_graph_an_empty_listing_says_how_to_add_one(app: App) -> None:
    view = await listing(app)
    assert view.cards == ()
    assert "/snow recommendations add" in view.empty_text
    shared = await run(app, user_ctx(), f"share {ADMIN_MFA}")
    assert isinstance(shared, Notice)
    assert "not connected" in shared.text


@pytest.mark.parametrize("graph_tenant", [""])
async def test_graph_without_a_tenant_asks_an_admin_to_link_one(app: App) -> None:
    view = await listing(app)
    assert "not linked to a Microsoft tenant" in view.note
    assert view.hint == "An admin links it with /snow securescore <tenant-id>."
    assert view.cards == ()
    linked = await run(app, admin_ctx(), f"securescore {DEFAULT_TENANT_ID}")
    assert isinstance(linked, Notice)
    assert linked.level is NoticeLevel.SUCCESS
    after = await listing(app)
    assert len(after.cards) == PAGE
    assert {c.source for c in after.cards} == {"Microsoft"}


async def test_graph_down_still_lists_own_recommendations(app: App, graph: Graph, sim: Sim) -> None:
    await connect_workspace(app.services, sim.url)  # a form opens only when a ticket can be made
    added = await add_own(app)
    graph.sim.inject_fault(GraphFault(status=503, count=10_000))
    view = await listing(app)
    assert [c.id for c in view.cards] == [added.id]
    assert view.note == "Microsoft Secure Score: Microsoft Graph answered HTTP 503."
    assert "try again" in view.hint
    # A team's own still shares; Microsoft's says why it cannot.
    form = await share_form(app, added.id)
    assert form.source is RecommendationSource.USER
    microsoft = await run(app, user_ctx(), f"share {ADMIN_MFA}")
    assert isinstance(microsoft, Notice)
    assert microsoft.level is NoticeLevel.ERROR
    assert microsoft.text.startswith("Microsoft Secure Score:")
    # Back up: Microsoft's return once the short failure pause is over.
    graph.sim.clear_faults()
    app.clock.advance(31)
    recovered = await listing(app)
    assert recovered.note.endswith("add 'all' to see them.")
    assert {c.source for c in recovered.cards} == {"Microsoft"}


async def test_graph_throttling_past_the_budget_is_explained(app: App, graph: Graph) -> None:
    added = await add_own(app)
    graph.sim.inject_fault(GraphFault(status=429, retry_after=120, count=10))
    view = await listing(app, "identity")
    assert [c.id for c in view.cards] == [added.id]
    assert "throttling" in view.note
    assert "throttling" in view.hint


async def test_sign_in_service_down_still_lists_own_recommendations(app: App, graph: Graph) -> None:
    added = await add_own(app)
    graph.sim.inject_fault(GraphFault(status=503, scope="token", count=10_000))
    view = await run(app, user_ctx(), "recommendations")
    for part in as_views(view):
        assert not (isinstance(part, Notice) and "Something went wrong" in part.text), part.text
    assert isinstance(view, RecommendationListView)
    assert [c.id for c in view.cards] == [added.id]
    assert view.note.startswith("Microsoft Secure Score:")
