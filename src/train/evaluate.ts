// Evaluating a Sequential model on a dataset: the loss (the mean over what the loss counts: sequences,
// labelled steps, valid values) and the task's metrics (accuracy, macro-F1 and a confusion matrix for
// classify and tag; MAE, RMSE and sMAPE for regression), in evaluation mode, batch by batch.

import { makeTaskBatches, paddingMask } from "../data/batching.js";
import type { SequenceDataset } from "../data/dataset.js";
import { lossConfigOf, type ResolvedLoss } from "../nn/loss.js";
import type { Sequential } from "../nn/sequential.js";
import { argmaxRows, classificationMetrics, regressionMetrics, type ClassificationMetrics, type RegressionMetrics } from "./metrics.js";

export type MetricName = "loss" | "accuracy" | "macroF1" | "mae" | "rmse" | "smape";

export interface Evaluation {
  /** The mean loss over the dataset. */
  loss: number;
  examples: number;
  metrics: ClassificationMetrics | RegressionMetrics;
}

/** The loss and metrics of `model` on a checked dataset that fits it (see TaskTrainer). */
export function evaluateModel(model: Sequential, dataset: SequenceDataset, options: { batchSize: number; loss: ResolvedLoss }): Evaluation {
  const wasTraining = model.training;
  model.eval();
  try {
    // in order (no generator), sorted by length within chunks so little is padding
    const { batches } = makeTaskBatches(dataset, { batchSize: options.batchSize, random: null, bucket: 8 });
    const C = model.outFeatures, classes = dataset.task !== "regress";
    const lossConfig = lossConfigOf(options.loss);
    const predicted: number[] = [], target: number[] = [], mask: number[] = [];
    let lossSum = 0, counted = 0;
    for (const b of batches) {
      const { output, loss } = model.forward(b.input, { seqLen: b.seqLen, batch: b.batch, lengths: b.lengths, target: b.target, loss: lossConfig });
      // weigh each batch's mean by what its loss counted, so the result is the mean over the whole dataset
      const n = countedIn(b.target, dataset, b.lengths, b.seqLen, b.batch, options.loss);
      lossSum += loss! * n;
      counted += n;
      if (classes) {
        for (const p of argmaxRows(output, C)) predicted.push(p);
        for (const t of b.target) target.push(t);
      } else {
        for (const p of output) predicted.push(p);
        for (const t of b.target) target.push(t);
        const m = dataset.perStep ? paddingMask(b, C) : new Uint8Array(output.length).fill(1);
        for (const v of m) mask.push(v);
      }
    }
    const metrics = classes
      ? classificationMetrics(Int32Array.from(predicted), Int32Array.from(target), C, options.loss.type === "crossEntropy" ? options.loss.ignoreIndex : -100)
      : regressionMetrics(Float32Array.from(predicted), Float32Array.from(target), Uint8Array.from(mask));
    return { loss: counted > 0 ? lossSum / counted : NaN, examples: dataset.examples.length, metrics };
  } finally {
    model.train(wasTraining);
  }
}

/** What the loss of one batch averaged over: sequences, labelled steps (with their weights), or valid values. */
function countedIn(target: Int32Array | Float32Array, d: SequenceDataset, lengths: Int32Array, T: number, B: number, loss: ResolvedLoss): number {
  if (loss.type === "crossEntropy") {
    let n = 0;
    for (let i = 0; i < target.length; i++) {
      const c = target[i];
      const valid = !d.perStep || Math.floor(i / B) < lengths[i % B];
      if (valid && c !== loss.ignoreIndex) n += loss.classWeights ? loss.classWeights[c] : 1;
    }
    return n;
  }
  if (!d.perStep) return B;
  let steps = 0;
  for (let b = 0; b < B; b++) steps += Math.min(lengths[b], T);
  return steps;
}
