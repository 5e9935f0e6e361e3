// The uPlot charts of the Classify and Forecast tabs, in the style of charts.ts (its axes, width-following and
// number formats): a training curve (the loss of every update, smoothed, and the validation loss after each
// epoch), validation metrics by epoch, a forecast against the actual series, and the error by horizon.
// Each chart says when it has drawn its latest data (`drawn`), which the tab reports to the tests.

import uPlot from "uplot";
import { AXIS, Frame, INTEGER_INCRS, SmoothedLoss, compact, followingChart } from "./charts";

const BLUE = "#2274a5", ORANGE = "#e07a1f", GREEN = "#2a9d5c", INK = "#2d3748";
const fixed = (digits: number) => (_u: uPlot, v: number | null) => (v == null ? "–" : v.toFixed(digits));
const whole = (_u: uPlot, v: number | null) => (v == null ? "–" : Math.round(v).toLocaleString("en-US"));

// ------------------------------------------------------------------------------------- training curve ----

/** The training loss of every update (raw and smoothed) and the validation loss at the end of each epoch. */
export class CurveChart {
  private readonly chart: uPlot;
  private readonly steps: number[] = [];
  private readonly raw: number[] = [];
  private readonly smooth: number[] = [];
  private readonly validation: (number | null)[] = [];
  private readonly smoothed = new SmoothedLoss();
  private readonly frame: Frame;

  constructor(container: HTMLElement, lossLabel: [string, string]) {
    this.chart = followingChart(container, 250, {
      scales: { x: { time: false }, y: { range: (_u, min, max) => this.range(min, max) } },
      series: [
        { label: "step", value: (_u, v) => (v == null ? "–" : String(v)) },
        { label: "training (each step)", stroke: "rgba(34,116,165,0.28)", width: 1, value: fixed(3), points: { show: false } },
        { label: "training (smoothed)", stroke: BLUE, width: 2, value: fixed(3), points: { show: false } },
        { label: "validation", stroke: ORANGE, width: 2, spanGaps: true, value: fixed(3), points: { show: true, size: 7, fill: ORANGE } },
      ],
      axes: [
        { ...AXIS, label: "update step", space: 40, incrs: INTEGER_INCRS, values: (_u, splits) => splits.map(compact) },
        { ...AXIS, label: lossLabel[0], size: 56, values: (_u, splits) => splits.map((v) => String(Number(v.toPrecision(3)))) },
      ],
    }, [[], [], [], []], [["update step", "update step"], lossLabel]);
    this.frame = new Frame(() => this.chart.setData([this.steps, this.raw, this.smooth, this.validation]));
  }

  /**
   * From 0 to a little above the smoothed curve once past its first steps, and the validation points: the first
   * updates of a model (a loss 10× the later ones) and single noisy steps go off the top instead of flattening
   * the part worth reading.
   */
  private range(min: number | null, max: number | null): uPlot.Range.MinMax {
    const n = this.smooth.length;
    if (n < 8 || min === null || max === null) return [Math.min(0, min ?? 0), max ?? 1];
    let top = 0;
    for (let i = Math.min(50, Math.floor(n / 4)); i < n; i++) if (Number.isFinite(this.smooth[i])) top = Math.max(top, this.smooth[i]);
    for (const v of this.validation) if (v !== null && Number.isFinite(v)) top = Math.max(top, v);
    return [Math.min(0, min), Math.min(max, 1.25 * top) || max];
  }

  reset(): void {
    this.steps.length = this.raw.length = this.smooth.length = this.validation.length = 0;
    this.smoothed.reset();
    this.frame.request();
  }

  add(points: { step: number; loss: number }[]): void {
    for (const p of points) {
      const smooth = this.smoothed.next(p.loss);
      this.steps.push(p.step);
      this.raw.push(p.loss);
      this.smooth.push(smooth);
      this.validation.push(null);
    }
    this.frame.request();
  }

  /** The validation loss after the update `step` (the last of an epoch). */
  addValidation(step: number, loss: number): void {
    const i = this.steps.lastIndexOf(step);
    if (i >= 0) this.validation[i] = loss;
    else {
      this.steps.push(step);
      this.raw.push(NaN);
      this.smooth.push(this.smooth[this.smooth.length - 1] ?? NaN);
      this.validation.push(loss);
    }
    this.frame.request();
  }
}

// ------------------------------------------------------------------------------------ metrics by epoch ----

/** Validation metrics (between 0 and 1) after each epoch, e.g. accuracy and macro-F1. */
export class EpochMetricsChart {
  private readonly chart: uPlot;
  private readonly epochs: number[] = [];
  private readonly values: number[][];
  private readonly frame: Frame;

