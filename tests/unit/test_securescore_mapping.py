"""Graph's live wire shape → recommendations: join, categories, HTML, states."""

from __future__ import annotations

from core.models import RecommendationSource
from core.securescore.mapping import join_recommendations
from core.securescore.text import html_to_text

PROFILE = {
    "id": "SelfServicePasswordReset",
    "azureTenantId": "t",
    "actionType": "Config",
    "actionUrl": "https://entra.microsoft.com/#blade/Microsoft_AAD_IAM/PasswordResetMenuBlade",
    "controlCategory": "Identity",
    "title": "Enable self-service password reset",
    "deprecated": False,
    "implementationCost": "Unknown",
    "maxScore": 1.0,
    "rank": 10,
    "remediation": (
        "<p>Turn it on:</p><ol><li>Open <b>Password reset</b></li><li>Select&nbsp;All</li></ol>"
    ),
    "service": "AzureAD",
    "threats": ["Account breach", "Elevation of privilege"],
    "tier": "Core",
    "userImpact": None,
    "controlStateUpdates": [
        {
            "assignedTo": None,
            "comment": None,
            "state": "Default",
            "updatedBy": None,
            "updatedDateTime": None,
        }
    ],
}
SCORE = {
    "controlScores": [
        {
            "controlCategory": "Identity",
            "controlName": "SelfServicePasswordReset",
            "count": "4",
            "implementationStatus": "You have 0 of 4 users who don't have SSPR enabled.",
            "score": 0.25,
            "scoreInPercentage": 25.0,
            "total": "4",
        }
    ]
}


def test_profile_joined_to_its_score() -> None:
    [rec] = join_recommendations([PROFILE], SCORE)
    assert rec.source is RecommendationSource.MICROSOFT
    assert (rec.max_score, rec.current_score, rec.gain, rec.percent) == (1.0, 0.25, 0.75, 25.0)
    assert rec.implementation_status.startswith("You have 0 of 4")
    assert rec.user_impact is None
    assert rec.implementation_cost is None  # "Unknown" is no information
    assert rec.threats == ("Account breach", "Elevation of privilege")
    assert rec.description == "Turn it on:\n\n1. Open Password reset\n2. Select All"
    assert "<" not in rec.description


def test_categories_deprecated_and_states() -> None:
    profiles = [
        {**PROFILE, "id": "a", "controlCategory": "Device"},
        {**PROFILE, "id": "b", "deprecated": True},
        {
            **PROFILE,
            "id": "c",
            "controlStateUpdates": [
                {"state": "Default", "updatedDateTime": "2026-01-01T00:00:00Z"},
                {"state": "Ignored", "updatedDateTime": "2026-02-01T00:00:00Z"},
            ],
        },
    ]
    recs = {r.id: r for r in join_recommendations(profiles, None)}
    assert set(recs) == {"a", "c"}
    assert recs["a"].category == "Devices"
    assert recs["c"].state == "Ignored"
    assert recs["a"].current_score is None
    assert recs["a"].gain == 1.0


def test_html_to_text_keeps_links_and_drops_scripts() -> None:
    text = html_to_text(
        '<div>See <a href="https://aka.ms/sspr">the guide</a>.<br/>Then&nbsp;'
        "<ul><li>one</li><li>two</li></ul></div><script>alert(1)</script>"
    )
    assert text == "See the guide (https://aka.ms/sspr).\nThen\n\n• one\n• two"
