// `npm run bench:tfjs`: a model loaded from TensorFlow.js files (wasm-rnn/tfjs's loadTfjs) against the same
// model built natively (LanguageModel, or a Sequential for hard_sigmoid gates, with the same weights), and
// TensorFlow.js itself (the cpu and wasm backends, one thread) on the same files; plus the load time (parse
// model.json and the weights, build). Prints a table and writes bench/tfjs-results.json.
//
//   npm run bench:tfjs                     # 7 timed repeats per cell (~2 min)
//   npm run bench:tfjs -- --quick          # 3 repeats, short warm-ups
//   npm run bench:tfjs -- --pin 0          # pin to CPU 0 (default: the last CPU); --no-pin: do not pin
//   npm run bench:tfjs -- --no-tfjs        # without TensorFlow.js (bench/node_modules not needed)
//
// The files are bench/tfjs-models/lm_lstm_2l_h{16,160}/ (written by TensorFlow.js 4.22's model.save from
// tf.sequential Embedding → LSTM → LSTM (returnSequences) → Dense, T free; make.mjs), whose weights come from
// common.mjs's fillUniform, so the native model gets the same weights from the same generator: kernels
// transposed to PyTorch's layout (Keras's gate blocks i, f, c, o are PyTorch's i, f, g, o), Keras's one bias
// as bias_ih with bias_hh = 0, which is what loadTfjs does too. model.json has sigmoid gates (LanguageModel's);
// model-hard-sigmoid.json tfjs's default hard_sigmoid, against a Sequential whose LSTM has recurrentActivation
// "hardSigmoid". The native model takes time-major ids [T, B] and returns [T, B, V]; loadTfjs and tfjs take
// Keras's batch-first [B, T] and return [B, T, V]; outputs are compared in [B, T, V]. Initial states are zeros
// (a Keras model's). How it measures: bench/same-model.mjs, as bench/onnx.mjs (warm-up ≥ 1 s, repeats ≥ 0.25 s
// interleaved across the cells, medians, ratios of the same run); a tfjs cell switches to its backend before
// its warm-up and before each repeat (not timed), so each model's tensors stay on their own backend.

import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { BENCH_DIR, ROOT_DIR, fillIds, transpose } from "./common.mjs";
import { COMMON_OPTIONS, medianTime, pinSelf, printHelp, reportCase, reportLoads, runCase, settingsFor } from "./same-model.mjs";
import { MODEL_FILES, TFJS_MODELS, kerasWeights } from "./tfjs-models/make.mjs";

const { values: args } = parseArgs({ options: { ...COMMON_OPTIONS, "no-tfjs": { type: "boolean", default: false } } });
if (args.help) {
  printHelp(new URL(import.meta.url), 9);
  process.exit(0);
}
const pin = pinSelf(args);

const lib = await import(pathToFileURL(path.join(ROOT_DIR, "dist/src/index.js")).href);
const tfjsEntry = await import(pathToFileURL(path.join(ROOT_DIR, "dist/src/tfjs/index.js")).href);
const { parseModelJson, decodeWeights } = await import(pathToFileURL(path.join(ROOT_DIR, "dist/src/tfjs/format.js")).href);
const { planModel } = await import(pathToFileURL(path.join(ROOT_DIR, "dist/src/tfjs/layers.js")).href);
const { build } = await lib.init({ build: "simd" });

const L = 2;
const CASES = [
  { model: "h16", gates: "sigmoid", T: 6, B: 3, note: "a short call (the ONNX bench's T 6, B 3)" },
  { model: "h16", gates: "sigmoid", T: 256, B: 1, note: "a long sequence through the small model" },
  { model: "h160", gates: "sigmoid", T: 256, B: 1, note: "streaming: one sequence of 256 steps" },
  { model: "h160", gates: "sigmoid", T: 64, B: 16, note: "batched: 16 sequences of 64 steps" },
  { model: "h16", gates: "hardSigmoid", T: 256, B: 1, note: "hard_sigmoid gates (tfjs's default), small model" },
  { model: "h160", gates: "hardSigmoid", T: 256, B: 1, note: "hard_sigmoid gates, streaming" },
  { model: "h160", gates: "hardSigmoid", T: 64, B: 16, note: "hard_sigmoid gates, batched" },
];
const settings = settingsFor(args.quick);

