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
// LanguageModel gets the same weights from the same generator. How it measures, as bench/run.mjs: every cell of a
// case is warmed up (≥ 2 calls and ≥ 1 s, 0.3 s with --quick), the calls per timed repeat are set so a repeat
// lasts ≥ 0.25 s, then the repeats are interleaved (round r starts at a rotated cell); a cell's figure is the
// median time per call over its repeats, with min and max; ratios are between medians of the same run.

import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { BENCH_DIR, ROOT_DIR, fillUniform, fillIds } from "./common.mjs";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    pin: { type: "string" },
    "no-pin": { type: "boolean", default: false },
    "no-ort": { type: "boolean", default: false },
    json: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log(readFileSync(new URL(import.meta.url), "utf8").split("\n").filter((l) => l.startsWith("//")).slice(0, 9).map((l) => l.slice(3)).join("\n"));
  process.exit(0);
}

// pinning: re-run this script under taskset on one CPU (one thread everywhere, so one CPU is all it uses)
const cpus = os.cpus().length;
const pin = args["no-pin"] ? null : Number(args.pin ?? cpus - 1);
if (pin !== null && (!Number.isInteger(pin) || pin < 0 || pin >= cpus)) throw new Error(`--pin must be a CPU number in [0, ${cpus - 1}], got "${args.pin}"`);
if (pin !== null && process.env.WASM_RNN_BENCH_PINNED === undefined) {
  const r = spawnSync("taskset", ["-c", String(pin), process.execPath, ...process.argv.slice(1)], { stdio: "inherit", env: { ...process.env, WASM_RNN_BENCH_PINNED: String(pin) } });
  if (r.error) throw new Error(`taskset failed (${r.error.message}); run with --no-pin`);
  process.exit(r.status ?? 1);
}

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

const settings = args.quick ? { repeats: 3, warmupMs: 300, repeatMs: 150 } : { repeats: 7, warmupMs: 1000, repeatMs: 250 };
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b), n = s.length, h = n >> 1;
  return n % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};
const maxAbsDiff = (a, b) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return a.length === b.length ? m : Infinity;
};

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
    kernelNodes: model.kernelNodes(),
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

async function timeCalls(cell, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) cell.async ? await cell.run() : cell.run();
  return (performance.now() - t0) / n;
}

async function measure(cells) {
  const live = cells.filter((c) => !c.na);
  for (const c of live) {
    let calls = 0, t0 = performance.now();
    while (calls < 2 || performance.now() - t0 < settings.warmupMs) { c.async ? await c.run() : c.run(); calls++; }
    const per = (performance.now() - t0) / calls;
    c.iters = Math.max(1, Math.round(settings.repeatMs / per));
    c.times = [];
  }
  for (let round = 0; round < settings.repeats; round++) {
    for (let k = 0; k < live.length; k++) {
      const c = live[(round + k) % live.length];
      c.times.push(await timeCalls(c, c.iters));
    }
  }
  for (const c of live) Object.assign(c, { median: median(c.times), min: Math.min(...c.times), max: Math.max(...c.times) });
}

/** Load times: loadOnnx (parse + build + weight upload), decodeOnnx alone, the native model, an ORT session. */
async function loadTimes(bytes, m, ortNode, ortWeb) {
  const n = args.quick ? 5 : 11, out = {};
  const timeIt = async (f) => {
    const ts = [];
    for (let i = 0; i < n; i++) { const t0 = performance.now(); await f(); ts.push(performance.now() - t0); }
    return median(ts);
  };
  out["loadOnnx (parse + layers + weights)"] = await timeIt(async () => (await onnx.loadOnnx(bytes)).dispose());
  out["  of which decodeOnnx (protobuf)"] = await timeIt(() => decodeOnnx(bytes));
  out["native LanguageModel + loadTorchParams"] = await timeIt(() => nativeModel(m).dispose());
  for (const [label, o, options] of [["onnxruntime-node InferenceSession.create", ortNode, { executionProviders: ["cpu"], intraOpNumThreads: 1, interOpNumThreads: 1 }], ["onnxruntime-web InferenceSession.create", ortWeb, { executionProviders: ["wasm"] }]]) {
    if (o.ort) out[label] = await timeIt(async () => (await o.ort.InferenceSession.create(bytes, options)).release());
  }
  return out;
}

