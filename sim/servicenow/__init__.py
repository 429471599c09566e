"""A wire-faithful ServiceNow instance simulator: OAuth with per-user sign-in, the Table API
with ACLs, business rules, data policies and change approvals, sys_choice / sys_dictionary,
record pages, journals and faults.

Stands alone: only the standard library and aiohttp. See `build_sim_app` and `SimInstance`.
"""

from .app import build_sim_app
from .appkey import SIM_KEY
from .config import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    SimConfig,
)
from .faults import Fault
from .instance import SimInstance

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "DEFAULT_PASSWORD",
    "DEFAULT_USERNAME",
    "SIM_KEY",
    "Fault",
    "SimConfig",
    "SimInstance",
    "build_sim_app",
]
