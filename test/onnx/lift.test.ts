// liftOnnx on every interop fixture (torch.onnx.export of nn.RNN / nn.GRU, an embedding + LSTM + Linear
// language model, an embedding + GRU + last step + Linear classifier; onnx.helper GRU / LSTM nodes with
// sequence_lens): the native model it builds reproduces the fixture's expected outputs, and exportOnnx of that
// model, run by onnxruntime-web and by loadOnnx, reproduces them too.
//
// Axes: a graph whose output is a recurrent node's own Y [T, D, B, H] (the onnx_* fixtures) lifts to a layer
// whose output is [T, B, D·H]; the expected Y is rearranged with onnxYToSteps before comparing. Our exported
// graph writes [T, B, D·H] ("output"), so the same rearranged values are compared there. Y_h / hN is
// [L·D, B, H] everywhere.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { initForTests } from "../helpers/setup.js";
import { exportOnnx, liftOnnx, type LiftedOnnx } from "../../src/onnx/export-entry.js";
import { decodeOnnx } from "../../src/onnx/model.js";
import { checkBoth, close, noise, type Feeds } from "../helpers/onnx-check.js";
import { ONNX_EXTRA_FIXTURES, onnxFixtures, onnxYToSteps, type OnnxFixture } from "../helpers/onnx-fixtures.js";
import { GRU, LSTM, LanguageModel, Sequential, type ModuleConfig } from "../../src/index.js";

await initForTests();

const KIND: Record<string, LiftedOnnx["kind"]> = {
  onnx_gru_lbr0_bidir_seqlens: "layer", onnx_lstm_seqlens: "layer", torch_gru_bidir_2l: "layer", torch_rnn_relu: "layer",
  torch_lm_lstm_2l: "language-model", torch_classifier_gru_last: "sequential", torch_lstm_batch_first: "layer",
};

/** Runs the lifted model natively on the fixture's inputs; returns its outputs by the graph's output names, in our layout. */
export function runLifted(lifted: LiftedOnnx, f: OnnxFixture): Record<string, Float32Array> {
  const io = lifted.io, x = f.inputs[io.input];
  // a batch-first layer takes x [B, T, I] (and gives [B, T, D·H]), as the graph does
  const batchFirst = lifted.kind === "layer" && lifted.layer.config.batchFirst;
  const [T, B] = batchFirst ? [x.shape[1], x.shape[0]] : x.shape;
  const opt = (name: string | null) => (name ? Float32Array.from(f.inputs[name].data) : undefined);
  const lengths = io.lengths ? Array.from(f.inputs[io.lengths].data) : undefined;
  const out: Record<string, Float32Array> = {};
  if (lifted.kind === "layer") {
    const r = lifted.layer.forward(Float32Array.from(x.data), { seqLen: T, batch: B, h0: opt(io.h0), c0: opt(io.c0), lengths });
    out[io.output] = r.output;
    if (io.hN) out[io.hN] = r.hN;
    if (io.cN && r.cN) out[io.cN] = r.cN;
  } else if (lifted.kind === "language-model") {
    const r = lifted.lm.forward(Int32Array.from(x.data), null, { seqLen: T, batch: B, h0: opt(io.h0), c0: opt(io.c0) });
    out[io.output] = r.logits;
    if (io.hN) out[io.hN] = r.hN;
    if (io.cN && r.cN) out[io.cN] = r.cN;
  } else {
    const input = lifted.model.inputKind === "tokens" ? Int32Array.from(x.data) : Float32Array.from(x.data);
    out[io.output] = lifted.model.forward(input, { seqLen: T, batch: B, ...(lengths ? { lengths } : {}) }).output;
  }
  return out;
}

/** The fixture's expected outputs in our layout (Y [T, D, B, H] rearranged to [T, B, D·H]). */
export function expectedInOurLayout(lifted: LiftedOnnx, f: OnnxFixture): Record<string, ArrayLike<number>> {
  const want: Record<string, ArrayLike<number>> = {};
  for (const [name, o] of Object.entries(f.outputs)) want[name] = name === lifted.io.output && lifted.io.outputLayout === "onnx" ? onnxYToSteps(o.data, o.shape) : o.data;
  return want;
}

/** Feeds and expected outputs of our export of the lifted model (its own input and output names). */
export function exportedCase(lifted: LiftedOnnx, f: OnnxFixture) {
  const io = lifted.io, feeds: Feeds = {};
  const main = lifted.kind === "language-model" ? "tokens" : lifted.kind === "sequential" && lifted.model.inputKind === "tokens" ? "tokens" : "x";
  feeds[main] = f.inputs[io.input];
  if (io.lengths) feeds.sequence_lens = f.inputs[io.lengths];
  if (io.h0) feeds.h0 = f.inputs[io.h0];
  if (io.c0) feeds.c0 = f.inputs[io.c0];
  const expected = expectedInOurLayout(lifted, f);
  const want: Record<string, { data: ArrayLike<number> }> = { [lifted.kind === "language-model" ? "logits" : "output"]: { data: expected[io.output] } };
  if (io.hN) want.hN = { data: expected[io.hN] };
  if (io.cN) want.cN = { data: expected[io.cN] };
  return { feeds, want, options: { states: io.h0 !== null, sequenceLens: io.lengths !== null } };
}