/** The model's files: model.json text (sigmoid or hard_sigmoid gates) and the weights' bytes. */
function files(m, gates) {
  const dir = path.join(BENCH_DIR, "tfjs-models", m.dir);
  return { file: `${m.dir}/${MODEL_FILES[gates]}`, json: readFileSync(path.join(dir, MODEL_FILES[gates]), "utf8"), bin: new Uint8Array(readFileSync(path.join(dir, "weights.bin"))) };
}

/** make.mjs's Keras weights in PyTorch's names and layouts (W = Kᵀ, bias_ih = Keras's bias, bias_hh = 0). */
function nativeParams(m) {
  const w = Object.fromEntries(kerasWeights(m).map((x) => [x.name, x.data]));
  const G = 4 * m.H;
  const params = { "embedding.weight": w["embedding/embeddings"] };
  for (let l = 0; l < L; l++) {
    const I = l === 0 ? m.E : m.H, k = `lstm${l + 1}`;
    params[`rnn.weight_ih_l${l}`] = transpose(w[`${k}/kernel`], I, G);
    params[`rnn.weight_hh_l${l}`] = transpose(w[`${k}/recurrent_kernel`], m.H, G);
    params[`rnn.bias_ih_l${l}`] = w[`${k}/bias`];
    params[`rnn.bias_hh_l${l}`] = new Float32Array(G);
  }
  params["fc.weight"] = transpose(w["fc/kernel"], m.H, m.V);
  params["fc.bias"] = w["fc/bias"];
  return params;
}

/** The same model built here: LanguageModel (sigmoid gates) or Sequential (hardSigmoid gates), eval mode. */
function nativeModel(m, gates, params) {
  const model = gates === "sigmoid"
    ? new lib.LanguageModel({ vocabSize: m.V, cell: "lstm", hiddenSize: m.H, numLayers: L, embedSize: m.E })
    : lib.Sequential.fromConfig([
      { name: "embedding", type: "Embedding", numEmbeddings: m.V, embeddingDim: m.E },
      { name: "rnn", type: "LSTM", inputSize: m.E, hiddenSize: m.H, numLayers: L, recurrentActivation: "hardSigmoid" },
      { name: "fc", type: "Linear", inFeatures: m.H, outFeatures: m.V },
    ]);
  try {
    model.loadTorchParams(params);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model.eval();
}

/** Time-major [T, B, F] → batch-first [B, T, F]. */
function batchFirst(x, T, B, F) {
  const out = new x.constructor(x.length);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) out.set(x.subarray((t * B + b) * F, (t * B + b + 1) * F), (b * T + t) * F);
  return out;
}

async function loadTf() {
  if (args["no-tfjs"]) return { na: "--no-tfjs" };
  try {
    // resolved from bench/node_modules, as bench/peers/tfjs.mjs does
    const tf = await import("@tensorflow/tfjs");
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    wasm.setThreadsCount(1);
    await tf.setBackend("wasm");
    const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
    if (wasm.getThreadsCount() !== 1) throw new Error(`tfjs-backend-wasm runs ${wasm.getThreadsCount()} threads, wanted 1`);
    await tf.setBackend("cpu");
    return { tf, simd };
  } catch (e) {
    return { na: `@tensorflow/tfjs or tfjs-backend-wasm not installed (npm ci --prefix bench --ignore-scripts): ${String(e.message).split("\n")[0]}` };
  }
}

/** A tfjs model of the files on the current backend. */
async function tfModel(tf, f) {
  const j = JSON.parse(f.json);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: j.modelTopology, weightSpecs: j.weightsManifest.flatMap((g) => g.weights), weightData: f.bin.slice().buffer }));
}

