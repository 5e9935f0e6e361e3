// Supervised examples from a time series: windows of `lookback` steps, every `stride` steps, each with what
// follows it as the target. Two target shapes, for the two ways to forecast several steps:
// - "direct": the next `horizon` values of the target features, one target per example (a Pool → Linear
//   model predicts all of them at once);
// - "step": at every step of the window, the value of the next step (a sequence model learns one-step-ahead
//   prediction at every position, then forecasts recursively, feeding each prediction back).
// Calendar features (calendar.ts) are added to each step's inputs from that step's own date.

import { checkKnownKeys, checkObject, checkPositiveInt, describe } from "../errors.js";
import { checkCalendar, parseDate, parseDates, writeCalendar, type CalendarFeature } from "./calendar.js";
import type { SequenceDataset, SequenceExample } from "./dataset.js";

export interface TimeSeries {
  /** [length · features], row-major by step. */
  values: Float32Array;
  features: number;
  /** One per step, strictly increasing: Dates or ISO 8601 strings ("2014-01-05"); needed for calendar features. */
  dates?: readonly (Date | string)[];
}

export type WindowOutput = "direct" | "step";

export interface WindowOptions {
  /** Steps of input per example. */
  lookback: number;
  /** Steps predicted after the window ("direct"); "step" predicts one step ahead (horizon 1, the default). */
  horizon?: number;
  /** Steps between the starts of consecutive windows. Default 1. */
  stride?: number;
  /** The features fed as inputs, in order. Default: all of them. */
  inputs?: readonly number[];
  /** The features to predict, in order. */
  targets: readonly number[];
  /** Calendar features appended to each step's inputs (sin, cos pairs; see calendar.ts). Default none. */
  calendar?: readonly CalendarFeature[];
  output: WindowOutput;
}

/** WindowOptions checked against a series, with the defaults filled in. */
export interface WindowLayout {
  lookback: number;
  horizon: number;
  stride: number;
  inputs: readonly number[];
  targets: readonly number[];
  calendar: readonly CalendarFeature[];
  output: WindowOutput;
  /** Values per input step: inputs.length + 2 · calendar.length. */
  inputSize: number;
}

export interface TimeSeriesWindows {
  /**
   * task "regress", inputKind "features". direct: target [horizon · targets.length] (element h·K + k: target
   * feature k, h + 1 steps after the window), perStep false; step: target [lookback · K] (element t·K + k: the
   * value at the step after step t), perStep true.
   */
  dataset: SequenceDataset;
  /** The first step of each example's window in the series. */
  starts: Int32Array;
  layout: WindowLayout;
}

export interface CheckedSeries {
  values: Float32Array;
  features: number;
  length: number;
  dates: Date[] | null;
}

export function checkSeries(what: string, series: unknown): CheckedSeries {
  const s = checkObject(what, series, "a time series { values, features, dates? }");
  const features = checkPositiveInt(`${what}.features`, s.features);
  const values = s.values;
  if (!(values instanceof Float32Array)) throw new TypeError(`${what}.values must be a Float32Array of [length · ${features}], got ${describe(values)}`);
  if (values.length % features !== 0) throw new RangeError(`${what}.values has ${values.length} numbers, not a multiple of ${features} features`);
  const length = values.length / features;
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`${what}.values[${bad}] (step ${Math.floor(bad / features)}, feature ${bad % features}) must be finite, got ${values[bad]}`);
  const dates = s.dates === undefined ? null : parseDates(`${what}.dates`, s.dates);
  if (dates && dates.length !== length) throw new RangeError(`${what}.dates must have one date per step (${length}), got ${dates.length}`);
  return { values, features, length, dates };
}

function checkIndices(what: string, value: unknown, features: number): number[] {
  if (!Array.isArray(value) || value.length === 0) throw new TypeError(`${what} must be a non-empty array of feature indices, got ${describe(value)}`);
  value.forEach((f, i) => {
    if (!Number.isInteger(f) || f < 0 || f >= features) throw new RangeError(`${what}[${i}] must be a feature index in [0, ${features}), got ${describe(f)}`);
    if (value.indexOf(f) !== i) throw new RangeError(`${what}: feature ${f} appears twice`);
  });
  return [...value];
}

/** Checks window options against a series (its feature count and whether it has dates). */
export function windowLayout(options: unknown, features: number, hasDates: boolean): WindowLayout {
  const o = checkObject("window options", options);
  checkKnownKeys("window options", o, ["lookback", "horizon", "stride", "inputs", "targets", "calendar", "output"]);
  if (o.output !== "direct" && o.output !== "step") throw new TypeError(`output must be "direct" or "step", got ${describe(o.output)}`);
  const lookback = checkPositiveInt("lookback", o.lookback);
  const horizon = checkPositiveInt("horizon", o.horizon ?? 1);
  if (o.output === "step" && horizon !== 1) {
    throw new RangeError(`horizon must be 1 with output "step" (it predicts the next step at every step), got ${horizon}; use output "direct" for a ${horizon}-step target`);
  }
  const stride = checkPositiveInt("stride", o.stride ?? 1);
  const inputs = o.inputs === undefined ? Array.from({ length: features }, (_, f) => f) : checkIndices("inputs", o.inputs, features);
  const targets = checkIndices("targets", o.targets, features);
  const calendar = checkCalendar("calendar", o.calendar ?? []);
  if (calendar.length > 0 && !hasDates) throw new TypeError(`calendar features (${calendar.join(", ")}) need the series' dates`);
  return { lookback, horizon, stride, inputs, targets, calendar, output: o.output, inputSize: inputs.length + 2 * calendar.length };
}

