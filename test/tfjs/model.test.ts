// The bench's language models as TensorFlow.js 4.22 wrote them (bench/tfjs-models/lm_lstm_2l_h16: Embedding →
// LSTM × 2 → Dense, sigmoid and hard_sigmoid gates, one weights.bin) run bit for bit as the same model built
// natively from the file's weights (what docs/tfjs-speed.md reports): a LanguageModel for sigmoid gates, a
// Sequential with recurrentActivation "hardSigmoid" for tfjs's default. The two LSTMs run as one two-layer
// layer, as the native stack does.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { init, LanguageModel, Sequential } from "../../src/index.js";
import { loadTfjs } from "../../src/tfjs/index.js";

await init();

const DIR = join(resolve(dirname(fileURLToPath(import.meta.url)), "../../.."), "bench/tfjs-models/lm_lstm_2l_h16");
const V = 20, E = 8, H = 16, G = 4 * H;
const bin = new Uint8Array(readFileSync(join(DIR, "weights.bin")));

/** The file's weights by manifest name (float32, manifest order), read here independently of the loader. */
function fileWeights(): Record<string, Float32Array> {
  const json = JSON.parse(readFileSync(join(DIR, "model.json"), "utf8")) as { weightsManifest: { weights: { name: string; shape: number[] }[] }[] };
  const all = new Float32Array(bin.slice().buffer);
  const out: Record<string, Float32Array> = {};
  let at = 0;
  for (const w of json.weightsManifest.flatMap((g) => g.weights)) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    out[w.name] = all.slice(at, at + n);
    at += n;
  }
  assert.is(at, all.length, "the manifest covers weights.bin");
  return out;
}

const transpose = (x: Float32Array, R: number, C: number) => {
  const out = new Float32Array(R * C);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) out[c * R + r] = x[r * C + c];
  return out;
};

/** PyTorch names and layouts: W = Kᵀ (gate blocks i, f, c, o = i, f, g, o), bias_ih = Keras's bias, bias_hh = 0. */
function nativeParams(): Record<string, Float32Array> {
  const w = fileWeights();
  const p: Record<string, Float32Array> = { "embedding.weight": w["embedding/embeddings"], "fc.weight": transpose(w["fc/kernel"], H, V), "fc.bias": w["fc/bias"] };
  for (let l = 0; l < 2; l++) {
    p[`rnn.weight_ih_l${l}`] = transpose(w[`lstm${l + 1}/kernel`], l === 0 ? E : H, G);
    p[`rnn.weight_hh_l${l}`] = transpose(w[`lstm${l + 1}/recurrent_kernel`], H, G);
    p[`rnn.bias_ih_l${l}`] = w[`lstm${l + 1}/bias`];
    p[`rnn.bias_hh_l${l}`] = new Float32Array(G);
  }
  return p;
}

const T = 7, B = 3;
const idsBT = Int32Array.from({ length: B * T }, (_, i) => (i * 7 + 3) % V); // batch-first [B, T]
const idsTB = new Int32Array(T * B);
for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) idsTB[t * B + b] = idsBT[b * T + t];

/** [T, B, V] → [B, T, V]. */
function batchFirst(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) out.set(x.subarray((t * B + b) * V, (t * B + b + 1) * V), (b * T + t) * V);
  return out;
}

function exactly(got: Float32Array, want: Float32Array, what: string): void {
  assert.is(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) assert.unreachable(`${what}[${i}]: ${got[i]} ≠ ${want[i]}`);
}

test("tfjs-written LM with sigmoid gates = LanguageModel with its weights, bit for bit; its two LSTMs are one layer", async () => {
  const model = await loadTfjs(readFileSync(join(DIR, "model.json"), "utf8"), bin);
  const lm = new LanguageModel({ vocabSize: V, cell: "lstm", hiddenSize: H, numLayers: 2, embedSize: E });
  try {
    assert.equal(model.layers, ["embedding (Embedding)", "lstm1 (LSTM)", "lstm2 (LSTM)", "fc (Dense)"]);
    assert.is((model as unknown as { units: unknown[] }).units.length, 3, "embedding, the stack, the Dense");
    lm.loadTorchParams(nativeParams());
    lm.eval();
    const got = model.predict({ data: idsBT, shape: [B, T] });
    assert.equal(got.shape, [B, T, V]);
    exactly(got.data, batchFirst(lm.forward(idsTB, null, { seqLen: T, batch: B }).logits), "logits");
  } finally {
    model.dispose();
    lm.dispose();
  }
});

test("the same weights with hard_sigmoid gates (tfjs's default) = a Sequential with recurrentActivation hardSigmoid, bit for bit", async () => {
  const model = await loadTfjs(readFileSync(join(DIR, "model-hard-sigmoid.json"), "utf8"), bin);
  const seq = Sequential.fromConfig([
    { name: "embedding", type: "Embedding", numEmbeddings: V, embeddingDim: E },
    { name: "rnn", type: "LSTM", inputSize: E, hiddenSize: H, numLayers: 2, recurrentActivation: "hardSigmoid" },
    { name: "fc", type: "Linear", inFeatures: H, outFeatures: V },
  ]);
  try {
    seq.loadTorchParams(nativeParams());
    seq.eval();
    const got = model.predict({ data: idsBT, shape: [B, T] });
    const want = batchFirst(seq.forward(idsTB, { seqLen: T, batch: B }).output);
    exactly(got.data, want, "logits");
    // and the gates matter: the sigmoid file's outputs differ
    const soft = await loadTfjs(readFileSync(join(DIR, "model.json"), "utf8"), bin);
    assert.ok(soft.predict({ data: idsBT, shape: [B, T] }).data.some((v, i) => v !== want[i]));
    soft.dispose();
  } finally {
    model.dispose();
    seq.dispose();
  }
});

test.run();
