"""`LANG=sv_SE.UTF-8 snowops chat`: the README's console session, in Swedish.

As in test_console.py, nothing but the command runs (it starts SnowOps and both
simulators itself); the test plays the user at the keyboard, the admin's browser (which
asks for Swedish pages) and a ServiceNow agent moving the ticket on. The console's own
words (banner, form prompts, card labels, the sign-in pages, goodbye) are checked on every
step; the second test reads the whole transcript for English left anywhere, core's views
and notices included.
"""

from __future__ import annotations

import html
import io
import re
import signal
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pexpect
import pytest

from sim.graph import data as graph_data
from sim.servicenow import DEFAULT_PASSWORD, DEFAULT_USERNAME
from tests.conftest import free_port
from tests.e2e.test_cli import ROOT, env
from tests.e2e.test_console import PROMPT, _http

#: What a browser set to Swedish sends.
SWEDISH_BROWSER = {"Accept-Language": "sv-SE,sv;q=0.9,en-US;q=0.8,en;q=0.7"}
TITLE = "Apply Data Loss Prevention policies"


def _open(request: urllib.request.Request | str) -> tuple[str, str]:
    """The page's text and where it ended (redirects followed), as the Swedish browser."""
    if isinstance(request, str):
        request = urllib.request.Request(request)
    for name, value in SWEDISH_BROWSER.items():
        request.add_header(name, value)
    with urllib.request.urlopen(request, timeout=20) as response:
        return response.read().decode(), str(response.geturl())


def _consent_in_swedish(link: str) -> str:
    """Open the sign-in link, go on, sign in as the integration user and Allow; the
    callback page's text. SnowOps's pages on the way are in Swedish."""
    intro, _ = _open(link)
    assert '<html lang="sv">' in intro
    for swedish in ("Ansluta ServiceNow till den här arbetsytan?", "Konsol local", "Begärt av"):
        assert swedish in html.unescape(intro), intro
    assert "Fortsätt till inloggning i ServiceNow" in intro
    [token] = re.findall(r'<input type="hidden" name="t" value="([^"]+)">', intro)
    data = urllib.parse.urlencode({"t": html.unescape(token)}).encode()
    _, authorize = _open(urllib.request.Request(link.split("?", 1)[0], data=data))
    parts = urllib.parse.urlsplit(authorize)
    form = dict(urllib.parse.parse_qsl(parts.query))
    form.update(username=DEFAULT_USERNAME, password=DEFAULT_PASSWORD, action="allow")
    url = f"{parts.scheme}://{parts.netloc}{parts.path}"
    page, _ = _open(urllib.request.Request(url, data=urllib.parse.urlencode(form).encode()))
    return html.unescape(page)


@pytest.fixture
def swedish_chat(tmp_path: Path) -> Iterator[tuple[pexpect.spawn, str, io.StringIO]]:
    """`snowops chat` with LANG=sv_SE.UTF-8 (nothing else naming a language), on free
    ports, in an empty directory; and everything it prints."""
    sim_port, graph_port, port = free_port(), free_port(), free_port()
    base = {k: v for k, v in env().items() if k not in ("LC_ALL", "LC_MESSAGES", "LANGUAGE")}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "bot.cli", "chat", "--sim-port", str(sim_port), "--graph-port", str(graph_port)],
        cwd=str(tmp_path),
        env={
            **base,
            "LANG": "sv_SE.UTF-8",
            "SNOWOPS_PORT": str(port),
            "SNOWOPS_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "SNOWOPS_POLL_INTERVAL": "0.5",
            "PYTHONPATH": str(ROOT),
            "TZ": "UTC",
        },
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 200),
    )
    transcript = io.StringIO()
    child.logfile_read = transcript
    try:
        yield child, f"http://127.0.0.1:{sim_port}", transcript
    finally:
        print(transcript.getvalue())  # shown when the test fails: what the user saw
        if child.isalive():
            child.terminate(force=True)


