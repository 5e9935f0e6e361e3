// exportTfjs: what it writes loads back (loadTfjs) and computes what the model computed; what has no Keras
// layer is refused naming it. (scripts/tfjs-crosscheck.mjs also loads these files in TensorFlow.js itself.)

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init, GRU, LSTM, RNN, LanguageModel, Sequential } from "../../src/index.js";
import { loadTfjs } from "../../src/tfjs/index.js";
import { exportTfjs, type Exportable } from "../../src/tfjs/export-entry.js";
import { floats } from "./keras-reference.js";

await init();

function close(got: Float32Array, want: Float32Array, what: string): void {
  assert.is(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= 1e-5 + 1e-4 * Math.abs(want[i]))) assert.unreachable(`${what}[${i}]: got ${got[i]}, expected ${want[i]}`);
  }
}

/** [T, B, C] time-major → [B, T, C]. */
function batchFirst(x: Float32Array, T: number, B: number, C: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) out.set(x.subarray((t * B + b) * C, (t * B + b + 1) * C), (b * T + t) * C);
  return out;
}

async function roundTrip(model: Exportable, input: { data: Int32Array | Float32Array; shape: number[] }): Promise<{ data: Float32Array; shape: number[]; notes: string[] }> {
  const { modelJson, weights, notes } = exportTfjs(model);
  const back = await loadTfjs(JSON.stringify(modelJson), weights);
  try {
    return { ...back.predict(input), notes };
  } finally {
    back.dispose();
  }
}

const B = 2, T = 4, F = 3;
const x = floats(B * T * F, 11, 1);
const ids = Int32Array.from([1, 5, 2, 7, 3, 3, 0, 6]);

test("recurrent layers: LSTM (2 layers, bidirectional), GRU both forms, RNN relu", async () => {
  const layers = [
    new LSTM({ inputSize: F, hiddenSize: 4, numLayers: 2, bidirectional: true, batchFirst: true, seed: 1 }),
    new GRU({ inputSize: F, hiddenSize: 3, resetAfter: false, batchFirst: true, seed: 2 }),
    new GRU({ inputSize: F, hiddenSize: 3, resetAfter: true, batchFirst: true, seed: 3 }),
    new RNN({ inputSize: F, hiddenSize: 5, nonlinearity: "relu", bias: false, batchFirst: true, seed: 4 }),
  ];
  for (const layer of layers) {
    const want = layer.forward(x, { seqLen: T, batch: B }).output;
    const got = await roundTrip(layer, { data: x, shape: [B, T, F] });
    close(got.data, want, layer.toString());
    if (layer instanceof GRU && layer.config.resetAfter) assert.match(got.notes.join(" "), /reset_after: true.*TensorFlow\.js 4 refuses it/);
    layer.dispose();
  }
});

test("a time-major layer is written batch-first, with a note", async () => {
  const layer = new LSTM({ inputSize: F, hiddenSize: 2, seed: 5 });
  const { notes, modelJson } = exportTfjs(layer);
  assert.match(notes.join(" "), /batch-first/);
  assert.equal((modelJson.modelTopology.config as { layers: { config: { batch_input_shape: unknown } }[] }).layers[0].config.batch_input_shape, [null, null, F]);
  layer.dispose();
});

test("language models (embedding and one-hot) → Embedding, recurrent, Dense", async () => {
  for (const options of [{ vocabSize: 8, cell: "lstm", hiddenSize: 5, embedSize: 3, numLayers: 2 }, { vocabSize: 8, cell: "gru", hiddenSize: 4, resetAfter: false }, { vocabSize: 8, cell: "rnn", hiddenSize: 4, bidirectional: true }] as const) {
    const lm = new LanguageModel({ ...options, seed: 9 });
    const tm = batchFirst(Float32Array.from(ids), B, T, 1); // ids are [B, T]; the model takes [T, B]
    const want = batchFirst(lm.forward(Int32Array.from(tm), null, { seqLen: T, batch: B }).logits, T, B, 8);
    const got = await roundTrip(lm, { data: ids, shape: [B, T] });
    assert.equal(got.shape, [B, T, 8]);
    close(got.data, want, `LanguageModel ${options.cell}`);
    lm.dispose();
  }
});

test("Sequential: classifier (Pool last → return_sequences false), tagger, features", async () => {
  const classifier = Sequential.fromConfig([
    { name: "emb", type: "Embedding", numEmbeddings: 8, embeddingDim: 4 },
    { name: "rnn", type: "LSTM", inputSize: 4, hiddenSize: 3, bidirectional: true },
    { name: "pool", type: "Pool", mode: "last" },
    { name: "drop", type: "Dropout", p: 0.3 },
    { name: "fc", type: "Linear", inFeatures: 6, outFeatures: 2 },
  ], { seed: 3 });
  classifier.eval();
  const tm = Int32Array.from(batchFirst(Float32Array.from(ids), B, T, 1));
  let got = await roundTrip(classifier, { data: ids, shape: [B, T] });
  assert.equal(got.shape, [B, 2]);
  close(got.data, classifier.forward(tm, { seqLen: T, batch: B }).output, "classifier");
  classifier.dispose();

  const tagger = Sequential.fromConfig([
    { name: "rnn", type: "GRU", inputSize: F, hiddenSize: 4, numLayers: 2, resetAfter: false },
    { name: "fc", type: "Linear", inFeatures: 4, outFeatures: 3, bias: false },
  ], { seed: 4 });
  tagger.eval();
  got = await roundTrip(tagger, { data: x, shape: [B, T, F] });
  close(got.data, batchFirst(tagger.forward(batchFirst(x, B, T, F), { seqLen: T, batch: B }).output, T, B, 3), "tagger");
  tagger.dispose();
});

test("refused: Pool mean / max, quantized weights, other values", () => {
  const pooled = Sequential.fromConfig([
    { name: "rnn", type: "GRU", inputSize: F, hiddenSize: 4 },
    { name: "pool", type: "Pool", mode: "mean" },
    { name: "fc", type: "Linear", inFeatures: 4, outFeatures: 3 },
  ]);
  assert.throws(() => exportTfjs(pooled), /exportTfjs: module 1 "pool" \(Pool mean\) has no Keras layer/);
  const q = pooled.quantize({ weights: "int8" });
  assert.throws(() => exportTfjs(q), /int8 weights: export the f32 model/);
  q.dispose();
  pooled.dispose();
  assert.throws(() => exportTfjs({} as never), /exportTfjs: expected a recurrent layer/);
  // a recurrent parameter with no Keras weight (as LSTM peepholes would be) is refused, not dropped
  const lm = new LanguageModel({ vocabSize: 5, cell: "lstm", hiddenSize: 3 });
  const params = lm.torchParams();
  lm.torchParams = () => ({ ...params, "rnn.weight_ph_l0": new Float32Array(9) });
  assert.throws(() => exportTfjs(lm), /exportTfjs: parameter "rnn\.weight_ph_l0" has no Keras LSTM weight/);
  lm.dispose();
});

test.run();
