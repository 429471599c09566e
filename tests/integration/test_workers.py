"""The background workers: a clean stop gives the poll leases back, a crashed loop is
logged, and `snowops dev` builds its settings without writing the environment."""

from __future__ import annotations

import asyncio
import logging
import os

import pytest

from bot.dev import dev_settings
from bot.workers import _log_crash
from tests.conftest import App, Sim, connect_workspace

WS = "slack:T0123"


async def test_a_clean_stop_releases_the_poll_lease(app: App, sim: Sim) -> None:
    await connect_workspace(app.services, sim.url, WS)
    workers = app.services.workers
    assert workers is not None
    await workers.poll_once(WS)
    store = app.services.store
    # Held: another replica cannot take it.
    assert await store.acquire_lease(f"sync:{WS}", "other-replica", 60) is None
    await workers.stop()
    # Given back at once, not after it runs out.
    assert await store.acquire_lease(f"sync:{WS}", "other-replica", 60) is not None


async def test_a_crashed_loop_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    async def crash() -> None:
        raise RuntimeError("a bug in a loop")

    task = asyncio.create_task(crash(), name="snowops poll of slack:T9")
    task.add_done_callback(_log_crash)
    with caplog.at_level(logging.ERROR, logger="bot.workers"):
        with pytest.raises(RuntimeError):
            await task
        await asyncio.sleep(0)  # done callbacks run on the next loop turn
    [record] = [r for r in caplog.records if r.name == "bot.workers"]
    assert "snowops poll of slack:T9 crashed" in record.getMessage()
    assert record.exc_info is not None


def test_dev_settings_leave_the_environment_alone(
    tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SNOWOPS_POLL_INTERVAL", "7")
    before = dict(os.environ)
    settings = dev_settings(18765, 18766)
    assert dict(os.environ) == before
    assert settings.poll_interval == 7  # what is set wins
    assert settings.graph_api_url == "http://127.0.0.1:18766"
    assert settings.servicenow_client_id  # the simulator's client, by default
    assert settings.secret_key is not None  # a dev key, kept in .snowops/