def _readme_session(child: pexpect.spawn, sim_url: str) -> None:
    """The README's session (connect, recommendations, share one as a change, hear it
    move on, quit), checking the console's own Swedish at each step."""
    child.expect_exact("SnowOps-konsolen: arbetsyta console:local, ansluten till")
    child.expect_exact("Skriv /snow help för kommandona, quit för att avsluta.")
    child.expect_exact(PROMPT)

    child.sendline(f"/snow connect {sim_url}")
    child.expect(r"(http://127\.0\.0\.1:\d+/servicenow/oauth/start\?t=\S+)")
    page = _consent_in_swedish(child.match.group(1))
    assert "Ansluten till ServiceNow" in page, page
    assert "Du kan stänga fliken och gå tillbaka till chatten." in page, page
    child.expect(r"\[ok\] [^\n]*snowops\.integration")
    child.expect_exact(PROMPT)

    child.sendline("/snow recommendations data")
    child.expect_exact(TITLE)
    child.expect_exact(": /snow share DLPEnabled")  # the command words stay as they are
    child.expect_exact(PROMPT)

    child.sendline("/snow share DLPEnabled")
    child.expect_exact("Enter behåller värdet inom [hakparenteser]; 'cancel' avbryter.")
    child.expect_exact("Från rekommendation DLPEnabled (Microsoft)")
    child.expect_exact("Typ: incident, change, problem eller security-incident [incident]: ")
    child.sendline("change")
    child.expect_exact(f"Namn [{TITLE}]: ")
    child.sendline("")
    child.expect_exact("Beskrivning [")
    child.sendline("")
    child.expect_exact("Prioritet 1 Kritisk, 2 Hög, 3 Måttlig, 4 Låg [3]: ")
    child.sendline("2")
    child.expect_exact("Förfallodatum ÅÅÅÅ-MM-DD i UTC (valfritt, '-' tömmer) []: ")
    due = (datetime.now(UTC) + timedelta(days=60)).date().isoformat()
    child.sendline(due)  # typed dates stay ISO in both languages
    child.expect_exact(
        "Kategori: Devices, Data, Apps, Identity, Infrastructure (valfritt) [Data]: "
    )
    child.sendline("")
    child.expect(r"\[ok\] [^\n]*(CHG\d+)")
    number = child.match.group(1)
    child.expect_exact(f"{number}: {TITLE}")
    child.expect_exact("│ Tillstånd: ")
    child.expect_exact("   Prioritet: ")
    child.expect_exact("   Förfallodatum: ")
    child.expect_exact("│ Begärt av: ")
    child.expect_exact("   Källa: ")
    child.expect_exact("   Kategori: ")
    child.expect_exact("│ Rekommendation: DLPEnabled")
    child.expect_exact(f": /snow ticket {number}")
    child.expect_exact(PROMPT)

    # Someone moves it on in ServiceNow: the console hears of it while the prompt waits.
    _http(f"{sim_url}/sim/tickets/{number}/state", {"state": "-4"})
    child.expect_exact(f"🔔 {number} {TITLE}: ")
    child.sendline("quit")
    child.expect_exact("Hej då.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_the_readme_session_in_swedish(
    swedish_chat: tuple[pexpect.spawn, str, io.StringIO],
) -> None:
    child, sim_url, transcript = swedish_chat
    _readme_session(child, sim_url)
    assert "Traceback" not in transcript.getvalue()


