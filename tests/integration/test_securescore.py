"""Microsoft Graph Secure Score over real HTTP: the client against the Graph simulator,
the RecommendationService cache, and linking a workspace to a tenant.

Nothing of ours is patched: the client and the services talk to ``sim/graph`` on a
loopback socket; SnowOps itself is built by the composition root (``app`` fixture).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import replace

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from core.handlers.context import RequestContext
from core.score_views import SecureScoreView
from core.securescore.client import GraphClient
from core.securescore.errors import (
    GraphAuthError,
    GraphError,
    GraphPermissionError,
    GraphRateLimited,
    GraphUnavailable,
)
from core.securescore.mapping import join_recommendations
from core.views import Notice, NoticeLevel, RecommendationListView
from sim.graph import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_TENANT_ID,
    DEFAULT_UNCONSENTED_TENANT_ID,
    GraphFault,
)
from tests.conftest import FAST_RETRY, App, Graph, admin_ctx
from tests.integration.helpers import run

WS = "slack:T0123"
PERMISSION = "SecurityEvents.Read.All"
PROFILES = "/v1.0/security/secureScoreControlProfiles"
SCORES = "/v1.0/security/secureScores"
TOKEN = "/oauth2/v2.0/token"
UNKNOWN_TENANT = "0badc0de-0000-4000-8000-000000000000"

MakeClient = Callable[..., GraphClient]


# -- helpers ---------------------------------------------------------------------------------


def token_requests(graph: Graph) -> list[str]:
    """Token endpoint calls the simulator saw."""
    return [p for m, p in graph.sim.request_log if m == "POST" and p.endswith(TOKEN)]


def profile_requests(graph: Graph) -> list[str]:
    """Control profile page requests the simulator saw."""
    return [p for m, p in graph.sim.request_log if m == "GET" and p.startswith(PROFILES)]


def score_requests(graph: Graph) -> list[str]:
    """Secure score requests the simulator saw."""
    return [p for m, p in graph.sim.request_log if m == "GET" and p.startswith(SCORES)]


def live_profile_ids(graph: Graph) -> set[str]:
    """The ids of the simulator's non-deprecated controls."""
    return {p["id"] for p in graph.sim.profiles(DEFAULT_TENANT_ID) if not p["deprecated"]}


def user_ctx(user: str = "U_ANA") -> RequestContext:
    """A workspace member who is not an admin."""
    return replace(admin_ctx(WS, user), is_admin=False)


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture
async def make_client(graph: Graph) -> AsyncIterator[MakeClient]:
    """GraphClients on the simulator (good credentials unless told), closed afterwards."""
    made: list[GraphClient] = []

    def make(
        secret: str = DEFAULT_CLIENT_SECRET, client_id: str = DEFAULT_CLIENT_ID
    ) -> GraphClient:
        client = GraphClient(
            api_url=graph.url,
            login_url=graph.url,
            client_id=client_id,
            client_secret=secret,
            retry_policy=FAST_RETRY,
        )
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


@pytest.fixture
def client(make_client: MakeClient) -> GraphClient:
    """A GraphClient with the simulator's app registration."""
    return make_client()


@pytest.fixture
def cache_seconds() -> str:
    """SNOWOPS_GRAPH_CACHE_SECONDS for the app; a test parametrizes it to change it."""
    return "300"


@pytest.fixture
def app_env(graph: Graph, cache_seconds: str) -> dict[str, str]:
    """SnowOps with Graph configured against the simulator (a test can pass {} instead)."""
    return {
        "GRAPH_CLIENT_ID": DEFAULT_CLIENT_ID,
        "GRAPH_CLIENT_SECRET": DEFAULT_CLIENT_SECRET,
        "GRAPH_TENANT_ID": DEFAULT_TENANT_ID,
        "GRAPH_API_URL": graph.url,
        "GRAPH_LOGIN_URL": graph.url,
        "SNOWOPS_GRAPH_CACHE_SECONDS": cache_seconds,
    }


# -- the client: token, paging, scores -------------------------------------------------------


