"""Render SnowOps's Teams cards the way a browser does, and look for markup from user text.

Not part of ``make test`` (it needs Node, npm and Chromium). Microsoft's ``adaptivecards``
renderer runs in headless Chromium with markdown-it as its Markdown processor (as the
Adaptive Cards designer does, plus auto-linked URLs); every card of every view is rendered
with hostile text in every string, and the script fails if a TextBlock, a RichTextBlock or a
FactSet holds an ``<a>``, an emphasis, a list, a heading or a code element, or if the text
is not shown as typed. A control card that puts the same text straight into a TextBlock must
be caught, or the check itself is broken.

    .venv/bin/python bench/render_teams_cards.py   # npm installs into .cache/teams-render
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.test_escaping import COMMENT, NAME  # noqa: E402
from tests.unit.test_escaping_teams import cards_with  # noqa: E402

WORK = ROOT / ".cache" / "teams-render"
PACKAGES = ["adaptivecards@3.0.6", "markdown-it@14"]
HOSTILE = [
    NAME,
    COMMENT,
    "_under_ ~~gone~~ `code` **bold** <b>tag</b> &amp; see evil.com or www.evil.example",
    "1. first\n- second\n# heading\n> quote\n\n    indented",
    "{{DATE(2017-02-14T06:08:39Z, SHORT)}} [x](javascript:alert(1)) ![img](https://e.x/i.png)",
]
PAGE = """<!doctype html><html><body><pre id="result"></pre>
<script src="node_modules/markdown-it/dist/markdown-it.min.js"></script>
<script src="node_modules/adaptivecards/dist/adaptivecards.min.js"></script>
<script>
const CASES = %s;
const md = markdownit({linkify: true});
AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => {
  result.outputHtml = md.render(text); result.didProcess = true;
};
const MARKUP = "a, em, strong, i, b, del, s, code, pre, ul, ol, li, h1, h2, h3, h4, h5, h6, " +
  "blockquote, img, table, p + p";
const TEXT = ".ac-textBlock, .ac-richTextBlock, .ac-factset";
const squash = (s) => s.replace(/\\u200b/g, "").replace(/\\s+/g, " ").trim();
const out = CASES.map((c) => {
  const card = new AdaptiveCards.AdaptiveCard();
  card.parse(c.card);
  const el = card.render();
  document.body.appendChild(el);
  const bad = [];
  for (const t of el.querySelectorAll(TEXT)) {
    for (const m of t.querySelectorAll(MARKUP)) bad.push(m.outerHTML.slice(0, 160));
  }
  const shown = squash(el.innerText);
  return {bad, missing: c.expect.filter((t) => !shown.includes(squash(t)))};
});
document.getElementById("result").textContent = JSON.stringify(out);
</script></body></html>"""


def _install() -> None:
    if (WORK / "node_modules" / "adaptivecards").exists():
        return
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "package.json").write_text('{"private": true}\n')
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", *PACKAGES], cwd=WORK, check=True)


def _cases() -> list[dict[str, Any]]:
    cases = [{"card": c, "expect": [t]} for t in HOSTILE for c in cards_with(t)]
    control = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": NAME}],
    }
    return [*cases, {"card": control, "expect": [], "control": True}]


def _render(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
    page = WORK / "page.html"
    page.write_text(PAGE % json.dumps(cases).replace("</", "<\\/"))
    dom = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--allow-file-access-from-files",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    found = re.search(r'<pre id="result">(.*?)</pre>', dom, re.DOTALL)
    if not found or not found.group(1):
        raise SystemExit("the page did not render (no result): " + dom[:500])
    results: list[dict[str, Any]] = json.loads(html.unescape(found.group(1)))
    return results


def main() -> int:
    started = time.monotonic()
    _install()
    cases = _cases()
    results = _render(cases)
    failures = 0
    for case, result in zip(cases, results, strict=True):
        if case.get("control"):
            if not result["bad"]:
                print("the control card showed no markup: the check is broken")
                failures += 1
            continue
        if result["bad"] or result["missing"]:
            failures += 1
            print(json.dumps({"expect": case["expect"], **result}, ensure_ascii=False)[:600])
    took = time.monotonic() - started
    print(f"{len(cases) - 1} cards rendered in Chromium, {failures} failed ({took:.1f}s)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
