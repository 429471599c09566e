"""Domain models: frozen dataclasses and enums shared by every layer.

Nothing here does I/O. Ids that cross platforms are plain strings: a workspace is
``"<platform>:<id>"`` (``slack:T0123``, ``teams:<tenant-id>``, ``console:local``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum

from core.i18n import N_, _

__all__ = [
    "CATEGORIES",
    "CardLocation",
    "ChannelRef",
    "Comment",
    "Connection",
    "ConnectionStatus",
    "OAuthClientConfig",
    "OAuthState",
    "Priority",
    "Recommendation",
    "RecommendationSource",
    "Requester",
    "Subscription",
    "Ticket",
    "TicketEvent",
    "TicketKind",
    "TicketRequest",
    "category_label",
    "workspace_platform",
]

#: The five categories users see (Graph says "Device"; we show "Devices").
#: They are also the words typed in commands (``/snow recommendations identity``), so they
#: stay English there; :func:`category_label` is what a reader sees.
CATEGORIES: tuple[str, ...] = ("Devices", "Data", "Apps", "Identity", "Infrastructure")
_CATEGORY_LABELS = {
    "Devices": N_("Devices"),
    "Data": N_("Data"),
    "Apps": N_("Apps"),
    "Identity": N_("Identity"),
    "Infrastructure": N_("Infrastructure"),
}


def category_label(category: str) -> str:
    """A category as a reader sees it, in the current language (``Identitet``); a name
    that is not one of :data:`CATEGORIES` is shown as it is."""
    label = _CATEGORY_LABELS.get(category)
    return _(label) if label else category


def workspace_platform(workspace: str) -> str:
    """Return the platform part of a workspace id (``slack:T1`` → ``slack``)."""
    return workspace.split(":", 1)[0]


class TicketKind(StrEnum):
    """The ServiceNow record types SnowOps creates and follows (security incidents only
    where the instance has the Security Incident Response plugin: see ``optional``)."""

    INCIDENT = "incident"
    CHANGE = "change"
    PROBLEM = "problem"
    SECURITY = "security_incident"

    @property
    def table(self) -> str:
        """The ServiceNow table that holds this kind."""
        return _TABLES[self]

    @property
    def label(self) -> str:
        """Human label, in the current language (``Incident``, ``Ändring``)."""
        return _(_LABELS[self])

    @property
    def plural_label(self) -> str:
        """Human label of several, in the current language, lower case (``incidents``,
        ``ändringar``): for running text, where ``label.lower() + "s"`` is English only."""
        return _(_PLURAL_LABELS[self])

    @property
    def prefix(self) -> str:
        """The base system's number prefix (INC, CHG, PRB, SIR)."""
        return _PREFIXES[self]

    @property
    def optional(self) -> bool:
        """True for a kind whose table a plugin brings (an instance may lack it)."""
        return self is TicketKind.SECURITY

    @classmethod
    def from_table(cls, table: str) -> TicketKind:
        """Map a ServiceNow table name back to a kind."""
        for kind, name in _TABLES.items():
            if name == table:
                return kind
        raise ValueError(f"not a SnowOps table: {table}")


_TABLES = {
    TicketKind.INCIDENT: "incident",
    TicketKind.CHANGE: "change_request",
    TicketKind.PROBLEM: "problem",
    TicketKind.SECURITY: "sn_si_incident",
}
_LABELS = {
    TicketKind.INCIDENT: N_("Incident"),
    TicketKind.CHANGE: N_("Change"),
    TicketKind.PROBLEM: N_("Problem"),
    TicketKind.SECURITY: N_("Security incident"),
}
_PLURAL_LABELS = {
    TicketKind.INCIDENT: N_("incidents"),
    TicketKind.CHANGE: N_("changes"),
    TicketKind.PROBLEM: N_("problems"),
    TicketKind.SECURITY: N_("security incidents"),
}
_PREFIXES = {
    TicketKind.INCIDENT: "INC",
    TicketKind.CHANGE: "CHG",
    TicketKind.PROBLEM: "PRB",
    TicketKind.SECURITY: "SIR",
}


class Priority(IntEnum):
    """Ticket priority as users pick it (ServiceNow's 1 to 4)."""

    CRITICAL = 1
    HIGH = 2
    MODERATE = 3
    LOW = 4

    @property
    def label(self) -> str:
        """ServiceNow's label in the current language, e.g. ``1 - Critical`` (``1 - Kritisk``)."""
        return _(_PRIORITY_LABELS[self.value])


_PRIORITY_LABELS = {
    1: N_("1 - Critical"),
    2: N_("2 - High"),
    3: N_("3 - Moderate"),
    4: N_("4 - Low"),
    5: N_("5 - Planning"),
}


class RecommendationSource(StrEnum):
    """Where a recommendation came from, as the retired connector recorded it (the values
    are stored; :attr:`label` is what a reader sees)."""

    MICROSOFT = "Microsoft"
    USER = "User"

    @property
    def label(self) -> str:
        """The source as a reader sees it, in the current language."""
        return _("Microsoft") if self is RecommendationSource.MICROSOFT else _("User")


class ConnectionStatus(StrEnum):
    """Health of a workspace's ServiceNow connection."""

    ACTIVE = "active"
    NEEDS_REAUTH = "needs_reauth"


@dataclass(frozen=True, slots=True)
class Requester:
    """The chat user behind a request."""

    platform: str
    user_id: str
    display_name: str = ""
    email: str | None = None


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """A conversation on a chat platform (a Slack channel, a Teams conversation)."""

    workspace: str
    channel: str
    thread: str | None = None

    @property
    def platform(self) -> str:
        """Platform of the workspace."""
        return workspace_platform(self.workspace)


