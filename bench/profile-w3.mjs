// Where the time of one W3 training step goes, kernel family by kernel family (bench/common.mjs's W3: one-hot
// 28 → LSTM / GRU / RNN 256 → dense 28, B=32 T=35, SGD lr 1, clip 1), on the simd and relaxed builds.
//
//   npm run build && node bench/profile-w3.mjs                    # lstm, gru, rnn × simd, relaxed
//   node bench/profile-w3.mjs --cells lstm --builds relaxed --steps 40
//   node bench/profile-w3.mjs --json /tmp/profile.json --no-pin
//
// How: the step runs exactly as bench/peers/wasm-rnn.mjs runs it (LanguageModel.run, runBackward,
// clipGradientNorm, Optimizer.step, paramsChanged). After a warm-up, the runtime's Ops is given a copy of the
// kernels in which every export is wrapped in performance.now(); each call is filed under a family by the
// kernel's name and the product's shape (the shapes are W3's, so the input projection, the per-step products
// and the weight-gradient products are told apart by M, N, K and by whether A is read transposed). The
// wrapping costs ~0.1 µs per call (a few hundred calls per step); "host (JS)" is the step's time without the
// wrapper minus the kernels' time with it, i.e. the library's own JavaScript between the calls (an estimate
// from two medians taken apart: on a busy machine it is noise, shown as 0 when negative). With a one-hot
// input the input projection is a row gather (gatherPackedRows) and dW_ih a scatter (oneHotWeightGrad):
// they are filed under the families of the products they replace.
// Each build runs in a Node process of its own (relaxed needs --experimental-wasm-relaxed-simd), pinned with
// taskset to the last CPU unless --no-pin.

import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { WORKLOADS, workloadInputs, readWeights, torchDict } from "./common.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RELAXED_FLAG = "--experimental-wasm-relaxed-simd";

const { values: args } = parseArgs({
  options: {
    cells: { type: "string", default: "lstm,gru,rnn" },
    builds: { type: "string", default: "simd,relaxed" },
    steps: { type: "string", default: "30" },
    json: { type: "string" },
    "no-pin": { type: "boolean", default: false },
    child: { type: "string" }, // internal: "build" — run the cells in this process
  },
});

const FAMILY_ORDER = [
  "input projection GEMM", "recurrent GEMM, forward (per step)", "recurrent GEMM, backward dh (per step)",
  "weight-gradient GEMMs (dW_ih, dW_hh)", "output layer GEMMs (fc fwd, dW, dx)", "packing (weights, activations)",
  "cell pointwise, forward", "cell pointwise, backward", "one-hot, bias fill, copies", "bias gradients (column sums)",
  "loss (softmax cross-entropy)", "clipping (norm, scale)", "optimizer (SGD)", "other kernels", "host (JS)",
];

/** The family of one kernel call, from its name and (for products) its shape. */
function familyOf(name, a, w, phase) {
  const V = w.V, TB = w.T * w.B;
  if (name === "gemm" || name === "gemv" || name === "gemmPanels") {
    const [M, N, K, , , csA] = a;
    if (phase === "forward") {
      if (M === w.B) return "recurrent GEMM, forward (per step)";
      if (M === TB && K === V) return "input projection GEMM";
      if (M === TB && N === V) return "output layer GEMMs (fc fwd, dW, dx)";
    } else if (phase === "backward") {
      if (M === w.B) return "recurrent GEMM, backward dh (per step)";
      if (csA !== 1) return M === V ? "output layer GEMMs (fc fwd, dW, dx)" : "weight-gradient GEMMs (dW_ih, dW_hh)"; // dW_fc = dyᵀ·Y
      if (M === TB && K === V) return "output layer GEMMs (fc fwd, dW, dx)"; // dx_fc = dy·W
    }
    return "other kernels";
  }
  if (name === "gatherPackedRows") return "input projection GEMM"; // a one-hot input's: rows of W_ihᵀ
  if (name === "oneHotWeightGrad") return "weight-gradient GEMMs (dW_ih, dW_hh)"; // a one-hot input's dW_ih
  if (/^pack/.test(name)) return "packing (weights, activations)";
  if (/(Forward|RbGates)$/.test(name) && /^(lstm|gru|rnn)/.test(name)) return "cell pointwise, forward";
  if (/Backward[NR]?$/.test(name) && /^(lstm|gru|rnn)/.test(name)) return "cell pointwise, backward";
  if (/^(oneHotRows|fillRowsWithBias|copyBlock|gatherRows|findBadId)$/.test(name)) return "one-hot, bias fill, copies";
  if (name === "columnSums") return "bias gradients (column sums)";
  if (name === "softmaxCrossEntropy") return "loss (softmax cross-entropy)";
  if (name === "sumSquares" || name === "scaleInPlace") return "clipping (norm, scale)";
  if (name === "sgdStep") return "optimizer (SGD)";
  return "other kernels";
}

