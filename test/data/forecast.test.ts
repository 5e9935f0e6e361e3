// Multi-step forecasts against "models" that are formulas, so every forecast is known exactly: a linear
// extrapolation (direct), an AR(1) recursion, a seasonal copy (the window slides in the right order), a model
// that reads the weekday from its calendar features (new dates' features are computed), and a known future
// covariate.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init } from "../../src/index.js";
import { forecastDirect, forecastRecursive, type PredictFn, type TimeSeries } from "../../src/tasks/index.js";
import { throwsWith } from "../helpers/errors.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await init();

const days = (start: string, n: number) => Array.from({ length: n }, (_, i) => new Date(Date.parse(start) + i * 86_400_000).toISOString().slice(0, 10));
const iso = (dates: Date[] | null) => dates!.map((d) => d.toISOString().slice(0, 10));

/** Applies `f` to each input of a batch, recording the calls. */
function model(f: (input: Float32Array, lookback: number) => number[], calls: number[][] = []): PredictFn {
  return (inputs, lookback) => {
    calls.push([inputs.length, inputs[0].length, lookback]);
    return inputs.map((x) => Float32Array.from(f(x, lookback)));
  };
}

test("direct: one call on the last lookback steps; the horizon's values and dates continue the history", () => {
  const history: TimeSeries = { values: Float32Array.from([0, 2, 4, 6, 8]), features: 1, dates: days("2014-01-01", 5) };
  const calls: number[][] = [];
  // extrapolates the window's line: last + (h + 1) · slope
  const line = model((x, L) => [1, 2, 3, 4].map((h) => x[L - 1] + (h * (x[L - 1] - x[0])) / (L - 1)), calls);
  const { values, dates } = forecastDirect(line, history, { lookback: 3, horizon: 4, targets: [0], output: "direct" });
  assert.equal([...values], [10, 12, 14, 16]);
  assert.equal(calls, [[1, 3, 3]], "one input of [lookback · inputSize], lookback passed");
  assert.equal(iso(dates), ["2014-01-06", "2014-01-07", "2014-01-08", "2014-01-09"]);
  assert.equal([...history.values], [0, 2, 4, 6, 8], "history not mutated");
  const given = forecastDirect(line, history, { lookback: 3, horizon: 4, targets: [0], output: "direct", dates: ["2014-02-01", "2014-02-02", "2014-02-03", "2014-02-04"] });
  assert.equal(iso(given.dates), ["2014-02-01", "2014-02-02", "2014-02-03", "2014-02-04"]);
  assert.is(forecastDirect(line, { values: history.values, features: 1 }, { lookback: 3, horizon: 4, targets: [0], output: "direct" }).dates, null);
});

test("recursive AR(1) with a step model: x ← 0.5·x + 1 from each window's last step, fed back", () => {
  const history: TimeSeries = { values: Float32Array.from([3, 7, 10]), features: 1 };
  const calls: number[][] = [];
  const ar = model((x) => Array.from(x, (v) => 0.5 * v + 1), calls); // "step": a prediction at every step
  const { values } = forecastRecursive(ar, history, { lookback: 2, targets: [0], output: "step", steps: 5 });
  assert.equal([...values], [6, 4, 3, 2.5, 2.25]);
  assert.equal(calls, Array.from({ length: 5 }, () => [1, 2, 2]));
});

test("recursive with a direct model of horizon 1: a seasonal copy x[t+1] = x[t+1−L] repeats the history in order", () => {
  const history: TimeSeries = { values: Float32Array.from([9, 1, 2, 3]), features: 1 };
  const seasonal = model((x) => [x[0]]);
  const { values } = forecastRecursive(seasonal, history, { lookback: 3, targets: [0], output: "direct", steps: 7 });
  assert.equal([...values], [1, 2, 3, 1, 2, 3, 1]);
});

test("recursive with calendar features: each new step's weekday is computed from its date", () => {
  // the model adds the weekday (0 = Sunday) it reads from the (sin, cos) pair of its input step
  const weekday = (s: number, c: number) => (Math.round((Math.atan2(s, c) * 7) / (2 * Math.PI)) + 7) % 7;
  const byDay = model((x) => [x[0] + weekday(x[1], x[2])]);
  const history: TimeSeries = { values: Float32Array.from([5, 5, 5, 0]), features: 1, dates: days("2014-01-02", 4) }; // ends Sunday 5 January
  const { values, dates } = forecastRecursive(byDay, history, { lookback: 1, targets: [0], calendar: ["dayOfWeek"], output: "direct", steps: 4 });
  // Sunday's 0 + 0 → Monday 0; + 1 → Tuesday 1; + 2 → Wednesday 3; + 3 → Thursday 6
  assert.equal([...values], [0, 1, 3, 6]);
  assert.equal(iso(dates), ["2014-01-06", "2014-01-07", "2014-01-08", "2014-01-09"]);
});

