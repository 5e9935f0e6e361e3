// quantize(): int8 and f16 copies of layers, language models and task models. Each copy computes close to
// its f32 model (int8 within the quantization error, f16 within f32 rounding of its f16 weights), streams
// exactly as it runs whole sequences, refuses training, leaves the f32 model unchanged, and a small trained
// language model keeps its perplexity (int8 within 1 %, f16 within 0.1 %) and most of its greedy text.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { GRU, LSTM, LanguageModel, RNN, Sequential, Trainer, Vocabulary, evaluatePerplexity, generateIds, quantize } from "../../src/index.js";
import { initForTests } from "../helpers/setup.js";
import { TEXT } from "../helpers/tiny-lm.js";

await initForTests();

const wave = (n: number, f = 0.37) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * f) * 0.9);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

const LAYERS = [
  ["LSTM", () => new LSTM({ inputSize: 20, hiddenSize: 48, seed: 1 })],
  ["LSTM 2 layers bidirectional", () => new LSTM({ inputSize: 20, hiddenSize: 24, numLayers: 2, bidirectional: true, seed: 2 })],
  ["GRU", () => new GRU({ inputSize: 20, hiddenSize: 40, seed: 3 })],
  ["GRU reset-before", () => new GRU({ inputSize: 20, hiddenSize: 40, resetAfter: false, seed: 4 })],
  ["RNN relu", () => new RNN({ inputSize: 20, hiddenSize: 33, nonlinearity: "relu", seed: 5 })],
] as const;

for (const [name, make] of LAYERS) {
  test(`${name}: int8 and f16 copies track the f32 layer, stream as they run, and refuse backward`, () => {
    const layer = make();
    const T = 12, B = 3, x = wave(T * B * 20);
    const before = layer.torchParams();
    const ref = layer.forward(x, { seqLen: T, batch: B }).output;
    for (const weights of ["int8", "f16"] as const) {
      const q = quantize(layer, { weights });
      assert.is(q.weightType, weights);
      assert.ok(q instanceof layer.constructor, "same class");
      const out = q.forward(x, { seqLen: T, batch: B }).output;
      const err = maxDiff(out, ref);
      // int8: a few 1e-3 (7-bit activations, 8-bit weights); f16: weights within 2^-11 relative
      assert.ok(err < (weights === "int8" ? 2e-2 : 2e-3), `${weights}: max |Δ| ${err}`);
      assert.ok(err > 0, `${weights}: the copy computes with its own weights`);
      assert.throws(() => q.backward({ dOutput: new Float32Array(out.length) }), /quantized \(.*\).*inference only/);
      if (!layer.config.bidirectional) {
        const s = q.stream({ batch: B });
        const steps: number[] = [];
        for (let t = 0; t < T; t++) steps.push(...s.step(x.subarray(t * B * 20, (t + 1) * B * 20)));
        // one step at a time takes the same int8 products (one form at every batch size)
        assert.ok(maxDiff(steps, out) <= (weights === "int8" ? 0 : 1e-6), `${weights}: streaming equals the whole pass`);
        s.dispose?.();
      }
      assert.throws(() => quantize(q, { weights: "int8" }), /already/);
      q.dispose();
    }
    const after = layer.torchParams();
    for (const k of Object.keys(before)) assert.equal(after[k], before[k], `${k} unchanged`);
    layer.dispose();
  });
}

test("quantize() checks its options and what it is given", () => {
  const layer = new LSTM({ inputSize: 4, hiddenSize: 8 });
  assert.throws(() => quantize(layer, { weights: "int4" as never }), /weights must be "int8" or "f16", got "int4"/);
  assert.throws(() => quantize(layer, {} as never), /weights must be "int8" or "f16", got undefined/);
  assert.throws(() => quantize(layer, { weights: "int8", extra: 1 } as never), /extra/);
  assert.throws(() => quantize({} as never, { weights: "int8" }), /expected a layer/);
  layer.dispose();
});

test("int8 refuses rows wider than the int8 products take (8192 inputs), before anything changes", () => {
  const wide = new RNN({ inputSize: 8193, hiddenSize: 2 });
  assert.throws(() => quantize(wide, { weights: "int8" }), /cannot quantize weight_ih_l0 to int8: its rows have 8193 inputs, more than the 8192 the int8 products take \(use f16\)/);
  const f16 = quantize(wide, { weights: "f16" });
  f16.dispose();
  wide.dispose();
});

