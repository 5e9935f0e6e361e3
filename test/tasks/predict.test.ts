// Batch prediction: any lengths in, one output per input back in order, the same as running each input
// alone; evaluation mode during the call and the caller's mode after it.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init, Sequential } from "../../src/index.js";
import { predictOutputs, predictProbabilities } from "../../src/tasks/index.js";
import { throwsWith } from "../helpers/errors.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await init();

const close = (a: Float32Array, b: Float32Array, what: string) => {
  assert.is(a.length, b.length, `${what}: length`);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 1e-6 + 1e-5 * Math.abs(b[i]), `${what}[${i}]: ${v} vs ${b[i]}`));
};

test("pooled token model: each output equals a forward of that input alone, in the given order", () => {
  const model = Sequential.fromConfig([
    { name: "embedding", type: "Embedding", numEmbeddings: 10, embeddingDim: 4 },
    { name: "rnn", type: "LSTM", inputSize: 4, hiddenSize: 6, bidirectional: true },
    { name: "pool", type: "Pool", mode: "max" },
    { name: "fc", type: "Linear", inFeatures: 12, outFeatures: 3 },
  ], { seed: 2 });
  const inputs = [[1, 2, 3], [4], [5, 6, 7, 8, 9, 1, 2], [3, 3], [9, 8, 7, 6]].map((v) => Int32Array.from(v));
  for (const batchSize of [1, 2, 64]) {
    const out = predictOutputs(model, inputs, { batchSize });
    assert.is(out.length, inputs.length);
    inputs.forEach((x, i) => {
      const alone = model.forward(x, { seqLen: x.length, batch: 1 }).output;
      close(out[i], alone, `batch ${batchSize}, input ${i}`);
    });
  }
  const p = predictProbabilities(model, inputs);
  for (const row of p) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-6 && row.length === 3);
  model.dispose();
});

test("per-step feature model: [length · C] per input, unpadded; the caller's training mode is kept", () => {
  const model = Sequential.fromConfig([
    { name: "rnn", type: "GRU", inputSize: 2, hiddenSize: 5, dropout: 0 },
    { name: "drop", type: "Dropout", p: 0.5 },
    { name: "fc", type: "Linear", inFeatures: 5, outFeatures: 2 },
  ], { seed: 1 });
  const inputs = [6, 2, 4].map((L, k) => Float32Array.from({ length: L * 2 }, (_, i) => Math.sin(i + k)));
  model.train();
  const out = predictOutputs(model, inputs, { batchSize: 2 });
  assert.ok(model.training, "still in training mode");
  model.eval();
  inputs.forEach((x, i) => {
    assert.is(out[i].length, (x.length / 2) * 2);
    close(out[i], model.forward(x, { seqLen: x.length / 2, batch: 1 }).output, `input ${i}`);
  });
  model.dispose();
});

test("errors name the input and what was expected", () => {
  const tokens = Sequential.fromConfig([{ name: "embedding", type: "Embedding", numEmbeddings: 5, embeddingDim: 2 }, { name: "fc", type: "Linear", inFeatures: 2, outFeatures: 2 }]);
  throwsWith(() => predictOutputs(tokens, [Int32Array.of(1, 2), Int32Array.of(4, 5)]), RangeError, /inputs\[1\]\[1\] is token id 5, outside the model's vocabulary \[0, 5\)/);
  tokens.dispose();
  const model = Sequential.fromConfig([
    { name: "rnn", type: "RNN", inputSize: 3, hiddenSize: 4 },
    { name: "pool", type: "Pool", mode: "last" },
    { name: "fc", type: "Linear", inFeatures: 4, outFeatures: 1 },
  ]);
  throwsWith(() => predictOutputs(model, [new Float32Array(3), new Int32Array(3)]), TypeError, /inputs\[1\] must be a Float32Array of \[length · 3\] features, got/);
  throwsWith(() => predictOutputs(model, [new Float32Array(4)]), RangeError, /inputs\[0\] has 4 values, not a multiple of the model's 3 features per step/);
  throwsWith(() => predictOutputs(model, [new Float32Array(0)]), RangeError, /inputs\[0\] is empty/);
  throwsWith(() => predictOutputs(model, []), RangeError, /inputs is empty/);
  throwsWith(() => predictOutputs(model, [new Float32Array(3)], { batchSize: 0 }), RangeError, /batchSize/);
  throwsWith(() => predictOutputs(model, [new Float32Array(3)], { batch: 2 } as never), TypeError, /batch/);
  model.dispose();
});

test.run();