/** FLOPs of a product call (2·M·N·K), 0 otherwise. */
function flopsOf(name, a) {
  if (name === "gemm" || name === "gemmPanels") return 2 * a[0] * a[1] * a[2];
  if (name === "gemv") return 2 * a[0] * a[1];
  return 0;
}

function shapeOf(name, a) {
  if (name === "gemm" || name === "gemmPanels") return `M=${a[0]} N=${a[1]} K=${a[2]}${a[5] !== 1 ? " (Aᵀ)" : ""}`;
  if (name === "gemv") return `N=${a[0]} K=${a[1]}`;
  return "";
}

async function profileCell(lib, rt, id, steps) {
  const w = WORKLOADS[id];
  const lm = new lib.LanguageModel({ vocabSize: w.V, cell: w.cell, hiddenSize: w.H });
  lm.loadTorchParams(torchDict(readWeights(w.weights)));
  const groups = lm.parameterGroups();
  const optimizer = new lib.Optimizer(groups, { name: "sgd", lr: 1 });
  const { tokens, targets } = workloadInputs(id);
  // the phase a kernel call belongs to (the shapes alone do not tell the RNN's input projection from fc's dx)
  let phase = "forward";
  const step = () => {
    phase = "forward";
    lm.run(tokens, targets, w.T, w.B, null, null, true);
    phase = "backward";
    lm.runBackward();
    phase = "clip";
    lib.clipGradientNorm(groups, 1);
    phase = "optimizer";
    optimizer.step();
    lm.paramsChanged();
  };
  const timeSteps = (n) => {
    const ts = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      step();
      ts.push(performance.now() - t0);
    }
    return ts.sort((a, b) => a - b)[n >> 1];
  };
  const t0 = performance.now();
  while (performance.now() - t0 < 1500) step(); // warm-up
  const plain = timeSteps(steps);

  // the wrapped kernels
  const ops = rt.ops, original = ops.k;
  const entries = new Map(); // family → { ms, calls, flops, shapes: Map(shape → { ms, calls, flops }) }
  const wrapped = {};
  for (const key of Object.keys(original)) {
    const f = original[key];
    if (typeof f !== "function") { wrapped[key] = f; continue; }
    wrapped[key] = (...a) => {
      const s = performance.now();
      const r = f(...a);
      const dt = performance.now() - s;
      const fam = familyOf(key, a, w, phase);
      let e = entries.get(fam);
      if (!e) entries.set(fam, (e = { ms: 0, calls: 0, flops: 0, shapes: new Map() }));
      const fl = flopsOf(key, a);
      e.ms += dt; e.calls++; e.flops += fl;
      const sk = `${key} ${shapeOf(key, a)}`.trim();
      let se = e.shapes.get(sk);
      if (!se) e.shapes.set(sk, (se = { ms: 0, calls: 0, flops: 0 }));
      se.ms += dt; se.calls++; se.flops += fl;
      return r;
    };
  }
  ops.k = wrapped;
  let wrappedMs;
  try {
    for (let i = 0; i < 3; i++) step();
    entries.clear();
    wrappedMs = timeSteps(steps);
  } finally {
    ops.k = original;
  }
  lm.dispose();
  optimizer.dispose();
  const per = (x) => x / steps;
  const families = [...entries.entries()].map(([family, e]) => ({
    family, ms: per(e.ms), calls: per(e.calls), gflops: e.flops ? e.flops / e.ms / 1e6 : null,
    shapes: [...e.shapes.entries()].map(([shape, s]) => ({ shape, ms: per(s.ms), calls: per(s.calls), gflops: s.flops ? s.flops / s.ms / 1e6 : null }))
      .sort((a, b) => b.ms - a.ms),
  }));
  const kernelMs = families.reduce((s, f) => s + f.ms, 0);
  families.push({ family: "host (JS)", ms: Math.max(0, plain - kernelMs), calls: null, gflops: null, shapes: [] });
  families.sort((a, b) => FAMILY_ORDER.indexOf(a.family) - FAMILY_ORDER.indexOf(b.family));
  return { workload: id, stepMs: plain, wrappedStepMs: wrappedMs, families };
}