export function disposeLifted(l: LiftedOnnx): void {
  if (l.kind === "layer") l.layer.dispose();
  else if (l.kind === "language-model") l.lm.dispose();
  else l.model.dispose();
}

for (const f of [...onnxFixtures(), ...onnxFixtures(ONNX_EXTRA_FIXTURES)]) {
  test(`${f.name}: lifted to a native ${KIND[f.name]}, which reproduces the expected outputs, as does its export`, async () => {
    const lifted = liftOnnx(f.bytes);
    try {
      assert.is(lifted.kind, KIND[f.name]);
      const got = runLifted(lifted, f), want = expectedInOurLayout(lifted, f);
      assert.equal(Object.keys(got).sort(), Object.keys(f.outputs).sort(), "every graph output is mapped");
      for (const name of Object.keys(want)) close(`${f.name} native ${name}`, got[name], want[name]);
      const { feeds, want: exported, options } = exportedCase(lifted, f);
      await checkBoth(`${f.name} re-exported`, exportOnnx(lifted.kind === "layer" ? lifted.layer : lifted.kind === "language-model" ? lifted.lm : lifted.model, options), feeds, exported);
    } finally {
      disposeLifted(lifted);
    }
  });
}

test("graphs that do not map are refused, naming the node and what does not map", () => {
  const layer = new GRU({ inputSize: 3, hiddenSize: 4 });
  const bytes = exportOnnx(layer);
  layer.dispose();
  // a reverse GRU: rewrite the direction attribute of our own export
  const graph = decodeOnnx(bytes);
  const gru = graph.nodes.find((n) => n.opType === "GRU")!;
  gru.attributes.set("direction", "reverse");
  assert.throws(() => liftGraphOf(graph), /liftOnnx: node ".*" \(GRU\) runs in direction "reverse"/);
  // a Sigmoid after the layer
  const g2 = decodeOnnx(bytes);
  g2.nodes.find((n) => n.outputs[0] === "output")!.opType = "Sigmoid";
  assert.throws(() => liftGraphOf(g2), /liftOnnx: node ".*" \(Sigmoid\) on the step outputs of recurrent does not map/);
});

// our own exports lift back to the model they came from (the pooling over sequence_lens included)
const V = 9, T = 5, B = 3, lengths = [T, 2, 4];
const tokens = Array.from({ length: T * B }, (_, i) => (i * 4 + 1) % V);
const SEQUENTIALS: [string, ModuleConfig[]][] = [
  ["bidirectional GRU, last", [
    { name: "embedding", type: "Embedding", numEmbeddings: V, embeddingDim: 4 },
    { name: "rnn", type: "GRU", inputSize: 4, hiddenSize: 5, bidirectional: true },
    { name: "pool", type: "Pool", mode: "last" },
    { name: "fc", type: "Linear", inFeatures: 10, outFeatures: 3 },
  ]],
  ["LSTM ×2, mean", [
    { name: "embedding", type: "Embedding", numEmbeddings: V, embeddingDim: 4 },
    { name: "rnn", type: "LSTM", inputSize: 4, hiddenSize: 5, numLayers: 2 },
    { name: "pool", type: "Pool", mode: "mean" },
    { name: "fc", type: "Linear", inFeatures: 5, outFeatures: 2 },
  ]],
  ["features → RNN relu → linear → max → linear without bias", [
    { name: "rnn", type: "RNN", inputSize: 3, hiddenSize: 4, nonlinearity: "relu" },
    { name: "fc", type: "Linear", inFeatures: 4, outFeatures: 6 },
    { name: "pool", type: "Pool", mode: "max" },
    { name: "fc2", type: "Linear", inFeatures: 6, outFeatures: 2, bias: false },
  ]],
  ["GRU reset-before, last, tagger-free", [
    { name: "embedding", type: "Embedding", numEmbeddings: V, embeddingDim: 4 },
    { name: "rnn", type: "GRU", inputSize: 4, hiddenSize: 5, resetAfter: false },
    { name: "pool", type: "Pool", mode: "last" },
    { name: "fc", type: "Linear", inFeatures: 5, outFeatures: 3 },
  ]],
  ["tagger", [
    { name: "embedding", type: "Embedding", numEmbeddings: V, embeddingDim: 4 },
    { name: "rnn", type: "LSTM", inputSize: 4, hiddenSize: 5, bidirectional: true },
    { name: "fc", type: "Linear", inFeatures: 10, outFeatures: 3 },
  ]],
];

