"""GraphSim: every bit of state of one simulator (tenants, tokens, scores, faults, log)."""

from __future__ import annotations

import base64
import copy
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from . import data
from .config import GRAPH_RESOURCE, GraphSimConfig, TenantConfig
from .faults import GraphFault
from .scores import ScoreBook
from .wire import new_guid

CONTROL_STATES = ("Default", "Ignored", "ThirdParty", "Reviewed")
VENDOR_INFORMATION: dict[str, Any] = {
    "provider": "SecureScore",
    "providerVersion": None,
    "subProvider": None,
    "vendor": "Microsoft",
}


def _system_clock() -> datetime:
    return datetime.now(UTC)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@dataclass
class IssuedToken:
    """An app-only access token: bound to one tenant, carrying the app roles granted there."""

    value: str
    tenant_id: str
    client_id: str
    roles: tuple[str, ...]
    issued_at: datetime
    expires_at: datetime

    def valid(self, now: datetime) -> bool:
        """Inside its lifetime."""
        return self.issued_at <= now < self.expires_at


@dataclass
class Cursor:
    """What a `$skiptoken` stands for: which collection, where the next page starts, its size."""

    collection: str
    offset: int
    top: int
    top_given: bool


class GraphSim:
    """One simulated Microsoft Graph + Entra ID token endpoint, usable in-process by tests.

    Time comes from `clock` (UTC now by default) plus an offset moved by `advance_clock`, so
    tests can expire tokens and roll the daily score over without sleeping. Control data is
    shared by every tenant; `azureTenantId` is filled in from the caller's token.
    """

    def __init__(
        self, config: GraphSimConfig | None = None, *, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.config = config or GraphSimConfig()
        self._clock = clock or _system_clock
        self._offset = 0.0
        self.faults: list[GraphFault] = []
        self.request_log: list[tuple[str, str]] = []
        self.tokens: dict[str, IssuedToken] = {}
        self._cursors: dict[str, Cursor] = {}
        self._profiles: dict[str, dict[str, Any]] = {}
        self._states: dict[str, list[dict[str, Any]]] = {}
        self._literals: dict[str, dict[str, Any]] = {}
        self.book = ScoreBook(self.now().date(), self.config.history_days)
        self._seed()

    # -- time -----------------------------------------------------------------------------

    def now(self) -> datetime:
        """Current simulated UTC time."""
        return self._clock() + timedelta(seconds=self._offset)

    def advance_clock(self, seconds: float) -> None:
        """Move simulated time forward: tokens age, and a new day brings a new daily score."""
        self._offset += seconds

    # -- lifecycle ------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to a freshly started simulator (same config), clock offset included."""
        self._offset = 0.0
        self.faults.clear()
        self.request_log.clear()
        self.tokens.clear()
        self._cursors.clear()
        self._seed()

    def _seed(self) -> None:
        self._profiles = {p["id"]: copy.deepcopy(p) for p in data.PROFILES}
        self._states = {
            control_id: copy.deepcopy(
                data.STATE_UPDATES.get(control_id, [data.DEFAULT_STATE_UPDATE])
            )
            for control_id in self._profiles
        }
        self._literals = copy.deepcopy(data.CONTROL_SCORES)
        self.book = ScoreBook(self.now().date(), self.config.history_days)

    # -- tenants and tokens -----------------------------------------------------------------

    def find_tenant(self, ref: str) -> TenantConfig | None:
        """A tenant by id or primary domain (case-insensitive), as the login URL names it."""
        wanted = ref.lower()
        for tenant in self.config.tenants.values():
            if wanted in (tenant.tenant_id.lower(), tenant.domain.lower()):
                return tenant
        return None

    def issue_token(self, tenant: TenantConfig) -> IssuedToken:
        """Mint a JWT-shaped app-only token for the configured client in `tenant`."""
        now = self.now()
        lifetime = self.config.token_lifetime
        claims: dict[str, Any] = {
            "aud": GRAPH_RESOURCE,
            "iss": f"https://sts.windows.net/{tenant.tenant_id}/",
            "iat": int(now.timestamp()),
            "nbf": int(now.timestamp()),
            "exp": int(now.timestamp()) + lifetime,
            "app_displayname": self.config.app_display_name,
            "appid": self.config.client_id,
            "appidacr": "1",
            "idp": f"https://sts.windows.net/{tenant.tenant_id}/",
            "idtyp": "app",
            "oid": new_guid(),
            "sub": new_guid(),
            "tid": tenant.tenant_id,
            "uti": _b64url(secrets.token_bytes(16)),
            "ver": "1.0",
        }
        # Entra ID leaves `roles` out entirely when the tenant granted the app none.
        if tenant.app_roles:
            claims["roles"] = list(tenant.app_roles)
        header = {"typ": "JWT", "alg": "RS256", "x5t": "sim", "kid": "sim"}
        value = ".".join(
            (
                _b64url(json.dumps(header, separators=(",", ":")).encode()),
                _b64url(json.dumps(claims, separators=(",", ":")).encode()),
                _b64url(secrets.token_bytes(256)),
            )
        )
        token = IssuedToken(
            value,
            tenant.tenant_id,
            self.config.client_id,
            tuple(tenant.app_roles),
            now,
            now + timedelta(seconds=lifetime),
        )
        self.tokens[value] = token
        return token

    def expire_tokens(self) -> None:
        """Make every issued token expired (clients must fetch a new one)."""
        for token in self.tokens.values():
            token.expires_at = self.now()

    # -- faults -----------------------------------------------------------------------------

    def inject_fault(self, fault: GraphFault) -> None:
        """Queue a fault; the first matching queued fault answers a request."""
        self.faults.append(copy.copy(fault))

    def clear_faults(self) -> None:
        """Drop all queued faults."""
        self.faults.clear()

    def take_fault(self, path: str) -> GraphFault | None:
        """The fault answering a request for `path`, counting it down (dropped at zero)."""
        for fault in self.faults:
            if fault.applies_to(path):
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    # -- paging -----------------------------------------------------------------------------

    def new_skiptoken(self, cursor: Cursor) -> str:
        """An opaque GUID `$skiptoken` standing for `cursor`."""
        token = new_guid()
        self._cursors[token] = cursor
        return token

    def cursor(self, token: str) -> Cursor | None:
        """The cursor behind a `$skiptoken`, or None for one this sim never issued."""
        return self._cursors.get(token)

    # -- control profiles -------------------------------------------------------------------

    def profiles(self, tenant_id: str) -> list[dict[str, Any]]:
        """Every control profile as Graph renders it for `tenant_id`, in catalog order."""
        return [self._render_profile(p, tenant_id) for p in self._profiles.values()]

    def profile(self, tenant_id: str, control_id: str) -> dict[str, Any] | None:
        """One rendered profile, or None."""
        found = self._profiles.get(control_id)
        return None if found is None else self._render_profile(found, tenant_id)

    def _render_profile(self, profile: dict[str, Any], tenant_id: str) -> dict[str, Any]:
        return {
            **copy.deepcopy(profile),
            "azureTenantId": tenant_id,
            "complianceInformation": [],
            "controlStateUpdates": copy.deepcopy(self._states[profile["id"]]),
            "vendorInformation": dict(VENDOR_INFORMATION),
        }

    def set_control_state(
        self,
        control_id: str,
        state: str,
        comment: str | None = None,
        updated_by: str = "secops@contoso.onmicrosoft.com",
    ) -> dict[str, Any]:
        """Record a state change (Default/Ignored/ThirdParty/Reviewed) as a new
        controlStateUpdates entry after the earlier ones; returns the entry.
        KeyError for an unknown control, ValueError for an unknown state."""
        if control_id not in self._profiles:
            raise KeyError(f"no control {control_id}")
        if state not in CONTROL_STATES:
            raise ValueError(f"state must be one of {CONTROL_STATES}, not {state!r}")
        entry = {
            "assignedTo": "",
            "comment": comment,
            "state": state,
            "updatedBy": updated_by,
            "updatedDateTime": self.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }
        self._states[control_id].append(entry)
        return dict(entry)

    def add_control(self, profile: dict[str, Any], score: float, *, today: bool = False) -> None:
        """A new improvement action (Microsoft adds controls over time): its profile is
        listed at once, and its score shows from the next day's entry on (``today``: in
        today's too). ValueError for a profile without id, title, category or maxScore, or
        an id already known."""
        required = ("id", "title", "controlCategory", "maxScore")
        if any(not profile.get(key) for key in required):
            raise ValueError(f"a control needs {', '.join(required)}")
        control_id = str(profile["id"])
        if control_id in self._profiles:
            raise ValueError(f"control {control_id} exists already")
        self._profiles[control_id] = {"deprecated": False, "rank": None, "threats": [], **profile}
        self._states[control_id] = [copy.deepcopy(data.DEFAULT_STATE_UPDATE)]
        self._literals[control_id] = {"description": "", "implementationStatus": ""}
        value = self._scored(control_id, score)
        self.book.roll(self.now().date())
        (self.book.rewrite_today if today else self.book.move)(control_id, value)

    # -- scores -----------------------------------------------------------------------------

    def _scored(self, control_id: str, score: object) -> float:
        """`score` checked for a scored control: KeyError for an unknown or deprecated control,
        TypeError for a non-number, ValueError outside 0..maxScore."""
        if control_id not in self._literals:
            raise KeyError(f"no scored control {control_id}")
        if isinstance(score, bool) or not isinstance(score, int | float):
            raise TypeError(f"score must be a number, not {score!r}")
        maximum = float(self._profiles[control_id]["maxScore"])
        if not 0 <= score <= maximum:
            raise ValueError(f"score must be between 0 and {maximum} for {control_id}")
        return float(score)

    def set_control_score(self, control_id: str, score: float) -> None:
        """Set a control's score from now on and in today's entry too (a test shortcut: on
        Graph a change shows only in the next day's entry; see `move_control_score`)."""
        value = self._scored(control_id, score)
        self.book.roll(self.now().date())
        self.book.rewrite_today(control_id, value)

    def move_control_score(self, control_id: str, score: float) -> None:
        """The tenant fixed (or broke) a control: the next day's entry shows `score`, today's
        entry stays as Graph's daily snapshot took it."""
        value = self._scored(control_id, score)
        self.book.roll(self.now().date())
        self.book.move(control_id, value)

    def script_control_score(self, control_id: str, steps: list[tuple[int, float]]) -> None:
        """Scores over time: [(day, score)], each holding from the entry `day` days after
        today on ("score 0 until day N, then 9" is [(0, 0), (N, 9)])."""
        checked = [(int(day), self._scored(control_id, score)) for day, score in steps]
        if not checked or any(day < 0 for day, _ in checked):
            raise ValueError("give steps as [day >= 0, score] pairs")
        self.book.roll(self.now().date())
        self.book.script(control_id, checked)

    def set_score_history(self, control_id: str, scores: list[float]) -> int:
        """A control's past daily scores, newest first (scores[0] is yesterday's); returns
        how many retained days were set."""
        checked = [self._scored(control_id, score) for score in scores]
        self.book.roll(self.now().date())
        return self.book.set_history(control_id, checked)

    def control_scores(self, control_id: str) -> dict[str, Any]:
        """What the sim holds for one control: live score, script, and the daily history."""
        if control_id not in self._literals:
            raise KeyError(f"no scored control {control_id}")
        self.book.roll(self.now().date())
        return {
            "controlName": control_id,
            "live": self.book.live[control_id],
            "scheduled": self.book.scheduled(control_id),
            "history": [
                {"date": day.isoformat(), "score": self.book.days[day][control_id]}
                for day in sorted(self.book.days, reverse=True)
                if control_id in self.book.days[day]  # a control added since has no past
            ],
        }

    def scores(self, tenant_id: str) -> list[dict[str, Any]]:
        """The retained daily secureScore entities for `tenant_id`, newest first."""
        self.book.roll(self.now().date())
        return [
            self._render_score(day, self.book.days[day], tenant_id)
            for day in sorted(self.book.days, reverse=True)
        ]

    def _render_score(self, day: date, scores: dict[str, float], tenant_id: str) -> dict[str, Any]:
        synced = f"{(day - timedelta(days=1)).isoformat()}T13:04:06Z"
        control_scores = []
        for control_id, score in scores.items():
            profile = self._profiles[control_id]
            literal = self._literals[control_id]
            entry = {key: value for key, value in literal.items() if key != "score"}
            entry.update(
                {
                    "controlCategory": profile["controlCategory"],
                    "controlName": control_id,
                    "lastSynced": synced,
                    "score": score,
                    "scoreInPercentage": round(score / float(profile["maxScore"]) * 100, 2),
                }
            )
            control_scores.append(entry)
        max_score = sum(float(self._profiles[control_id]["maxScore"]) for control_id in scores)
        return {
            "activeUserCount": data.ACTIVE_USER_COUNT,
            "averageComparativeScores": copy.deepcopy(data.AVERAGE_COMPARATIVE_SCORES),
            "azureTenantId": tenant_id,
            "controlScores": control_scores,
            "createdDateTime": f"{day.isoformat()}T00:00:00Z",
            "currentScore": round(sum(scores.values()), 2),
            "enabledServices": list(data.ENABLED_SERVICES),
            "id": f"{tenant_id}_{day.isoformat()}",
            "licensedUserCount": data.LICENSED_USER_COUNT,
            "maxScore": max_score,
            "vendorInformation": dict(VENDOR_INFORMATION),
        }
