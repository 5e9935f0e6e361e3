// The Vite-built demo (demo/dist, `npm run demo:build`) in Chromium, served as plain static files: the
// package works from a bundler. Training steps in the worker lower the loss, the gradient-flow chart renders
// with finite norms for all three cells, generation produces text, the page logs no errors, and the layout
// fits a phone screen. Training stops and resumes at the next step, goes on after a switch of optimizer, and
// a checkpoint reads in Node and resumes in the page; a saved model reads in Node and loads back. Written to
// test-results/: demo-1280x800.png, demo-390x844.png (viewport, scrolled to the top), demo-1280-full.png,
// demo-390-full.png, demo-model.wrnn, demo-checkpoint.wrnn.ckpt.
//
// What the demo provides for this test: window.__demo = { ready, build, training, history: [{ step, loss, perplexity,
// tokensPerSecond }], lastSample, gradientFlow: null | { rendered, cells: { rnn, gru, lstm: { before[], after[] } } },
// errors[] }, and the data-testid names listed below.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { decodeCheckpoint, decodeModel, init } from "../../src/index.js";
import { inkFraction } from "./canvas-ink.js";
import {
  CHROMIUM_NEED, REPO_ROOT, browserTest, describeProblems, missingPrerequisite, resultsPath, withBrowser,
} from "./harness.js";

/** DEMO_DIST: test another build of the demo. */
const DEMO_DIST = process.env.DEMO_DIST || join(REPO_ROOT, "demo", "dist");

interface DemoState {
  ready: boolean;
  build: string;
  training: boolean;
  history: { step: number; loss: number; perplexity: number; tokensPerSecond: number }[];
  lastSample: string;
  gradientFlow: null | { rendered: boolean; cells: Record<"rnn" | "gru" | "lstm", { before: number[]; after: number[] }> };
  errors: string[];
}

/** Training steps to wait for, and how many at each end to average. */
const STEPS = 24;
const ENDS = 6;

const missing = missingPrerequisite([
  CHROMIUM_NEED,
  { path: join(DEMO_DIST, "index.html"), what: "the built demo (npm run demo:build)" },
]);

const byId = (id: string) => `[data-testid="${id}"]`;

function demoState(page: Page): Promise<DemoState> {
  return page.evaluate(() => {
    const d = (window as unknown as { __demo: DemoState }).__demo;
    return JSON.parse(JSON.stringify(d)) as DemoState;
  });
}

/** Waits for a condition on window.__demo; on timeout says what the state and the page's problems were. */
async function waitForDemo(page: Page, problems: string[], what: string, condition: string, timeout: number): Promise<void> {
  try {
    await page.waitForFunction(`(() => { const d = window.__demo; return !!d && (${condition}); })()`, null, { timeout, polling: 100 });
  } catch (e) {
    let state = "unavailable";
    try {
      const s = await demoState(page);
      state = JSON.stringify({ ...s, history: `${s.history?.length} points`, lastSample: s.lastSample?.slice(0, 80) });
    } catch { /* page gone */ }
    throw new Error(`${what}: not within ${timeout} ms (${(e as Error).message.split("\n")[0]}); __demo = ${state}; page problems: ${describeProblems(problems)}`);
  }
}

