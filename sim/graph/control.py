"""Control endpoints under /sim/ that let demos and other processes drive the simulator.

Not part of Graph: plain JSON in and out, no authentication, not written to the request log,
never faulted.
"""

from __future__ import annotations

from aiohttp import web

from sim.control_body import Handler, guarded, json_body

from .appkey import GRAPH_SIM_KEY
from .config import DEFAULT_TENANT_ID
from .faults import GraphFault


def _tenant_id(request: web.Request) -> str:
    tenants = request.app[GRAPH_SIM_KEY].config.tenants
    return DEFAULT_TENANT_ID if DEFAULT_TENANT_ID in tenants else next(iter(tenants))


async def add_fault(request: web.Request) -> web.Response:
    """POST /sim/faults with GraphFault fields."""
    sim = request.app[GRAPH_SIM_KEY]
    sim.inject_fault(GraphFault(**await json_body(request)))
    return web.json_response({"faults": [f.to_dict() for f in sim.faults]})


async def list_faults(request: web.Request) -> web.Response:
    """GET /sim/faults: queued faults."""
    return web.json_response({"faults": [f.to_dict() for f in request.app[GRAPH_SIM_KEY].faults]})


async def clear_faults(request: web.Request) -> web.Response:
    """DELETE /sim/faults."""
    request.app[GRAPH_SIM_KEY].clear_faults()
    return web.json_response({"faults": []})


async def requests_log(request: web.Request) -> web.Response:
    """GET /sim/requests: [[method, path_qs], ...] of every token and Graph request."""
    log = request.app[GRAPH_SIM_KEY].request_log
    return web.json_response({"requests": [list(entry) for entry in log]})


async def clear_requests(request: web.Request) -> web.Response:
    """DELETE /sim/requests: empty the request log."""
    request.app[GRAPH_SIM_KEY].request_log.clear()
    return web.json_response({"requests": []})


def _score_state(request: web.Request, control_id: str | None = None) -> web.Response:
    sim = request.app[GRAPH_SIM_KEY]
    today = sim.scores(_tenant_id(request))[0]
    control = sim.control_scores(control_id or request.match_info["id"])
    return web.json_response(
        {
            "currentScore": today["currentScore"],
            "maxScore": today["maxScore"],
            "liveCurrentScore": round(sum(sim.book.live.values()), 2),
            **control,
        }
    )


async def control_score(request: web.Request) -> web.Response:
    """POST /sim/controls/{id}/score {"score": n, "today"?: false}: the tenant moved a
    control; the next day's secureScores entry shows it (`today`: today's entry too)."""
    sim = request.app[GRAPH_SIM_KEY]
    body = await json_body(request)
    if "score" not in body:
        raise ValueError("score is required")
    if body.get("today", False) is True:
        sim.set_control_score(request.match_info["id"], body["score"])
    else:
        sim.move_control_score(request.match_info["id"], body["score"])
    return _score_state(request)


async def control_script(request: web.Request) -> web.Response:
    """POST /sim/controls/{id}/script {"steps": [[day, score], ...]}: scores over time, each
    from the entry `day` days after today on; [[0, 0], [5, 9]] is "0 until day 5, then 9"."""
    body = await json_body(request)
    steps = body.get("steps")
    if not isinstance(steps, list) or not all(
        isinstance(step, list) and len(step) == 2 and isinstance(step[0], int) for step in steps
    ):
        raise ValueError("steps must be a list of [day, score] pairs")
    request.app[GRAPH_SIM_KEY].script_control_score(
        request.match_info["id"], [(day, score) for day, score in steps]
    )
    return _score_state(request)


async def control_history(request: web.Request) -> web.Response:
    """POST /sim/controls/{id}/history {"scores": [yesterday, the day before, ...]}: past
    daily scores of a control (for the chart), newest first."""
    body = await json_body(request)
    scores = body.get("scores")
    if not isinstance(scores, list):
        raise ValueError("scores must be a list of numbers, newest (yesterday) first")
    request.app[GRAPH_SIM_KEY].set_score_history(request.match_info["id"], scores)
    return _score_state(request)


async def control_add(request: web.Request) -> web.Response:
    """POST /sim/controls {"profile": {id, title, controlCategory, maxScore, ...}, "score":
    0, "today": false}: a new improvement action, scored from the next day's entry on."""
    body = await json_body(request)
    profile = body.get("profile")
    if not isinstance(profile, dict):
        raise ValueError("profile must be an object with id, title, controlCategory, maxScore")
    request.app[GRAPH_SIM_KEY].add_control(
        profile, body.get("score", 0.0), today=bool(body.get("today", False))
    )
    return _score_state(request, str(profile["id"]))


async def control_get(request: web.Request) -> web.Response:
    """GET /sim/controls/{id}: live score, scripted steps and the daily history."""
    return _score_state(request)


async def control_state(request: web.Request) -> web.Response:
    """POST /sim/controls/{id}/state {"state": "Ignored", "comment": optional}."""
    sim = request.app[GRAPH_SIM_KEY]
    body = await json_body(request)
    if "state" not in body:
        raise ValueError("state is required")
    comment = body.get("comment")
    entry = sim.set_control_state(
        request.match_info["id"], str(body["state"]), None if comment is None else str(comment)
    )
    return web.json_response({"controlStateUpdate": entry})


async def expire_tokens(request: web.Request) -> web.Response:
    """POST /sim/tokens/expire: every issued token expires now."""
    request.app[GRAPH_SIM_KEY].expire_tokens()
    return web.json_response({"ok": True})


async def reset(request: web.Request) -> web.Response:
    """POST /sim/reset: back to a fresh simulator."""
    request.app[GRAPH_SIM_KEY].reset()
    return web.json_response({"ok": True})


async def advance_clock(request: web.Request) -> web.Response:
    """POST /sim/clock/advance {"seconds": n}."""
    sim = request.app[GRAPH_SIM_KEY]
    sim.advance_clock(float((await json_body(request)).get("seconds", 0)))
    return web.json_response({"now": sim.now().isoformat()})


async def health(request: web.Request) -> web.Response:
    """GET /sim/health."""
    sim = request.app[GRAPH_SIM_KEY]
    return web.json_response({"status": "ok", "now": sim.now().isoformat()})


def add_routes(app: web.Application) -> None:
    """Register the /sim/ control API."""
    routes: list[tuple[str, str, Handler]] = [
        ("GET", "/sim/faults", list_faults),
        ("POST", "/sim/faults", add_fault),
        ("DELETE", "/sim/faults", clear_faults),
        ("GET", "/sim/requests", requests_log),
        ("DELETE", "/sim/requests", clear_requests),
        ("POST", "/sim/controls", control_add),
        ("GET", "/sim/controls/{id}", control_get),
        ("POST", "/sim/controls/{id}/score", control_score),
        ("POST", "/sim/controls/{id}/script", control_script),
        ("POST", "/sim/controls/{id}/history", control_history),
        ("POST", "/sim/controls/{id}/state", control_state),
        ("POST", "/sim/tokens/expire", expire_tokens),
        ("POST", "/sim/reset", reset),
        ("POST", "/sim/clock/advance", advance_clock),
        ("GET", "/sim/health", health),
    ]
    for method, path, handler in routes:
        app.router.add_route(method, path, guarded(handler))
