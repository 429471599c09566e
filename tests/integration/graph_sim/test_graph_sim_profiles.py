"""secureScoreControlProfiles: paging over @odata.nextLink, $top, by id, and the live shape."""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient

from sim.graph import DEFAULT_TENANT_ID, GraphSim
from sim.graph.data import PROFILES

Client = TestClient[Any, Any]
LIST = "/v1.0/security/secureScoreControlProfiles"
ODATA_JSON = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;"
    "charset=utf-8"
)
PROFILE_KEYS = {
    "id",
    "azureTenantId",
    "actionType",
    "actionUrl",
    "controlCategory",
    "title",
    "service",
    "maxScore",
    "implementationCost",
    "userImpact",
    "remediation",
    "remediationImpact",
    "rank",
    "tier",
    "threats",
    "deprecated",
    "lastModifiedDateTime",
    "complianceInformation",
    "controlStateUpdates",
    "vendorInformation",
}


def relative(link: str, client: Client) -> str:
    """The path and query of an absolute nextLink, after checking it points at this host."""
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == str(client.make_url("")).rstrip("/")
    return f"{parts.path}?{parts.query}"


async def walk(client: Client, headers: dict[str, str], url: str) -> list[list[dict[str, Any]]]:
    """Every page from `url` on, following @odata.nextLink."""
    pages = []
    next_url: str | None = url
    while next_url is not None:
        response = await client.get(next_url, headers=headers)
        assert response.status == 200, await response.text()
        body = await response.json()
        pages.append(body["value"])
        link = body.get("@odata.nextLink")
        next_url = relative(link, client) if link else None
    return pages


async def test_paging_until_exhausted(client: Client, headers: dict[str, str]) -> None:
    response = await client.get(LIST, headers=headers)
    assert response.headers["Content-Type"] == ODATA_JSON
    body = await response.json()
    base = str(client.make_url("")).rstrip("/")
    assert body["@odata.context"] == f"{base}/v1.0/$metadata#security/secureScoreControlProfiles"
    assert list(body) == ["@odata.context", "@odata.nextLink", "value"]
    # Without $top the link carries only the opaque skiptoken, as the live recording shows.
    assert body["@odata.nextLink"].startswith(f"{base}{LIST}?$skiptoken=")
    pages = await walk(client, headers, LIST)
    assert [len(page) for page in pages] == [10, 10, 10, 7]
    ids = [profile["id"] for page in pages for profile in page]
    assert len(ids) == len(set(ids)) == len(PROFILES)


async def test_top_sets_page_size(client: Client, headers: dict[str, str]) -> None:
    pages = await walk(client, headers, f"{LIST}?$top=15")
    assert [len(page) for page in pages] == [15, 15, 7]
    response = await client.get(f"{LIST}?$top=15", headers=headers)
    assert "?$top=15&$skiptoken=" in (await response.json())["@odata.nextLink"]
    everything = await walk(client, headers, f"{LIST}?$top=100")
    assert [len(page) for page in everything] == [len(PROFILES)]
    empty = await (await client.get(f"{LIST}?$top=0", headers=headers)).json()
    assert empty["value"] == []
    assert "@odata.nextLink" not in empty


async def test_configured_page_size_and_base_url(
    client: Client, headers: dict[str, str], sim: GraphSim
) -> None:
    # The config is live: a running sim picks changes up on the next request.
    sim.config.page_size = 100
    sim.config.base_url = "https://graph.microsoft.com"
    body = await (await client.get(LIST, headers=headers)).json()
    assert len(body["value"]) == len(PROFILES)
    assert body["@odata.context"] == (
        "https://graph.microsoft.com/v1.0/$metadata#security/secureScoreControlProfiles"
    )


@pytest.mark.parametrize("query", ["$top=abc", "$top=-1", "$skiptoken=not-a-token"])
async def test_bad_query_options(client: Client, headers: dict[str, str], query: str) -> None:
    response = await client.get(f"{LIST}?{query}", headers=headers)
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "BadRequest"


async def test_live_shape(client: Client, headers: dict[str, str]) -> None:
    profiles = [p for page in await walk(client, headers, LIST) for p in page]
    for profile in profiles:
        assert set(profile) == PROFILE_KEYS
        assert profile["azureTenantId"] == DEFAULT_TENANT_ID
        assert isinstance(profile["maxScore"], float)
        assert profile["vendorInformation"] == {
            "provider": "SecureScore",
            "providerVersion": None,
            "subProvider": None,
            "vendor": "Microsoft",
        }
        assert profile["complianceInformation"] == []
        assert profile["tier"] in ("Core", "Defense in Depth", "Advanced")
        assert profile["actionType"] in ("Config", "Review", "Behavior")
        assert "<" in profile["remediation"]
    categories = Counter(p["controlCategory"] for p in profiles)
    assert set(categories) == {"Identity", "Data", "Device", "Apps", "Infrastructure"}
    assert sum(p["deprecated"] for p in profiles) == 2
    states = Counter(p["controlStateUpdates"][-1]["state"] for p in profiles)
    assert (states["Ignored"], states["ThirdParty"]) == (1, 1)
    default = next(p for p in profiles if p["id"] == "AdminMFAV2")["controlStateUpdates"]
    assert default == [
        {
            "assignedTo": None,
            "comment": None,
            "state": "Default",
            "updatedBy": None,
            "updatedDateTime": None,
        }
    ]
    assert {p["userImpact"] for p in profiles} >= {"Low", "Moderate", "Unknown", None}
    assert any(p["lastModifiedDateTime"] is None for p in profiles)
    assert any("&nbsp;" in p["remediation"] and "<ol>" in p["remediation"] for p in profiles)
    assert all(" " in threat for p in profiles for threat in p["threats"] if threat != "Spoofing")


async def test_profile_by_id(client: Client, headers: dict[str, str]) -> None:
    response = await client.get(f"{LIST}/11770.MDA_Google_EnableTwoFactorAuth", headers=headers)
    assert response.status == 200
    body = await response.json()
    assert body["@odata.context"].endswith(
        "/v1.0/$metadata#security/secureScoreControlProfiles/$entity"
    )
    assert body["service"] == "MDA_Google"
    assert set(body) == PROFILE_KEYS | {"@odata.context"}


async def test_profile_not_found(client: Client, headers: dict[str, str]) -> None:
    response = await client.get(f"{LIST}/NoSuchControl", headers=headers)
    assert response.status == 404
    body = await response.json()
    assert body["error"]["code"] == ""
    assert body["error"]["message"] == "Http request failed with statusCode=NotFound"
    assert body["error"]["innerError"]["request-id"] == response.headers["request-id"]


async def test_unknown_segment(client: Client, headers: dict[str, str]) -> None:
    response = await client.get("/v1.0/security/secureScoreControls", headers=headers)
    assert response.status == 400
    error = (await response.json())["error"]
    assert error["code"] == "BadRequest"
    assert error["message"] == "Resource not found for the segment 'secureScoreControls'."


async def test_graph_headers(client: Client, headers: dict[str, str], sim: GraphSim) -> None:
    response = await client.get(
        f"{LIST}?$top=1", headers={**headers, "client-request-id": "abc-123"}
    )
    assert response.headers["client-request-id"] == "abc-123"
    assert len(response.headers["request-id"]) == 36
    assert "ServerInfo" in response.headers["x-ms-ags-diagnostic"]
    plain = await client.get(f"{LIST}?$top=1", headers=headers)
    assert plain.headers["client-request-id"] == plain.headers["request-id"]
    assert sim.request_log[-1] == ("GET", f"{LIST}?$top=1")
