// End-to-end test of the sftlint extension in a real VS Code (code-server) driven by headless
// Chromium through playwright-core, against the real `python -m sftlint serve`.
// Env: CS_URL, WS_DIR (a scratch copy of tests/e2e-workspace), OUT_DIR (failure screenshots),
// SHOTS_DIR (where the screenshots of a passing step go), PYTHON. Any failed step fails the run
// (exit 1); the last line says `N passed, N failed`.
import { execFileSync, spawnSync } from "node:child_process";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

const BASE = process.env.CS_URL ?? "http://127.0.0.1:8765";
const WS = process.env.WS_DIR;
const OUT = process.env.OUT_DIR ?? ".";
const SHOTS = process.env.SHOTS_DIR;
const PYTHON = process.env.PYTHON ?? "python3";
const FILE = path.join(WS, "chats.jsonl");
const t0 = Date.now();
const lap = (m) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);

// The planted problems: line (1-based), code, exact message, column.
const EXPECTED = [
  { line: 1, col: 67, code: "R004", text: "Say hello.", message: 'turn 2 (messages[1].role): unknown role "bot"; did you mean "assistant"?' },
  { line: 2, col: 93, code: "C001", text: "What is 2+2?", message: "turn 2 (messages[1].content): assistant content is empty: the model learns to answer with nothing" },
  { line: 3, col: 58, code: "J004", text: "Be brief.", message: 'duplicate key "role" in messages[0]: the last one silently wins, the earlier value is lost' },
];
// A loss-mask finding (L rule): shows once the tokenizer has loaded in the background.
const MASK = { line: 3, col: 45, code: "L008", message: "turn 1 (system): the template folds the system prompt into turn 2 (user)" };
const FIX_TITLE = 'Replace role "bot" with "assistant"';

const results = [];
async function step(name, fn) {
  const s = Date.now();
  try {
    await fn();
    results.push({ name, status: "PASS" });
    lap(`PASS ${name} (${((Date.now() - s) / 1000).toFixed(1)}s)`);
  } catch (e) {
    results.push({ name, status: "FAIL", detail: e.message });
    lap(`FAIL ${name}: ${e.message}`);
    await page?.screenshot({ path: path.join(OUT, `fail-${name}.png`) }).catch(() => {});
  }
}

/** A screenshot for the docs; `height` crops it to the top of the window (the editor's
 * first lines, where the hover or menu is), so the picture is not mostly empty. */
async function shot(name, height) {
  const clip = height ? { x: 0, y: 0, width: page.viewportSize().width, height } : undefined;
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `${name}.png`), clip });
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage"],
});
let page;
const editor = () => page.locator(".monaco-editor", { has: page.locator(".view-line", { hasText: "Say hello" }) }).first();
const viewLine = (text) => editor().locator(".view-line", { hasText: text }).first();
const topOf = (loc) => loc.evaluate((el) => el.style.top);

/** Screen box of `needle` inside the editor line showing `lineText` (Monaco splits lines into
 * token spans in ways that vary, so measure the text itself with a DOM Range). */
async function textBox(lineText, needle) {
  const box = await viewLine(lineText).evaluate((el, needle) => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const i = n.data.indexOf(needle);
      if (i < 0) continue;
      const r = document.createRange();
      r.setStart(n, i);
      r.setEnd(n, i + needle.length);
      const b = r.getBoundingClientRect();
      return { x: b.x, y: b.y, width: b.width, height: b.height };
    }
    return null;
  }, needle);
  if (!box) throw new Error(`"${needle}" not found on the line with "${lineText}"`);
  return box;
}

async function hoverText(box, expect, timeout) {
  await page.mouse.move(box.x + 2, box.y + box.height / 2);
  await page.mouse.move(box.x + Math.min(8, box.width / 2), box.y + box.height / 2);
  const hover = page.locator(".monaco-hover:not(.hidden) .monaco-hover-content", { hasText: expect });
  try {
    await hover.first().waitFor({ timeout });
  } catch (e) {
    const seen = await page.locator(".monaco-hover").allInnerTexts();
    lap(`hover at ${JSON.stringify(box)} never showed ${expect}; hovers in the page: ${JSON.stringify(seen).slice(0, 400)}`);
    throw e;
  }
  return (await page.locator(".monaco-hover:not(.hidden)").first().innerText()).trim();
}

