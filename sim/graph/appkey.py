"""The aiohttp application key under which the GraphSim lives."""

from __future__ import annotations

from aiohttp import web

from .state import GraphSim

GRAPH_SIM_KEY = web.AppKey("snowops_graph_sim", GraphSim)
"""`app[GRAPH_SIM_KEY]` is the GraphSim a sim app serves."""
