// Batch prediction with any Sequential model: inputs of any lengths in, one output per input back in the
// given order. Inputs are sorted by length into batches (so little is padding), run in evaluation mode, and
// unpadded again: a pooled model gives [C] per input, a per-step model [length · C].

import { checkKnownKeys, checkObject, checkPositiveInt, describe } from "../errors.js";
import type { Sequential } from "../nn/sequential.js";
import { softmaxRows } from "../train/metrics.js";

export interface PredictOptions {
  /** Sequences per forward pass (default 64). */
  batchSize?: number;
}

/** The model's raw outputs (logits for classes) for each input, in order. */
export function predictOutputs(model: Sequential, inputs: readonly (Int32Array | Float32Array)[], options: PredictOptions = {}): Float32Array[] {
  const o = checkObject("predict options", options);
  checkKnownKeys("predict", o, ["batchSize"]);
  const batchSize = o.batchSize === undefined ? 64 : checkPositiveInt("predict: batchSize", o.batchSize);
  const lengths = checkInputs(model, inputs);
  const order = Array.from(inputs.keys()).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const C = model.outFeatures, pooled = model.outputKind === "pooled";
  const out = new Array<Float32Array>(inputs.length);
  const wasTraining = model.training;
  model.eval();
  try {
    for (let start = 0; start < order.length; start += batchSize) {
      const rows = order.slice(start, start + batchSize);
      const B = rows.length, T = lengths[rows[B - 1]];
      const { output } = model.forward(padInputs(model, inputs, rows, T), { seqLen: T, batch: B, lengths: rows.map((r) => lengths[r]) });
      rows.forEach((r, b) => {
        if (pooled) out[r] = output.slice(b * C, (b + 1) * C);
        else {
          const y = new Float32Array(lengths[r] * C);
          for (let t = 0; t < lengths[r]; t++) y.set(output.subarray((t * B + b) * C, (t * B + b + 1) * C), t * C);
          out[r] = y;
        }
      });
    }
  } finally {
    model.train(wasTraining);
  }
  return out;
}

/** Class probabilities (softmax of the outputs): [C] per input, or [length · C] per step. */
export function predictProbabilities(model: Sequential, inputs: readonly (Int32Array | Float32Array)[], options: PredictOptions = {}): Float32Array[] {
  return predictOutputs(model, inputs, options).map((y) => softmaxRows(y, model.outFeatures));
}

/** Time-major [T·B] or [T·B·I], zero past each sequence's end (masked by the lengths). */
function padInputs(model: Sequential, inputs: readonly (Int32Array | Float32Array)[], rows: number[], T: number): Int32Array | Float32Array {
  const B = rows.length;
  if (model.inputKind === "tokens") {
    const x = new Int32Array(T * B);
    rows.forEach((r, b) => inputs[r].forEach((v, t) => (x[t * B + b] = v)));
    return x;
  }
  const I = model.inputSize, x = new Float32Array(T * B * I);
  rows.forEach((r, b) => {
    const v = inputs[r];
    for (let t = 0; t * I < v.length; t++) x.set(v.subarray(t * I, (t + 1) * I), (t * B + b) * I);
  });
  return x;
}

/** Steps of each input, after checking its type and size against the model. */
function checkInputs(model: Sequential, inputs: unknown): number[] {
  if (!Array.isArray(inputs)) throw new TypeError(`predict: inputs must be an array of sequences, got ${describe(inputs)}`);
  if (inputs.length === 0) throw new RangeError("predict: inputs is empty");
  const tokens = model.inputKind === "tokens", I = model.inputSize;
  return inputs.map((x, i) => {
    if (tokens ? !(x instanceof Int32Array) : !(x instanceof Float32Array)) {
      throw new TypeError(`predict: inputs[${i}] must be ${tokens ? "an Int32Array of token ids" : `a Float32Array of [length · ${I}] features`}, got ${describe(x)}`);
    }
    const n = (x as Int32Array | Float32Array).length;
    if (n === 0) throw new RangeError(`predict: inputs[${i}] is empty: a sequence needs at least one step`);
    if (tokens) {
      const bad = (x as Int32Array).findIndex((id) => id < 0 || id >= I);
      if (bad >= 0) throw new RangeError(`predict: inputs[${i}][${bad}] is token id ${(x as Int32Array)[bad]}, outside the model's vocabulary [0, ${I})`);
    }
    if (!tokens && n % I !== 0) throw new RangeError(`predict: inputs[${i}] has ${n} values, not a multiple of the model's ${I} features per step`);
    return tokens ? n : n / I;
  });
}