async function setValue(page: Page, id: string, value: string): Promise<void> {
  const el = page.locator(byId(id));
  const tag = await el.evaluate((e) => e.tagName.toLowerCase());
  if (tag === "select") await el.selectOption(value);
  else {
    await el.fill(value);
    await el.dispatchEvent("change");
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

browserTest(test, missing, "demo (Vite build): trains in the worker, loss goes down, gradient flow renders, generates, no errors, fits 1280×800 and 390×844", async () => {
  await withBrowser({ root: DEMO_DIST, viewport: { width: 1280, height: 800 }, timeoutMs: 75_000 }, async ({ page, problems, server }) => {
    const t0 = Date.now();
    const lap = (what: string) => console.log(`  ${what.padEnd(28)} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await page.goto(`${server.origin}/`);
    await waitForDemo(page, problems, "window.__demo.ready", "d.ready === true", 20_000);
    let state = await demoState(page);
    assert.ok(["relaxed", "simd", "scalar"].includes(state.build), `__demo.build is a wasm build name, got ${JSON.stringify(state.build)}`);
    assert.is(state.build, "relaxed", "Chromium runs the relaxed-SIMD build");
    for (const id of [
      "corpus-select", "corpus-text", "corpus-file", "cell-select", "hidden-input", "layers-input", "optimizer-select",
      "train-start", "train-stop", "save-model", "load-model", "prompt-input", "temperature-input", "topk-input",
      "generate-button", "generate-output", "loss-chart", "tokens-per-second", "sample-output", "gradient-flow-run",
      "gradient-flow-chart",
    ]) {
      assert.is(await page.locator(byId(id)).count(), 1, `exactly one element with data-testid="${id}"`);
    }
    lap("ready");

    // a small model, trained in the worker
    await setValue(page, "cell-select", "gru");
    await setValue(page, "hidden-input", "64");
    await setValue(page, "layers-input", "1");
    await setValue(page, "optimizer-select", "adam");
    await page.locator(byId("train-start")).click();
    await waitForDemo(page, problems, `${STEPS} training steps reported`, `d.history.length >= ${STEPS}`, 40_000);
    assert.ok((await demoState(page)).training, "__demo.training is true while the worker trains");
    await page.locator(byId("train-stop")).click();
    await waitForDemo(page, problems, "training stops", "d.training === false", 10_000);
    state = await demoState(page);
    lap(`trained (${state.history.length} points)`);
    const losses = state.history.map((h) => h.loss);
    assert.ok(losses.every(Number.isFinite), `finite losses: ${losses.join(", ")}`);
    const steps = state.history.map((h) => h.step);
    assert.ok(steps.every((s, i) => i === 0 || s > steps[i - 1]), `history steps increase: ${steps.join(", ")}`);
    const first = mean(losses.slice(0, ENDS)), last = mean(losses.slice(-ENDS));
    assert.ok(last < first, `the loss goes down: mean of the first ${ENDS} ${first.toFixed(4)}, of the last ${ENDS} ${last.toFixed(4)}`);
    assert.ok(state.history.every((h) => Number.isFinite(h.perplexity) && h.perplexity > 1), "perplexities are finite and > 1");
    assert.ok(state.history.some((h) => h.tokensPerSecond > 0), "tokens per second are reported");
    assert.ok((await page.locator(byId("tokens-per-second")).innerText()).match(/\d/), "the tokens-per-second readout shows a number");
    const lossInk = await inkFraction(page, byId("loss-chart"));
    assert.ok(lossInk.canvases > 0 && lossInk.ink > 0.002, `the loss chart draws on a canvas (${JSON.stringify(lossInk)})`);
    console.log(`  loss ${first.toFixed(3)} → ${last.toFixed(3)} over steps ${steps[0]}–${steps[steps.length - 1]}; ${Math.round(mean(state.history.slice(-ENDS).map((h) => h.tokensPerSecond)))} tokens/s`);

    // resume: the same model goes on from the step where it stopped
    assert.is((await page.locator(byId("train-start")).innerText()).trim(), "Resume", "with unchanged settings the start button resumes");
    const lastStep = steps[steps.length - 1];
    await page.locator(byId("train-start")).click();
    await waitForDemo(page, problems, "training resumes", `d.history.length >= ${state.history.length + 5}`, 20_000);
    await page.locator(byId("train-stop")).click();
    await waitForDemo(page, problems, "training stops again", "d.training === false", 10_000);
    const resumed = (await demoState(page)).history.slice(state.history.length);
    assert.ok(resumed[0].step > lastStep, `resumed steps continue after ${lastStep}, got ${resumed[0].step}`);
    assert.ok(resumed[0].loss < first, `the resumed model keeps what it learned: loss ${resumed[0].loss.toFixed(3)} < first ${first.toFixed(3)}`);
    lap(`resumed at step ${resumed[0].step}`);

    // another optimizer between steps: training goes on from the same step with fresh optimizer state
    await setValue(page, "optimizer-select", "sgd");
    await setValue(page, "lr-input", "0.5");
    const beforeSwitch = (await demoState(page)).history;
    await page.locator(byId("train-start")).click();
    await waitForDemo(page, problems, "training goes on with SGD", `d.history.length >= ${beforeSwitch.length + 5}`, 20_000);
    await page.locator(byId("train-stop")).click();
    await waitForDemo(page, problems, "training stops after SGD steps", "d.training === false", 10_000);
    const switched = (await demoState(page)).history;
    assert.is(switched[beforeSwitch.length].step, beforeSwitch[beforeSwitch.length - 1].step + 1, "the step count goes on");
    assert.ok(switched.slice(beforeSwitch.length).every((h) => Number.isFinite(h.loss)), "finite SGD losses");

    // a checkpoint: the optimizer's state and the step, readable in Node
    const [ckptDownload] = await Promise.all([page.waitForEvent("download"), page.locator(byId("save-checkpoint")).click()]);
    assert.match(ckptDownload.suggestedFilename(), /\.wrnn\.ckpt$/);
    const checkpointPath = resultsPath("demo-checkpoint.wrnn.ckpt");
    await ckptDownload.saveAs(checkpointPath);
    await init({ build: "simd" });
    const checkpoint = await decodeCheckpoint(new Uint8Array(readFileSync(checkpointPath)), "the demo's checkpoint");
    const checkpointStep = switched[switched.length - 1].step;
    try {
      assert.is(checkpoint.trainer.step, checkpointStep, "the checkpoint holds the step it was saved at");
      assert.is(checkpoint.settings.optimizer, "sgd");
    } finally {
      checkpoint.lm.dispose();
    }
    lap(`checkpoint at step ${checkpointStep}`);

    // gradient flow through the three cells
    // (the page may show a run from load time: mark that result, then wait for a new one)
    await page.evaluate(() => {
      const d = (window as unknown as { __demo: { gradientFlow: null | Record<string, unknown> } }).__demo;
      if (d.gradientFlow) d.gradientFlow.__seenByTest = true;
    });
    await page.locator(byId("gradient-flow-run")).click();
    await waitForDemo(page, problems, "the gradient-flow chart renders", "d.gradientFlow !== null && !d.gradientFlow.__seenByTest && d.gradientFlow.rendered === true", 20_000);
    state = await demoState(page);
    lap("gradient flow");
    for (const cell of ["rnn", "gru", "lstm"] as const) {
      const flow = state.gradientFlow!.cells[cell];
      assert.ok(flow, `gradient flow for ${cell}`);
      for (const which of ["before", "after"] as const) {
        const norms = flow[which];
        assert.ok(Array.isArray(norms) && norms.length > 1, `${cell}.${which}: a norm per step, got ${JSON.stringify(norms)}`);
        assert.ok(norms.every((v) => Number.isFinite(v) && v > 0), `${cell}.${which}: finite positive norms, got ${norms.join(", ")}`);
      }
    }
    const flowInk = await inkFraction(page, byId("gradient-flow-chart"));
    assert.ok(flowInk.canvases > 0 && flowInk.ink > 0.002, `the gradient-flow chart draws on a canvas (${JSON.stringify(flowInk)})`);

    // generation from a prompt
    await setValue(page, "prompt-input", "the ");
    await setValue(page, "temperature-input", "0.8");
    await setValue(page, "topk-input", "10");
    const before = await page.locator(byId("generate-output")).innerText();
    await page.locator(byId("generate-button")).click();
    await page.waitForFunction(
      ([sel, old]) => {
        const text = (document.querySelector(sel) as HTMLElement | null)?.innerText.trim() ?? "";
        return text.length > 0 && text !== old.trim();
      },
      [byId("generate-output"), before] as const, { timeout: 15_000 },
    ).catch((e: Error) => { throw new Error(`no generated text: ${e.message.split("\n")[0]}; page problems: ${describeProblems(problems)}`); });
    const generated = (await page.locator(byId("generate-output")).innerText()).trim();
    assert.ok(generated.length > 4, `generated text: ${JSON.stringify(generated)}`);
    lap("generated");
    console.log(`  generated: ${JSON.stringify(generated.slice(0, 60))}`);

    state = await demoState(page);
    assert.equal(state.errors, [], "__demo.errors stays empty");
    assert.is(problems.length, 0, `the page reported problems: ${describeProblems(problems)}`);

    // screenshots, and the phone layout
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: resultsPath("demo-1280x800.png") });
    await page.screenshot({ path: resultsPath("demo-1280-full.png"), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.waitForTimeout(300); // charts resize on a debounced observer
    const widths = await page.evaluate(() => ({
      viewport: document.documentElement.clientWidth,
      document: document.documentElement.scrollWidth,
      body: document.body.scrollWidth,
      widest: Array.from(document.querySelectorAll("body *"))
        .map((e) => ({ e, r: e.getBoundingClientRect() }))
        .filter(({ r }) => r.right > document.documentElement.clientWidth + 1)
        .slice(0, 5)
        .map(({ e, r }) => `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}${e.getAttribute("data-testid") ? `[${e.getAttribute("data-testid")}]` : ""} right=${Math.round(r.right)}`),
    }));
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: resultsPath("demo-390x844.png") });
    await page.screenshot({ path: resultsPath("demo-390-full.png"), fullPage: true });
    assert.ok(widths.document <= widths.viewport && widths.body <= widths.viewport,
      `no horizontal scrolling at 390 px: document ${widths.document} px, body ${widths.body} px, viewport ${widths.viewport} px; overflowing: ${widths.widest.join(", ")}`);
    assert.is(problems.length, 0, `the page reported problems: ${describeProblems(problems)}`);
    lap("screenshots");

    state = await demoState(page);
    assert.equal(state.errors, [], "__demo.errors stays empty after the resize");

    // save the model (a download), read it in Node, load it back into the page, generate again
    const [download] = await Promise.all([page.waitForEvent("download"), page.locator(byId("save-model")).click()]);
    assert.match(download.suggestedFilename(), /\.wrnn$/, "the model downloads as a .wrnn file");
    const saved = resultsPath("demo-model.wrnn");
    await download.saveAs(saved);
    const bytes = new Uint8Array(readFileSync(saved));
    await init({ build: "simd" });
    const { lm, vocab } = await decodeModel(bytes, "the model the demo saved");
    try {
      assert.is(lm.config.cell, "gru");
      assert.is(lm.config.hiddenSize, 64);
      assert.is(lm.config.numLayers, 1);
      assert.ok(vocab !== null && vocab.size > 10, "the saved model holds its vocabulary");
    } finally {
      lm.dispose();
    }
    await page.locator(byId("load-model")).setInputFiles(saved);
    await waitForDemo(page, problems, "the saved model loads back", "d.history.length === 0 || d.errors.length > 0", 10_000);
    assert.equal((await demoState(page)).errors, [], "loading the saved model reports no error");
    await page.locator(byId("generate-button")).click();
    await page.waitForFunction(
      ([sel, old]) => {
        const text = (document.querySelector(sel) as HTMLElement | null)?.innerText.trim() ?? "";
        return text.length > 4 && text !== old;
      },
      [byId("generate-output"), generated] as const, { timeout: 15_000 },
    ).catch((e: Error) => { throw new Error(`no text from the loaded model: ${e.message.split("\n")[0]}; page problems: ${describeProblems(problems)}`); });
    lap(`saved ${bytes.length} B, loaded, generated`);

    // the checkpoint loads back and training resumes from its step
    await page.locator(byId("load-model")).setInputFiles(checkpointPath);
    await waitForDemo(page, problems, "the checkpoint loads", "d.history.length === 0 || d.errors.length > 0", 10_000);
    await page.locator(byId("train-start")).click();
    await waitForDemo(page, problems, "training resumes from the checkpoint", "d.history.length >= 3 || d.errors.length > 0", 20_000);
    await page.locator(byId("train-stop")).click();
    await waitForDemo(page, problems, "training stops", "d.training === false", 10_000);
    state = await demoState(page);
    assert.equal(state.errors, [], "resuming from the checkpoint reports no error");
    assert.is(state.history[0].step, checkpointStep + 1, "training resumes at the step after the checkpoint's");
    lap(`resumed from the checkpoint at step ${state.history[0].step}`);

    state = await demoState(page);
    assert.equal(state.errors, [], "__demo.errors stays empty");
    assert.is(problems.length, 0, `the page reported problems: ${describeProblems(problems)}`);
  });
});

test.run();