  constructor(container: HTMLElement, metrics: { label: string; color: string }[]) {
    this.values = metrics.map(() => []);
    this.chart = followingChart(container, 250, {
      scales: { x: { time: false, range: (_u, min, max) => [Math.min(0, min ?? 0), Math.max(max ?? 1, 1)] }, y: { range: (_u, min) => [Math.min(0.5, Math.floor((min ?? 0.5) * 20) / 20), 1] } },
      series: [
        { label: "epoch", value: (_u, v) => (v == null ? "–" : String(v)) },
        ...metrics.map((m, i): uPlot.Series => ({
          label: m.label, stroke: m.color, width: 2, dash: i > 0 ? [6, 4] : undefined, value: fixed(3), points: { show: true, size: 7, fill: m.color },
        })),
      ],
      axes: [
        { ...AXIS, label: "epoch", space: 36, incrs: INTEGER_INCRS, values: (_u, splits) => splits.map(compact) },
        { ...AXIS, label: "on the validation names", size: 50, values: (_u, splits) => splits.map((v) => v.toFixed(2)) },
      ],
    }, [[], ...metrics.map(() => [])], [["epoch", "epoch"], ["on the validation names", "validation"]]);
    this.frame = new Frame(() => this.chart.setData([this.epochs, ...this.values]));
  }

  reset(): void {
    this.epochs.length = 0;
    for (const v of this.values) v.length = 0;
    this.frame.request();
  }

  add(epoch: number, values: number[]): void {
    this.epochs.push(epoch);
    values.forEach((v, i) => this.values[i].push(v));
    this.frame.request();
  }
}

// ------------------------------------------------------------------------------------------- forecast ----

/** A year of daily values: the actual series, the model's forecast and the seasonal-naive one (hidden until its
 * legend entry is clicked), dates in UTC. */
export class ForecastChart {
  private readonly chart: uPlot;
  private readonly frame: Frame;
  private data: uPlot.AlignedData = [[], [], [], []];

  constructor(container: HTMLElement) {
    this.chart = followingChart(container, 300, {
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
      cursor: { drag: { x: true, y: false }, points: { size: 6 } },
      scales: { x: { time: true }, y: { auto: true } },
      series: [
        { label: "date", value: "{YYYY}-{MM}-{DD} {WWW}" },
        { label: "actual", stroke: "#8a96a3", width: 2.5, value: whole, points: { show: false } },
        { label: "model", stroke: BLUE, width: 1.25, value: whole, points: { show: false } },
        // off at first (a click on its legend entry shows it): three zigzags at once are hard to read
        { label: "seasonal naive", stroke: ORANGE, width: 1, dash: [4, 3], show: false, value: whole, points: { show: false } },
      ],
      axes: [
        { ...AXIS, label: "2014 (held out)" },
        { ...AXIS, label: "births per day", size: 56, values: (_u, splits) => splits.map(compact) },
      ],
    }, this.data, [["2014 (held out)", "2014"], ["births per day", "births / day"]]);
    this.frame = new Frame(() => this.chart.setData(this.data));
  }

  /** `forecast` null: no model yet (the line stays empty). */
  show(dates: string[], actual: number[], forecast: ArrayLike<number> | null, naive: ArrayLike<number>, done?: () => void): void {
    const x = dates.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
    this.data = [x, actual, forecast ? Array.from(forecast) : x.map(() => null), Array.from(naive)];
    this.frame.request(done);
  }
}

// ----------------------------------------------------------------------------------- error by horizon ----

/** A range around [min, max] with a margin (not from 0: the differences between horizons are what to read). */
function padded(min: number | null, max: number | null): uPlot.Range.MinMax {
  if (min === null || max === null) return [0, 1];
  const margin = Math.max(20, 0.2 * (max - min));
  return [Math.max(0, Math.floor((min - margin) / 50) * 50), Math.ceil((max + margin) / 50) * 50];
}

/** Mean absolute error against the horizon, for the model and the baseline, with the selected horizon marked. */
export class HorizonChart {
  private readonly chart: uPlot;
  private readonly frame: Frame;
  private data: uPlot.AlignedData = [[], [], [], []];

  constructor(container: HTMLElement) {
    this.chart = followingChart(container, 300, {
      scales: { x: { time: false, range: [0.5, 28.5] }, y: { range: (_u, min, max) => padded(min, max) } },
      series: [
        { label: "h (days ahead)", value: (_u, v) => (v == null ? "–" : String(v)) },
        { label: "model MAE", stroke: BLUE, width: 2, value: whole, points: { show: true, size: 5, fill: BLUE } },
        { label: "seasonal naive MAE", stroke: ORANGE, width: 2, dash: [6, 4], value: whole, points: { show: true, size: 5, fill: ORANGE } },
        { label: "selected h", stroke: INK, width: 0, value: whole, points: { show: true, size: 13, width: 2, stroke: INK, fill: "rgba(255,255,255,0.6)" } },
      ],
      axes: [
        { ...AXIS, label: "horizon h: days ahead of the forecast", space: 30, incrs: [1, 2, 7, 14], values: (_u, splits) => splits.map((v) => String(v)) },
        { ...AXIS, label: "MAE over 2014 (births / day)", size: 56, values: (_u, splits) => splits.map(compact) },
      ],
    }, this.data, [["horizon h: days ahead of the forecast", "days ahead h"], ["MAE over 2014 (births / day)", "MAE (births / day)"]]);
    this.frame = new Frame(() => this.chart.setData(this.data));
  }

  show(model: number[] | null, naive: number[], selected: number, done?: () => void): void {
    const x = naive.map((_, i) => i + 1);
    const marked = model ?? naive;
    this.data = [x, model ?? x.map(() => null), naive, x.map((h) => (h === selected ? marked[h - 1] : null))];
    this.frame.request(done);
  }
}

export const METRIC_COLORS = { accuracy: BLUE, macroF1: GREEN };
