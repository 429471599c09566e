"""`snowops chat` in a pseudo-terminal, as a newcomer uses it: the README's Quick start.

Nothing but the command runs: it starts SnowOps and both simulators itself. The test plays
the user at the keyboard, the admin's browser for the OAuth consent, and a ServiceNow agent
moving the ticket on (through the simulator's control API).
"""

from __future__ import annotations

import html
import json
import re
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from sim.servicenow import DEFAULT_PASSWORD, DEFAULT_USERNAME
from tests.conftest import free_port
from tests.e2e.test_cli import ROOT, env

PROMPT = "snow> "


def _http(url: str, body: dict[str, object] | None = None) -> dict[str, object]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        result: dict[str, object] = json.loads(response.read())
        return result


def _through_intro(link: str) -> str:
    """SnowOps's page before the sign-in: it names the workspace; its button leads on."""
    with urllib.request.urlopen(link, timeout=20) as response:
        text = response.read().decode()
    assert "Console local" in text, text
    [token] = re.findall(r'<input type="hidden" name="t" value="([^"]+)">', text)
    data = urllib.parse.urlencode({"t": html.unescape(token)}).encode()
    go = urllib.request.Request(link.split("?", 1)[0], data=data)
    # urllib follows the 303 to ServiceNow's authorize page; where it landed is the URL.
    with urllib.request.urlopen(go, timeout=20) as response:
        return str(response.geturl())


def _consent(link: str) -> str:
    """What the admin does in the browser: open the link, go on, sign in as the integration
    user, Allow."""
    link = _through_intro(link)
    parts = urllib.parse.urlsplit(link)
    params = dict(urllib.parse.parse_qsl(parts.query))
    form = {**params, "username": DEFAULT_USERNAME, "password": DEFAULT_PASSWORD}
    form["action"] = "allow"
    url = f"{parts.scheme}://{parts.netloc}{parts.path}"
    data = urllib.parse.urlencode(form).encode()
    # urllib follows the redirect to SnowOps's callback, as the browser would.
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=20) as response:
        return str(response.read().decode())


@pytest.fixture
def chat(tmp_path: Path) -> Iterator[tuple[pexpect.spawn, str]]:
    """`snowops chat` with nothing set up, on free ports, in an empty directory."""
    sim_port, graph_port, port = free_port(), free_port(), free_port()
    child = pexpect.spawn(
        sys.executable,
        ["-m", "bot.cli", "chat", "--sim-port", str(sim_port), "--graph-port", str(graph_port)],
        cwd=str(tmp_path),
        env=env(
            SNOWOPS_PORT=str(port),
            SNOWOPS_PUBLIC_URL=f"http://127.0.0.1:{port}",
            SNOWOPS_POLL_INTERVAL="0.5",
            PYTHONPATH=str(ROOT),
            TZ="UTC",  # due dates are in the machine's zone, which the prompt names
        ),
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 200),
    )
    try:
        yield child, f"http://127.0.0.1:{sim_port}"
    finally:
        if child.isalive():
            child.terminate(force=True)