const ms = (v) => (v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
const ortNode = await loadOrt("node"), ortWeb = await loadOrt("web");
const results = { date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, pinned: pin, build, cases: [], load: {} };
console.log(`wasm-rnn ${build} build, Node ${process.version}, ${os.cpus()[0]?.model}${pin !== null ? `, pinned to CPU ${pin}` : ""}; ${settings.repeats} repeats`);
if (ortNode.ort) console.log(`onnxruntime-node ${ortNode.ort.env.versions?.node ?? ortNode.ort.env.versions?.common}, onnxruntime-web ${ortWeb.ort?.env.versions?.web ?? ortWeb.ort?.env.versions?.common ?? "n/a"}`);

for (const c of CASES) {
  const m = MODELS[c.model];
  const bytes = new Uint8Array(readFileSync(path.join(BENCH_DIR, "torch-onnx", m.file)));
  const cells = await cellsFor(c, bytes, ortNode, ortWeb);
  try {
    const ref = cells[0].run();
    for (const cell of cells.slice(1)) {
      if (cell.na) continue;
      const got = cell.async ? await cell.run() : cell.run();
      cell.maxAbsDiff = Math.max(...["logits", "hN", "cN"].map((k) => maxAbsDiff(ref[k], got[k])));
    }
    await measure(cells);
  } finally {
    for (const cell of cells) cell.dispose?.();
  }
  const native = cells[0].median;
  console.log(`\n${m.file} (V ${m.V}, E ${m.E}, LSTM ${m.H} × ${L}), T ${c.T}, B ${c.B}: ${c.note}`);
  console.log(`  ${"cell".padEnd(38)} ${"median ms".padStart(10)} ${"min – max".padStart(17)}  ${"vs native".padStart(9)}  max |Δ| vs native`);
  const row = { file: m.file, T: c.T, B: c.B, note: c.note, cells: [] };
  for (const cell of cells) {
    if (cell.na) {
      console.log(`  ${cell.name.padEnd(38)} n/a: ${cell.na}`);
      row.cells.push({ name: cell.name, na: cell.na });
      continue;
    }
    const ratio = cell.median / native;
    console.log(`  ${cell.name.padEnd(38)} ${ms(cell.median).padStart(10)} ${`${ms(cell.min)} – ${ms(cell.max)}`.padStart(17)}  ${`${ratio.toFixed(3)}×`.padStart(9)}  ${cell.maxAbsDiff === undefined ? "(reference)" : cell.maxAbsDiff.toExponential(1)}`);
    row.cells.push({ name: cell.name, medianMs: cell.median, minMs: cell.min, maxMs: cell.max, n: cell.times.length, vsNative: ratio, maxAbsDiff: cell.maxAbsDiff ?? 0, ...(cell.kernelNodes ? { kernelNodes: cell.kernelNodes } : {}) });
  }
  results.cases.push(row);
}

for (const [key, m] of Object.entries(MODELS)) {
  const bytes = new Uint8Array(readFileSync(path.join(BENCH_DIR, "torch-onnx", m.file)));
  const t = await loadTimes(bytes, m, ortNode, ortWeb);
  results.load[m.file] = { bytes: bytes.length, ...t };
  console.log(`\nload ${m.file} (${(bytes.length / 1024).toFixed(0)} KB), median of ${args.quick ? 5 : 11}:`);
  for (const [k, v] of Object.entries(t)) console.log(`  ${k.padEnd(44)} ${ms(v).padStart(8)} ms`);
  void key;
}

const out = args.json ?? path.join(BENCH_DIR, "onnx-results.json");
writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
