// `wasm-rnn eval <task model> <data>`: the metrics of a classifier or tagger (loss, accuracy, macro-F1, per-class
// scores, the confusion matrix) or a regressor (MAE, RMSE, sMAPE on the targets' scale) on a labelled file,
// and of a forecaster over every window of a series (with MAE by horizon). The file is scored in chunks, so a
// progress bar (on a terminal) can follow a large one; the metrics are those of the whole file.

import type cliProgress from "cli-progress";
import { init } from "../node.js";
import { resolveLoss } from "../nn/loss.js";
import {
  classificationMetrics, evaluateModel, regressionMetrics, timeSeriesWindows,
  type ClassificationMetrics, type SequenceDataset, type TaskModel,
} from "../tasks/node.js";
import { fail } from "./errors.js";
import { stderrBar } from "./progress-bar.js";
import { classificationReport, maeByHorizon, originalValues, regressionReport, scoresOf } from "./task-report.js";
import { readTable, type Table } from "./task-table.js";
import { seriesRecords } from "./task-records.js";
import { labelledDataset, loadTask, modelFields, type FieldFlags } from "./task-use.js";
import type { Fields } from "./task-settings.js";

export interface TaskEvalFlags extends FieldFlags {
  batch: number;
  /** Forecast steps scored per window of a step-by-step model (set only when given). */
  steps?: number;
  maxBytes: number;
  allowNonFinite?: boolean;
}

/** Examples per chunk: a few batches, so the bar moves and memory stays small (predict chunks alike). */
export const CHUNK_BATCHES = 8;

export async function evalTask(modelPath: string, dataPath: string, flags: TaskEvalFlags): Promise<void> {
  await init();
  const model = await loadTask(modelPath, flags);
  try {
    const fields = modelFields(model, flags, modelPath);
    const table = await readTable(dataPath, flags.maxBytes);
    const lines = model.task === "forecast" ? forecastScores(table, model, fields, flags) : datasetScores(table, model, fields, flags.batch);
    process.stdout.write(lines.join("\n") + "\n");
  } finally {
    model.dispose();
  }
}

/** A progress bar on stderr for `total` units of work, or null when stderr is not a terminal. */
export function progressBar(total: number, unit: string, command = "eval"): cliProgress.SingleBar | null {
  const bar = stderrBar(`${command} {bar} {value}/{total} ${unit}`);
  bar?.start(total, 0);
  return bar;
}