async def test_one_token_serves_many_calls(client: GraphClient, graph: Graph) -> None:
    await client.control_profiles(DEFAULT_TENANT_ID)
    await client.latest_score(DEFAULT_TENANT_ID)
    await client.latest_score(DEFAULT_TENANT_ID)
    assert len(token_requests(graph)) == 1
    assert token_requests(graph)[0] == f"/{DEFAULT_TENANT_ID}{TOKEN}"
    assert len(score_requests(graph)) == 2
    assert len(profile_requests(graph)) >= 1


async def test_concurrent_first_calls_fetch_one_token(client: GraphClient, graph: Graph) -> None:
    await asyncio.gather(*(client.latest_score(DEFAULT_TENANT_ID) for _ in range(5)))
    assert len(token_requests(graph)) == 1
    assert len(score_requests(graph)) == 5


async def test_each_tenant_gets_its_own_token(client: GraphClient, graph: Graph) -> None:
    await client.latest_score(DEFAULT_TENANT_ID)
    await client.latest_score("contoso.onmicrosoft.com")
    await client.latest_score(DEFAULT_TENANT_ID)
    assert token_requests(graph) == [
        f"/{DEFAULT_TENANT_ID}{TOKEN}",
        f"/contoso.onmicrosoft.com{TOKEN}",
    ]


async def test_a_token_graph_no_longer_accepts_is_renewed_once(
    client: GraphClient, graph: Graph
) -> None:
    await client.latest_score(DEFAULT_TENANT_ID)
    graph.sim.expire_tokens()  # Graph now answers 401 InvalidAuthenticationToken
    score = await client.latest_score(DEFAULT_TENANT_ID)
    assert score is not None
    assert len(token_requests(graph)) == 2


async def test_profiles_follow_next_link_across_pages(client: GraphClient, graph: Graph) -> None:
    graph.sim.config.page_size = 5
    everything = graph.sim.profiles(DEFAULT_TENANT_ID)
    profiles = await client.control_profiles(DEFAULT_TENANT_ID)

    pages = profile_requests(graph)
    assert len(pages) == math.ceil(len(everything) / 5)
    assert len(pages) >= 3
    assert all("$skiptoken=" in p for p in pages[1:])
    ids = [p["id"] for p in profiles]
    assert len(ids) == len(set(ids))
    assert set(ids) == {p["id"] for p in everything}
    recs = join_recommendations(profiles, await client.latest_score(DEFAULT_TENANT_ID))
    assert {r.id for r in recs} == live_profile_ids(graph)


async def test_latest_score_is_todays_with_control_scores(
    client: GraphClient, graph: Graph
) -> None:
    newest = graph.sim.scores(DEFAULT_TENANT_ID)[0]
    score = await client.latest_score(DEFAULT_TENANT_ID)
    assert score is not None
    assert score["id"] == newest["id"]
    assert score["azureTenantId"] == DEFAULT_TENANT_ID
    names = {cs["controlName"] for cs in score["controlScores"]}
    assert names == live_profile_ids(graph)
    assert score_requests(graph) == [f"{SCORES}?%24top=1"]


async def test_scores_join_profiles(client: GraphClient, graph: Graph) -> None:
    graph.sim.set_control_score("AdminMFAV2", 10)  # fully achieved today
    recs = join_recommendations(
        await client.control_profiles(DEFAULT_TENANT_ID),
        await client.latest_score(DEFAULT_TENANT_ID),
    )
    by_id = {r.id: r for r in recs}

    done = by_id["AdminMFAV2"]
    assert done.current_score == 10.0
    assert done.gain == 0.0
    assert done.percent == 100.0

    partial = by_id["MFARegistrationV2"]  # 6.75 of 9
    assert partial.max_score == 9.0
    assert partial.current_score == 6.75
    assert partial.gain == pytest.approx(2.25)
    assert partial.percent == 75.0
    assert partial.implementation_status.startswith("You have 12 out of 48 users")

    untouched = by_id["BlockLegacyAuthentication"]  # 0 of 8
    assert untouched.gain == 8.0
    assert untouched.percent == 0.0

    assert by_id["scid_2010"].percent == 33.4  # 2.67 of 8


