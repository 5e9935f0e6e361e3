// The two uPlot charts of the language-model tab: training loss / perplexity against the update step, and the
// gradient flow (‖∂L/∂h‖ against the distance from the loss, log scale). Both follow their container's width.
// The axis style, the width-following and the number formats are shared with the task tabs (task-charts.ts).

import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { CellFlow, CellName } from "./protocol";

export const CELL_COLORS: Record<CellName, string> = { rnn: "#d1495b", gru: "#2274a5", lstm: "#2a9d5c" };
export const AXIS = { stroke: "#4a5568", grid: { stroke: "#e8ebf0", width: 1 }, ticks: { stroke: "#d5dae1", width: 1 }, font: "12px system-ui, sans-serif", labelFont: "600 12px system-ui, sans-serif" };

export const NARROW = 560;

export function chartHeight(container: HTMLElement, tall: number): number {
  return container.clientWidth < NARROW ? 230 : tall;
}

/**
 * Keeps a chart as wide as its container; axis labels: [wide, narrow] per axis (short ones where the
 * chart is narrow, so that no label is cut).
 */
export function follow(chart: uPlot, container: HTMLElement, tall: number, labels: [string, string][]): void {
  let last = 0;
  const apply = (width: number) => {
    labels.forEach(([wide, narrow], i) => (chart.axes[i].label = width < NARROW ? narrow : wide));
    chart.setSize({ width, height: chartHeight(container, tall) });
  };
  apply(Math.max(280, Math.floor(container.clientWidth)));
  let frame = 0;
  // resize in the next frame, not inside the observer's callback: a new height there would re-trigger it
  new ResizeObserver(() => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      const width = Math.floor(container.clientWidth);
      if (width > 0 && width !== last) {
        last = width;
        apply(width);
      }
    });
  }).observe(container);
}

/**
 * A chart of the container's width that keeps following it (see follow), with the live legend and the cursor
 * every chart of the page has; `opts` may override the cursor.
 */
export function followingChart(container: HTMLElement, tall: number, opts: Omit<uPlot.Options, "width" | "height">, data: uPlot.AlignedData, labels: [string, string][]): uPlot {
  const chart = new uPlot({
    width: Math.max(280, container.clientWidth),
    height: chartHeight(container, tall),
    cursor: { drag: { x: false, y: false }, points: { size: 6 } },
    legend: { live: true },
    ...opts,
  }, data, container);
  follow(chart, container, tall, labels);
  return chart;
}

/** Redraws in the next frame (at most once per frame), then runs the callbacks given since the last draw. */
export class Frame {
  private pending = false;
  private readonly done: (() => void)[] = [];
  constructor(private readonly draw: () => void) {}
  request(done?: () => void): void {
    if (done) this.done.push(done);
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
      for (const f of this.done.splice(0)) f();
    });
  }
}

const SMOOTHING = 0.9;

/** The training loss smoothed over ~10 steps: an exponential moving average, bias-corrected (as Adam's moments) so
 * that it does not lag at the start. Shared by the loss charts of all tabs. */
export class SmoothedLoss {
  private ema = 0;
  private steps = 0;
  next(loss: number): number {
    this.ema = SMOOTHING * this.ema + (1 - SMOOTHING) * loss;
    return this.ema / (1 - SMOOTHING ** ++this.steps);
  }
  reset(): void {
    this.ema = 0;
    this.steps = 0;
  }
}

const superscript: Record<string, string> = { "-": "⁻", "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹" };

/**
 * Log axis: keeps only powers of ten, and of those every n-th when they would crowd (at most ~7 labels,
 * fewer on a short chart), for the labels, ticks and grid lines alike.
 */
function decades(u: uPlot, splits: number[]): (number | null)[] {
  const exponent = (v: number) => Math.log10(v);
  const powers = splits.filter((v) => v > 0 && Math.abs(exponent(v) - Math.round(exponent(v))) < 1e-6);
  const room = Math.max(3, Math.floor(u.bbox.height / devicePixelRatio / 28));
  const every = Math.max(1, Math.ceil(powers.length / room));
  return splits.map((v) => (powers.includes(v) && Math.round(exponent(v)) % every === 0 ? v : null));
}

/** Powers of ten as 10ⁿ; other ticks of a log axis stay unlabelled. */
function powerOfTen(v: number): string {
  if (!(v > 0)) return "";
  const e = Math.round(Math.log10(v));
  if (Math.abs(Math.log10(v) - e) > 1e-6) return "";
  if (e === 0) return "1";
  if (e === 1) return "10";
  return "10" + String(e).split("").map((c) => superscript[c]).join("");
}

/** Whole-number tick steps for step / distance axes. */
export const INTEGER_INCRS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 25_000, 50_000, 100_000, 200_000, 500_000, 1_000_000];

export function compact(v: number): string {
  if (v === 0) return "0";
  if (Math.abs(v) >= 10000) return `${Math.round(v / 1000)}k`;
  if (Math.abs(v) >= 1000) return `${(v / 1000).toFixed(1).replace(/\.0$/, "")}k`;
  return String(Number(v.toPrecision(3)));
}

