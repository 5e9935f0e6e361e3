// Multi-step forecasts from the end of a history, against a batch prediction function rather than a model
// class, so any model (or a formula, in the tests) can stand behind it:
// - direct: one call; a model trained on "direct" windows returns all `horizon` steps at once;
// - recursive: one step at a time; each prediction becomes the next step's values (and its date the next
//   step's calendar features), for a model trained on "step" windows (or "direct" with horizon 1).
// Values are on the model's scale: normalise the history and map the forecast back with Normalizer.inverse
// (columns = the target features).

import { checkKnownKeys, checkObject, checkPositiveInt, describe } from "../errors.js";
import { parseDates } from "./calendar.js";
import { checkSeries, encodeInput, windowLayout, type CheckedSeries, type TimeSeries, type WindowLayout, type WindowOptions } from "./windows.js";

/**
 * Predicts a batch: each input is [lookback · inputSize] (as timeSeriesWindows builds them), each output the
 * model's prediction for it: [horizon · targets] ("direct") or [lookback · targets] ("step", every step's
 * next value).
 */
export type PredictFn = (inputs: Float32Array[], lookback: number) => Float32Array[];

export interface ForecastResult {
  /** [steps · targets.length]: element s·K + k is target feature k, s + 1 steps after the history. */
  values: Float32Array;
  /** The forecast steps' dates: the given ones, or the history's last interval continued (null without one). */
  dates: Date[] | null;
}

export interface ForecastOptions extends WindowOptions {
  /** The forecast steps' dates; default: continuing the history's last interval. */
  dates?: readonly (Date | string)[];
}

export interface RecursiveForecastOptions extends ForecastOptions {
  /** Steps to forecast. */
  steps: number;
  /**
   * [steps · features] full rows of the future values of the input features that are not targets (known in
   * advance, such as a holiday flag); the target columns are ignored. Needed only when such inputs exist.
   */
  known?: Float32Array;
}

/** The next `horizon` steps after the history from one call of `predict` (options as for "direct" windows). */
export function forecastDirect(predict: PredictFn, history: TimeSeries, options: ForecastOptions): ForecastResult {
  checkPredict(predict);
  const { dates, window } = splitOptions(options, []);
  const s = checkSeries("history", history);
  const layout = windowLayout(window, s.features, s.dates !== null);
  if (layout.output !== "direct") throw new RangeError(`forecastDirect needs output "direct" (a model that predicts ${"`horizon`"} steps at once), got "step": use forecastRecursive`);
  checkHistory(s, layout);
  const input = encodeInput(s.values, s.features, s.dates, s.length - layout.lookback, layout);
  const values = callPredict(predict, input, layout, layout.horizon * layout.targets.length);
  return { values: values.slice(), dates: futureDates(s, dates, layout.horizon, false) };
}

/** `steps` steps after the history, one prediction at a time, each fed back as the next step's input. */
export function forecastRecursive(predict: PredictFn, history: TimeSeries, options: RecursiveForecastOptions): ForecastResult {
  checkPredict(predict);
  const { dates, window, steps, known } = splitOptions(options, ["steps", "known"]);
  const s = checkSeries("history", history);
  const layout = windowLayout(window, s.features, s.dates !== null);
  const n = checkPositiveInt("steps", steps);
  if (layout.output === "direct" && layout.horizon !== 1) {
    throw new RangeError(`forecastRecursive feeds back one step at a time: it needs output "step" or "direct" with horizon 1, got horizon ${layout.horizon} (forecastDirect forecasts those at once)`);
  }
  checkHistory(s, layout);
  const { lookback, targets } = layout;
  const F = s.features, K = targets.length;
  const unknown = layout.inputs.filter((f) => !targets.includes(f));
  if (unknown.length > 0 && known === undefined) {
    throw new RangeError(`input feature${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} ${unknown.length > 1 ? "are" : "is"} not predicted (not in targets): pass their future values as known [steps · features]`);
  }
  if (known !== undefined && !(known instanceof Float32Array && known.length === n * F)) {
    throw new RangeError(`known must be a Float32Array of [steps · features] = ${n * F} values, got ${describe(known)}`);
  }
  const future = futureDates(s, dates, n, layout.calendar.length > 0);

  // the last lookback steps, then each forecast step appended: rows [lookback + steps, F]
  const rows = new Float32Array((lookback + n) * F);
  rows.set(s.values.subarray((s.length - lookback) * F));
  const rowDates = s.dates ? [...s.dates.slice(s.length - lookback), ...future!] : null;
  const out = new Float32Array(n * K);
  const width = layout.output === "step" ? lookback * K : K;
  for (let i = 0; i < n; i++) {
    const prediction = callPredict(predict, encodeInput(rows, F, rowDates, i, layout), layout, width);
    const next = (lookback + i) * F;
    if (known !== undefined) rows.set(known.subarray(i * F, (i + 1) * F), next);
    targets.forEach((f, k) => {
      const v = prediction[width - K + k]; // the last step's prediction is the next value
      rows[next + f] = v;
      out[i * K + k] = v;
    });
  }
  return { values: out, dates: future };
}

function splitOptions(options: unknown, extra: string[]) {
  const o = checkObject("forecast options", options);
  checkKnownKeys("forecast", o, ["lookback", "horizon", "stride", "inputs", "targets", "calendar", "output", "dates", ...extra]);
  const { dates, steps, known, ...window } = o;
  return { dates, steps, known, window };
}

function checkPredict(predict: unknown): void {
  if (typeof predict !== "function") throw new TypeError(`predict must be a function (inputs: Float32Array[], lookback) => Float32Array[], got ${describe(predict)}`);
}

function checkHistory(s: CheckedSeries, layout: WindowLayout): void {
  if (s.length < layout.lookback) throw new RangeError(`the history has ${s.length} steps; a forecast from a lookback of ${layout.lookback} needs at least ${layout.lookback}`);
}

function callPredict(predict: PredictFn, input: Float32Array, layout: WindowLayout, width: number): Float32Array {
  const result = predict([input], layout.lookback);
  const y = Array.isArray(result) ? result[0] : undefined;
  if (!Array.isArray(result) || result.length !== 1 || !(y instanceof Float32Array) || y.length !== width) {
    throw new RangeError(`predict must return one Float32Array of ${width} values per input (1 input), got ${Array.isArray(result) ? `${result.length} outputs, the first ${describe(result[0])}` : describe(result)}`);
  }
  return y;
}

/**
 * The given future dates (checked to follow the history), or the history's last interval repeated; null
 * without history dates, or with only one and no calendar features that `need` them.
 */
function futureDates(s: CheckedSeries, given: unknown, n: number, need: boolean): Date[] | null {
  if (given !== undefined) {
    const dates = parseDates("dates", given);
    if (dates.length !== n) throw new RangeError(`dates must have one date per forecast step (${n}), got ${dates.length}`);
    const last = s.dates?.[s.length - 1];
    if (last && dates[0].getTime() <= last.getTime()) throw new RangeError(`dates[0] ${dates[0].toISOString()} must come after the history's last date ${last.toISOString()}`);
    return dates;
  }
  if (!s.dates || (s.length < 2 && !need)) return null;
  if (s.length < 2) throw new RangeError("the history has one date: pass the forecast's dates for their calendar features (no interval to continue)");
  const last = s.dates[s.length - 1].getTime(), step = last - s.dates[s.length - 2].getTime();
  return Array.from({ length: n }, (_, i) => new Date(last + (i + 1) * step));
}