async def test_wire_fields_become_a_clean_model(client: GraphClient, graph: Graph) -> None:
    recs = join_recommendations(
        await client.control_profiles(DEFAULT_TENANT_ID),
        await client.latest_score(DEFAULT_TENANT_ID),
    )
    by_id = {r.id: r for r in recs}
    tags = ("<p", "<b>", "<br", "<ol", "<ul", "<li", "<a ", "</", "<em", "<span", "<div")
    for rec in recs:
        assert not any(tag in rec.description for tag in tags), rec.id
        assert not any(tag in rec.implementation_status for tag in tags), rec.id
        assert "&gt;" not in rec.description, rec.id
        assert "&nbsp;" not in rec.description, rec.id
        assert "\xa0" not in rec.description, rec.id
    # The descriptions of every control but one have no "<" at all; that one quotes a
    # PowerShell placeholder Graph sends escaped (&lt;user&gt;): it is text, not a tag.
    with_angle = {r.id for r in recs if "<" in r.description}
    assert with_angle == {"exo_mailboxaudit"}
    assert (
        "Set-Mailbox -Identity <user> -AuditEnabled $true" in by_id["exo_mailboxaudit"].description
    )

    mfa = by_id["AdminMFAV2"]
    assert "1. Go to the Microsoft Entra admin center https://entra.microsoft.com." in (
        mfa.description
    )
    assert "Select Protection > Conditional Access > New policy." in mfa.description
    assert mfa.url == "https://entra.microsoft.com/#view/Microsoft_AAD_ConditionalAccess"
    assert mfa.threats == ("Account breach", "Elevation of privilege")
    assert (mfa.user_impact, mfa.implementation_cost) == ("Low", "Low")

    # "Unknown" and null impact/cost are "not known", never the string "Unknown".
    consent = by_id["aad_admin_consent_workflow"]
    assert consent.user_impact is None
    assert consent.implementation_cost is None

    categories = {r.category for r in recs}
    assert categories == {"Identity", "Data", "Devices", "Apps", "Infrastructure"}
    assert by_id["scid_90"].category == "Devices"
    assert "Device" not in categories

    # Deprecated controls are left out.
    assert "AdminMFA" not in by_id
    assert "IRMEnabled" not in by_id


async def test_ignored_and_third_party_states_are_carried(
    client: GraphClient, graph: Graph
) -> None:
    graph.sim.set_control_state("scid_90", "ThirdParty", comment="Handled by CrowdStrike")
    graph.sim.set_control_state("DLPEnabled", "Ignored")
    graph.sim.set_control_state("DLPEnabled", "Default")  # the newest entry wins
    recs = join_recommendations(
        await client.control_profiles(DEFAULT_TENANT_ID),
        await client.latest_score(DEFAULT_TENANT_ID),
    )
    states = {r.id: r.state for r in recs}
    assert states["RoleOverlap"] == "Ignored"
    assert states["mdo_safeattachments"] == "ThirdParty"
    assert states["scid_90"] == "ThirdParty"
    assert states["DLPEnabled"] == "Default"
    assert states["AdminMFAV2"] == "Default"


# -- the client: throttling, outages and refusals ---------------------------------------------


async def test_429_waits_for_retry_after_then_succeeds(client: GraphClient, graph: Graph) -> None:
    await client.latest_score(DEFAULT_TENANT_ID)  # token fetched outside the timing
    graph.sim.request_log.clear()
    graph.sim.inject_fault(GraphFault(status=429, retry_after=1))
    started = time.monotonic()
    score = await client.latest_score(DEFAULT_TENANT_ID)
    elapsed = time.monotonic() - started
    assert score is not None
    assert len(score_requests(graph)) == 2
    # FAST_RETRY's own backoff is at most 0.05 s: only Retry-After explains a 1 s wait.
    assert elapsed >= 0.95
    assert elapsed < FAST_RETRY.budget_seconds


async def test_429_with_retry_after_past_the_budget_fails_fast(
    client: GraphClient, graph: Graph
) -> None:
    graph.sim.inject_fault(GraphFault(status=429, retry_after=60, count=5))
    started = time.monotonic()
    with pytest.raises(GraphRateLimited) as caught:
        await client.latest_score(DEFAULT_TENANT_ID)
    assert time.monotonic() - started < 1.0
    assert caught.value.retry_after == 60
    assert caught.value.status == 429
    assert len(score_requests(graph)) == 1