test("an int8 copy whose weights are then overwritten refuses to run rather than use stale int8 weights", () => {
  const lm = new LanguageModel({ vocabSize: 12, cell: "gru", hiddenSize: 16, embedSize: 4, seed: 1 });
  const q = lm.quantize({ weights: "int8" });
  const ids = Int32Array.from([1, 2, 3, 4]);
  q.forward(ids, null, { seqLen: 2, batch: 2 });
  q.loadTorchParams(lm.torchParams());
  assert.throws(() => q.forward(ids, null, { seqLen: 2, batch: 2 }), /weights were changed after it was quantized to int8; quantize the f32 model again/);
  q.dispose();
  lm.dispose();
});

test("f16 refuses weights beyond its range, naming the parameter, and leaves nothing allocated", () => {
  const layer = new GRU({ inputSize: 3, hiddenSize: 4 });
  const p = layer.torchParams();
  p.weight_hh_l0[5] = 1e6;
  layer.loadTorchParams(p);
  assert.throws(() => quantize(layer, { weights: "f16" }), /weight_hh_l0.*1000000.*f16/);
  layer.dispose();
});

test("a trained language model keeps its perplexity: int8 within 1 %, f16 within 0.1 %; greedy text mostly agrees", () => {
  const vocab = Vocabulary.build(TEXT, { level: "char" });
  const ids = vocab.encode(TEXT);
  for (const cell of ["lstm", "gru", "rnn"] as const) {
    const lm = new LanguageModel({ vocabSize: vocab.size, cell, hiddenSize: 64, embedSize: 16, seed: 3 });
    const trainer = new Trainer(lm, ids, { batchSize: 8, seqLen: 24, optimizer: { name: "adam", lr: 0.01 }, clip: 1, seed: 3 });
    for (let e = 0; e < 6; e++) trainer.trainEpoch();
    const f32 = evaluatePerplexity(lm, ids, { batchSize: 4, seqLen: 32 }).perplexity;
    const greedy = Array.from(generateIds(lm, vocab.encode("the "), 200, { greedy: true }));
    for (const [weights, bound] of [["int8", 0.01], ["f16", 0.001]] as const) {
      const q = lm.quantize({ weights });
      const ppl = evaluatePerplexity(q, ids, { batchSize: 4, seqLen: 32 }).perplexity;
      const rel = Math.abs(ppl - f32) / f32;
      assert.ok(rel <= bound, `${cell} ${weights}: perplexity ${ppl} vs f32 ${f32} (${(rel * 100).toFixed(3)} %)`);
      const text = Array.from(generateIds(q, vocab.encode("the "), 200, { greedy: true }));
      const same = text.filter((t, i) => t === greedy[i]).length / greedy.length;
      assert.ok(same >= 0.8, `${cell} ${weights}: greedy generation agrees on ${(same * 100).toFixed(0)} % of tokens`);
      assert.throws(() => new Trainer(q, ids, { batchSize: 8, seqLen: 24, optimizer: { name: "adam", lr: 0.01 } }).trainEpoch(), /inference only/);
      q.dispose();
    }
    trainer.dispose?.();
    lm.dispose();
  }
});

test("Sequential: an int8 classifier (embedding, bidirectional LSTM, max pool, Linear) agrees with its f32 model", () => {
  const model = Sequential.fromConfig([
    { name: "emb", type: "Embedding", numEmbeddings: 50, embeddingDim: 12 },
    { name: "rnn", type: "LSTM", inputSize: 12, hiddenSize: 32, bidirectional: true },
    { name: "pool", type: "Pool", mode: "max" },
    { name: "fc", type: "Linear", inFeatures: 64, outFeatures: 3 },
  ], { seed: 9 });
  model.eval();
  const T = 10, B = 4;
  const ids = Int32Array.from({ length: T * B }, (_, i) => (i * 7) % 50);
  const lengths = Int32Array.from([10, 7, 3, 9]);
  const ref = model.forward(ids, { seqLen: T, batch: B, lengths }).output;
  for (const weights of ["int8", "f16"] as const) {
    const q = quantize(model, { weights });
    assert.is(q.weightType, weights);
    const out = q.forward(ids, { seqLen: T, batch: B, lengths }).output;
    assert.ok(maxDiff(out, ref) < (weights === "int8" ? 2e-2 : 1e-3), `${weights}: max |Δ| ${maxDiff(out, ref)}`);
    const t = { target: Int32Array.from([0, 1, 2, 0]), loss: { type: "crossEntropy" as const } };
    q.forward(ids, { seqLen: T, batch: B, lengths, ...t });
    assert.throws(() => q.backward(), /inference only/);
    q.dispose();
  }
  model.dispose();
});

test.run();
