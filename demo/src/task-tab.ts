// The wiring the Classify and Forecast tabs share, so that their Train / Stop / New model buttons, status pill,
// model line, step / epoch / loss figures and loss chart behave alike: both pages have the same ids under their
// prefix (classify-start, forecast-start, …) and their workers send the same model / status / progress / error
// messages (task-session.ts). What a tab shows beyond that stays in the tab (the hooks below).

import { $, errorText, fmt } from "./form";
import { CurveChart } from "./task-charts";

const NO_MODEL = "No model yet: Train builds one from the settings on the left.";

/** The tab's worker is started (and its charts drawn) only when the tab is first shown. */
export function lazyTab(start: () => void): { activate(): void } {
  let started = false;
  return {
    activate() {
      if (started) return;
      started = true;
      start();
    },
  };
}

/** What both task workers send about their model and its training. */
export type TaskTabMessage<Info> =
  | { type: "ready"; build: string }
  | { type: "model"; info: Info | null; note?: string }
  | { type: "status"; training: boolean; note?: string }
  | { type: "progress"; points: { step: number; loss: number }[]; epoch: number; batch: number; batches: number }
  | { type: "error"; message: string };

export interface TaskTabOptions<Info, From, To> {
  prefix: "classify" | "forecast";
  worker: Worker;
  /** The tab's part of window.__demo (test-hooks.ts). */
  state: { ready: boolean; build: string; training: boolean; history: { step: number; loss: number }[] };
  showError(message: string): void;
  /** The loss axis: its label, and its short label on narrow screens. */
  lossLabel: [string, string];
  lossDigits: number;
  /** The fields of the model's shape: a change may turn Resume into "Train new model". */
  modelInputs: HTMLElement[];
  /** Whether Train would build a new model instead of resuming this one (reads the form; may throw). */
  rebuilds(model: Info): boolean;
  /** A model whose run has ended for good (its pill says "done"). */
  finished?(model: Info): boolean;
  describe(info: Info): string;
  /** The start message from the form; throws a sentence naming a bad field. */
  startMessage(): To;
  /** Clears the tab's own figures and charts for a new model (or none). */
  resetView(): void;
  onReady?(message: Extract<From, { type: "ready" }>): void;
  onModel?(info: Info | null): void;
  onProgress?(message: Extract<From, { type: "progress" }>): void;
  /** The worker's other messages. */
  onMessage(message: Exclude<From, { type: "ready" | "model" | "status" | "progress" | "error" }>): void;
}

export class TaskTab<Info extends { id: number }, From extends { type: string }, To> {
  model: Info | null = null;
  readonly lossChart: CurveChart;
  readonly stats: { epoch: HTMLElement; step: HTMLElement; loss: HTMLElement };
  private readonly el;

  constructor(private readonly o: TaskTabOptions<Info, From, To>) {
    const p = o.prefix;
    this.el = {
      cell: $<HTMLSelectElement>(`${p}-cell`),
      cellName: $<HTMLSpanElement>(`${p}-cell-name`),
      start: $<HTMLButtonElement>(`${p}-start`),
      stop: $<HTMLButtonElement>(`${p}-stop`),
      reset: $<HTMLButtonElement>(`${p}-reset`),
      status: $<HTMLSpanElement>(`${p}-status`),
      modelStatus: $<HTMLParagraphElement>(`${p}-model-status`),
    };
    this.stats = { epoch: $(`${p}-stat-epoch`), step: $(`${p}-stat-step`), loss: $(`${p}-stat-loss`) };
    this.lossChart = new CurveChart($(`${p}-loss-chart`), o.lossLabel);

    o.worker.onerror = (event) => {
      event.preventDefault();
      o.showError(`${p} worker: ${event.message || "failed to start"}`);
    };
    o.worker.onmessageerror = () => o.showError(`${p} worker: a message could not be read`);
    o.worker.onmessage = (event: MessageEvent<From>) => this.receive(event.data);

    for (const input of o.modelInputs) input.addEventListener("input", () => this.syncButtons());
    this.el.start.addEventListener("click", () => {
      try {
        this.send(o.startMessage());
        this.el.start.disabled = true;
      } catch (e) {
        o.showError(errorText(e));
      }
    });
    this.el.stop.addEventListener("click", () => this.send({ type: "stop" } as To));
    this.el.reset.addEventListener("click", () => this.send({ type: "reset" } as To));
  }

  send(message: To): void {
    this.o.worker.postMessage(message);
  }

  private wouldRebuild(): boolean {
    if (!this.model) return true;
    try {
      return this.o.rebuilds(this.model);
    } catch {
      return false;
    }
  }

  syncButtons(): void {
    const { el, model } = this;
    const { ready, training } = this.o.state;
    el.start.disabled = !ready || training;
    el.stop.disabled = !training;
    el.reset.disabled = !ready || training || model === null;
    el.start.textContent = training ? "Training…" : model === null ? "Train" : this.wouldRebuild() ? "Train new model" : "Resume";
    el.status.textContent = training ? "training" : model && this.o.finished?.(model) ? "done" : model ? "stopped" : "idle";
    el.status.className = `pill ${training ? "pill-live" : ""}`;
    el.cellName.textContent = el.cell.value.toUpperCase();
  }

  private resetView(): void {
    this.o.state.history.length = 0;
    this.lossChart.reset();
    for (const e of [this.stats.epoch, this.stats.step, this.stats.loss]) e.textContent = "–";
    this.o.resetView();
  }

  private receive(message: From): void {
    const { o, el, stats } = this;
    const m = message as unknown as TaskTabMessage<Info>;
    switch (m.type) {
      case "ready":
        o.state.ready = true;
        o.state.build = m.build;
        el.modelStatus.textContent = NO_MODEL;
        o.onReady?.(message as Extract<From, { type: "ready" }>);
        this.syncButtons();
        return;
      case "model": {
        const previous = this.model;
        this.model = m.info;
        if (!m.info || m.info.id !== previous?.id) this.resetView();
        el.modelStatus.textContent = m.info ? o.describe(m.info) : NO_MODEL;
        if (m.note) el.modelStatus.textContent += ` (${m.note}.)`;
        this.syncButtons();
        o.onModel?.(m.info);
        return;
      }
      case "status":
        o.state.training = m.training;
        this.syncButtons();
        return;
      case "progress": {
        for (const p of m.points) o.state.history.push(p);
        this.lossChart.add(m.points);
        stats.step.textContent = fmt(m.points[m.points.length - 1].step);
        stats.epoch.textContent = `${m.epoch} (${Math.round((100 * m.batch) / Math.max(1, m.batches))}%)`;
        stats.loss.textContent = (m.points.reduce((sum, p) => sum + p.loss, 0) / m.points.length).toFixed(o.lossDigits);
        o.onProgress?.(message as Extract<From, { type: "progress" }>);
        return;
      }
      case "error":
        o.showError(`${o.prefix}: ${m.message}`);
        return;
      default:
        o.onMessage(message as Exclude<From, { type: "ready" | "model" | "status" | "progress" | "error" }>);
    }
  }
}