async def test_a_burst_of_server_errors_is_retried(client: GraphClient, graph: Graph) -> None:
    graph.sim.inject_fault(GraphFault(status=503))
    graph.sim.inject_fault(GraphFault(status=504))
    graph.sim.inject_fault(GraphFault(status=500))
    profiles = await client.control_profiles(DEFAULT_TENANT_ID)
    assert {p["id"] for p in profiles} >= live_profile_ids(graph)
    # Three failures and the success, all on the first page.
    assert profile_requests(graph)[:4] == [PROFILES] * 4


async def test_server_errors_past_the_attempts_are_graph_unavailable(
    client: GraphClient, graph: Graph
) -> None:
    graph.sim.inject_fault(GraphFault(status=503, count=FAST_RETRY.attempts))
    with pytest.raises(GraphUnavailable) as caught:
        await client.latest_score(DEFAULT_TENANT_ID)
    assert caught.value.status == 503
    assert len(score_requests(graph)) == FAST_RETRY.attempts


@pytest.mark.parametrize("style", ["security", "missing_roles"])
async def test_403_names_the_missing_permission(
    client: GraphClient, graph: Graph, style: str
) -> None:
    graph.sim.config.forbidden_style = style  # type: ignore[assignment]
    with pytest.raises(GraphPermissionError) as caught:
        await client.control_profiles(DEFAULT_UNCONSENTED_TENANT_ID)
    assert PERMISSION in str(caught.value)
    assert caught.value.status == 403
    assert "admin consent" in caught.value.hint
    assert len(profile_requests(graph)) == 1  # a 403 is not retried


async def test_wrong_secret_is_an_auth_error_with_the_aadsts_code(
    make_client: MakeClient, graph: Graph
) -> None:
    client = make_client(secret="not-the-secret")
    with pytest.raises(GraphAuthError) as caught:
        await client.latest_score(DEFAULT_TENANT_ID)
    assert "AADSTS7000215" in str(caught.value)
    assert "Invalid client secret" in str(caught.value)
    assert caught.value.code == "invalid_client"
    assert "not-the-secret" not in str(caught.value)
    assert "Trace ID" not in str(caught.value)  # one line, not Entra's whole description
    assert "GRAPH_CLIENT_SECRET" in caught.value.hint
    assert len(token_requests(graph)) == 1
    assert score_requests(graph) == []


async def test_unknown_tenant_is_a_clear_error(client: GraphClient, graph: Graph) -> None:
    with pytest.raises(GraphAuthError) as caught:
        await client.control_profiles(UNKNOWN_TENANT)
    assert "AADSTS90002" in str(caught.value)
    assert f"Tenant '{UNKNOWN_TENANT}' not found" in str(caught.value)
    assert caught.value.code == "invalid_tenant"
    assert profile_requests(graph) == []


async def test_token_endpoint_outage_is_retried(client: GraphClient, graph: Graph) -> None:
    graph.sim.inject_fault(GraphFault(status=503, scope="token"))
    assert await client.latest_score(DEFAULT_TENANT_ID) is not None


async def test_token_endpoint_down_is_graph_unavailable(client: GraphClient, graph: Graph) -> None:
    graph.sim.inject_fault(GraphFault(status=503, scope="token", count=50))
    with pytest.raises(GraphUnavailable):
        await client.latest_score(DEFAULT_TENANT_ID)


async def test_token_endpoint_throttling_is_retried(client: GraphClient, graph: Graph) -> None:
    graph.sim.inject_fault(GraphFault(status=429, retry_after=0, scope="token"))
    try:
        score = await client.latest_score(DEFAULT_TENANT_ID)
    except GraphError as exc:
        pytest.fail(f"{type(exc).__name__}: {exc} (hint: {exc.hint})")
    assert score is not None


# -- RecommendationService: the cache --------------------------------------------------------


async def test_pages_within_the_ttl_share_one_round_of_graph_requests(
    app: App, graph: Graph
) -> None:
    service = app.services.recommendations
    first = await service.page(WS)
    rounds_profiles = len(profile_requests(graph))
    second = await service.page(WS, "Identity", offset=8)
    third = await service.page(WS, include_done=True)
    assert first.graph_problem is None
    assert second.items
    assert third.total > first.total
    assert len(token_requests(graph)) == 1
    assert len(score_requests(graph)) == 1
    assert len(profile_requests(graph)) == rounds_profiles
    assert rounds_profiles == math.ceil(
        len(graph.sim.profiles(DEFAULT_TENANT_ID)) / graph.sim.config.page_size
    )


