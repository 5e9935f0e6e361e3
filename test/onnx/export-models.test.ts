// exportOnnx of language models (embedding or one-hot input, every cell, states in and out) and of task
// models / Sequentials (classify with last / mean / max pooling over lengths, tag and regress per step,
// feature inputs, Dropout as the identity), run by onnxruntime-web and by our loadOnnx against forward().
// Token inputs are int64 [T, B] time-major, as our forward() takes them; outputs keep our layouts
// (logits [T, B, V]; a pooled output [B, C]; per-step outputs [T, B, C]).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { initForTests } from "../helpers/setup.js";
import { LanguageModel, Sequential, type ModuleConfig } from "../../src/index.js";
import { TaskModel } from "../../src/tasks/index.js";
import { exportOnnx } from "../../src/onnx/export-entry.js";
import { decodeOnnx } from "../../src/onnx/model.js";
import { checkBoth, noise, type Feeds } from "../helpers/onnx-check.js";

await initForTests();

const T = 6, B = 3, V = 11;
const tokens = Array.from({ length: T * B }, (_, i) => (i * 7 + 3) % V);

const LMS: [string, ConstructorParameters<typeof LanguageModel>[0]][] = [
  ["LSTM 2 layers, embedding", { vocabSize: V, cell: "lstm", hiddenSize: 8, numLayers: 2, embedSize: 5, seed: 1 }],
  ["GRU reset-before, one-hot input", { vocabSize: V, cell: "gru", hiddenSize: 7, resetAfter: false, seed: 2 }],
  ["RNN relu, bidirectional, embedding", { vocabSize: V, cell: "rnn", hiddenSize: 6, nonlinearity: "relu", bidirectional: true, embedSize: 4, seed: 3 }],
];

for (const [label, options] of LMS) {
  for (const states of [false, true]) {
    test(`language model ${label}${states ? ", with states" : ""}: logits (and hN) reproduced`, async () => {
      const lm = new LanguageModel(options).eval();
      try {
        const c = lm.config, S = c.numLayers * (c.bidirectional ? 2 : 1) * B * c.hiddenSize;
        const h0 = noise(S, 4), c0 = noise(S, 9);
        const fwd = states ? { seqLen: T, batch: B, h0, ...(c.cell === "lstm" ? { c0 } : {}) } : { seqLen: T, batch: B };
        const want = lm.forward(Int32Array.from(tokens), null, fwd);
        const feeds: Feeds = { tokens: { dtype: "int64", shape: [T, B], data: tokens } };
        const sShape = [c.numLayers * (c.bidirectional ? 2 : 1), B, c.hiddenSize];
        if (states) {
          feeds.h0 = { dtype: "float32", shape: sShape, data: h0 };
          if (c.cell === "lstm") feeds.c0 = { dtype: "float32", shape: sShape, data: c0 };
        }
        const bytes = exportOnnx(lm, { states });
        const outputs = decodeOnnx(bytes).outputs.map((o) => o.name);
        assert.equal(outputs, states ? ["logits", "hN", ...(c.cell === "lstm" ? ["cN"] : [])] : ["logits"]);
        await checkBoth(label, bytes, feeds, {
          logits: { data: want.logits, shape: [T, B, V] },
          ...(states ? { hN: { data: want.hN, shape: sShape } } : {}),
          ...(states && want.cN ? { cN: { data: want.cN, shape: sShape } } : {}),
        });
      } finally {
        lm.dispose();
      }
    });
  }
}

const lengths = [T, 2, 4];

