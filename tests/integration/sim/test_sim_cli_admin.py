"""The command line that customises a live simulator: users, approvals, choices, dictionary,
data policies, plugins and the clock."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from sim.servicenow import SimInstance
from sim.servicenow.cli import main

Client = TestClient[Any, Any]


async def run(*argv: str) -> int:
    return await asyncio.to_thread(main, list(argv))


async def test_users_and_approvals(
    client: Client, create: Any, instance: SimInstance, capsys: pytest.CaptureFixture[str]
) -> None:
    url = str(client.make_url("")).rstrip("/")
    argv = ["add-user", "--url", url, "sam.ops", "pw", "--role", "itil", "--group", "Network"]
    assert await run(*argv) == 0
    assert instance.authenticate("sam.ops", "pw") is not None
    capsys.readouterr()
    assert await run("users", "--url", url) == 0
    users = {u["user_name"]: u for u in json.loads(capsys.readouterr().out)["users"]}
    assert users["sam.ops"]["groups"] == ["Network"]

    change = await create("change_request", {"state": "-4", "assignment_group": "Network"})
    assert await run("approve", "--url", url, change["number"], "--comment", "fine") == 0
    assert json.loads(capsys.readouterr().out)["record"]["state"] == "-3"
    argv = ["approve", "--url", url, change["number"], "--reject", "--approver", "fred.luddy"]
    assert await run(*argv) == 0
    assert json.loads(capsys.readouterr().out)["record"]["state"] == "-5"
    assert await run("approve", "--url", url, change["number"]) == 1
    assert "waits on no approval" in capsys.readouterr().err


async def test_instance_customisation(
    client: Client, instance: SimInstance, capsys: pytest.CaptureFixture[str]
) -> None:
    url = str(client.make_url("")).rstrip("/")
    argv = ["choice", "--url", url, "incident", "close_code", "fixed", "Fixed", "--replace"]
    assert await run(*argv) == 0
    assert instance.store.choice_values("incident", "close_code") == {"fixed"}
    argv = ["mandatory", "--url", url, "incident", "u_business_service"]
    argv += ["--label", "Business service", "--reference", "cmdb_ci"]
    assert await run(*argv) == 0
    entry = instance.store.dictionary_entry("incident", "u_business_service")
    assert entry is not None
    assert entry["mandatory"] == "true"
    assert await run("mandatory", "--url", url, "incident", "u_business_service", "--off") == 0
    argv = ["policy", "--url", url, "incident", "assigned_to", "--condition", "priority=1"]
    assert await run(*argv) == 0
    assert instance.store.policies[-1].mandatory == ["assigned_to"]
    assert await run("plugin", "--url", url, "sn_si", "off") == 0
    assert instance.store.schema("sn_si_incident") is None
    assert await run("plugin", "--url", url, "sn_si", "on") == 0
    assert instance.store.schema("sn_si_incident") is not None
    before = instance.now()
    assert await run("clock", "--url", url, "90") == 0
    assert (instance.now() - before).total_seconds() >= 90
    capsys.readouterr()
    assert await run("plugin", "--url", url, "nope", "off") == 1
    assert "404" in capsys.readouterr().err