@pytest.mark.parametrize("cache_seconds", ["0"])
async def test_no_cache_fetches_every_time(app: App, graph: Graph) -> None:
    service = app.services.recommendations
    await service.page(WS)
    per_round = len(profile_requests(graph))
    await service.page(WS)
    assert len(score_requests(graph)) == 2
    assert len(profile_requests(graph)) == 2 * per_round
    assert len(token_requests(graph)) == 1  # the token is still reused


async def test_concurrent_pages_share_one_fetch(app: App, graph: Graph) -> None:
    graph.sim.inject_fault(GraphFault(latency_ms=100))  # keep the first fetch in flight
    pages = await asyncio.gather(*(app.services.recommendations.page(WS) for _ in range(6)))
    assert all(p.graph_problem is None for p in pages)
    assert len({tuple(i.recommendation.id for i in p.items) for p in pages}) == 1
    assert len(token_requests(graph)) == 1
    assert len(score_requests(graph)) == 1
    assert len(profile_requests(graph)) == math.ceil(
        len(graph.sim.profiles(DEFAULT_TENANT_ID)) / graph.sim.config.page_size
    )


async def test_a_failed_fetch_is_remembered_briefly_then_retried(app: App, graph: Graph) -> None:
    graph.sim.inject_fault(GraphFault(status=503, count=FAST_RETRY.attempts))
    failed = await app.services.recommendations.page(WS)
    assert isinstance(failed.graph_problem, GraphUnavailable)
    asked = len(graph.sim.request_log)
    # Within the pause a busy channel does not hammer a sick Graph…
    still = await app.services.recommendations.page(WS)
    assert isinstance(still.graph_problem, GraphUnavailable)
    assert len(graph.sim.request_log) == asked
    # …and after it, Graph is asked again.
    app.clock.advance(31)
    again = await app.services.recommendations.page(WS)
    assert again.graph_problem is None
    assert again.items


# -- linking a workspace to a tenant (/snow securescore) --------------------------------------


async def test_securescore_shows_the_configured_tenant(app: App) -> None:
    view = await run(app, user_ctx(), "securescore")
    assert isinstance(view, SecureScoreView)
    assert view.tenant == DEFAULT_TENANT_ID


async def test_admin_links_another_tenant_and_sees_its_permission_problem(
    app: App, graph: Graph
) -> None:
    ok = await run(app, admin_ctx(), "recommendations")
    assert isinstance(ok, RecommendationListView)
    assert ok.cards

    linked = await run(app, admin_ctx(), f"securescore {DEFAULT_UNCONSENTED_TENANT_ID}")
    assert isinstance(linked, Notice)
    assert linked.level is NoticeLevel.SUCCESS
    assert DEFAULT_UNCONSENTED_TENANT_ID in linked.text

    view = await run(app, admin_ctx(), "recommendations")
    assert isinstance(view, RecommendationListView)
    assert PERMISSION in view.note
    assert "admin consent" in view.hint
    assert all(c.source == "User" for c in view.cards)
    assert f"/{DEFAULT_UNCONSENTED_TENANT_ID}{TOKEN}" in token_requests(graph)

    shown = await run(app, user_ctx(), "securescore")
    assert isinstance(shown, Notice)
    assert DEFAULT_UNCONSENTED_TENANT_ID in shown.text
    assert PERMISSION in shown.text
    assert "admin consent" in shown.hint


async def test_linking_by_domain_works_and_is_per_workspace(app: App, graph: Graph) -> None:
    other = admin_ctx("slack:TOTHER")
    linked = await run(app, other, "securescore contoso.onmicrosoft.com")
    assert isinstance(linked, Notice)
    assert linked.level is NoticeLevel.SUCCESS
    view = await run(app, other, "recommendations")
    assert isinstance(view, RecommendationListView)
    assert view.note.endswith("hidden; add 'all' to see them.")
    assert f"/contoso.onmicrosoft.com{TOKEN}" in token_requests(graph)
    assert await app.services.recommendations.tenant(WS) == DEFAULT_TENANT_ID


