"""Graph's Secure Score wire shape → :class:`~core.models.Recommendation`."""

from __future__ import annotations

from typing import Any

from core.i18n import N_, gettext
from core.models import Recommendation, RecommendationSource
from core.securescore.text import html_to_text

__all__ = ["CATEGORY_NAMES", "category_name", "join_recommendations"]

#: Graph's controlCategory → the five names users see. They are stored and typed (``/snow
#: recommendations identity``, rules' ``category Identity``) in English: shown with
#: :func:`category_name`.
CATEGORY_NAMES = {
    "identity": N_("Identity"),
    "data": N_("Data"),
    "device": N_("Devices"),
    "devices": N_("Devices"),
    "apps": N_("Apps"),
    "infrastructure": N_("Infrastructure"),
}
#: A recommendation without a category Graph names.
OTHER = N_("Other")


def category_name(category: str) -> str:
    """A stored category as users read it in the current language (a category Graph
    added later, unknown to the catalogue, as Graph names it)."""
    return gettext(category) if category else ""


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _label(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return None if not text or text.lower() == "unknown" else text


def _state(profile: dict[str, Any]) -> str:
    updates = profile.get("controlStateUpdates") or []
    states = [u.get("state") for u in updates if isinstance(u, dict) and u.get("state")]
    return str(states[-1]) if states else "Default"


def join_recommendations(
    profiles: list[dict[str, Any]], score: dict[str, Any] | None
) -> list[Recommendation]:
    """Profiles joined to today's control scores; deprecated controls left out."""
    scores: dict[str, dict[str, Any]] = {}
    for cs in (score or {}).get("controlScores") or []:
        if isinstance(cs, dict) and cs.get("controlName"):
            scores[str(cs["controlName"])] = cs
    out = []
    for p in profiles:
        if p.get("deprecated") or not p.get("id"):
            continue
        cs = scores.get(str(p["id"]), {})
        raw_category = str(p.get("controlCategory") or cs.get("controlCategory") or "")
        out.append(
            Recommendation(
                id=str(p["id"]),
                title=str(p.get("title") or p["id"]),
                category=CATEGORY_NAMES.get(raw_category.lower(), raw_category or OTHER),
                source=RecommendationSource.MICROSOFT,
                description=html_to_text(p.get("remediation")),
                url=str(p["actionUrl"]) if p.get("actionUrl") else None,
                max_score=_float(p.get("maxScore")),
                current_score=_float(cs.get("score")) if cs else None,
                implementation_status=html_to_text(str(cs.get("implementationStatus") or "")),
                user_impact=_label(p.get("userImpact")),
                implementation_cost=_label(p.get("implementationCost")),
                threats=tuple(str(t) for t in p.get("threats") or [] if t),
                state=_state(p),
                service=str(p.get("service") or ""),
                rank=int(p["rank"]) if isinstance(p.get("rank"), int) else None,
            )
        )
    return out
