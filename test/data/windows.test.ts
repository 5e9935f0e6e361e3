// Time-series windows ("direct" and "step" targets, strides, chosen inputs, calendar features) and the split in
// time, on series whose values say where they come from: value(step s, feature f) = 10·s + f.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init } from "../../src/index.js";
import { checkDataset, makeTaskBatches, splitByTime, timeSeriesWindows, type TimeSeries } from "../../src/tasks/index.js";
import { throwsWith } from "../helpers/errors.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await init();

function series(length: number, features: number, start?: string): TimeSeries {
  const values = Float32Array.from({ length: length * features }, (_, i) => 10 * Math.floor(i / features) + (i % features));
  if (start === undefined) return { values, features };
  const t0 = Date.parse(start);
  return { values, features, dates: Array.from({ length }, (_, s) => new Date(t0 + s * 86_400_000).toISOString().slice(0, 10)) };
}

test("direct: lookback steps of every feature in, the next horizon values of the targets out, every stride steps", () => {
  const { dataset, starts, layout } = timeSeriesWindows(series(10, 2), { lookback: 3, horizon: 2, stride: 2, targets: [1], output: "direct" });
  // windows start at 0, 2, 4: the last one ends at step 6 and its targets are steps 7, 8 (step 9 is left over)
  assert.equal([...starts], [0, 2, 4]);
  assert.equal(dataset.examples.map((e) => [...e.input]), [
    [0, 1, 10, 11, 20, 21],
    [20, 21, 30, 31, 40, 41],
    [40, 41, 50, 51, 60, 61],
  ]);
  assert.equal(dataset.examples.map((e) => [...(e.target as Float32Array)]), [[31, 41], [51, 61], [71, 81]]);
  assert.equal({ ...dataset, examples: [] }, { task: "regress", inputKind: "features", inputSize: 2, outFeatures: 2, perStep: false, examples: [] });
  assert.equal(layout, { lookback: 3, horizon: 2, stride: 2, inputs: [0, 1], targets: [1], calendar: [], output: "direct", inputSize: 2 });
  assert.is(checkDataset(dataset), dataset);
});

test("direct with several targets: element h·K + k; the windows reach the series' end exactly", () => {
  const { dataset, starts } = timeSeriesWindows(series(6, 3), { lookback: 2, horizon: 2, targets: [2, 0], inputs: [1], output: "direct" });
  assert.equal([...starts], [0, 1, 2]);
  assert.equal([...dataset.examples[2].input], [21, 31], "only feature 1 fed");
  assert.equal([...(dataset.examples[2].target as Float32Array)], [42, 40, 52, 50]);
  assert.is(dataset.inputSize, 1);
  assert.is(dataset.outFeatures, 4);
});

test("step: at every step the next step's target values, perStep", () => {
  const { dataset, starts } = timeSeriesWindows(series(5, 2), { lookback: 3, targets: [0, 1], output: "step" });
  assert.equal([...starts], [0, 1], "a window needs one step after it");
  assert.equal([...dataset.examples[1].input], [10, 11, 20, 21, 30, 31]);
  assert.equal([...(dataset.examples[1].target as Float32Array)], [20, 21, 30, 31, 40, 41]);
  assert.is(dataset.perStep, true);
  assert.is(dataset.outFeatures, 2);
  assert.is(checkDataset(dataset), dataset);
  const [b] = makeTaskBatches(dataset, { batchSize: 2, random: null }).batches;
  assert.equal([b.seqLen, b.batch, b.target.length], [3, 2, 3 * 2 * 2], "batches as [T·B·O]");
});

test("calendar features follow each step's inputs, from that step's own date", () => {
  // 2014-01-04 is a Saturday
  const { dataset } = timeSeriesWindows(series(4, 1, "2014-01-04"), { lookback: 2, targets: [0], calendar: ["dayOfWeek", "month"], output: "direct" });
  assert.is(dataset.inputSize, 5);
  const f = (x: number) => Math.fround(x);
  const week = (d: number) => [f(Math.sin((2 * Math.PI * d) / 7)), f(Math.cos((2 * Math.PI * d) / 7))];
  assert.equal([...dataset.examples[1].input], [10, ...week(0), 0, 1, 20, ...week(1), 0, 1], "Sunday, Monday in January");
  assert.equal([...(dataset.examples[1].target as Float32Array)], [30]);
});