const shapeOf = (modules: readonly ModuleConfig[]) => modules.map((m) => ({ ...m, name: m.type }));

for (const [label, modules] of SEQUENTIALS) {
  for (const withLens of [true, false]) {
    test(`exportOnnx → liftOnnx of a Sequential (${label}${withLens ? ", sequence_lens" : ""}) is the same model`, () => {
      const m = Sequential.fromConfig(modules, { seed: 2 }).eval();
      let lifted: LiftedOnnx | null = null;
      try {
        const bidirectionalLast = modules.some((x) => x.type === "Pool" && x.mode === "last") && modules.some((x) => "bidirectional" in x && x.bidirectional);
        lifted = liftOnnx(exportOnnx(m, { sequenceLens: withLens }));
        assert.is(lifted.kind, "sequential");
        if (lifted.kind !== "sequential") return;
        assert.equal(shapeOf(lifted.model.modules), shapeOf(m.modules.map((x) => ("dropout" in x ? { ...x, dropout: 0 } : x))), `${label}: the same modules${bidirectionalLast ? "" : ""}`);
        assert.is(lifted.io.lengths, withLens ? "sequence_lens" : null);
        const input = m.inputKind === "tokens" ? Int32Array.from(tokens) : noise(T * B * m.inputSize, 5);
        const fwd = { seqLen: T, batch: B, ...(withLens ? { lengths } : {}) };
        assert.equal(lifted.model.forward(input, fwd).output, m.forward(input, fwd).output, "the same outputs, bit for bit");
      } finally {
        if (lifted) disposeLifted(lifted);
        m.dispose();
      }
    });
  }
}

test("exportOnnx → liftOnnx of a language model (one-hot and embedding) and of a layer with states", () => {
  for (const options of [{ vocabSize: V, cell: "gru" as const, hiddenSize: 6, seed: 1 }, { vocabSize: V, cell: "lstm" as const, hiddenSize: 6, embedSize: 3, numLayers: 2, seed: 1 }]) {
    const lm = new LanguageModel(options).eval();
    const lifted = liftOnnx(exportOnnx(lm, { states: true }));
    try {
      assert.is(lifted.kind, "language-model");
      if (lifted.kind !== "language-model") return;
      assert.equal({ ...lifted.lm.options(), seed: 0 }, { ...lm.options(), seed: 0 }, "the same options (the seed is not in the file)");
      assert.equal(lifted.io.h0, "h0");
      const run = (x: LanguageModel) => x.forward(Int32Array.from(tokens), null, { seqLen: T, batch: B }).logits;
      assert.equal(run(lifted.lm), run(lm));
    } finally {
      disposeLifted(lifted);
      lm.dispose();
    }
  }
  const bf = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, batchFirst: true, seed: 5 }).eval();
  const liftedBf = liftOnnx(exportOnnx(bf));
  try {
    assert.is(liftedBf.kind, "layer");
    if (liftedBf.kind !== "layer") return;
    assert.is(liftedBf.layer.config.batchFirst, true, "a batch-first layer (Transpose around the stack) lifts batch-first");
    const x = noise(B * T * 3, 6);
    assert.equal(liftedBf.layer.forward(x, { seqLen: T, batch: B }).output, bf.forward(x, { seqLen: T, batch: B }).output);
  } finally {
    disposeLifted(liftedBf);
    bf.dispose();
  }
  const layer = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 3, bidirectional: true, seed: 4 }).eval();
  const lifted = liftOnnx(exportOnnx(layer, { states: true, sequenceLens: true }));
  try {
    assert.is(lifted.kind, "layer");
    if (lifted.kind !== "layer") return;
    assert.equal({ ...lifted.layer.config, seed: 0 }, { ...layer.config, seed: 0 });
    assert.equal([lifted.io.h0, lifted.io.c0, lifted.io.lengths, lifted.io.hN, lifted.io.cN], ["h0", "c0", "sequence_lens", "hN", "cN"]);
    const x = noise(T * B * 3, 2), h0 = noise(3 * 2 * B * 4, 3), c0 = noise(3 * 2 * B * 4, 4);
    const fwd = { seqLen: T, batch: B, h0, c0, lengths };
    assert.equal(lifted.layer.forward(x, fwd).output, layer.forward(x, fwd).output);
  } finally {
    disposeLifted(lifted);
    layer.dispose();
  }
});

import { liftGraph } from "../../src/onnx/lift.js";
function liftGraphOf(g: ReturnType<typeof decodeOnnx>) {
  const l = liftGraph(g);
  disposeLifted(l);
  return l;
}

test.run();
