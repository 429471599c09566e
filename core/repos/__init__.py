"""Small typed repositories: each owns its document namespace and key format.

Callers never spell a namespace or a key: they ask a repository in the domain's words.
"""

from core.repos.contacts import AdminContacts
from core.repos.delivery_health import DeliveryHealth, DestinationHealth
from core.repos.labels import StateNames
from core.repos.oauth import PendingSignIns, WorkspaceClients
from core.repos.push_keys import PushKeys
from core.repos.securescore import OwnRecommendations, TenantLinks
from core.repos.sync_state import Baseline, Baselines, Watermarks

__all__ = [
    "AdminContacts",
    "Baseline",
    "Baselines",
    "DeliveryHealth",
    "DestinationHealth",
    "OwnRecommendations",
    "PendingSignIns",
    "PushKeys",
    "StateNames",
    "TenantLinks",
    "Watermarks",
    "WorkspaceClients",
]
