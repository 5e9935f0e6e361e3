// `npm run bench:onnx`: a model loaded from ONNX (wasm-rnn/onnx's loadOnnx) against the same model built
// natively (LanguageModel with the same weights), and ONNX Runtime (onnxruntime-node native, onnxruntime-web's
// wasm, one thread each) on the same file; plus the load time (parse + weight upload). Prints a table and writes
// bench/onnx-results.json.
//
//   npm run bench:onnx                     # 7 timed repeats per cell (~1 min)
//   npm run bench:onnx -- --quick          # 3 repeats, short warm-ups
//   npm run bench:onnx -- --pin 0          # pin to CPU 0 (default: the last CPU); --no-pin: do not pin
//   npm run bench:onnx -- --no-ort         # without ONNX Runtime (bench/node_modules not needed)
//
// The files are bench/torch-onnx/lm_lstm_2l_h{16,160}.onnx (torch.onnx.export of Embedding → 2-layer LSTM →
// Linear, T and B dynamic; export_lm.py), whose weights come from common.mjs's fillUniform, so the native
// LanguageModel gets the same weights from the same generator. How it measures (bench/same-model.mjs, shared
// with bench/tfjs-import.mjs), as bench/run.mjs: every cell of a case is warmed up (≥ 2 calls and ≥ 1 s,
// 0.3 s with --quick), the calls per timed repeat are set so a repeat lasts ≥ 0.25 s, then the repeats are
// interleaved (round r starts at a rotated cell); a cell's figure is the median time per call over its
// repeats, with min and max; ratios are between medians of the same run.

import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { BENCH_DIR, ROOT_DIR, fillUniform, fillIds } from "./common.mjs";
import { COMMON_OPTIONS, medianTime, pinSelf, printHelp, reportCase, reportLoads, runCase, settingsFor } from "./same-model.mjs";

const { values: args } = parseArgs({ options: { ...COMMON_OPTIONS, "no-ort": { type: "boolean", default: false } } });
if (args.help) {
  printHelp(new URL(import.meta.url), 9);
  process.exit(0);
}
const pin = pinSelf(args);

const lib = await import(pathToFileURL(path.join(ROOT_DIR, "dist/src/index.js")).href);
const onnx = await import(pathToFileURL(path.join(ROOT_DIR, "dist/src/onnx/index.js")).href);
const { decodeOnnx } = await import(pathToFileURL(path.join(ROOT_DIR, "dist/src/onnx/model.js")).href);
const { build } = await lib.init({ build: "simd" });

const L = 2;
const MODELS = {
  h16: { file: "lm_lstm_2l_h16.onnx", V: 20, E: 8, H: 16 },
  h160: { file: "lm_lstm_2l_h160.onnx", V: 64, E: 32, H: 160 },
};
const CASES = [
  { model: "h16", T: 6, B: 3, note: "the interop fixture's sizes and its call (T 6, B 3)" },
  { model: "h16", T: 256, B: 1, note: "a long sequence through the small model" },
  { model: "h160", T: 256, B: 1, note: "streaming: one sequence of 256 steps" },
  { model: "h160", T: 64, B: 16, note: "batched: 16 sequences of 64 steps" },
];

const settings = settingsFor(args.quick);

/** The native LanguageModel with export_lm.py's weights: fillUniform(seed 100 + k) for the k-th parameter. */
function nativeModel(m) {
  const lm = new lib.LanguageModel({ vocabSize: m.V, cell: "lstm", hiddenSize: m.H, numLayers: L, embedSize: m.E });
  const a = 1 / Math.sqrt(m.H);
  const params = Object.fromEntries(Object.entries(lm.parameterShapes()).map(([name, shape], k) => [name, fillUniform(new Float32Array(shape.reduce((x, y) => x * y, 1)), 100 + k, -a, a)]));
  lm.loadTorchParams(params);
  lm.eval();
  return lm;
}

function inputs(m, T, B) {
  const ids = fillIds(new Float32Array(T * B), 11, m.V);
  const h0 = fillUniform(new Float32Array(L * B * m.H), 12, -0.5, 0.5), c0 = fillUniform(new Float32Array(L * B * m.H), 13, -0.5, 0.5);
  return { tokens32: Int32Array.from(ids), tokens64: BigInt64Array.from(ids, (v) => BigInt(v)), h0, c0 };
}

async function loadOrt(flavor) {
  if (args["no-ort"]) return { na: "--no-ort" };
  try {
    // resolved from bench/node_modules, as bench/peers/ort.mjs does
    const ort = await import(flavor === "web" ? "onnxruntime-web" : "onnxruntime-node");
    if (flavor === "web") {
      ort.env.wasm.numThreads = 1;
      ort.env.wasm.proxy = false;
    }
    return { ort };
  } catch (e) {
    return { na: `${flavor === "web" ? "onnxruntime-web" : "onnxruntime-node"} not installed (npm ci --prefix bench --ignore-scripts): ${String(e.message).split("\n")[0]}` };
  }
}

