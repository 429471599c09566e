"""The aiohttp application key under which the SimInstance lives."""

from __future__ import annotations

from aiohttp import web

from .instance import SimInstance

SIM_KEY = web.AppKey("snowops_sim_instance", SimInstance)
"""`app[SIM_KEY]` is the SimInstance a sim app serves."""