test("recursive with an input that is not a target: its known future values are fed, the target columns ignored", () => {
  // features [y, flag]; the model: next y = y + 10·flag at every step
  const history: TimeSeries = { values: Float32Array.from([5, 0, 6, 1]), features: 2 };
  const step = model((x, L) => Array.from({ length: L }, (_, t) => x[2 * t] + 10 * x[2 * t + 1]));
  const known = Float32Array.from([999, 0, 999, 1, 999, 0]);
  const options = { lookback: 2, targets: [0], output: "step", steps: 3 } as const;
  assert.equal([...forecastRecursive(step, history, { ...options, known }).values], [16, 16, 26]);
  throwsWith(() => forecastRecursive(step, history, options), RangeError, /input feature 1 is not predicted \(not in targets\): pass their future values as known \[steps · features\]/);
  throwsWith(() => forecastRecursive(step, history, { ...options, known: new Float32Array(4) }), RangeError, /known must be a Float32Array of \[steps · features\] = 6 values, got a Float32Array of length 4/);
});

test("bad models, options, dates and histories are refused with what was expected", () => {
  const history: TimeSeries = { values: Float32Array.from([1, 2, 3]), features: 1, dates: days("2014-01-01", 3) };
  const direct = { lookback: 2, horizon: 2, targets: [0], output: "direct" } as const;
  const ones = (n: number) => model(() => new Array(n).fill(1));
  throwsWith(() => forecastDirect(ones(3), history, direct), RangeError, /predict must return one Float32Array of 2 values per input \(1 input\), got 1 outputs, the first a Float32Array of length 3/);
  throwsWith(() => forecastDirect((() => [new Float32Array(2), new Float32Array(2)]) as PredictFn, history, direct), RangeError, /got 2 outputs/);
  throwsWith(() => forecastDirect((() => new Float32Array(2)) as never, history, direct), RangeError, /got a Float32Array of length 2/);
  throwsWith(() => forecastDirect("model" as never, history, direct), TypeError, /predict must be a function/);
  throwsWith(() => forecastDirect(ones(2), history, { ...direct, output: "step", horizon: 1 }), RangeError, /forecastDirect needs output "direct"/);
  throwsWith(() => forecastRecursive(ones(2), history, { ...direct, steps: 3 }), RangeError, /one step at a time: it needs output "step" or "direct" with horizon 1, got horizon 2/);
  throwsWith(() => forecastRecursive(ones(1), history, { ...direct, horizon: 1, steps: 0 }), RangeError, /steps must be an integer in \[1, \d+\], got 0/);
  throwsWith(() => forecastDirect(ones(2), history, { ...direct, lookback: 4 }), RangeError, /the history has 3 steps; a forecast from a lookback of 4 needs at least 4/);
  throwsWith(() => forecastDirect(ones(2), history, { ...direct, dates: ["2014-01-05"] }), RangeError, /dates must have one date per forecast step \(2\), got 1/);
  throwsWith(() => forecastDirect(ones(2), history, { ...direct, dates: ["2014-01-03", "2014-01-04"] }), RangeError, /dates\[0\] 2014-01-03T00:00:00\.000Z must come after the history's last date 2014-01-03/);
  const oneDay = { ...history, values: Float32Array.from([1]), dates: ["2014-01-01"] };
  throwsWith(() => forecastRecursive(ones(1), oneDay, { ...direct, lookback: 1, horizon: 1, steps: 2, calendar: ["month"] }), RangeError, /the history has one date: pass the forecast's dates for their calendar features/);
  assert.is(forecastDirect(ones(2), oneDay, { ...direct, lookback: 1 }).dates, null, "no interval, no calendar: no dates");
  throwsWith(() => forecastDirect(ones(2), history, { ...direct, step: 3 } as never), TypeError, /unknown option "step"/);
  throwsWith(() => forecastDirect(ones(2), { ...history, dates: ["2014-01-01", "2014-01-03", "2014-01-02"] }, direct), RangeError, /history\.dates must be strictly increasing/);
});

test.run();
