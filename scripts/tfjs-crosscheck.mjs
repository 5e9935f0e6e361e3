// Cross-checks the tfjs loader, its float64 Keras reference (test/tfjs/keras-reference.ts) and exportTfjs
// against TensorFlow.js itself. tfjs is not a dependency of this project: install it anywhere
// (`npm i --ignore-scripts @tensorflow/tfjs@4.22.0` in a scratch folder) and run, after `npm run build`:
//   TFJS_DIR=/path/to/scratch node scripts/tfjs-crosscheck.mjs
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(join(process.env.TFJS_DIR ?? ".", "package.json"));
const tf = require("@tensorflow/tfjs");
await tf.setBackend("cpu");
const { init, LSTM, GRU, LanguageModel, Sequential } = await import("../dist/src/index.js");
const { loadTfjs } = await import("../dist/src/tfjs/index.js");
const { exportTfjs } = await import("../dist/src/tfjs/export-entry.js");
const R = await import("../dist/test/tfjs/keras-reference.js");
const { toF16Bits } = await import("../dist/src/quant/f16.js");
await init();

const B = 3, T = 5, F = 4;
const features = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => Array.from(R.floats(F, 100 + 10 * b + t, 1))));
const ids = [[3, 1, 4, 1, 5], [2, 6, 0, 0, 0], [0, 0, 0, 0, 0], [7, 0, 0, 0, 0]];

async function tfjsPredict(modelJson, weights, input) {
  const artifacts = { modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights), weightData: weights.slice().buffer };
  const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  const tokens = typeof input[0][0] === "number";
  const x = tokens ? tf.tensor2d(input, undefined, "int32") : tf.tensor3d(input);
  const y = model.predict(x);
  return { data: Array.from(await y.data()), shape: y.shape };
}

let worst = 0, failures = 0;
function compare(what, got, want) {
  let w = 0;
  for (let i = 0; i < want.length; i++) w = Math.max(w, Math.abs(got[i] - want[i]) / (1e-4 + 1e-3 * Math.abs(want[i])));
  worst = Math.max(worst, w);
  const ok = got.length === want.length && w <= 1;
  if (!ok) failures++;
  console.log(`${ok ? "ok  " : "FAIL"} ${what}: ${(100 * w).toFixed(2)}% of the tolerance`);
}

async function ours(modelJson, weights, input) {
  const m = await loadTfjs(modelJson, weights);
  const tokens = typeof input[0][0] === "number";
  const out = m.predict(tokens ? { data: Int32Array.from(input.flat()), shape: [input.length, input[0].length] } : { data: Float32Array.from(input.flat(2)), shape: [input.length, input[0].length, input[0][0].length] });
  m.dispose();
  return out;
}

const cases = [];
for (const mode of ["concat", "sum", "mul", "ave"]) cases.push([`Bidirectional LSTM ${mode} seq`, [R.bidirectional(`b_${mode}`, { cls: "LSTM", units: 4, inputSize: F, first: true, return_sequences: true }, mode)], features]);
cases.push(["GRU reset-before hard_sigmoid", [R.recurrent("g", { cls: "GRU", units: 5, inputSize: F, first: true, recurrent_activation: "hard_sigmoid", return_sequences: true })], features]);
cases.push(["SimpleRNN relu go_backwards + Dense softmax", [R.recurrent("r", { cls: "SimpleRNN", units: 4, inputSize: F, first: true, activation: "relu", go_backwards: true, return_sequences: true }), R.dense("d", 4, 3, "softmax")], features]);
for (const cls of ["LSTM", "GRU", "SimpleRNN"]) {
  for (const ret of [false, true]) {
    cases.push([`${cls} mask_zero ret ${ret}`, [R.embedding(`e${cls}${ret}`, 8, 3, true), R.recurrent(`m${cls}${ret}`, { cls, units: 4, inputSize: 3, return_sequences: ret }), R.dense(`o${cls}${ret}`, 4, 2, "tanh")], ids]);
    cases.push([`${cls} mask_zero go_backwards ret ${ret}`, [R.embedding(`eb${cls}${ret}`, 8, 3, true), R.recurrent(`mb${cls}${ret}`, { cls, units: 4, inputSize: 3, return_sequences: ret, go_backwards: true })], ids]);
    cases.push([`${cls} mask_zero Bidirectional ave ret ${ret}`, [R.embedding(`ebi${cls}${ret}`, 8, 3, true), R.bidirectional(`bi${cls}${ret}`, { cls, units: 3, inputSize: 3, return_sequences: ret }, "ave")], ids]);
  }
}
// token 0 before, between and after the tokens (Keras pads at the front by default); Masking on float steps
const gapped = [[0, 0, 3, 1, 4], [2, 0, 6, 0, 5], [0, 0, 0, 0, 0], [0, 1, 2, 3, 0]];
for (const cls of ["LSTM", "GRU", "SimpleRNN"]) {
  cases.push([`${cls} gapped mask go_backwards → Bidirectional concat`, [R.embedding(`ge${cls}`, 8, 3, true), R.recurrent(`gb${cls}`, { cls, units: 4, inputSize: 3, return_sequences: true, go_backwards: true }), R.bidirectional(`gbi${cls}`, { cls, units: 3, inputSize: 4, return_sequences: true }, "concat")], gapped]);
  cases.push([`${cls} gapped mask Bidirectional sum pooled`, [R.embedding(`gp${cls}`, 8, 3, true), R.bidirectional(`gpb${cls}`, { cls, units: 3, inputSize: 3 }, "sum")], gapped]);
}
const masked = features.map((s, b) => s.map((r, t) => ((b + t) % 3 === 0 ? r.map(() => -1) : r)));
cases.push(["Masking -1 → LSTM seq → GRU pooled", [R.masking("mk", -1, F), R.recurrent("mkl", { cls: "LSTM", units: 4, inputSize: F, return_sequences: true }), R.recurrent("mkg", { cls: "GRU", units: 3, inputSize: 4 })], masked]);
for (const [what, layers, input] of cases) {
  const { modelJson, weights } = R.layersModel(layers);
  const ref = R.kerasPredict(layers, input);
  compare(`${what} (reference vs tfjs)`, ref.data, (await tfjsPredict(modelJson, weights, input)).data);
  try {
    compare(`${what} (loadTfjs vs tfjs)`, Array.from((await ours(modelJson, weights, input)).data), (await tfjsPredict(modelJson, weights, input)).data);
  } catch (e) {
    failures++;
    console.log(`FAIL ${what} (loadTfjs): ${e.message}`);
  }
}

