// How the task commands print scores: one line per epoch, and the final metrics (accuracy, macro-F1, per-class
// precision / recall / F1 and the confusion matrix; MAE, RMSE, sMAPE). Regression scores are on the targets'
// own scale: the model trains on standardised values, and a loss of 0.1 there says little about the data.

import {
  predictOutputs, regressionMetrics, type ClassificationMetrics, type Evaluation, type RegressionMetrics,
  type SequenceDataset, type TaskEpochResult, type TaskModel,
} from "../tasks/index.js";

/** Regression scores on the original scale, and MAE by horizon for a direct forecast. */
export interface Scores {
  metrics: RegressionMetrics;
  /** MAE of each step ahead (direct forecasts), in order. */
  byHorizon: number[] | null;
}

/**
 * The model's predictions on a dataset (on the model's standardised scale) mapped back, with the targets, to
 * the data's scale: through the targetNormalizer (regress) or the normalizer's target columns (forecast).
 */
export function originalValues(model: TaskModel, dataset: SequenceDataset, batchSize: number): { predicted: Float32Array; target: Float32Array } {
  const predictions = predictOutputs(model.model, dataset.examples.map((e) => e.input), { batchSize });
  const back = (values: Float32Array) => model.task === "forecast" ? model.normalizer!.inverse(values, model.window!.targets)
    : model.targetNormalizer ? model.targetNormalizer.inverse(values) : values;
  const total = predictions.reduce((n, p) => n + p.length, 0);
  const predicted = new Float32Array(total), target = new Float32Array(total);
  let offset = 0;
  predictions.forEach((p, i) => {
    predicted.set(back(p), offset);
    target.set(back(dataset.examples[i].target as Float32Array), offset);
    offset += p.length;
  });
  return { predicted, target };
}

/** originalValues scored: MAE, RMSE, sMAPE, and MAE by horizon for a direct forecast. */
export function originalScores(model: TaskModel, dataset: SequenceDataset, batchSize: number): Scores {
  const { predicted, target } = originalValues(model, dataset, batchSize);
  return scoresOf(model, predicted, target);
}

export function scoresOf(model: TaskModel, predicted: Float32Array, target: Float32Array): Scores {
  const direct = model.task === "forecast" && model.window!.output === "direct";
  return { metrics: regressionMetrics(predicted, target), byHorizon: direct ? maeByHorizon(predicted, target, model.window!.horizon ?? 1, model.window!.targets.length) : null };
}

/** Mean |y − ŷ| of each step ahead, from rows of [horizon · K] values (element h·K + k). */
export function maeByHorizon(predicted: Float32Array, target: Float32Array, horizon: number, K: number): number[] {
  const sums = new Array<number>(horizon).fill(0), counts = new Array<number>(horizon).fill(0);
  for (let i = 0; i < target.length; i++) {
    const h = Math.floor(i / K) % horizon;
    sums[h] += Math.abs(target[i] - predicted[i]);
    counts[h]++;
  }
  return sums.map((s, h) => s / counts[h]);
}

/** 0.912; a number with 4 significant digits for errors (1234.5, 0.01234). */
const rate = (x: number) => x.toFixed(3);
export const num = (x: number) => (Math.abs(x) >= 1000 ? x.toFixed(1) : x.toPrecision(4));

export function classificationSummary(m: ClassificationMetrics): string {
  return `accuracy ${rate(m.accuracy)}, macro-F1 ${rate(m.macroF1)}`;
}

export function regressionSummary(m: RegressionMetrics): string {
  return `MAE ${num(m.mae)}, RMSE ${num(m.rmse)}, sMAPE ${m.smape.toFixed(2)}%`;
}

/** "epoch 3/10: loss 0.4123, validation loss 0.3900, accuracy 0.912, macro-F1 0.905, padding 12.3%, 5,321 examples/s, 0.4 s". */
export function epochLine(r: TaskEpochResult, epochs: number, scores: Scores | null): string {
  const parts = [`loss ${r.loss.toFixed(4)}`];
  const v = r.validation;
  if (v) {
    parts.push(`validation loss ${v.loss.toFixed(4)}`);
    if (scores) parts.push(regressionSummary(scores.metrics));
    else if ("accuracy" in v.metrics) parts.push(classificationSummary(v.metrics));
  }
  parts.push(`padding ${(r.padding.waste * 100).toFixed(1)}%`, `${Math.round(r.examplesPerSecond).toLocaleString("en-US")} examples/s`, `${r.seconds.toFixed(r.seconds < 1 ? 2 : 1)} s`);
  return `epoch ${r.epoch}/${epochs}: ${parts.join(", ")}${r.improved ? " *" : ""}`;
}

/** The final report of a classifier or tagger: summary, per-class scores, the confusion matrix. */
export function classificationReport(e: Evaluation, labels: readonly string[], what: string, unit: "examples" | "tokens"): string[] {
  const m = e.metrics as ClassificationMetrics;
  const lines = [`${what}: ${m.count.toLocaleString("en-US")} ${unit}, loss ${e.loss.toFixed(4)}, ${classificationSummary(m)}`];
  const width = Math.max(5, ...labels.map((l) => l.length));
  const pad = (s: string, w: number) => s.padEnd(w);
  lines.push(`  ${pad("label", width)}  precision  recall  f1     support`);
  m.perClass.forEach((c, i) => {
    lines.push(`  ${pad(labels[i], width)}  ${pad(rate(c.precision), 9)}  ${pad(rate(c.recall), 6)}  ${pad(rate(c.f1), 5)}  ${c.support}`);
  });
  lines.push("confusion matrix (rows: true, columns: predicted):", ...confusionMatrix(m.confusion, labels));
  return lines;
}

export function confusionMatrix(confusion: number[][], labels: readonly string[]): string[] {
  const width = Math.max(...labels.map((l) => l.length), ...confusion.flat().map((n) => String(n).length));
  const cell = (s: string) => s.padStart(width);
  return [
    `  ${" ".repeat(width)}  ${labels.map(cell).join("  ")}`,
    ...confusion.map((row, i) => `  ${labels[i].padEnd(width)}  ${row.map((n) => cell(String(n))).join("  ")}`),
  ];
}

/** The final report of a regression or forecast. */
export function regressionReport(what: string, scores: Scores, loss: number | null, count: string): string[] {
  const lines = [`${what}: ${count}${loss !== null ? `, loss ${loss.toFixed(4)} (standardised)` : ""}, ${regressionSummary(scores.metrics)}`];
  if (scores.byHorizon && scores.byHorizon.length > 1) lines.push(`MAE by horizon: ${scores.byHorizon.map((m, h) => `${h + 1}: ${num(m)}`).join(", ")}`);
  return lines;
}