// ------------------------------------------------------------------------------------------ loss chart ----

export class LossChart {
  private readonly chart: uPlot;
  private readonly steps: number[] = [];
  private readonly raw: number[] = [];
  private readonly smooth: number[] = [];
  private readonly perplexity: number[] = [];
  private readonly smoothed = new SmoothedLoss();
  private readonly frame: Frame;

  constructor(container: HTMLElement) {
    this.chart = followingChart(container, 270, {
      scales: { x: { time: false }, loss: { auto: true }, ppl: { auto: true } },
      series: [
        { label: "step", value: (_u, v) => (v == null ? "–" : String(v)) },
        { label: "loss (each step)", scale: "loss", stroke: "rgba(34,116,165,0.28)", width: 1, value: (_u, v) => (v == null ? "–" : v.toFixed(3)) },
        { label: "loss (smoothed)", scale: "loss", stroke: "#2274a5", width: 2, value: (_u, v) => (v == null ? "–" : v.toFixed(3)) },
        { label: "perplexity (smoothed)", scale: "ppl", stroke: "#e07a1f", width: 2, dash: [6, 4], value: (_u, v) => (v == null ? "–" : v.toFixed(2)) },
      ],
      axes: [
        { ...AXIS, label: "update step", space: 40, incrs: INTEGER_INCRS, values: (_u, splits) => splits.map(compact) },
        { ...AXIS, scale: "loss", label: "cross-entropy loss (nats / char)", size: 56, values: (_u, splits) => splits.map((v) => v.toFixed(1)) },
        { ...AXIS, scale: "ppl", side: 1, label: "perplexity = e^loss", size: 56, grid: { show: false }, values: (_u, splits) => splits.map(compact) },
      ],
    }, [[], [], [], []], [
      ["update step", "update step"],
      ["cross-entropy loss (nats / char)", "loss (nats / char)"],
      ["perplexity = e^loss", "perplexity"],
    ]);
    this.frame = new Frame(() => this.chart.setData([this.steps, this.raw, this.smooth, this.perplexity]));
  }

  /** Clears the chart (a new model). */
  reset(): void {
    this.steps.length = this.raw.length = this.smooth.length = this.perplexity.length = 0;
    this.smoothed.reset();
    this.frame.request();
  }

  add(points: { step: number; loss: number }[]): void {
    for (const p of points) {
      // a step count going backwards (a loaded checkpoint) starts the curve afresh
      if (this.steps.length > 0 && p.step <= this.steps[this.steps.length - 1]) this.reset();
      const smooth = this.smoothed.next(p.loss);
      this.steps.push(p.step);
      this.raw.push(p.loss);
      this.smooth.push(smooth);
      this.perplexity.push(Math.exp(smooth));
    }
    this.frame.request();
  }
}

// ---------------------------------------------------------------------------------- gradient-flow chart ----

export class FlowChart {
  private readonly chart: uPlot;

  constructor(container: HTMLElement) {
    const series: uPlot.Series[] = [{ label: "distance k", value: (_u, v) => (v == null ? "–" : String(v)) }];
    for (const cell of ["rnn", "gru", "lstm"] as const) {
      const name = cell.toUpperCase();
      const value = (_u: uPlot, v: number | null) => (v == null ? "–" : v.toExponential(1));
      series.push({ label: `${name}`, stroke: CELL_COLORS[cell], width: 2, value, points: { show: false } });
      series.push({ label: `${name} clipped`, stroke: CELL_COLORS[cell], width: 1.5, dash: [5, 4], value, points: { show: false } });
    }
    this.chart = followingChart(container, 320, {
      scales: { x: { time: false }, y: { distr: 3, log: 10 } },
      series,
      axes: [
        { ...AXIS, label: "distance from the loss k (time steps back)", incrs: INTEGER_INCRS, values: (_u, splits) => splits.map(compact) },
        {
          ...AXIS, label: "‖∂L/∂h_(T−k)‖ (log scale)", size: 60, filter: decades, values: (_u, splits) => splits.map(powerOfTen),
          grid: { ...AXIS.grid, filter: decades }, ticks: { ...AXIS.ticks, filter: decades },
        },
      ],
    }, [[], [], [], [], [], [], []], [
      ["distance from the loss k (time steps back)", "steps back from the loss, k"],
      ["‖∂L/∂h_(T−k)‖ (log scale)", "‖∂L/∂h‖ (log)"],
    ]);
  }

  show(cells: Record<CellName, CellFlow>): void {
    const n = cells.rnn.before.length;
    const x = Array.from({ length: n }, (_, i) => i);
    // a norm that underflowed to 0 (or overflowed) cannot be drawn on a log axis: leave a gap
    const drawable = (values: number[]) => values.map((v) => (v > 0 && Number.isFinite(v) ? v : null));
    const data: uPlot.AlignedData = [x];
    for (const cell of ["rnn", "gru", "lstm"] as const) data.push(drawable(cells[cell].before), drawable(cells[cell].after));
    this.chart.setData(data);
  }
}