/**
 * Writes the input of `layout.lookback` steps of `rows` ([steps · features]) starting at step `from`: per
 * step the `inputs` features, then the calendar pairs of that step's date.
 */
export function encodeInput(rows: Float32Array, features: number, dates: readonly Date[] | null, from: number, layout: WindowLayout): Float32Array {
  const { lookback, inputs, calendar, inputSize } = layout;
  const out = new Float32Array(lookback * inputSize);
  for (let t = 0; t < lookback; t++) {
    const row = (from + t) * features, at = t * inputSize;
    inputs.forEach((f, j) => (out[at + j] = rows[row + f]));
    if (calendar.length > 0) writeCalendar(dates![from + t], calendar, out, at + inputs.length);
  }
  return out;
}

export function timeSeriesWindows(series: TimeSeries, options: WindowOptions): TimeSeriesWindows {
  const s = checkSeries("series", series);
  const layout = windowLayout(options, s.features, s.dates !== null);
  const { lookback, horizon, stride, targets, output } = layout;
  const K = targets.length, F = s.features;
  if (s.length < lookback + horizon) {
    throw new RangeError(`the series has ${s.length} steps; a window of lookback ${lookback} and horizon ${horizon} needs at least ${lookback + horizon}`);
  }
  const count = Math.floor((s.length - lookback - horizon) / stride) + 1;
  const starts = Int32Array.from({ length: count }, (_, i) => i * stride);
  // "direct": steps lookback … lookback+horizon−1 of the window; "step": steps 1 … lookback
  const first = output === "direct" ? lookback : 1;
  const steps = output === "direct" ? horizon : lookback;
  const examples: SequenceExample[] = Array.from(starts, (start) => {
    const target = new Float32Array(steps * K);
    for (let h = 0; h < steps; h++) targets.forEach((f, k) => (target[h * K + k] = s.values[(start + first + h) * F + f]));
    return { input: encodeInput(s.values, F, s.dates, start, layout), target };
  });
  const dataset: SequenceDataset = {
    task: "regress", examples, inputKind: "features", inputSize: layout.inputSize,
    outFeatures: output === "direct" ? horizon * K : K, perStep: output === "step",
  };
  return { dataset, starts, layout };
}

/** A step of a series: an index, or (with dates) a Date or ISO 8601 string, meaning the first step on or after it. */
export type SeriesBoundary = number | Date | string;

export interface TimeSplit {
  train: TimeSeries;
  validation: TimeSeries;
  test: TimeSeries;
}

/**
 * Cuts a series in time: train before `trainEnd`, validation from there to before `validationEnd`, test from
 * there on (train 2000–2012, validate 2013, test 2014: trainEnd "2013-01-01", validationEnd "2014-01-01").
 * `context` (default 0) steps before validation and test are prepended to them as inputs: with
 * context = lookback, the first "direct" window of a part predicts the part's first step. Fit a Normalizer
 * on `train.values` only. Values and dates are copies.
 */
export function splitByTime(series: TimeSeries, options: { trainEnd: SeriesBoundary; validationEnd: SeriesBoundary; context?: number }): TimeSplit {
  const s = checkSeries("series", series);
  const o = checkObject("splitByTime options", options);
  checkKnownKeys("splitByTime", o, ["trainEnd", "validationEnd", "context"]);
  const context = o.context === undefined ? 0 : o.context;
  if (typeof context !== "number" || !Number.isInteger(context) || context < 0) throw new RangeError(`context must be an integer ≥ 0, got ${describe(context)}`);
  const a = boundary("trainEnd", o.trainEnd, s), b = boundary("validationEnd", o.validationEnd, s);
  const at = (i: number) => (s.dates ? `${s.dates[i]?.toISOString().slice(0, 10) ?? "the end"} (step ${i})` : `step ${i}`);
  if (a === 0) throw new RangeError(`splitByTime: trainEnd is at the series' first step: training would be empty`);
  if (b <= a) throw new RangeError(`splitByTime: validation would be empty: validationEnd is at ${at(b)}, not after trainEnd at ${at(a)}`);
  if (b >= s.length) throw new RangeError(`splitByTime: test would be empty: validationEnd is at or past the series' end (${s.length} steps)`);
  if (context > a) throw new RangeError(`splitByTime: context ${context} is longer than the training part (${a} steps)`);
  const part = (from: number, to: number): TimeSeries => ({
    values: s.values.slice(from * s.features, to * s.features),
    features: s.features,
    ...(s.dates ? { dates: s.dates.slice(from, to) } : {}),
  });
  return { train: part(0, a), validation: part(a - context, b), test: part(b - context, s.length) };
}

/** The index of the first step at or after a boundary. */
function boundary(what: string, value: unknown, s: CheckedSeries): number {
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0 || value > s.length) throw new RangeError(`${what} must be a step index in [0, ${s.length}], got ${value}`);
    return value;
  }
  if (!s.dates) throw new TypeError(`${what} is a date (${describe(value)}) but the series has no dates; give a step index`);
  const t = parseDate(what, value).getTime();
  const i = s.dates.findIndex((d) => d.getTime() >= t);
  return i < 0 ? s.length : i;
}