try {
  const ctx = await browser.newContext({ viewport: { width: 1500, height: 860 } });
  page = await ctx.newPage();
  page.on("pageerror", (e) => console.log("[pageerror]", e.message));
  await page.goto(`${BASE}/?folder=${encodeURIComponent(WS)}`);
  await page.locator(".monaco-workbench").waitFor({ timeout: 60_000 });
  const row = page.locator(".explorer-folders-view .monaco-list-row", { hasText: "chats.jsonl" });
  await row.waitFor({ timeout: 60_000 });
  await row.click();
  await viewLine("Say hello").waitFor({ timeout: 30_000 });
  lap("editor shows chats.jsonl");

  await step("squiggles", async () => {
    const squiggles = editor().locator(".squiggly-error");
    try {
      await squiggles.nth(EXPECTED.length - 1).waitFor({ timeout: Number(process.env.DIAG_TIMEOUT_MS ?? 90_000) });
    } catch {
      throw new Error(`expected ${EXPECTED.length} error squiggles, saw ${await squiggles.count()} (server not started? see the sftlint log printed below)`);
    }
    await page.waitForTimeout(500); // let late diagnostics land before counting
    assert.equal(await squiggles.count(), EXPECTED.length, "one squiggle per planted problem");
    const tops = await Promise.all((await squiggles.all()).map((s) => topOf(s.locator("xpath=.."))));
    const want = await Promise.all(EXPECTED.map((e) => topOf(viewLine(e.text))));
    assert.deepEqual([...tops].sort(), [...want].sort(), "squiggles sit on lines 1, 2 and 3");
  });

  await step("problems", async () => {
    await page.keyboard.press("Control+Shift+M");
    const panel = page.locator(".markers-panel");
    await panel.locator(".monaco-list-row", { hasText: EXPECTED[0].code }).first().waitFor({ timeout: 20_000 });
    // The mask finding comes once the tokenizer has loaded (background, with progress).
    await panel.locator(".monaco-list-row", { hasText: MASK.code }).first().waitFor({ timeout: 60_000 })
      .catch(() => { throw new Error(`no ${MASK.code} (loss-mask finding) in the Problems panel within 60 s`); });
    const text = (await panel.innerText()).replace(/\s+/g, " ");
    lap(`problems panel: ${text}`);
    for (const e of [...EXPECTED, MASK]) {
      assert.ok(text.includes(e.message), `Problems lists: ${e.message}`);
      assert.ok(text.includes(`sftlint(${e.code})`) || text.includes(e.code), `Problems shows code ${e.code}`);
      assert.ok(text.includes(`[Ln ${e.line}, Col ${e.col}]`), `${e.code} at [Ln ${e.line}, Col ${e.col}]`);
    }
    // Screenshot: the squiggle under "bot" with its message in the hover, Problems below.
    const hover = await hoverText(await textBox("Say hello", "bot"), "unknown role", 15_000);
    assert.ok(hover.includes(EXPECTED[0].message), "the squiggle's hover shows the message");
    await page.waitForTimeout(400); // let the hover settle for the picture
    await shot("squiggle");
    await page.mouse.move(5, 5);
    await page.keyboard.press("Escape");
    await page.keyboard.press("Control+j"); // close the panel: room for the next pictures
  });

  await step("hover", async () => {
    const target = await textBox("Define", "friendly");
    let text;
    try {
      text = await hoverText(target, /turn 2/, 30_000);
    } catch {
      throw new Error("no hover on the assistant turn of line 4 within 30 s");
    }
    // The tokenizer loads in the background: wait for the counts.
    const hover = page.locator(".monaco-hover:not(.hidden)").first();
    const counts = /(\d+) tokens · (\d+) trained \(\d+%\) · (\d+) masked/;
    const deadline = Date.now() + 60_000;
    while (!counts.test(text) && Date.now() < deadline) {
      await page.mouse.move(5, 5);
      await page.waitForTimeout(1000);
      text = await hoverText(target, /turn 2/, 10_000).catch(() => text);
    }
    lap(`hover: ${text.replace(/\s+/g, " ")}`);
    const m = counts.exec(text);
    if (!m) throw new Error(`the hover shows no masked tokens (no "N tokens · M trained" line): ${text.replace(/\s+/g, " ").slice(0, 300)}`);
    assert.match(text, /turn 2 · assistant · messages\[1\]/, "the hover names the assistant turn");
    const [tokens, trained, masked] = m.slice(1).map(Number);
    assert.equal(tokens, trained + masked);
    assert.ok(trained > 0, "the assistant turn trains tokens");
    // One chip per token (a coloured span), trained ones bold, masked ones struck through;
    // the legend adds one chip of each kind.
    const chips = hover.locator('span[style*="background-color"]');
    const trainedChips = hover.locator('span[style*="background-color"] > strong');
    const maskedChips = hover.locator('span[style*="background-color"] > del');
    assert.equal(await chips.count(), tokens + 2, "one chip per token in the hover");
    assert.equal(await trainedChips.count(), trained + 1, "trained tokens bold");
    assert.equal(await maskedChips.count(), masked + 1, "masked tokens struck through");
    const shown = (await trainedChips.allInnerTexts()).slice(1).join("");
    assert.ok(shown.includes("friendly"), `the hover shows the turn's tokens: ${shown}`);
    const bg = await trainedChips.nth(1).evaluate((el) => getComputedStyle(el.parentElement).backgroundColor);
    assert.notEqual(bg, "rgba(0, 0, 0, 0)", "chips are coloured (the HTML subset is enabled)");
    assert.ok(!text.includes("**") && !text.includes("~~") && !text.includes("<span"), `markup shown literally in the hover: ${text.replace(/\s+/g, " ")}`);
    await page.waitForTimeout(300);
    await shot("hover", 300);
    await page.mouse.move(5, 5);
    await page.keyboard.press("Escape");
  });

  await step("quickfix", async () => {
    const before = fs.readFileSync(FILE, "utf8");
    const bot = await textBox("Say hello", "bot");
    await page.keyboard.press("Escape");
    await page.mouse.click(bot.x + bot.width / 2, bot.y + bot.height / 2);
    await page.keyboard.press("Control+.");
    const item = page.locator(".action-widget .monaco-list-row", { hasText: FIX_TITLE });
    await item.first().waitFor({ timeout: 20_000 });
    await shot("quickfix", 300);
    // The menu focuses its first item; pick ours by keyboard (clicks race the menu's layout).
    const rows = await page.locator(".action-widget .monaco-list-row").allInnerTexts();
    const index = rows.findIndex((r) => r.includes(FIX_TITLE));
    for (let i = 0; i < index; i++) await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await page.locator(".view-line", { hasText: '"assistant", "content": "Hello there!"' }).first().waitFor({ timeout: 10_000 });
    await page.keyboard.press("Control+s");
    const want = before.replace('{"role": "bot", "content": "Hello there!"}', '{"role": "assistant", "content": "Hello there!"}');
    assert.notEqual(want, before);
    const deadline = Date.now() + 10_000;
    while (fs.readFileSync(FILE, "utf8") !== want && Date.now() < deadline) await page.waitForTimeout(200);
    assert.equal(fs.readFileSync(FILE, "utf8"), want, "the quick fix changed exactly the role value");
    // The fixed problem goes away; the other two stay.
    await page.waitForFunction(() => document.querySelectorAll(".monaco-editor .squiggly-error").length === 2, null, { timeout: 15_000 });
  });

  await step("preview", async () => {
    await viewLine("Define").click();
    await page.keyboard.press("F1");
    await page.keyboard.type("sftlint: Show Masked Preview");
    await page.locator(".quick-input-list .monaco-list-row", { hasText: "Show Masked Preview" }).first().waitFor({ timeout: 10_000 });
    await page.keyboard.press("Enter");
    const frame = page.frameLocator("iframe.webview").frameLocator("iframe#active-frame");
    await frame.locator("#title").waitFor({ timeout: 30_000 });
    const summary = frame.locator("#summary[data-tokens]");
    const title = frame.locator("#title");
    const deadline = Date.now() + 45_000;
    while (!(await summary.count()) && Date.now() < deadline) {
      const t = await title.innerText();
      if (/feature missing/i.test(t)) throw new Error(`${t}: ${await frame.locator(".notice").first().innerText()}`);
      await page.waitForTimeout(300);
    }
    if (!(await summary.count())) throw new Error(`the preview shows no row: "${await title.innerText()}" ${await frame.locator("#content").innerText()}`);
    const shown = { tokens: Number(await summary.getAttribute("data-tokens")), trained: Number(await summary.getAttribute("data-trained")) };
    lap(`preview: ${await title.innerText()} | ${await summary.innerText()}`);
    // Ground truth: the CLI on the same row with the same tokenizer.
    let truth;
    try {
      truth = JSON.parse(execFileSync(PYTHON, ["-m", "sftlint", "show", "--json", "--tokenizer", "mistral-v3", `${FILE}:4`], { encoding: "utf8" }));
    } catch (e) {
      throw new Error(`\`sftlint show --json\` failed, no ground truth for the counts: ${String(e.message).split("\n")[0]}`);
    }
    const want = { tokens: truth.tokens.length, trained: truth.tokens.filter((t) => t.trained).length };
    assert.deepEqual(shown, want, "preview token counts == sftlint show --json");
    assert.ok(want.trained > 0 && want.trained < want.tokens, "the row has both trained and masked tokens");
    // Chips in the row (the legend above it has one of each kind too).
    assert.equal(await frame.locator("#content .tok.trained").count(), want.trained, "trained chips");
    assert.equal(await frame.locator("#content .tok.masked").count(), want.tokens - want.trained, "masked chips");
    const headers = await frame.locator(".turn-header").allInnerTexts();
    lap(`preview turns: ${headers.join(" | ")}`);
    assert.ok(headers.some((h) => /turn 2/.test(h)), "a header for the assistant turn");
    // Per-turn counts as the CLI reports them.
    for (const t of truth.turns) {
      const head = frame.locator(`.turn-header[data-turn="${t.turn}"]`);
      assert.equal(await head.count(), 1, `one header for turn ${t.turn}`);
      assert.equal(Number(await head.getAttribute("data-tokens")), t.tokens, `turn ${t.turn} tokens`);
      assert.equal(Number(await head.getAttribute("data-trained")), t.trained, `turn ${t.turn} trained`);
    }
    await shot("preview");
  });
  await step("statusbar", async () => {
    // Tokenizer, strategy and the file's trained share (sftlint/fileStats).
    const item = page.locator(".statusbar-item", { hasText: "sftlint:" }).first();
    await item.waitFor({ timeout: 20_000 });
    const deadline = Date.now() + 30_000;
    let text = await item.innerText();
    while (!/% trained/.test(text) && Date.now() < deadline) {
      await page.waitForTimeout(500);
      text = await item.innerText();
    }
    lap(`status bar: ${text}`);
    const m = /sftlint: mistral-v3 · assistant-only · (\d+)% trained/.exec(text);
    assert.ok(m, `the status bar shows tokenizer, strategy and trained share: "${text}"`);
    // Ground truth: the CLI's token totals for the whole (fixed) file.
    // (exit code 1: the file still has findings)
    const out = spawnSync(PYTHON, ["-m", "sftlint", "check", "--no-progress", "--color", "never", "--tokenizer", "mistral-v3", FILE], { encoding: "utf8" }).stdout;
    const t = /(\d+) tokens, (\d+) trained/.exec(out);
    assert.ok(t, `sftlint check prints token totals: ${out}`);
    assert.equal(Number(m[1]), Math.round((100 * Number(t[2])) / Number(t[1])), "trained share == sftlint check");
  });
} catch (e) {
  results.push({ name: "setup", status: "FAIL", detail: e.message });
  console.error("FAIL setup:", e.message);
  await page?.screenshot({ path: path.join(OUT, "fail-setup.png") }).catch(() => {});
} finally {
  await browser.close();
}

console.log("\n== e2e summary");
for (const r of results) console.log(`${r.status.padEnd(18)} ${r.name}${r.detail ? `: ${r.detail}` : ""}`);
const failed = results.filter((r) => r.status !== "PASS");
console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
process.exitCode = failed.length ? 1 : 0;