async function child(build, cells, steps) {
  const lib = await import("../dist/src/index.js");
  const { runtime } = await import("../dist/src/init.js");
  await lib.init({ build });
  const rt = runtime();
  const out = [];
  for (const cell of cells) out.push({ build, ...(await profileCell(lib, rt, `W3-${cell}`, steps)) });
  process.stdout.write(JSON.stringify(out));
}

function printProfile(p) {
  console.log(`\n${p.workload} (${p.build}): ${p.stepMs.toFixed(2)} ms per step (median; ${p.wrappedStepMs.toFixed(2)} ms with the timers)`);
  console.log(`  ${"family".padEnd(40)} ${"ms/step".padStart(8)} ${"share".padStart(6)} ${"calls".padStart(6)} ${"GFLOP/s".padStart(8)}  shapes (ms/step, GFLOP/s)`);
  for (const f of p.families) {
    const shapes = f.shapes.slice(0, 4).map((s) => `${s.shape}: ${s.ms.toFixed(2)}${s.gflops ? ` @${s.gflops.toFixed(1)}` : ""}`).join("; ");
    console.log(`  ${f.family.padEnd(40)} ${f.ms.toFixed(2).padStart(8)} ${((f.ms / p.stepMs) * 100).toFixed(1).padStart(5)}% ${f.calls === null ? "".padStart(6) : String(Math.round(f.calls)).padStart(6)} ${f.gflops ? f.gflops.toFixed(1).padStart(8) : "".padStart(8)}  ${shapes}`);
  }
}

async function main() {
  const cells = args.cells.split(",").map((s) => s.trim()).filter(Boolean);
  const steps = Number(args.steps);
  if (args.child) return child(args.child, cells, steps);
  const builds = args.builds.split(",").map((s) => s.trim()).filter(Boolean);
  const pin = args["no-pin"] ? null : os.cpus().length - 1;
  const all = [];
  for (const build of builds) {
    const nodeArgs = [...(build === "relaxed" ? [RELAXED_FLAG] : []), fileURLToPath(import.meta.url), "--child", build, "--cells", cells.join(","), "--steps", String(steps)];
    const [cmd, argv] = pin === null ? [process.execPath, nodeArgs] : ["taskset", ["-c", String(pin), process.execPath, ...nodeArgs]];
    const r = spawnSync(cmd, argv, { cwd: HERE, encoding: "utf8", maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`profile (${build}) failed: ${r.stderr}`);
    const got = JSON.parse(r.stdout);
    for (const p of got) printProfile(p);
    all.push(...got);
  }
  if (args.json) writeFileSync(args.json, JSON.stringify({ date: new Date().toISOString(), loadavg: os.loadavg(), pinnedCpu: pin, profiles: all }, null, 1) + "\n");
}

main().catch((e) => {
  console.error(`profile-w3: ${e?.stack ?? e}`);
  process.exit(1);
});
