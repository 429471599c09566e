// Renders cards in headless Chromium (playwright-core driving the system's chromium),
// measures them, and writes PNG screenshots. Driven by bench/screenshot_cards.py, which
// writes the cases and reads the measurements back:
//   node screenshot_cards.mjs cases.json out-dir measurements.json
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

const [casesFile, outDir, resultFile] = process.argv.slice(2);
const { cases, hostConfig, executable } = JSON.parse(fs.readFileSync(casesFile, "utf8"));
const here = path.dirname(new URL(import.meta.url).pathname);
const lib = (p) => fs.readFileSync(path.join(here, "node_modules", p), "utf8");

// What the page measures in a rendered card: its height, words broken across lines
// (a break at a space or a hyphen is fine, one inside a word is not), buttons whose title
// does not fit, backticks shown as text, and the toggles' targets.
function measure(root) {
  const broken = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    for (const m of node.data.matchAll(/[^\s\u200b\-\u2013\u2014]+/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set(
        [...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)),
      );
      if (tops.size > 1) broken.push(m[0]);
    }
  }
  // A title is cut when it overflows its button (Teams then shows "…") or the button
  // sticks out of the card (cut off at its edge).
  const cut = [];
  const edge = root.getBoundingClientRect();
  for (const b of root.querySelectorAll("button, .ac-pushButton, .btn")) {
    const r = b.getBoundingClientRect();
    const out = r.width > 0 && (r.right > edge.right + 1 || r.left < edge.left - 1);
    if (out || [b, ...b.querySelectorAll("*")].some((el) => el.scrollWidth > el.clientWidth + 1)) {
      cut.push(b.innerText.trim());
    }
  }
  return {
    height: Math.round(root.getBoundingClientRect().height),
    width: Math.round(root.getBoundingClientRect().width),
    broken,
    cut,
    backticks: root.innerText.includes("`"),
  };
}

const TEAMS_PAGE = (width) => `<!doctype html><html><head><meta charset="utf-8"><style>
body { margin: 0; background: #f5f5f5; font-family: "Segoe UI", "Liberation Sans", Arial, sans-serif; }
#shot { width: ${width}px; background: #fff; border-radius: 6px; box-shadow: 0 1px 3px #0002; }
/* Teams' buttons: one line, cut with an ellipsis when the title does not fit. */
.ac-pushButton { border-radius: 4px; border: 1px solid #d1d1d1; background: #fff;
  color: #242424; font: 600 14px "Segoe UI", "Liberation Sans", Arial, sans-serif;
  height: 32px; padding: 0 12px; min-width: 0; overflow: hidden; white-space: nowrap;
  text-overflow: ellipsis; }
.ac-pushButton > div { overflow: hidden; text-overflow: ellipsis; }
.ac-pushButton.style-positive { background: #5b5fc7; border-color: #5b5fc7; color: #fff; }
.ac-pushButton.style-destructive { color: #c4314b; border-color: #c4314b; }
</style></head><body><div style="padding: 12px"><div id="shot"></div></div></body></html>`;

const browser = await chromium.launch({ executablePath: executable, args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 900, height: 800 } });
const results = [];
for (const c of cases) {
  if (c.kind === "teams") {
    await page.setContent(TEAMS_PAGE(c.width));
    await page.addScriptTag({ content: lib("markdown-it/dist/markdown-it.min.js") });
    await page.addScriptTag({ content: lib("adaptivecards/dist/adaptivecards.min.js") });
    await page.evaluate(
      ({ card, hostConfig }) => {
        const md = window.markdownit();
        AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => {
          result.outputHtml = md.render(text);
          result.didProcess = true;
        };
        const ac = new AdaptiveCards.AdaptiveCard();
        ac.hostConfig = new AdaptiveCards.HostConfig(hostConfig);
        ac.parse(card);
        document.getElementById("shot").appendChild(ac.render());
      },
      { card: c.card, hostConfig },
    );
  } else {
    await page.setContent(c.html);
  }
  if (c.click) {
    // Click the first button titled c.click (a toggle), as a user would.
    await page.locator(".ac-pushButton", { hasText: c.click }).first().click();
  }
  const shot = await page.$("#shot");
  const m = await shot.evaluate(measure);
  if (c.png) await shot.screenshot({ path: path.join(outDir, c.png) });
  results.push({ name: c.name, ...m });
}
await browser.close();
fs.writeFileSync(resultFile, JSON.stringify(results, null, 1));
