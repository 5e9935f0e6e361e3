// The demo's Quantize panel (demo/src/quantize-panel.ts, quantize-compare.ts) in Chromium: after a short
// training run, Quantize makes int8 and f16 copies in the worker and the table shows f32 / int8 / f16 side by
// side: the int8 file under 0.35× the f32 one and the f16 file under 0.55×, finite perplexities on the
// validation text (the f32 one the Training panel's), int8 within 3 % of f32 and f16 within 0.5 %, a speed and a
// sample for each. Training then resumes from the same step (the copies leave the model alone), and the panel
// fits a phone screen. Writes test-results/demo-quantize-1280.png and demo-quantize-390.png.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { CHROMIUM_NEED, REPO_ROOT, browserTest, describeProblems, missingPrerequisite, resultsPath, withBrowser } from "./harness.js";

const DEMO_DIST = process.env.DEMO_DIST || join(REPO_ROOT, "demo", "dist");
const STEPS = 40;

interface Row { weights: string; bytes: number; tokensPerSecond: number; validationPerplexity: number | null; sample: string }
interface State {
  ready: boolean;
  training: boolean;
  history: { step: number; loss: number }[];
  quantize: { busy: boolean; step: number | null; rows: Row[] };
  errors: string[];
}

const missing = missingPrerequisite([CHROMIUM_NEED, { path: join(DEMO_DIST, "index.html"), what: "the built demo (npm run demo:build)" }]);
const byId = (id: string) => `[data-testid="${id}"]`;

const state = (page: Page) => page.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { __demo: unknown }).__demo)) as State);

async function waitFor(page: Page, problems: string[], what: string, condition: string, timeout: number): Promise<void> {
  try {
    await page.waitForFunction(`(() => { const d = window.__demo; return !!d && (${condition}); })()`, null, { timeout, polling: 100 });
  } catch (e) {
    const s = await state(page).catch(() => null);
    const shown = s && JSON.stringify({ ...s, history: `${s.history.length} points` });
    throw new Error(`${what}: not within ${timeout} ms (${(e as Error).message.split("\n")[0]}); __demo = ${shown}; page problems: ${describeProblems(problems)}`);
  }
}