const MODELS: [string, "classify" | "tag" | "regress", ModuleConfig[]][] = [
  ["classify: embedding → GRU → last → linear", "classify", [
    { name: "embedding", type: "Embedding", numEmbeddings: V, embeddingDim: 5 },
    { name: "rnn", type: "GRU", inputSize: 5, hiddenSize: 8 },
    { name: "pool", type: "Pool", mode: "last" },
    { name: "fc", type: "Linear", inFeatures: 8, outFeatures: 3 },
  ]],
  ["classify: embedding → bidirectional LSTM ×2 → last → dropout → linear", "classify", [
    { name: "embedding", type: "Embedding", numEmbeddings: V, embeddingDim: 4 },
    { name: "rnn", type: "LSTM", inputSize: 4, hiddenSize: 5, numLayers: 2, bidirectional: true, dropout: 0.2 },
    { name: "pool", type: "Pool", mode: "last" },
    { name: "drop", type: "Dropout", p: 0.3 },
    { name: "fc", type: "Linear", inFeatures: 10, outFeatures: 4 },
  ]],
  ["classify: embedding → RNN → mean → linear", "classify", [
    { name: "embedding", type: "Embedding", numEmbeddings: V, embeddingDim: 4 },
    { name: "rnn", type: "RNN", inputSize: 4, hiddenSize: 6, nonlinearity: "relu" },
    { name: "pool", type: "Pool", mode: "mean" },
    { name: "fc", type: "Linear", inFeatures: 6, outFeatures: 2 },
  ]],
  ["classify: embedding → GRU reset-before, bidirectional → linear per step → max", "classify", [
    { name: "embedding", type: "Embedding", numEmbeddings: V, embeddingDim: 4 },
    { name: "rnn", type: "GRU", inputSize: 4, hiddenSize: 5, bidirectional: true, resetAfter: false },
    { name: "proj", type: "Linear", inFeatures: 10, outFeatures: 6 },
    { name: "pool", type: "Pool", mode: "max" },
    { name: "fc", type: "Linear", inFeatures: 6, outFeatures: 3, bias: false },
  ]],
  ["tag: embedding → bidirectional GRU → linear per step", "tag", [
    { name: "embedding", type: "Embedding", numEmbeddings: V, embeddingDim: 5 },
    { name: "rnn", type: "GRU", inputSize: 5, hiddenSize: 6, bidirectional: true },
    { name: "fc", type: "Linear", inFeatures: 12, outFeatures: 4 },
  ]],
  ["regress: features → LSTM → mean → linear", "regress", [
    { name: "rnn", type: "LSTM", inputSize: 3, hiddenSize: 7 },
    { name: "pool", type: "Pool", mode: "mean" },
    { name: "fc", type: "Linear", inFeatures: 7, outFeatures: 2 },
  ]],
  ["regress per step: features → GRU ×2 → dropout → linear", "regress", [
    { name: "rnn", type: "GRU", inputSize: 3, hiddenSize: 5, numLayers: 2 },
    { name: "drop", type: "Dropout", p: 0.1 },
    { name: "fc", type: "Linear", inFeatures: 5, outFeatures: 1 },
  ]],
];

for (const [label, task, modules] of MODELS) {
  for (const withLens of [true, false]) {
    test(`${label}${withLens ? " (sequence_lens)" : " (full length)"}: the task model's output reproduced`, async () => {
      const model = new TaskModel(Sequential.fromConfig(modules, { seed: 5 }).eval(), { task });
      try {
        const m = model.model;
        const input = m.inputKind === "tokens" ? Int32Array.from(tokens) : noise(T * B * m.inputSize, 8);
        const want = m.forward(input, { seqLen: T, batch: B, ...(withLens ? { lengths } : {}) }).output;
        const feeds: Feeds = m.inputKind === "tokens" ? { tokens: { dtype: "int64", shape: [T, B], data: tokens } } : { x: { dtype: "float32", shape: [T, B, m.inputSize], data: input } };
        if (withLens) feeds.sequence_lens = { dtype: "int32", shape: [B], data: lengths };
        const bytes = exportOnnx(model, { sequenceLens: withLens });
        assert.equal(decodeOnnx(bytes).inputs.map((i) => i.name), Object.keys(feeds));
        const shape = m.outputKind === "pooled" ? [B, m.outFeatures] : [T, B, m.outFeatures];
        await checkBoth(label, bytes, feeds, { output: { data: want, shape } });
      } finally {
        model.dispose();
      }
    });
  }
}

test("quantized models are written with the values their weights stand for", async () => {
  const lm = new LanguageModel({ vocabSize: V, cell: "gru", hiddenSize: 8, embedSize: 4, seed: 6 });
  const f16 = lm.quantize({ weights: "f16" }), int8 = lm.quantize({ weights: "int8" });
  // an int8 model multiplies in int8; its file holds the dequantized weights, which an f32 model computes with
  const dequantized = new LanguageModel(lm.options()).eval();
  try {
    const feeds: Feeds = { tokens: { dtype: "int64", shape: [T, B], data: tokens } };
    const want = f16.forward(Int32Array.from(tokens), null, { seqLen: T, batch: B }).logits;
    const bytes = exportOnnx(f16);
    assert.match(new TextDecoder().decode(bytes), /its weights were f16, written as the f32 values they stand for/);
    await checkBoth("f16 language model", bytes, feeds, { logits: { data: want } });
    dequantized.loadTorchParams(int8.torchParams());
    const want8 = dequantized.forward(Int32Array.from(tokens), null, { seqLen: T, batch: B }).logits;
    await checkBoth("int8 language model", exportOnnx(int8), feeds, { logits: { data: want8 } });
  } finally {
    for (const m of [f16, int8, dequantized, lm]) m.dispose();
  }
});

test("a Sequential of more than one recurrent module refuses the states option", () => {
  const m = Sequential.fromConfig([{ name: "rnn", type: "GRU", inputSize: 2, hiddenSize: 3 }, { name: "fc", type: "Linear", inFeatures: 3, outFeatures: 1 }]);
  try {
    assert.throws(() => exportOnnx(m, { states: true }), /exportOnnx: option states is for layers, language models and a Sequential of one recurrent module/);
    const lm = new LanguageModel({ vocabSize: 3, cell: "rnn", hiddenSize: 2 });
    assert.throws(() => exportOnnx(lm, { sequenceLens: true }), /exportOnnx: option sequenceLens is for layers, Sequentials and task models; a language model reads every step/);
    lm.dispose();
  } finally {
    m.dispose();
  }
});

test.run();