#: English that must not be left in a Swedish session (words padded so that Swedish ones
#: containing them, and command words, do not count).
ENGLISH = (
    " the ",
    " your ",
    " you ",
    " is ",
    " and ",
    " with ",
    " to ",
    " of ",
    " for ",
    " has ",
    "ticket",
    "Created",
    "Connected",
    "Open this link",
    "Share to",
    "Recommendation",
    "Priority",
    "State:",
    "Requested by",
    "Source:",
    "Category:",
    "Assign to",
    "Add comment",
    "Refresh",
    "Close",
    "points",
    "Bye.",
)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _without_data(transcript: str) -> str:
    """The transcript, its whitespace made single spaces (so wrapped lines read as one),
    less what is data, not SnowOps's words: ``/snow …`` commands and the typed words of the
    prompts (the contract, the same in both languages), URLs, the values a prompt shows in
    brackets, and the recommendations' texts as Microsoft Graph wrote them (the
    simulator's are English)."""
    text = re.sub(r"/snow [^\n]*", " ", transcript)
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"\[[^\]\n]*\]: ", " ", text)
    text = " ".join(text.split())
    data = {s for s in _strings([graph_data.PROFILES, graph_data.CONTROL_SCORES]) if "<" not in s}
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(" ".join(value.split()), " ")
    return text


def test_the_readme_session_has_no_english_in_swedish(
    swedish_chat: tuple[pexpect.spawn, str, io.StringIO],
) -> None:
    """The whole session under LANG=sv_SE.UTF-8, core's views and notices included: no
    English is left but data (ticket names, Microsoft's recommendation texts, commands)."""
    child, sim_url, transcript = swedish_chat
    _readme_session(child, sim_url)
    text = _without_data(transcript.getvalue())
    left = {word: _around(text, word) for word in ENGLISH if word in text}
    assert not left, left


def _around(text: str, word: str) -> str:
    at = text.index(word)
    return text[max(0, at - 60) : at + 60]


def test_a_swedish_dev_says_what_runs_where_and_answers_an_english_chat_in_english(
    tmp_path: Path,
) -> None:
    """`LANG=sv_SE.UTF-8 snowops dev`: its banner and its demo ticket are Swedish; a
    `snowops chat --server` attached from an English terminal is answered in English."""
    port, sim_port, graph_port = free_port(), free_port(), free_port()
    base = {k: v for k, v in env().items() if k not in ("LC_ALL", "LC_MESSAGES", "LANGUAGE")}
    server_env = {
        **base,
        "LANG": "sv_SE.UTF-8",
        "SNOWOPS_PORT": str(port),
        "SNOWOPS_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "bot.cli", "dev"),
            *("--sim-port", str(sim_port), "--graph-port", str(graph_port)),
        ],
        cwd=tmp_path,
        env=server_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        banner: list[str] = []
        while not banner or "kontrollera" not in banner[-1]:
            line = proc.stdout.readline()
            assert line, "".join(banner)
            banner.append(line)
        text = "".join(banner)
        assert "SnowOps körs (Ctrl-C stoppar det)" in text
        assert re.search(rf"^  server +http://127\.0\.0\.1:{port} ", text, re.MULTILINE), text
        assert "integrationsanvändare snowops.integration / snowops-sim-password" in text
        assert re.search(r"^  chatta med det +\.venv/bin/snowops chat", text, re.MULTILINE)
        assert re.search(r"^  demoärende +INC\d+ \(SnowOps skapade det", text, re.MULTILINE)
        assert "(chatten får höra om det)" in text

        child = pexpect.spawn(
            sys.executable,
            ["-m", "bot.cli", "chat", "--server", f"http://127.0.0.1:{port}"],
            cwd=str(tmp_path),
            env={**server_env, "LANG": "C.UTF-8"},
            encoding="utf-8",
            timeout=30,
            dimensions=(50, 200),
        )
        child.expect_exact(f"Attached to SnowOps at http://127.0.0.1:{port}")
        child.expect_exact(PROMPT)
        child.sendline("/snow tickets")
        child.expect_exact("Prova mig: flytta det här ärendet vidare i ServiceNow-simulatorn")
        child.expect_exact(PROMPT)
        child.sendline("/snow help")
        child.expect_exact("Commands:")  # the server's Swedish is not the terminal's
        child.sendline("quit")
        child.expect_exact("Bye.")
        child.expect(pexpect.EOF)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
