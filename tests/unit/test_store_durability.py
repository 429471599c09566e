"""What `snowops doctor` says about a Redis set-up that could lose data."""

from __future__ import annotations

from core.store.redis_backup import durability_risks

AOF = {"aof_enabled": 1}
NO_AOF = {"aof_enabled": 0}
SAFE_MEMORY = {"maxmemory_policy": "noeviction", "maxmemory": 0}


def test_aof_and_noeviction_is_safe() -> None:
    assert durability_risks(AOF, SAFE_MEMORY, "") == []
    assert durability_risks(AOF, SAFE_MEMORY, None) == []


def test_nothing_on_disk() -> None:
    [(finding, hint)] = durability_risks(NO_AOF, SAFE_MEMORY, "")
    assert "keeps nothing on disk" in finding
    assert hint == "set appendonly yes (deploy/compose.yaml and the chart do)"


def test_snapshots_only_or_unknown_save() -> None:
    for save in ("3600 1 300 100", None):
        [(finding, _)] = durability_risks(NO_AOF, SAFE_MEMORY, save)
        assert "snapshots only" in finding


def test_eviction_with_and_without_a_limit() -> None:
    [(full, hint)] = durability_risks(AOF, {"maxmemory_policy": "allkeys-lru", "maxmemory": 1}, "")
    assert "evicts keys when it is full (maxmemory-policy allkeys-lru)" in full
    assert hint == "set maxmemory-policy noeviction"
    [(later, _)] = durability_risks(AOF, {"maxmemory_policy": "volatile-lru", "maxmemory": 0}, "")
    assert "once a maxmemory limit is set" in later