def test_quick_start_session(chat: tuple[pexpect.spawn, str]) -> None:
    child, sim_url = chat
    child.expect("connected to the ServiceNow simulator")
    child.expect_exact(PROMPT)

    # Connect: the console gets a private sign-in link and hears when it worked.
    child.sendline(f"/snow connect {sim_url}")
    child.expect(r"(http://127\.0\.0\.1:\d+/servicenow/oauth/start\?t=\S+)")
    page = _consent(child.match.group(1))
    assert "Connected to ServiceNow" in page
    child.expect(
        r"\[ok\] Connected to ServiceNow at http://127\.0\.0\.1:\d+ as snowops\.integration"
    )

    # Recommendations, each with the command that shares it.
    child.sendline("/snow recommendations data")
    child.expect_exact("Apply Data Loss Prevention policies")
    child.expect_exact("→ Share to ServiceNow: /snow share DLPEnabled")
    child.expect_exact(PROMPT)

    # Share one as a change. Each field is checked as it is entered, by core's rule for it:
    # a name over 160 characters and a due date in the past are refused and asked again at
    # once, with the reason, before the next field.
    child.sendline("/snow share DLPEnabled")
    child.expect_exact("== Share to ServiceNow ==")
    child.expect_exact("Type: incident, change, problem or security-incident [incident]: ")
    child.sendline("change")
    name_prompt = "Name [Apply Data Loss Prevention policies]: "
    child.expect_exact(name_prompt)
    child.sendline("x" * 161)
    child.expect_exact("✗ ServiceNow keeps 160 characters at most; this has 161.")
    child.expect_exact(name_prompt)
    child.sendline("")
    child.expect_exact("Description [")
    child.sendline("")
    child.expect_exact("Priority")
    child.sendline("2")
    due_prompt = "Due date YYYY-MM-DD in UTC (optional, '-' clears) []: "
    child.expect_exact(due_prompt)
    child.sendline("2020-01-01")
    index = child.expect_exact(["✗ The due date is in the past.", "Category"])
    assert index == 0, "the due date was not checked before the next field"
    child.expect_exact(due_prompt)
    child.sendline("2020-02-30")
    child.expect_exact("✗ 2020-02-30 is not a real date.")
    child.expect_exact(due_prompt)
    child.sendline("-")
    child.expect_exact("Category")
    child.sendline("")
    child.expect(r"\[ok\] Created (CHG\d+)\.")
    number = child.match.group(1)
    child.expect_exact(f"Change {number}: Apply Data Loss Prevention policies")
    child.expect_exact("State: New   Priority: 2 - High")
    child.expect_exact(PROMPT)

    stored = _http(f"{sim_url}/sim/tickets/{number}")
    assert stored["table"] == "change_request"
    record = stored["record"]
    assert isinstance(record, dict)
    assert record["short_description"] == "Apply Data Loss Prevention policies"
    assert record["priority"] == "2"

    # Someone moves it on in ServiceNow: the console announces it while the prompt waits.
    _http(f"{sim_url}/sim/tickets/{number}/state", {"state": "-4"})
    child.expect_exact(f"🔔 {number} Apply Data Loss Prevention policies: New → Assess")

    # The console still takes commands after the announcement.
    child.sendline(f"/snow ticket {number}")
    child.expect_exact("State: Assess")
    child.sendline("quit")
    child.expect_exact("Bye.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_bad_input_gets_a_message_not_a_traceback(chat: tuple[pexpect.spawn, str]) -> None:
    child, _ = chat
    child.expect_exact(PROMPT)
    child.sendline("/snow frobnicate")
    child.expect(re.escape("[!] ") + r"Unknown command")
    child.sendline("/snow create incident")
    child.expect_exact("Type: incident, change, problem or security-incident [incident]: ")
    child.sendline("cancel")
    child.expect_exact("Cancelled: nothing was sent to ServiceNow.")
    child.sendline("/snow ticket INC9999999")
    child.expect(r"\[(!|error)\] ")
    child.expect_exact(PROMPT)
    child.sendeof()
    child.expect_exact("Bye.")
    child.expect(pexpect.EOF)
    assert "Traceback" not in (child.before or "")


def test_status_gives_the_doctors_finding_and_hint(chat: tuple[pexpect.spawn, str]) -> None:
    child, sim_url = chat
    child.expect_exact(PROMPT)
    child.sendline("/snow status")
    child.expect_exact("ServiceNow connection: healthy")
    child.expect_exact(PROMPT)
    # The integration user loses its read rights (the sync loop may meet the fault too).
    _http(f"{sim_url}/sim/faults", {"kind": "acl", "count": 1000})
    child.sendline("/snow status")
    child.expect_exact("ServiceNow connection: needs attention")
    child.expect_exact("read incident: ServiceNow refused: Insufficient rights")
    child.expect_exact("hint: The integration user may not read or write these records.")
    child.expect_exact(PROMPT)
    child.sendline("quit")
    child.expect(pexpect.EOF)


def test_a_notification_while_typing_leaves_the_typed_text(
    chat: tuple[pexpect.spawn, str],
) -> None:
    """A notification printed while the user types at a form field appears above the
    prompt, the prompt and the typed text are drawn again under it, and the field gets
    exactly what was typed (never the notification)."""
    child, sim_url = chat
    child.expect_exact(PROMPT)
    child.sendline("/snow create incident Printer on fire")
    child.expect_exact("Type: incident, change, problem or security-incident [incident]: ")
    for _ in range(6):
        child.sendline("")
    child.expect(r"\[ok\] Created (INC\d+)\.")
    moved = child.match.group(1)
    child.expect_exact(PROMPT)

    child.sendline("/snow create incident")
    child.expect_exact("Type: incident, change, problem or security-incident [incident]: ")
    child.sendline("")
    child.expect_exact("Name []: ")
    child.send("Disk full on")  # no Enter yet: the user is still typing
    child.expect_exact("Disk full on")
    _http(f"{sim_url}/sim/tickets/{moved}/state", {"state": "2"})
    child.expect_exact(f"🔔 {moved} Printer on fire: New → In Progress")
    # Drawn again under the notification, and nothing wipes it after.
    child.expect_exact("Name []: Disk full on")
    child.send(" the mail relay\r")
    child.expect_exact("Description []: ")
    assert "\x1b[" not in (child.before or ""), "the typed text was wiped after the redraw"
    for _ in range(4):
        child.sendline("")
    child.expect(r"\[ok\] Created (INC\d+)\.")
    record = _http(f"{sim_url}/sim/tickets/{child.match.group(1)}")["record"]
    assert isinstance(record, dict)
    assert record["short_description"] == "Disk full on the mail relay"
    child.expect_exact(PROMPT)

    # The line editor edits as the terminal did: Backspace, Ctrl-W, Ctrl-U; arrows do nothing.
    child.send("/snow tickes\x7fts inc\x17\x1b[Aincident")
    child.send("\r")
    child.expect(r"== (Open i|I)ncidents ==")
    child.send("garbage\x15quit\r")
    child.expect_exact("Bye.")
    child.expect(pexpect.EOF)