/** The cells of one case: name → { run(), check(): { logits [B, T, V] }, dispose() }. */
async function cellsFor(c, f, params, tfjs) {
  const m = TFJS_MODELS[c.model], { T, B } = c;
  const idsT = fillIds(new Int32Array(T * B), 11, m.V), idsB = batchFirst(idsT, T, B, 1);
  const cells = [];
  const native = nativeModel(m, c.gates, params);
  const runNative = c.gates === "sigmoid"
    ? () => native.forward(idsT, null, { seqLen: T, batch: B }).logits
    : () => native.forward(idsT, { seqLen: T, batch: B }).output;
  cells.push({
    name: `native ${c.gates === "sigmoid" ? "LanguageModel" : "Sequential (hardSigmoid)"}`, dispose: () => native.dispose(),
    run: runNative, check: () => ({ logits: batchFirst(runNative(), T, B, m.V) }),
  });
  const model = await tfjsEntry.loadTfjs(f.json, f.bin);
  const input = { data: idsB, shape: [B, T] };
  cells.push({
    name: "loadTfjs → TfjsModel.predict", dispose: () => model.dispose(),
    run: () => model.predict(input), check: () => ({ logits: model.predict(input).data }),
  });
  for (const backend of ["cpu", "wasm"]) {
    const label = `tfjs ${backend === "cpu" ? "cpu backend (JS)" : "wasm backend (1 thread)"}`;
    if (!tfjs.tf) { cells.push({ name: label, na: tfjs.na }); continue; }
    const { tf } = tfjs;
    await tf.setBackend(backend);
    const tm = await tfModel(tf, f);
    const x = tf.tensor2d(idsB, [B, T], "int32");
    const run = () => {
      const y = tm.predict(x);
      const data = y.dataSync();
      y.dispose();
      return data;
    };
    cells.push({
      name: label, enter: () => tf.setBackend(backend),
      dispose: () => { x.dispose(); tm.dispose(); },
      run, check: () => ({ logits: run() }),
    });
  }
  return cells;
}

/**
 * Load times of the sigmoid file: loadTfjs (parse + plan + layers + weights), its JS part alone, the native
 * model from arrays already in PyTorch's layout, tfjs's loadLayersModel on each backend.
 */
async function loadTimes(m, f, params, tfjs) {
  const out = {}, timeIt = (fn) => medianTime(fn, settings.loads);
  out["loadTfjs (parse + layers + weights)"] = await timeIt(async () => (await tfjsEntry.loadTfjs(f.json, f.bin)).dispose());
  out["  of which parse + weights + plan (JS)"] = await timeIt(() => {
    const parsed = parseModelJson(f.json);
    return planModel(parsed.topology, decodeWeights(parsed, f.bin));
  });
  out["native LanguageModel + loadTorchParams"] = await timeIt(() => nativeModel(m, "sigmoid", params).dispose());
  for (const backend of tfjs.tf ? ["cpu", "wasm"] : []) {
    await tfjs.tf.setBackend(backend);
    out[`tfjs loadLayersModel (${backend} backend)`] = await timeIt(async () => (await tfModel(tfjs.tf, f)).dispose());
  }
  return out;
}

const tfjs = await loadTf();
const results = { date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, pinned: pin, build, cases: [], load: {} };
console.log(`wasm-rnn ${build} build, Node ${process.version}, ${os.cpus()[0]?.model}${pin !== null ? `, pinned to CPU ${pin}` : ""}; ${settings.repeats} repeats; load average ${os.loadavg().map((v) => v.toFixed(1)).join(" ")}`);
if (tfjs.tf) console.log(`TensorFlow.js ${tfjs.tf.version.tfjs} (tfjs-backend-wasm: 1 thread, SIMD ${tfjs.simd})`);
const paramsOf = Object.fromEntries(Object.entries(TFJS_MODELS).map(([k, m]) => [k, nativeParams(m)]));

for (const c of CASES) {
  const m = TFJS_MODELS[c.model], f = files(m, c.gates);
  const cells = await cellsFor(c, f, paramsOf[c.model], tfjs);
  await runCase(cells, ["logits"], settings);
  const title = `${f.file} (V ${m.V}, E ${m.E}, LSTM ${m.H} × ${L}, ${c.gates === "sigmoid" ? "sigmoid" : "hard_sigmoid"} gates), T ${c.T}, B ${c.B}: ${c.note}`;
  results.cases.push({ file: f.file, T: c.T, B: c.B, note: c.note, cells: reportCase(title, cells) });
}

for (const [key, m] of Object.entries(TFJS_MODELS)) {
  const f = files(m, "sigmoid");
  const t = await loadTimes(m, f, paramsOf[key], tfjs);
  results.load[f.file] = { bytes: f.json.length + f.bin.length, ...t };
  reportLoads(`load ${f.file} + weights.bin (${((f.json.length + f.bin.length) / 1024).toFixed(0)} KB), median of ${settings.loads}:`, t);
}

const out = args.json ?? path.join(BENCH_DIR, "tfjs-results.json");
writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
