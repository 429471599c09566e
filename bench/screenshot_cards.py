"""Screenshots and measurements of SnowOps's main cards, Teams and Slack.

Not part of ``make test`` (it needs Node, npm and Chromium: ``apt-get install chromium``).

- **Teams**: Microsoft's own ``adaptivecards`` renderer (the one the Adaptive Cards
  designer uses) in headless Chromium, driven by playwright-core, with a Teams-like host
  config, at **450 px**: the widest a card gets in a Teams desktop chat (cards in a chat
  or channel are capped at about 450 px unless they ask for full width, which SnowOps's do
  not). Teams' own font is Segoe UI; this machine has Liberation Sans (Arial's metrics),
  slightly wider, so a title that fits here fits in Teams.
- **Slack**: Slack has no offline Block Kit renderer; ``bench/slack_html.py`` draws an
  HTML approximation of the exact Block Kit JSON SnowOps sends (messages at 600 px, modals
  at 520 px, App Home at 700 px), labelled as an approximation on every picture.

Each card is measured in the browser: its height, any word broken across two lines, any
button whose title does not fit, any backtick shown as text. The script fails when a
Teams card breaks a word or cuts a button title, when Teams text shows a backtick, or when
the recommendations card for 8 items is taller than ``RECS_MAX_PX``.

    .venv/bin/python bench/screenshot_cards.py              # → docs/screenshots/*.png
    .venv/bin/python bench/screenshot_cards.py --root /tmp/old-checkout --no-png  # before
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WORK = HERE.parent / ".cache" / "card-shots"
PACKAGES = ["adaptivecards@3.0.6", "markdown-it@14", "playwright-core@1"]
TEAMS_WIDTH = 450
RECS_MAX_PX = 1200
HOST_CONFIG: dict[str, Any] = {
    "fontFamily": "'Segoe UI', 'Liberation Sans', Arial, sans-serif",
    "spacing": {"small": 4, "default": 8, "medium": 16, "large": 20, "padding": 16},
    "separator": {"lineThickness": 1, "lineColor": "#E1E1E1"},
    "fontSizes": {"small": 12, "default": 14, "medium": 16, "large": 18, "extraLarge": 24},
    "fontWeights": {"lighter": 200, "default": 400, "bolder": 600},
    "containerStyles": {
        "default": {
            "backgroundColor": "#FFFFFF",
            "foregroundColors": {
                "default": {"default": "#242424", "subtle": "#616161"},
                "accent": {"default": "#5B5FC7", "subtle": "#5B5FC7"},
                "good": {"default": "#0E7A0B", "subtle": "#0E7A0B"},
                "warning": {"default": "#835B00", "subtle": "#835B00"},
                "attention": {"default": "#C4314B", "subtle": "#C4314B"},
            },
        },
        "emphasis": {"backgroundColor": "#F5F5F5"},
    },
    "actions": {
        "maxActions": 6,
        "spacing": "default",
        "buttonSpacing": 8,
        "showCard": {"actionMode": "inline", "inlineTopMargin": 16},
        "actionsOrientation": "horizontal",
        "actionAlignment": "stretch",
    },
    "factSet": {
        "title": {"weight": "bolder", "wrap": True, "maxWidth": 150},
        "value": {"wrap": True},
        "spacing": 12,
    },
}


def _install() -> None:
    if (WORK / "node_modules" / "playwright-core").exists():
        return
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "package.json").write_text('{"private": true}\n')
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", *PACKAGES], cwd=WORK, check=True)


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise SystemExit("needs Chromium: apt-get install -y chromium")
    return found


def _run(cases: list[dict[str, Any]], out: Path) -> list[dict[str, Any]]:
    shutil.copy(HERE / "screenshot_cards.mjs", WORK / "screenshot_cards.mjs")
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "cases.json"
        result = Path(tmp) / "result.json"
        doc = {"cases": cases, "hostConfig": HOST_CONFIG, "executable": _chromium()}
        spec.write_text(json.dumps(doc))
        subprocess.run(
            ["node", "screenshot_cards.mjs", str(spec), str(out), str(result)],
            cwd=WORK,
            check=True,
            timeout=300,
        )
        measured: list[dict[str, Any]] = json.loads(result.read_text())
    return measured


#: Defects seen and left to the card's owner: reported, not failed on.
KNOWN: dict[str, str] = {}


def _shrink(out: Path, names: list[str]) -> None:
    """Fewer colours, same look (pngquant, when installed): README pictures stay small."""
    quant = shutil.which("pngquant")
    if quant is None:
        return
    files = [str(out / n) for n in names]
    subprocess.run([quant, "--force", "--ext", ".png", "--quality", "70-95", *files], check=False)


def _problems(m: dict[str, Any]) -> list[str]:
    found = []
    if not m["name"].startswith("teams-"):
        return [f"button title cut: {t}" for t in m["cut"]]
    if m["broken"]:
        found.append(f"words broken mid-word: {sorted(set(m['broken']))[:6]}")
    if m["cut"]:
        found.append(f"button titles cut off: {m['cut']}")
    if m["backticks"]:
        found.append("a backtick shown as text (Teams renders no inline code)")
    if m["name"] == "teams-recommendations" and m["height"] > RECS_MAX_PX:
        found.append(f"{m['height']} px tall for 8 items (target ≤ {RECS_MAX_PX})")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=HERE.parent, help="SnowOps checkout")
    parser.add_argument("--out", type=Path, default=HERE.parent / "docs" / "screenshots")
    parser.add_argument("--no-png", action="store_true", help="measure only")
    args = parser.parse_args()
    sys.path.insert(0, str(args.root.resolve()))
    sys.path.insert(1, str(HERE))
    from card_cases import all_cases  # imported from --root's SnowOps

    started = time.monotonic()
    _install()
    cases = all_cases(TEAMS_WIDTH)
    if args.no_png:
        cases = [{k: v for k, v in c.items() if k != "png"} for c in cases]
    args.out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for m in _run(cases, args.out):
        problems = _problems(m)
        known = bool(problems) and m["name"] in KNOWN
        failed += bool(problems) and not known
        mark = "known" if known else "FAIL" if problems else "ok"
        print(
            f"{mark:5} {m['name']:<28} {m['width']:>4} × {m['height']:>5} px  {'; '.join(problems)}"
        )
    if not args.no_png:
        _shrink(args.out, [c["png"] for c in cases])
    print(
        f"{len(cases)} cards rendered in {time.monotonic() - started:.1f}s, {failed} with defects"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