/** The cells of one case: name → { run(): outputs (logits, hN, cN as float arrays), dispose() }. */
async function cellsFor(c, bytes, ortNode, ortWeb) {
  const m = MODELS[c.model], x = inputs(m, c.T, c.B);
  const cells = [];
  const lm = nativeModel(m);
  cells.push({
    name: "native LanguageModel", dispose: () => lm.dispose(),
    run: () => {
      const r = lm.forward(x.tokens32, null, { seqLen: c.T, batch: c.B, h0: x.h0, c0: x.c0 });
      return { logits: r.logits, hN: r.hN, cN: r.cN };
    },
  });
  const model = await onnx.loadOnnx(bytes);
  const feeds = { tokens: { data: x.tokens64, shape: [c.T, c.B] }, h0: { data: x.h0, shape: [L, c.B, m.H] }, c0: { data: x.c0, shape: [L, c.B, m.H] } };
  cells.push({
    name: "loadOnnx → OnnxModel.run", dispose: () => model.dispose(),
    run: () => {
      const r = model.run(feeds);
      return { logits: r.logits.data, hN: r.hN.data, cN: r.cN.data };
    },
    extra: { kernelNodes: model.kernelNodes() },
  });
  for (const [label, o, options] of [
    ["onnxruntime-node (native, 1 thread)", ortNode, { executionProviders: ["cpu"], intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: "sequential", graphOptimizationLevel: "all" }],
    ["onnxruntime-web (wasm, 1 thread)", ortWeb, { executionProviders: ["wasm"], graphOptimizationLevel: "all" }],
  ]) {
    if (!o.ort) { cells.push({ name: label, na: o.na }); continue; }
    const { ort } = o;
    const session = await ort.InferenceSession.create(bytes, options);
    const f = {
      tokens: new ort.Tensor("int64", x.tokens64, [c.T, c.B]),
      h0: new ort.Tensor("float32", x.h0, [L, c.B, m.H]), c0: new ort.Tensor("float32", x.c0, [L, c.B, m.H]),
    };
    cells.push({
      name: label, async: true, dispose: () => session.release(),
      run: async () => {
        const r = await session.run(f);
        return { logits: r.logits.data, hN: r.hN.data, cN: r.cN.data };
      },
    });
  }
  return cells;
}

/** Load times: loadOnnx (parse + build + weight upload), decodeOnnx alone, the native model, an ORT session. */
async function loadTimes(bytes, m, ortNode, ortWeb) {
  const out = {}, timeIt = (f) => medianTime(f, settings.loads);
  out["loadOnnx (parse + layers + weights)"] = await timeIt(async () => (await onnx.loadOnnx(bytes)).dispose());
  out["  of which decodeOnnx (protobuf)"] = await timeIt(() => decodeOnnx(bytes));
  out["native LanguageModel + loadTorchParams"] = await timeIt(() => nativeModel(m).dispose());
  for (const [label, o, options] of [["onnxruntime-node InferenceSession.create", ortNode, { executionProviders: ["cpu"], intraOpNumThreads: 1, interOpNumThreads: 1 }], ["onnxruntime-web InferenceSession.create", ortWeb, { executionProviders: ["wasm"] }]]) {
    if (o.ort) out[label] = await timeIt(async () => (await o.ort.InferenceSession.create(bytes, options)).release());
  }
  return out;
}

const ortNode = await loadOrt("node"), ortWeb = await loadOrt("web");
const results = { date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, pinned: pin, build, cases: [], load: {} };
console.log(`wasm-rnn ${build} build, Node ${process.version}, ${os.cpus()[0]?.model}${pin !== null ? `, pinned to CPU ${pin}` : ""}; ${settings.repeats} repeats`);
if (ortNode.ort) console.log(`onnxruntime-node ${ortNode.ort.env.versions?.node ?? ortNode.ort.env.versions?.common}, onnxruntime-web ${ortWeb.ort?.env.versions?.web ?? ortWeb.ort?.env.versions?.common ?? "n/a"}`);

for (const c of CASES) {
  const m = MODELS[c.model];
  const bytes = new Uint8Array(readFileSync(path.join(BENCH_DIR, "torch-onnx", m.file)));
  const cells = await cellsFor(c, bytes, ortNode, ortWeb);
  await runCase(cells, ["logits", "hN", "cN"], settings);
  const title = `${m.file} (V ${m.V}, E ${m.E}, LSTM ${m.H} × ${L}), T ${c.T}, B ${c.B}: ${c.note}`;
  const row = { file: m.file, T: c.T, B: c.B, note: c.note, cells: reportCase(title, cells) };
  results.cases.push(row);
}

for (const [key, m] of Object.entries(MODELS)) {
  const bytes = new Uint8Array(readFileSync(path.join(BENCH_DIR, "torch-onnx", m.file)));
  const t = await loadTimes(bytes, m, ortNode, ortWeb);
  results.load[m.file] = { bytes: bytes.length, ...t };
  reportLoads(`load ${m.file} (${(bytes.length / 1024).toFixed(0)} KB), median of ${settings.loads}:`, t);
  void key;
}

const out = args.json ?? path.join(BENCH_DIR, "onnx-results.json");
writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