/** Classify, tag, regress: evaluateModel chunk by chunk, the losses weighted by what each chunk's loss averaged. */
function datasetScores(table: Table, model: TaskModel, fields: Fields, batchSize: number): string[] {
  const dataset = labelledDataset(table, model, fields);
  const C = model.model.outFeatures, classes = model.task !== "regress";
  const loss = resolveLoss(classes ? { type: "crossEntropy" } : { type: "mse" }, C);
  const n = dataset.examples.length, chunk = batchSize * CHUNK_BATCHES;
  const confusion = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  const predicted: Float32Array[] = [], target: Float32Array[] = [];
  let lossSum = 0, weight = 0;
  const bar = progressBar(n, "examples");
  try {
    for (let start = 0; start < n; start += chunk) {
      const part: SequenceDataset = { ...dataset, examples: dataset.examples.slice(start, start + chunk) };
      const e = evaluateModel(model.model, part, { batchSize, loss });
      const w = classes ? (e.metrics as ClassificationMetrics).count
        : dataset.perStep ? part.examples.reduce((s, x) => s + x.input.length / dataset.inputSize, 0) : part.examples.length;
      lossSum += e.loss * w;
      weight += w;
      if (classes) (e.metrics as ClassificationMetrics).confusion.forEach((row, t) => row.forEach((k, p) => (confusion[t][p] += k)));
      else {
        const v = originalValues(model, part, batchSize);
        predicted.push(v.predicted);
        target.push(v.target);
      }
      bar?.update(Math.min(n, start + chunk));
    }
  } finally {
    bar?.stop();
  }
  if (classes) {
    // the metrics of the summed confusion matrix: its (true, predicted) pairs, in any order, scored once
    const pairs = confusion.flatMap((row, t) => row.flatMap((k, p) => new Array<[number, number]>(k).fill([t, p])));
    const metrics = classificationMetrics(Int32Array.from(pairs, (x) => x[1]), Int32Array.from(pairs, (x) => x[0]), C);
    const what = model.task === "tag" ? `${table.path}: ${n.toLocaleString("en-US")} rows` : table.path;
    return classificationReport({ loss: lossSum / weight, examples: n, metrics }, model.labels!, what, model.task === "tag" ? "tokens" : "examples");
  }
  const scores = scoresOf(model, concat(predicted), concat(target));
  return regressionReport(table.path, scores, lossSum / weight, `${n.toLocaleString("en-US")} examples${dataset.perStep ? " (scored per step)" : ""}`);
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Forecast: every window of the file (the model's stride). A direct model predicts its horizon from each
 * window at once; a step model forecasts --steps steps (default 1) recursively from each, fed the file's own
 * future values of the inputs it does not predict.
 */
function forecastScores(table: Table, model: TaskModel, fields: Fields, flags: TaskEvalFlags): string[] {
  const series = seriesRecords(table, fields);
  const w = model.window!, L = w.lookback, F = model.features!, K = w.targets.length, n = table.rows.length;
  const direct = w.output === "direct";
  if (direct && flags.steps !== undefined && flags.steps !== (w.horizon ?? 1)) fail(`${table.path}: this model forecasts ${w.horizon ?? 1} steps at once (--output direct); --steps must be ${w.horizon ?? 1} or left out`);
  const H = direct ? (w.horizon ?? 1) : (flags.steps ?? 1);
  if (n < L + H) fail(`${table.path} has ${n} rows; the model reads --lookback ${L} rows of history and forecasts ${H} step${H > 1 ? "s" : ""}, so it needs at least ${L + H}`);
  const dates = series.dates;
  let predicted: Float32Array, target: Float32Array, windows: number;
  if (direct) {
    const { dataset } = timeSeriesWindows({ values: model.normalizer!.transform(series.values), features: F, ...(dates ? { dates } : {}) }, w);
    ({ predicted, target } = originalValues(model, dataset, flags.batch));
    windows = dataset.examples.length;
  } else {
    const stride = w.stride ?? 1, starts: number[] = [];
    for (let s = 0; s + L + H <= n; s += stride) starts.push(s);
    predicted = new Float32Array(starts.length * H * K);
    target = new Float32Array(starts.length * H * K);
    const bar = progressBar(starts.length, "windows");
    try {
      starts.forEach((s, i) => {
        const history = { values: series.values.slice(s * F, (s + L) * F), features: F, ...(dates ? { dates: dates.slice(s, s + L) } : {}) };
        const future = series.values.slice((s + L) * F, (s + L + H) * F);
        const r = model.forecast(history, { steps: H, known: future, ...(dates ? { dates: dates.slice(s + L, s + L + H) } : {}) });
        predicted.set(r.values, i * H * K);
        for (let h = 0; h < H; h++) w.targets.forEach((f, k) => (target[(i * H + h) * K + k] = future[h * F + f]));
        if (i % 16 === 0) bar?.update(i);
      });
    } finally {
      bar?.stop();
    }
    windows = starts.length;
  }
  const scores = direct ? scoresOf(model, predicted, target) : { metrics: regressionMetrics(predicted, target), byHorizon: maeByHorizon(predicted, target, H, K) };
  return regressionReport(table.path, scores, null, `${windows.toLocaleString("en-US")} windows of ${L} rows, ${H} step${H > 1 ? "s" : ""} ahead${direct ? "" : " (recursively)"}`);
}