async def test_only_admins_link_a_tenant_and_bad_ids_are_refused(app: App) -> None:
    refused = await run(app, user_ctx(), f"securescore {DEFAULT_UNCONSENTED_TENANT_ID}")
    assert isinstance(refused, Notice)
    assert "Only workspace admins" in refused.text
    assert await app.services.recommendations.tenant(WS) == DEFAULT_TENANT_ID

    for bad in ("not-a-tenant", "../../evil", "contoso.com", "8f2c6a1e-5b3d-4e7f-9a10"):
        view = await run(app, admin_ctx(), f"securescore {bad}")
        assert isinstance(view, Notice)
        assert view.level is NoticeLevel.WARNING
        assert "is not a tenant id" in view.text
        assert "GUID" in view.text
    assert await app.services.recommendations.tenant(WS) == DEFAULT_TENANT_ID


@pytest.mark.parametrize("app_env", [{}])
async def test_securescore_without_graph_explains_how_to_connect(app: App) -> None:
    view = await run(app, user_ctx(), "securescore")
    assert isinstance(view, Notice)
    assert view.text == "Microsoft Secure Score is not connected."
    assert "GRAPH_CLIENT_ID" in view.hint
    assert PERMISSION in view.hint
    assert "/snow securescore <tenant-id>" in view.hint


@pytest.mark.parametrize("app_env", [{}])
async def test_admin_links_a_tenant_before_graph_is_configured(app: App) -> None:
    linked = await run(app, admin_ctx(), f"securescore {DEFAULT_TENANT_ID}")
    assert isinstance(linked, Notice)
    assert linked.level is NoticeLevel.SUCCESS
    assert linked.text == f"Secure Score will come from tenant {DEFAULT_TENANT_ID}."
    assert "GRAPH_CLIENT_ID" in linked.hint  # what is still missing
    assert await app.services.recommendations.tenant(WS) == DEFAULT_TENANT_ID

    bad = await run(app, admin_ctx(), "securescore nope")
    assert isinstance(bad, Notice)
    assert bad.level is NoticeLevel.WARNING
    assert "'nope' is not a tenant id" in bad.text
    assert await app.services.recommendations.tenant(WS) == DEFAULT_TENANT_ID

    refused = await run(app, user_ctx(), f"securescore {DEFAULT_UNCONSENTED_TENANT_ID}")
    assert isinstance(refused, Notice)
    assert "Only workspace admins" in refused.text


async def test_the_client_secret_never_appears_in_what_users_see(app: App, graph: Graph) -> None:
    graph.sim.config.client_secret = "rotated"  # our secret is now the wrong one
    view = await run(app, admin_ctx(), "recommendations")
    assert isinstance(view, RecommendationListView)
    assert "AADSTS7000215" in view.note
    assert DEFAULT_CLIENT_SECRET not in repr(view)
    assert "GRAPH_CLIENT_SECRET" in view.hint


async def test_an_auth_error_note_ends_with_one_period(app: App, graph: Graph) -> None:
    graph.sim.config.client_secret = "rotated"
    view = await run(app, admin_ctx(), "recommendations")
    assert isinstance(view, RecommendationListView)
    assert "AADSTS7000215" in view.note
    assert not view.note.endswith("..")


async def test_concurrent_pages_during_an_outage_share_one_failed_fetch(
    app: App, graph: Graph
) -> None:
    graph.sim.inject_fault(GraphFault(status=503, count=10_000))
    pages = await asyncio.gather(*(app.services.recommendations.page(WS) for _ in range(6)))
    assert all(isinstance(p.graph_problem, GraphUnavailable) for p in pages)
    assert len(profile_requests(graph)) == FAST_RETRY.attempts


async def test_the_token_never_leaves_the_graph_origin(client: GraphClient, graph: Graph) -> None:
    seen: list[str] = []

    async def elsewhere(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization", ""))
        return web.json_response({"value": []})

    foreign = web.Application()
    foreign.router.add_get("/{tail:.*}", elsewhere)
    server = TestServer(foreign, host="127.0.0.1")
    await server.start_server()
    try:
        # Graph (here: a misconfigured or hostile proxy) hands out a nextLink to another host.
        graph.sim.config.base_url = str(server.make_url("")).rstrip("/")
        try:
            await client.control_profiles(DEFAULT_TENANT_ID)
        except GraphError:
            pass  # refusing the link is fine; sending the token there is not
    finally:
        await server.close()
    assert seen == []
