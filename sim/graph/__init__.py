"""A wire-faithful Microsoft Graph Secure Score simulator (Entra ID token endpoint included).

Stands alone: only the standard library and aiohttp. See `build_graph_sim_app` and `GraphSim`.
One origin serves the login endpoint and the Graph API, so the same base URL works as both.
"""

from .app import build_graph_sim_app
from .appkey import GRAPH_SIM_KEY
from .config import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_TENANT_ID,
    DEFAULT_UNCONSENTED_TENANT_ID,
    GraphSimConfig,
    TenantConfig,
)
from .faults import GraphFault
from .state import GraphSim

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "DEFAULT_TENANT_ID",
    "DEFAULT_UNCONSENTED_TENANT_ID",
    "GRAPH_SIM_KEY",
    "GraphFault",
    "GraphSim",
    "GraphSimConfig",
    "TenantConfig",
    "build_graph_sim_app",
]