browserTest(test, missing, "demo Quantize panel: f32 / int8 / f16 side by side with size, speed, perplexity and a sample each", async () => {
  await withBrowser({ root: DEMO_DIST, viewport: { width: 1280, height: 800 }, timeoutMs: 120_000 }, async ({ page, problems, server }) => {
    await page.goto(`${server.origin}/`);
    await waitFor(page, problems, "the worker is ready", "d.ready === true", 20_000);
    const button = page.locator(byId("quantize-button"));
    assert.ok(await button.isDisabled(), "Quantize is disabled before there is a model");

    await page.locator(byId("cell-select")).selectOption("gru");
    await page.locator(byId("hidden-input")).fill("64");
    await page.locator(byId("train-start")).click();
    await waitFor(page, problems, `${STEPS} training steps`, `d.history.length >= ${STEPS}`, 60_000);
    assert.ok(await button.isDisabled(), "Quantize is disabled while training");
    await page.locator(byId("train-stop")).click();
    await waitFor(page, problems, "training stops", "d.training === false", 10_000);
    // the sample drawn at the stop fills in the validation perplexity of the Training panel
    await page.waitForFunction((sel) => /\d/.test(document.querySelector(sel)?.textContent ?? ""), "#stat-val", { timeout: 10_000 });
    const trainedStep = (await state(page)).history.at(-1)!.step;

    await button.click();
    await waitFor(page, problems, "the quantized table", "d.quantize.busy === false && d.quantize.rows.length === 3", 60_000);
    const s = await state(page);
    assert.equal(s.errors, [], "no errors");
    assert.is(s.quantize.step, trainedStep, "the table describes the model at the step training stopped");
    const [f32, int8, f16] = s.quantize.rows;
    assert.equal(s.quantize.rows.map((r) => r.weights), ["f32", "int8", "f16"]);

    // the table: three rows, one per weight type, each with a number in every column; a sample each
    const cells = await page.locator(`${byId("quantize-table")} tbody tr`).evaluateAll((rows) =>
      rows.map((r) => Array.from((r as HTMLTableRowElement).cells, (c) => c.textContent!.trim())));
    assert.is(cells.length, 3, `three rows in the table: ${JSON.stringify(cells)}`);
    assert.equal(cells.map((c) => c[0]), ["f32", "int8", "f16"]);
    for (const c of cells) assert.ok(c.length === 5 && c.slice(1).every((t) => /\d/.test(t)), `a number in every column: ${JSON.stringify(c)}`);
    const samples = await page.locator(`${byId("quantize-samples")} dd`).allTextContents();
    assert.is(samples.length, 3, "a sample per row");
    assert.ok(samples.every((t) => t.trim().length > 0), `non-empty samples: ${JSON.stringify(samples)}`);

    // file sizes (encodeModel): int8 about a quarter, f16 about a half
    assert.ok(f32.bytes > 10_000, `f32 file ${f32.bytes} B`);
    assert.ok(int8.bytes < 0.35 * f32.bytes, `int8 file ${int8.bytes} B < 0.35 × f32 ${f32.bytes} B`);
    assert.ok(f16.bytes < 0.55 * f32.bytes, `f16 file ${f16.bytes} B < 0.55 × f32 ${f32.bytes} B`);

    // perplexity on the validation text: finite, the f32 one the Training panel's, the copies close to it
    for (const r of s.quantize.rows) {
      assert.ok(r.validationPerplexity !== null && Number.isFinite(r.validationPerplexity) && r.validationPerplexity > 1, `${r.weights}: perplexity ${r.validationPerplexity}`);
      assert.ok(Number.isFinite(r.tokensPerSecond) && r.tokensPerSecond > 0, `${r.weights}: ${r.tokensPerSecond} tokens/s`);
    }
    const shownVal = Number(await page.locator("#stat-val").textContent());
    assert.ok(Math.abs(f32.validationPerplexity! - shownVal) <= 0.006, `f32 perplexity ${f32.validationPerplexity} is the Training panel's ${shownVal}`);
    const rel = (r: Row) => Math.abs(r.validationPerplexity! - f32.validationPerplexity!) / f32.validationPerplexity!;
    assert.ok(rel(int8) < 0.03, `int8 perplexity ${int8.validationPerplexity} within 3 % of f32 ${f32.validationPerplexity}`);
    assert.ok(rel(f16) < 0.005, `f16 perplexity ${f16.validationPerplexity} within 0.5 % of f32 ${f32.validationPerplexity}`);
    console.log(`  step ${trainedStep}: ${s.quantize.rows.map((r) => `${r.weights} ${r.bytes} B, ${Math.round(r.tokensPerSecond)} tok/s, ppl ${r.validationPerplexity!.toFixed(3)}`).join("; ")}`);
    console.log(`  samples: ${samples.map((t) => JSON.stringify(t.slice(0, 40))).join(" | ")}`);
    await page.locator(".quant").screenshot({ path: resultsPath("demo-quantize-1280.png") });

    // the f32 model is untouched: training resumes at the next step
    assert.ok(await button.isEnabled(), "Quantize is enabled again");
    const before = (await state(page)).history.length;
    await page.locator(byId("train-start")).click();
    await waitFor(page, problems, "training resumes", `d.history.length >= ${before + 3}`, 20_000);
    await page.locator(byId("train-stop")).click();
    await waitFor(page, problems, "training stops", "d.training === false", 10_000);
    const resumed = (await state(page)).history[before];
    assert.is(resumed.step, trainedStep + 1, "training resumes at the next step");
    assert.ok(Number.isFinite(resumed.loss), "with a finite loss");

    // the panel on a phone: no horizontal scrolling of the page
    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const widths = await page.evaluate(() => ({ viewport: document.documentElement.clientWidth, document: document.documentElement.scrollWidth }));
    assert.ok(widths.document <= widths.viewport, `no horizontal scrolling at 390 px: ${JSON.stringify(widths)}`);
    await page.locator(".quant").screenshot({ path: resultsPath("demo-quantize-390.png") });

    assert.equal((await state(page)).errors, [], "__demo.errors stays empty");
    assert.is(problems.length, 0, `the page reported problems: ${describeProblems(problems)}`);
  });
});

test.run();