// a model.json as Keras 3 writes it (R.keras3Model): tfjs refuses it; the loader runs it as the reference says
{
  const k3 = R.keras3Model([R.embedding("k3e", 8, 3, true), R.bidirectional("k3b", { cls: "LSTM", units: 4, inputSize: 3, return_sequences: true }, "concat")]);
  let refusal = null;
  try {
    await tfjsPredict(k3.modelJson, k3.weights, gapped);
  } catch (e) {
    refusal = e.message;
  }
  console.log(`${refusal ? "ok  " : "FAIL"} Keras 3 model.json: tfjs 4.22 ${refusal ? `refuses it ("${refusal}")` : "loads it: the note in docs/tfjs.md is out of date"}`);
  if (!refusal) failures++;
  compare("Keras 3 Bidirectional tagger (loadTfjs vs reference)", Array.from((await ours(k3.modelJson, k3.weights, gapped)).data), R.kerasPredict(k3.layers, gapped).data);
}

// weights quantized as tensorflowjs_converter --quantize_uint8 / _uint16 / _float16 writes them
{
  const { readFileSync } = await import("node:fs");
  const dir = new URL("../test/fixtures/interop/tfjs/tfjs_classifier_bilstm/", import.meta.url);
  const f32 = new Float32Array(new Uint8Array(readFileSync(new URL("weights.bin", dir))).slice().buffer);
  const input = JSON.parse(readFileSync(new URL("expected.json", dir), "utf8")).inputs.input;
  const ids = Array.from({ length: input.shape[0] }, (_, b) => input.data.slice(b * input.shape[1], (b + 1) * input.shape[1]));
  for (const dtype of ["uint8", "uint16", "float16"]) {
    const json = JSON.parse(readFileSync(new URL("model.json", dir), "utf8"));
    const parts = [];
    let o = 0;
    for (const w of json.weightsManifest[0].weights) {
      const n = w.shape.reduce((a, b) => a * b, 1), v = f32.subarray(o, (o += n));
      if (dtype === "float16") {
        parts.push(new Uint8Array(Uint16Array.from(v, (x) => toF16Bits(x)).buffer));
        w.quantization = { dtype };
      } else {
        const min = Math.min(...v), scale = (Math.max(...v) - min) / (dtype === "uint8" ? 255 : 65535) || 1;
        const q = Array.from(v, (x) => Math.round((x - min) / scale));
        parts.push(dtype === "uint8" ? Uint8Array.from(q) : new Uint8Array(Uint16Array.from(q).buffer));
        w.quantization = { dtype, min, scale };
      }
    }
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (bytes.set(p, at), at + p.length), 0);
    compare(`classifier weights quantized ${dtype} (loadTfjs vs tfjs)`, Array.from((await ours(json, bytes, ids)).data), (await tfjsPredict(json, bytes, ids)).data);
  }
}

// exportTfjs: tfjs loads what we write and computes what we compute
const exported = [
  ["LSTM 2 layers bidirectional", new LSTM({ inputSize: F, hiddenSize: 3, numLayers: 2, bidirectional: true, batchFirst: true, seed: 3 }), features],
  ["GRU reset-before", new GRU({ inputSize: F, hiddenSize: 3, resetAfter: false, batchFirst: true, seed: 4 }), features],
  ["LanguageModel LSTM embed", new LanguageModel({ vocabSize: 8, cell: "lstm", hiddenSize: 5, embedSize: 3, numLayers: 2, seed: 5 }), ids.slice(0, 2)],
  ["LanguageModel RNN one-hot", new LanguageModel({ vocabSize: 8, cell: "rnn", hiddenSize: 5, seed: 6 }), ids.slice(0, 2)],
  ["Sequential classifier", Sequential.fromConfig([{ name: "emb", type: "Embedding", numEmbeddings: 8, embeddingDim: 4 }, { name: "rnn", type: "GRU", inputSize: 4, hiddenSize: 3, bidirectional: true, resetAfter: false }, { name: "pool", type: "Pool", mode: "last" }, { name: "drop", type: "Dropout", p: 0.2 }, { name: "fc", type: "Linear", inFeatures: 6, outFeatures: 2 }], { seed: 7 }), ids.slice(0, 2)],
];
for (const [what, model, input] of exported) {
  const { modelJson, weights } = exportTfjs(model);
  const back = await ours(modelJson, weights, input);
  compare(`export ${what} (loadTfjs of the export vs tfjs)`, Array.from(back.data), (await tfjsPredict(modelJson, weights, input)).data);
  model.dispose();
}
console.log(`${cases.length * 2 + exported.length + 3} comparisons, worst ${(100 * worst).toFixed(2)}% of the tolerance, ${failures} failures`);
process.exit(failures === 0 ? 0 : 1);