test("too short a series, bad indices, options and dates are refused with what was expected", () => {
  const s = series(5, 2);
  const ok = { lookback: 2, targets: [0], output: "direct" } as const;
  throwsWith(() => timeSeriesWindows(s, { ...ok, lookback: 4, horizon: 2 }), RangeError, /the series has 5 steps; a window of lookback 4 and horizon 2 needs at least 6/);
  throwsWith(() => timeSeriesWindows(s, { ...ok, lookback: 5, output: "step" }), RangeError, /has 5 steps; a window of lookback 5 and horizon 1 needs at least 6/);
  throwsWith(() => timeSeriesWindows(s, { ...ok, targets: [2] }), RangeError, /targets\[0\] must be a feature index in \[0, 2\), got 2/);
  throwsWith(() => timeSeriesWindows(s, { ...ok, targets: [] }), TypeError, /targets must be a non-empty array of feature indices/);
  throwsWith(() => timeSeriesWindows(s, { ...ok, inputs: [0, 0] }), RangeError, /inputs: feature 0 appears twice/);
  throwsWith(() => timeSeriesWindows(s, { ...ok, inputs: [-1] }), RangeError, /inputs\[0\] must be a feature index in \[0, 2\), got -1/);
  throwsWith(() => timeSeriesWindows(s, { ...ok, output: "step", horizon: 3 }), RangeError, /horizon must be 1 with output "step" .* got 3/);
  throwsWith(() => timeSeriesWindows(s, { ...ok, output: "next" as never }), TypeError, /output must be "direct" or "step", got "next"/);
  throwsWith(() => timeSeriesWindows(s, { ...ok, lookback: 0 }), RangeError, /lookback must be an integer in \[1, \d+\], got 0/);
  throwsWith(() => timeSeriesWindows(s, { ...ok, stride: 1.5 }), RangeError, /stride must be an integer/);
  throwsWith(() => timeSeriesWindows(s, { ...ok, calendar: ["dayOfWeek"] }), TypeError, /calendar features \(dayOfWeek\) need the series' dates/);
  throwsWith(() => timeSeriesWindows(s, { ...ok, lookbak: 2 } as never), TypeError, /unknown option "lookbak"/);
  throwsWith(() => timeSeriesWindows({ ...s, dates: ["2014-01-01", "2014-01-02"] }, ok), RangeError, /series\.dates must have one date per step \(5\), got 2/);
  throwsWith(() => timeSeriesWindows({ ...s, dates: ["2014-01-01", "2014-01-02", "2014-01-03", "2014-01-04", "2014-01-32"] }, ok), RangeError, /series\.dates\[4\]: "2014-01-32" is not a calendar date/);
  throwsWith(() => timeSeriesWindows({ ...s, values: Float32Array.from([1, 2, 3]) }, ok), RangeError, /series\.values has 3 numbers, not a multiple of 2 features/);
  throwsWith(() => timeSeriesWindows({ ...s, values: Float32Array.from([1, 2, NaN, 4]) }, ok), RangeError, /series\.values\[2\] \(step 1, feature 0\) must be finite, got NaN/);
  throwsWith(() => timeSeriesWindows({ ...s, values: [1, 2] as never }, ok), TypeError, /series\.values must be a Float32Array of \[length · 2\]/);
});

test("splitByTime: train 2000–2012, validate 2013, test 2014 by dates; context steps prepended as inputs", () => {
  const daily = series(5479, 1, "2000-01-01"); // to 2014-12-31
  assert.is(daily.dates![5478], "2014-12-31");
  const { train, validation, test: testPart } = splitByTime(daily, { trainEnd: "2013-01-01", validationEnd: "2014-01-01" });
  const span = (s: TimeSeries) => [(s.dates![0] as Date).toISOString().slice(0, 10), (s.dates!.at(-1) as Date).toISOString().slice(0, 10), s.values.length];
  assert.equal(span(train), ["2000-01-01", "2012-12-31", 4749]);
  assert.equal(span(validation), ["2013-01-01", "2013-12-31", 365]);
  assert.equal(span(testPart), ["2014-01-01", "2014-12-31", 365]);
  assert.is(validation.values[0], daily.values[4749]);
  validation.values[0] = -1;
  assert.is(daily.values[4749], 47490, "parts are copies");

  // with context = lookback, the first direct window of validation predicts 1 January 2013
  const withContext = splitByTime(daily, { trainEnd: "2013-01-01", validationEnd: "2014-01-01", context: 28 });
  assert.equal(span(withContext.validation), ["2012-12-04", "2013-12-31", 365 + 28]);
  const { dataset, starts } = timeSeriesWindows(withContext.validation, { lookback: 28, horizon: 7, targets: [0], output: "direct" });
  assert.is(starts.length, 365 - 7 + 1);
  assert.is((dataset.examples[0].target as Float32Array)[0], daily.values[4749]);

  // step indices instead of dates
  const byIndex = splitByTime(series(10, 2), { trainEnd: 6, validationEnd: 8, context: 2 });
  assert.equal([byIndex.train.values.length, byIndex.validation.values.length, byIndex.test.values.length], [12, 8, 8]);
  assert.is(byIndex.validation.values[0], 40);
  assert.is(byIndex.test.dates, undefined);
});

test("splitByTime refuses an empty part, a date boundary without dates, and context longer than training", () => {
  const s = series(10, 1, "2014-01-01");
  throwsWith(() => splitByTime(s, { trainEnd: "2013-12-01", validationEnd: 5 }), RangeError, /trainEnd is at the series' first step: training would be empty/);
  throwsWith(() => splitByTime(s, { trainEnd: 5, validationEnd: "2014-01-03" }), RangeError, /validation would be empty: validationEnd is at 2014-01-03 \(step 2\), not after trainEnd at 2014-01-06 \(step 5\)/);
  throwsWith(() => splitByTime(s, { trainEnd: 5, validationEnd: "2014-02-01" }), RangeError, /test would be empty/);
  throwsWith(() => splitByTime(s, { trainEnd: 5, validationEnd: 11 }), RangeError, /validationEnd must be a step index in \[0, 10\], got 11/);
  throwsWith(() => splitByTime(s, { trainEnd: 3, validationEnd: 6, context: 4 }), RangeError, /context 4 is longer than the training part \(3 steps\)/);
  throwsWith(() => splitByTime(s, { trainEnd: 3, validationEnd: 6, context: -1 }), RangeError, /context must be an integer ≥ 0, got -1/);
  throwsWith(() => splitByTime(series(10, 1), { trainEnd: "2014-01-03", validationEnd: 6 }), TypeError, /trainEnd is a date \("2014-01-03"\) but the series has no dates; give a step index/);
  throwsWith(() => splitByTime(s, { trainEnd: "2014-1-3", validationEnd: 6 }), RangeError, /trainEnd must be a date as "YYYY-MM-DD"/);
});

test.run();