@dataclass(frozen=True, slots=True)
class CardLocation:
    """Where a ticket card was posted, so it can be updated in place."""

    channel: ChannelRef
    message_id: str


@dataclass(frozen=True, slots=True)
class Recommendation:
    """A security improvement action (Secure Score control or a team's own).

    ``description`` is plain text (Graph's HTML remediation already converted);
    ``state`` is Secure Score's control state: Default, Ignored, ThirdParty or Reviewed.
    """

    id: str
    title: str
    category: str
    source: RecommendationSource
    description: str = ""
    url: str | None = None
    max_score: float | None = None
    current_score: float | None = None
    implementation_status: str = ""
    user_impact: str | None = None
    implementation_cost: str | None = None
    threats: tuple[str, ...] = ()
    state: str = "Default"
    service: str = ""
    rank: int | None = None
    created_by: str = ""

    @property
    def gain(self) -> float | None:
        """Points still to gain (max minus current), when Secure Score knows both."""
        if self.max_score is None:
            return None
        return max(0.0, self.max_score - (self.current_score or 0.0))

    @property
    def percent(self) -> float | None:
        """Share of the maximum already achieved, 0 to 100."""
        if not self.max_score:
            return None
        return round(100.0 * (self.current_score or 0.0) / self.max_score, 1)


@dataclass(frozen=True, slots=True)
class TicketRequest:
    """Everything needed to create one ServiceNow ticket."""

    workspace: str
    kind: TicketKind
    name: str
    description: str
    priority: Priority
    requester: Requester
    source: RecommendationSource = RecommendationSource.USER
    category: str | None = None
    due: datetime | None = None
    recommendation_id: str | None = None
    recommendation_url: str | None = None
    idempotency_key: str | None = None
    origin: ChannelRef | None = None
    #: More record fields (ServiceNow name, value): the workspace's mapping and the fields
    #: the instance requires (:mod:`core.record_fit`); they never replace SnowOps's own.
    fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Comment:
    """One customer-visible comment on a ticket."""

    id: str
    ticket_sys_id: str
    text: str
    author: str
    at: datetime | None


@dataclass(frozen=True, slots=True)
class Ticket:
    """A ServiceNow ticket SnowOps created and tracks; ``history`` holds its newest
    comments (newest first), as last read."""

    workspace: str
    kind: TicketKind
    sys_id: str
    number: str
    title: str
    state: str
    priority: int
    url: str
    correlation_id: str
    mod_count: int = 0
    due: datetime | None = None
    updated_at: datetime | None = None
    created_at: datetime | None = None
    recommendation_id: str | None = None
    category: str | None = None
    source: RecommendationSource = RecommendationSource.USER
    requested_by: str = ""
    origin: ChannelRef | None = None
    active: bool = True
    history: tuple[Comment, ...] = ()


@dataclass(frozen=True, slots=True)
class TicketEvent:
    """One change to a tracked ticket, as found by sync or push."""

    event_id: str
    workspace: str
    number: str
    kind: TicketKind
    change: str
    old: str | None
    new: str | None
    at: datetime
    author: str | None = None


@dataclass(frozen=True, slots=True)
class Connection:
    """A workspace's link to one ServiceNow instance. Secrets are clear in memory only,
    and kept out of ``repr`` so no log line can carry them."""

    workspace: str
    instance_url: str
    client_id: str
    client_secret: str = field(repr=False)
    access_token: str = field(default="", repr=False)
    refresh_token: str = field(default="", repr=False)
    expires_at: datetime | None = None
    connected_as: str = ""
    status: ConnectionStatus = ConnectionStatus.ACTIVE
    created_at: datetime | None = None
    last_sync_at: datetime | None = None
    last_error: str | None = None
    warning: str | None = None


@dataclass(frozen=True, slots=True)
class OAuthClientConfig:
    """An Application Registry entry of a ServiceNow instance: client id and secret."""

    client_id: str
    client_secret: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class OAuthState:
    """A pending OAuth authorization: single use, short-lived."""

    state: str = field(repr=False)
    workspace: str
    instance_url: str
    client_id: str
    client_secret: str = field(repr=False)
    code_verifier: str = field(repr=False)
    redirect_uri: str
    requested_by: str
    created_at: datetime
    origin: ChannelRef | None = None
    requested_by_email: str | None = None
    #: ``connect`` (the workspace's integration user) or ``link`` (one chat user's account).
    purpose: str = "connect"
    #: The asker's language, which the private "connected" notice is told in.
    locale: str = ""


@dataclass(frozen=True, slots=True)
class Subscription:
    """A channel's wish to hear about tickets: per kind, the lowest priority it cares about
    (1 critical only … 5 everything); a kind absent from ``levels`` is not followed."""

    channel: ChannelRef
    levels: tuple[tuple[TicketKind, int], ...] = tuple((kind, 5) for kind in TicketKind)

    def __post_init__(self) -> None:
        # One canonical order, so equal subscriptions compare equal wherever they came from.
        object.__setattr__(self, "levels", tuple(sorted(dict(self.levels).items())))

    def level(self, kind: TicketKind) -> int | None:
        """Highest priority number followed for ``kind`` (None: not followed)."""
        return dict(self.levels).get(kind)

    def wants(self, kind: TicketKind, priority: int) -> bool:
        """True if a ticket of this kind and priority is news for the channel."""
        level = self.level(kind)
        return level is not None and priority <= level

    def merged(self, other: Subscription) -> Subscription:
        """Both subscriptions at once: per kind, the wider level."""
        levels = dict(self.levels)
        for kind, level in other.levels:
            levels[kind] = max(level, levels.get(kind, 0))
        return Subscription(self.channel, tuple(levels.items()))
