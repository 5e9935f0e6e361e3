// Padded, time-major minibatches of a sequence dataset. A batch is as long as its longest example, so mixing a
// 5-step and a 300-step example wastes 295 padded steps. Length bucketing keeps that small while staying
// random: shuffle the examples, sort by length inside chunks of `bucket` batches, cut the batches, then
// shuffle the batch order (the bucket-iterator recipe of torchtext and AllenNLP). Examples still meet
// different neighbours every epoch, and only examples of similar length share a batch.

import { checkKnownKeys, checkObject, checkPositiveInt, describe } from "../errors.js";
import { Random } from "../random.js";
import { checkDataset, exampleLength, type SequenceDataset, type TaskBatch } from "./dataset.js";

export interface TaskBatchOptions {
  /** Examples per batch; the last batch keeps what is left (a smaller B). */
  batchSize: number;
  /** Shuffles examples and batches (training); null keeps the dataset's order (evaluation, prediction). */
  random: Random | null;
  /**
   * Chunk size, in batches, inside which examples are sorted by length; 0 or false: no sorting.
   * Default 8 with a `random`, 0 without (a given value sorts deterministically: `indices` say which row is which).
   */
  bucket?: number | false;
  /** The tag target at padded steps (never a class id). Default −100, PyTorch's. */
  ignoreIndex?: number;
}

export interface PaddingReport {
  /** Valid steps: the examples' lengths summed. */
  steps: number;
  /** Steps computed: seqLen · batch summed over the batches. */
  padded: number;
  /** The share of computed steps that are padding: 1 − steps / padded. */
  waste: number;
}

export interface TaskBatches {
  batches: TaskBatch[];
  padding: PaddingReport;
}

/**
 * One epoch of batches (see the file comment for the order). Layout, T = the batch's longest example:
 * input [T·B] token ids or [T·B·inputSize] features (step t of row b at t·B + b), padded with 0;
 * target classify [B]; tag [T·B], ignoreIndex at padded steps; regress [B·O], or [T·B·O] per step padded with
 * 0 (the loss masks them by `lengths`). Row b is example `indices[b]`.
 */
export function makeTaskBatches(dataset: SequenceDataset, options: TaskBatchOptions): TaskBatches {
  const o = checkObject("makeTaskBatches options", options);
  checkKnownKeys("makeTaskBatches", o, ["batchSize", "random", "bucket", "ignoreIndex"]);
  const batchSize = checkPositiveInt("batchSize", o.batchSize);
  const random = options.random;
  if (random !== null && !(random instanceof Random)) {
    throw new TypeError(`makeTaskBatches: random must be a Random (training: shuffled) or null (evaluation: in order), got ${describe(random)}`);
  }
  const bucket = o.bucket === undefined ? (random ? 8 : 0) : o.bucket === false ? 0 : o.bucket;
  if (typeof bucket !== "number" || !Number.isInteger(bucket) || bucket < 0) {
    throw new RangeError(`makeTaskBatches: bucket must be a whole number of batches ≥ 0 or false, got ${describe(o.bucket)}`);
  }
  const ignoreIndex = o.ignoreIndex ?? -100;
  if (typeof ignoreIndex !== "number" || !Number.isInteger(ignoreIndex)) {
    throw new TypeError(`makeTaskBatches: ignoreIndex must be an integer, got ${describe(ignoreIndex)}`);
  }
  const d = checkDataset(dataset, { ignoreIndex });
  if (d.task === "tag" && ignoreIndex >= 0 && ignoreIndex < d.outFeatures) {
    throw new RangeError(`makeTaskBatches: ignoreIndex ${ignoreIndex} is a class id in [0, ${d.outFeatures}); padded steps need a value outside`);
  }

  const n = d.examples.length;
  const lengths = Int32Array.from(d.examples, (e) => exampleLength(d, e));
  const order = Array.from({ length: n }, (_, i) => i);
  if (random) random.shuffle(order);
  const chunk = bucket * batchSize;
  if (chunk > 0) {
    for (let s = 0; s < n; s += chunk) {
      // Array.prototype.sort is stable: equal lengths keep their shuffled order
      order.slice(s, s + chunk).sort((a, b) => lengths[a] - lengths[b]).forEach((i, k) => (order[s + k] = i));
    }
  }
  const starts = Array.from({ length: Math.ceil(n / batchSize) }, (_, i) => i * batchSize);
  if (random) random.shuffle(starts);

  const batches = starts.map((s) => cutBatch(d, Int32Array.from(order.slice(s, s + batchSize)), lengths, ignoreIndex));
  const steps = lengths.reduce((a, b) => a + b, 0);
  const padded = batches.reduce((a, b) => a + b.seqLen * b.batch, 0);
  return { batches, padding: { steps, padded, waste: 1 - steps / padded } };
}

function cutBatch(d: SequenceDataset, indices: Int32Array, lengths: Int32Array, ignoreIndex: number): TaskBatch {
  const B = indices.length;
  const rowLengths = indices.map((i) => lengths[i]);
  const T = rowLengths.reduce((a, b) => Math.max(a, b), 0);
  const I = d.inputKind === "tokens" ? 1 : d.inputSize;
  const O = d.outFeatures;
  const input = d.inputKind === "tokens" ? new Int32Array(T * B) : new Float32Array(T * B * I);
  let target: Int32Array | Float32Array;
  if (d.task === "classify") target = new Int32Array(B);
  else if (d.task === "tag") target = new Int32Array(T * B).fill(ignoreIndex);
  else target = new Float32Array(d.perStep ? T * B * O : B * O);

  indices.forEach((i, b) => {
    const e = d.examples[i];
    const L = rowLengths[b];
    for (let t = 0; t < L; t++) input.set(e.input.subarray(t * I, (t + 1) * I), (t * B + b) * I);
    if (d.task === "classify") target[b] = e.target as number;
    else if (!d.perStep) target.set(e.target as Float32Array, b * O);
    else {
      const y = e.target as Int32Array | Float32Array; // tag: O is per-step width 1
      const w = d.task === "tag" ? 1 : O;
      for (let t = 0; t < L; t++) target.set(y.subarray(t * w, (t + 1) * w), (t * B + b) * w);
    }
  });
  return { input, lengths: rowLengths, target, seqLen: T, batch: B, indices };
}

/** 1 at the valid steps of a batch, 0 at padding: [T·B·width], for per-step metrics (regressionMetrics' mask). */
export function paddingMask(batch: Pick<TaskBatch, "lengths" | "seqLen" | "batch">, width = 1): Uint8Array {
  checkPositiveInt("width", width);
  const { lengths, seqLen: T, batch: B } = batch;
  const mask = new Uint8Array(T * B * width);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) if (t < lengths[b]) mask.fill(1, (t * B + b) * width, (t * B + b + 1) * width);
  }
  return mask;
}
