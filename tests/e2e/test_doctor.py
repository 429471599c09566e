"""`snowops doctor` as an admin runs it, against the ServiceNow simulator with faults injected.

Each fault answers as a real instance does (sim/servicenow/faults.py); the doctor must name
the failing check, say what to do, and exit non-zero. Healthy, it exits 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app import build_services
from bot.settings import Settings
from core.actions import FormContext, SubmitTicket
from core.outcomes import TicketMade
from core.secrets import generate_key
from sim.graph import DEFAULT_CLIENT_ID as GRAPH_CLIENT_ID
from sim.graph import DEFAULT_CLIENT_SECRET as GRAPH_CLIENT_SECRET
from sim.graph import DEFAULT_TENANT_ID, GraphFault
from sim.servicenow import Fault
from sim.servicenow.customize import set_plugin
from tests.conftest import Graph, Sim, admin_ctx, connect_workspace
from tests.e2e.test_cli import run
from tests.fakes.slack_api import FakeSlackApi

WS = "ServiceNow slack:T0123"


@dataclass
class Deployment:
    """The settings a connected SnowOps left behind, as environment variables."""

    env: dict[str, str]
    cwd: Path

    async def doctor(self, **extra: str) -> tuple[int, str, str]:
        return await run("doctor", cwd=self.cwd, **{**self.env, **extra})


@pytest.fixture
async def deployment(
    sim: Sim, make_settings: Callable[..., Settings], tmp_path: Path
) -> Deployment:
    """A store holding one workspace connected to the simulator, with one ticket in it."""
    key = generate_key()
    settings = make_settings(SNOWOPS_SECRET_KEY=key)
    services = build_services(settings)
    await services.store.open()
    try:
        await connect_workspace(services, sim.url)
        result = await services.router.handle(
            admin_ctx(),
            SubmitTicket(
                {"kind": "incident", "name": "Rotate the VPN certificate"}, FormContext(), "k1"
            ),
        )
        assert isinstance(result, TicketMade)
        assert result.created
    finally:
        await services.pool.aclose()
        await services.store.close()
    return Deployment({"SNOWOPS_STORE": settings.store, "SNOWOPS_SECRET_KEY": key}, tmp_path)


async def test_healthy_deployment_passes(deployment: Deployment) -> None:
    code, out, err = await deployment.doctor()
    assert code == 0, out + err
    lines = out.strip().splitlines()
    for expected in (
        "ok    settings: valid",
        "ok    store: reachable",
        "ok    secret key: decrypts 1 stored connection",
        f"ok    {WS} DNS and TLS",
        f"ok    {WS} OAuth token endpoint: answers",
        f"ok    {WS} refresh token: valid",
        f"ok    {WS} read incident: 1 record read",
        f"ok    {WS} read change_request: 0 records read",
        f"ok    {WS} read problem: 0 records read",
        f"ok    {WS} read sn_si_incident: 0 records read",
        f"ok    {WS} write permission: may update INC0010001",
        "skip  Slack token: not configured",
        "skip  Teams credentials: not configured",
        "skip  Microsoft Graph SecurityEvents.Read.All: not configured",
    ):
        assert any(line.startswith(expected) for line in lines), (expected, out)
    assert lines[-1].startswith("All 14 checks passed")


async def test_an_instance_without_security_incidents_is_healthy(
    deployment: Deployment, sim: Sim
) -> None:
    set_plugin(sim.instance, "sn_si", False)

    code, out, err = await deployment.doctor()

    assert code == 0, out + err
    [line] = [line for line in out.splitlines() if "read sn_si_incident" in line]
    assert line.startswith(f"skip  {WS} read sn_si_incident:"), line
    assert "Invalid table sn_si_incident" in line
    assert line.endswith("security incidents not offered")


FAULTS = [
    pytest.param(
        Fault(kind="cross_scope", scope="oauth"),
        "OAuth token endpoint: ServiceNow refused cross-scope access to oauth_entity",
        "Application Cross-Scope Access",
        id="cross-scope-oauth_entity",
    ),
    pytest.param(
        Fault(status=401, scope="oauth"),
        "refresh token: ServiceNow refused the OAuth credentials (401 access_denied)",
        "An admin should run /snow connect again",
        id="401-access_denied",
    ),
    pytest.param(
        Fault(kind="acl"),
        "read incident: ServiceNow refused: Insufficient rights",
        "Give it the itil role",
        id="403-acl-read",
    ),
    pytest.param(
        Fault(kind="acl_write"),
        "write permission: ServiceNow refused: Operation Failed (ACL Exception Update Failed",
        "Give it the itil role",
        id="403-acl-write",
    ),
    pytest.param(
        Fault(kind="ip_blocked", scope="all"),
        "OAuth token endpoint: The instance's IP address access control blocked the request",
        "System Security > IP Address Access Control",
        id="ip-access-control",
    ),
    pytest.param(
        Fault(kind="html_login", scope="oauth"),
        "OAuth token endpoint: ServiceNow sent a web page (HTTP 200)",
        "single sign-on is intercepting",
        id="sso-login-page-oauth",
    ),
    pytest.param(
        Fault(kind="html_login", scope="table"),
        "read incident: ServiceNow sent a web page (HTTP 200)",
        "single sign-on is intercepting",
        id="html-login-page-table",
    ),
    pytest.param(
        Fault(status=429, retry_after=30),
        "read incident: ServiceNow rate limit exceeded (retry after 30s)",
        "rate limit was reached",
        id="429-rate-limited",
    ),
    pytest.param(
        Fault(status=503, scope="all"),
        "OAuth token endpoint: ServiceNow answered HTTP 503",
        "Check that it is awake",
        id="503-hibernating",
    ),
]


@pytest.mark.parametrize(("fault", "finding", "hint"), FAULTS)
async def test_each_servicenow_failure_is_recognised(
    deployment: Deployment, sim: Sim, fault: Fault, finding: str, hint: str
) -> None:
    sim.instance.inject_fault(fault)
    code, out, err = await deployment.doctor()
    assert code == 1, out + err
    failing = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert len(failing) == 1, out
    assert failing[0].startswith(f"FAIL  {WS} {finding}"), out
    assert hint in failing[0], out
    assert "Traceback" not in err


async def test_revoked_refresh_token(deployment: Deployment, sim: Sim) -> None:
    sim.instance.revoke_refresh_tokens()
    code, out, _ = await deployment.doctor()
    assert code == 1
    assert f"FAIL  {WS} refresh token: ServiceNow refused the OAuth credentials" in out
    # The stored access token is still good, so the Table API is checked all the same.
    assert f"ok    {WS} read incident" in out


async def test_wrong_secret_key(deployment: Deployment) -> None:
    code, out, _ = await deployment.doctor(SNOWOPS_SECRET_KEY=generate_key())
    assert code == 1
    assert "FAIL  secret key: cannot decrypt the stored secrets → SNOWOPS_SECRET_KEY is not" in out


async def test_invalid_settings(deployment: Deployment) -> None:
    code, out, err = await deployment.doctor(SNOWOPS_PORT="eighty")
    assert code == 1
    assert out.startswith("FAIL  settings: SNOWOPS_PORT: Input should be a valid integer")
    assert "Traceback" not in err


async def test_slack_token_and_scopes(deployment: Deployment) -> None:
    async with FakeSlackApi(bot_scopes="commands,chat:write") as slack:
        env = {
            "SLACK_BOT_TOKEN": "xoxb-1-2-abc",
            "SLACK_SIGNING_SECRET": "s3cret",
            "SLACK_API_URL": slack.base_url,
        }
        code, out, _ = await deployment.doctor(**env)
        assert code == 1
        assert "ok    Slack token: valid: bot snowops in " in out
        assert "FAIL  Slack scopes: missing im:write, users:read, users:read.email" in out
        slack.fail_next("auth.test", "token_revoked")
        code, out, _ = await deployment.doctor(**env)
        assert "FAIL  Slack token: auth.test answered token_revoked → The token was revoked" in out


async def test_graph_permission(deployment: Deployment, graph: Graph) -> None:
    env = {
        "GRAPH_TENANT_ID": DEFAULT_TENANT_ID,
        "GRAPH_CLIENT_ID": GRAPH_CLIENT_ID,
        "GRAPH_CLIENT_SECRET": GRAPH_CLIENT_SECRET,
        "GRAPH_API_URL": graph.url,
        "GRAPH_LOGIN_URL": graph.url,
    }
    code, out, _ = await deployment.doctor(**env)
    assert code == 0, out
    assert f"ok    Microsoft Graph SecurityEvents.Read.All in {DEFAULT_TENANT_ID}: granted" in out
    graph.sim.inject_fault(GraphFault(status=403, scope="api", count=10))
    code, out, _ = await deployment.doctor(**env)
    assert code == 1
    assert "FAIL  Microsoft Graph SecurityEvents.Read.All" in out
    assert "admin consent" in out


async def test_redis_that_could_lose_data_is_warned_about(tmp_path: Path) -> None:
    """The doctor reads the Redis it uses: no persistence or eviction is a warning (with what
    to set), not a failure. The expected findings come from the server's own INFO."""
    import os
    import uuid

    from redis.asyncio import Redis

    from core.store.redis_backup import durability_risks

    base = os.environ.get("SNOWOPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    client = Redis.from_url(base, decode_responses=True)
    persistence, memory = await client.info("persistence"), await client.info("memory")
    save = (await client.config_get("save")).get("save", "")
    expected = durability_risks(persistence, memory, save)
    prefix = f"snowops-test:{uuid.uuid4().hex}:"
    try:
        code, out, err = await run(
            "doctor",
            cwd=tmp_path,
            SNOWOPS_STORE=f"{base}?prefix={prefix}",
            SNOWOPS_SECRET_KEY=generate_key(),
        )
    finally:
        keys = [k async for k in client.scan_iter(match=prefix + "*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
    assert code == 0, out + err
    warnings = [line for line in out.splitlines() if line.startswith("warn  store durability")]
    assert warnings == [f"warn  store durability: {f} → {h}" for f, h in expected]
