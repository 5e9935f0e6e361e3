// Shared by the peer benchmark (bench/run.mjs, bench/worker.mjs, bench/peers/*.mjs, bench/make-onnx.mjs):
// the workloads, the seeded inputs every peer gets, and the weight files every peer loads.

import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const ROOT_DIR = path.resolve(BENCH_DIR, "..");
export const MODELS_DIR = path.join(BENCH_DIR, "models");

/**
 * The workloads. `steps` turns a call's time into µs per step; `flops` into GFLOP/s; `tokens` into tokens/s.
 * Weights: `weights` names the weight set in bench/models (written by make-onnx.mjs from wasm-rnn's seeded
 * PyTorch initialisation), so every peer computes the same function.
 */
export const WORKLOADS = {
  W1: {
    title: "LSTM streaming inference, I=64 H=256 B=1 T=256 (one call per sequence)",
    cell: "lstm", I: 64, H: 256, B: 1, T: 256, weights: "lstm_i64_h256", primary: "µs/step", steps: 256,
  },
  W1s: {
    title: "LSTM fed one step per call carrying h/c, I=64 H=256, 256 calls",
    cell: "lstm", I: 64, H: 256, B: 1, T: 256, weights: "lstm_i64_h256", primary: "µs/step", steps: 256, stepwise: true,
  },
  W2: {
    title: "LSTM batched inference, I=128 H=512 B=32 T=64",
    cell: "lstm", I: 128, H: 512, B: 32, T: 64, weights: "lstm_i128_h512", primary: "ms",
    flops: 2 * 4 * 512 * (128 + 512) * 32 * 64,
  },
  "W3-lstm": {
    title: "training step, one-hot 28 → LSTM 256 → dense 28, B=32 T=35, SGD lr 1, clip 1",
    cell: "lstm", V: 28, H: 256, B: 32, T: 35, weights: "lm_lstm_h256", primary: "ms/step", tokens: 32 * 35, train: true,
  },
  "W3-gru": {
    title: "training step, one-hot 28 → GRU 256 → dense 28, B=32 T=35, SGD lr 1, clip 1",
    cell: "gru", V: 28, H: 256, B: 32, T: 35, weights: "lm_gru_h256", primary: "ms/step", tokens: 32 * 35, train: true,
  },
  "W3-rnn": {
    title: "training step, one-hot 28 → RNN(tanh) 256 → dense 28, B=32 T=35, SGD lr 1, clip 1",
    cell: "rnn", V: 28, H: 256, B: 32, T: 35, weights: "lm_rnn_h256", primary: "ms/step", tokens: 32 * 35, train: true,
  },
  W4: {
    title: "GRU streaming inference (PyTorch form, reset after), I=64 H=256 B=1 T=256",
    cell: "gru", I: 64, H: 256, B: 1, T: 256, weights: "gru_i64_h256", primary: "µs/step", steps: 256,
  },
  // issue 13's quantized inference: W1 / W4's shapes, weights and inputs (`base`), int8 weights, float32 in and out;
  // each peer quantizes the float32 weights itself and its check() also returns its own float32 outputs (`f32`)
  "W1-int8": {
    title: "LSTM streaming inference, int8 weights (dynamic quantization), I=64 H=256 B=1 T=256",
    cell: "lstm", I: 64, H: 256, B: 1, T: 256, weights: "lstm_i64_h256", onnx: "lstm_i64_h256_int8",
    primary: "µs/step", steps: 256, quantized: "int8", base: "W1",
  },
  "W4-int8": {
    title: "GRU streaming inference (reset after), int8 weights (dynamic quantization), I=64 H=256 B=1 T=256",
    cell: "gru", I: 64, H: 256, B: 1, T: 256, weights: "gru_i64_h256", primary: "µs/step", steps: 256,
    quantized: "int8", base: "W4",
  },
  // the task models of bench/tasks/README.md at benchmark sizes (one training step per call, Adam)
  W5: {
    title: "training step, embedding 100→32 → bidirectional LSTM 128 → mean over valid steps → dense 2, B=32, lengths 8–64, Adam, clip 1",
    task: "classify", V: 100, E: 32, H: 128, C: 2, B: 32, T: 64, lr: 2e-3, clip: 1, weights: "w5_bilstm", primary: "ms/step",
    tokens: w5Lengths().reduce((a, b) => a + b, 0), train: true,
  },
  W6: {
    title: "training step, 3 features → LSTM 64 → last step → dense 28, B=64, lookback 56, MSE, Adam",
    task: "forecast", I: 3, H: 64, O: 28, B: 64, T: 56, lr: 1e-3, weights: "w6_lstm", primary: "ms/step",
    tokens: 56 * 64, train: true,
  },
  GEMM512: {
    title: "C = A·B, 512×512×512 float32",
    M: 512, K: 512, N: 512, weights: "gemm512", primary: "GFLOP/s", flops: 2 * 512 ** 3,
  },
};

/** The weight sets make-onnx.mjs writes: wasm-rnn's seeded initialisation under PyTorch names and layouts. */
export const WEIGHT_SETS = {
  lstm_i64_h256: { kind: "layer", cell: "lstm", I: 64, H: 256, seed: 1, int8Onnx: "lstm_i64_h256_int8" },
  gru_i64_h256: { kind: "layer", cell: "gru", I: 64, H: 256, seed: 2 },
  lstm_i128_h512: { kind: "layer", cell: "lstm", I: 128, H: 512, seed: 3 },
  lm_lstm_h256: { kind: "lm", cell: "lstm", V: 28, H: 256, seed: 4 },
  lm_gru_h256: { kind: "lm", cell: "gru", V: 28, H: 256, seed: 5 },
  lm_rnn_h256: { kind: "lm", cell: "rnn", V: 28, H: 256, seed: 6 },
  gemm512: { kind: "matrix", K: 512, N: 512, seed: 7 },
  w5_bilstm: { kind: "seq", workload: "W5", seed: 8 },
  w6_lstm: { kind: "seq", workload: "W6", seed: 9 },
};

/** Deterministic uniform [lo, hi) floats (xorshift32; the same generator as bench/kernels.ts). */
export function fillUniform(out, seed, lo = -1, hi = 1) {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    out[i] = lo + (hi - lo) * (s / 4294967296);
  }
  return out;
}

/** Deterministic ids in [0, n). */
export function fillIds(out, seed, n) {
  const u = fillUniform(new Float32Array(out.length), seed, 0, 1);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(n - 1, Math.floor(u[i] * n));
  return out;
}

/** W5's sequence lengths: 8 + ⌊57·u⌋ ∈ [8, 64] (seed 21), the first one 64 so that T = 64. */
export function w5Lengths() {
  const u = fillUniform(new Float32Array(32), 21, 0, 1);
  const lengths = Int32Array.from(u, (x) => 8 + Math.min(56, Math.floor(x * 57)));
  lengths[0] = 64;
  return lengths;
}

/** The inputs of a workload, identical in every peer. Time-major where it matters: x [T, B, I], ids [T, B]. */
export function workloadInputs(id) {
  const w = WORKLOADS[id];
  if (w.base) return workloadInputs(w.base);
  if (w.task === "classify") {
    // W5: ids 1..V−1 at valid steps, 0 (padding, tfjs's mask) after each sequence's length; class ids [B]
    const lengths = w5Lengths();
    const tokens = fillIds(new Int32Array(w.T * w.B), 22, w.V - 1);
    for (let t = 0; t < w.T; t++) for (let b = 0; b < w.B; b++) tokens[t * w.B + b] = t < lengths[b] ? tokens[t * w.B + b] + 1 : 0;
    return { tokens, lengths, targets: fillIds(new Int32Array(w.B), 23, w.C) };
  }
  if (w.task === "forecast") {
    // W6: features [T, B, 3] and targets [B, 28] in [−1, 1)
    return { x: fillUniform(new Float32Array(w.T * w.B * w.I), 24), targets: fillUniform(new Float32Array(w.B * w.O), 25) };
  }
  if (w.train) {
    return {
      tokens: fillIds(new Int32Array(w.T * w.B), 13, w.V),
      targets: fillIds(new Int32Array(w.T * w.B), 17, w.V),
    };
  }
  if (id === "GEMM512") return { A: fillUniform(new Float32Array(w.M * w.K), 14) };
  return { x: fillUniform(new Float32Array(w.T * w.B * w.I), id === "W2" ? 12 : 11) };
}

// ------------------------------------------------------------------------------------------ weight files ----

/** Writes a weight set: <name>.json (names, shapes, offsets) + <name>.bin (float32, little-endian). */
export function writeWeights(name, tensors, meta = {}) {
  mkdirSync(MODELS_DIR, { recursive: true });
  const index = {};
  let offset = 0;
  for (const [key, { shape, data }] of Object.entries(tensors)) {
    index[key] = { shape, offset, length: data.length };
    offset += data.length;
  }
  const all = new Float32Array(offset);
  for (const [key, { data }] of Object.entries(tensors)) all.set(data, index[key].offset);
  writeFileSync(path.join(MODELS_DIR, `${name}.bin`), new Uint8Array(all.buffer));
  writeFileSync(path.join(MODELS_DIR, `${name}.json`), JSON.stringify({ ...meta, tensors: index }, null, 1) + "\n");
}

/** Reads a weight set: { name: { shape, data: Float32Array } }. */
export function readWeights(name) {
  const index = JSON.parse(readFileSync(path.join(MODELS_DIR, `${name}.json`), "utf8"));
  const bytes = readFileSync(path.join(MODELS_DIR, `${name}.bin`));
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const out = {};
  for (const [key, { shape, offset, length }] of Object.entries(index.tensors)) {
    out[key] = { shape, data: all.subarray(offset, offset + length) };
  }
  return out;
}

/** Plain { name: Float32Array } (for loadTorchParams). */
export function torchDict(weights, prefix = "") {
  const out = {};
  for (const [key, { data }] of Object.entries(weights)) if (key.startsWith(prefix)) out[key.slice(prefix.length)] = data;
  return out;
}

/**
 * The weights of W5 / W6 under PyTorch's names (modules emb, rnn, fc) with PyTorch's initial ranges, drawn
 * with fillUniform: { name: { shape, data } }. Embedding U(−√3, √3) (unit variance, as N(0, 1)); LSTM
 * U(±1/√H); Linear U(±1/√in).
 */
export function seqWeights(spec) {
  const w = WORKLOADS[spec.workload];
  let seed = spec.seed * 100;
  const u = (shape, bound) => ({ shape, data: fillUniform(new Float32Array(shape.reduce((a, b) => a * b, 1)), seed++, -bound, bound) });
  const out = {};
  const I = w.task === "classify" ? w.E : w.I, H = w.H, G = 4 * H;
  const dirs = w.task === "classify" ? ["", "_reverse"] : [""];
  if (w.task === "classify") out["emb.weight"] = u([w.V, w.E], Math.sqrt(3));
  for (const d of dirs) {
    out[`rnn.weight_ih_l0${d}`] = u([G, I], 1 / Math.sqrt(H));
    out[`rnn.weight_hh_l0${d}`] = u([G, H], 1 / Math.sqrt(H));
    out[`rnn.bias_ih_l0${d}`] = u([G], 1 / Math.sqrt(H));
    out[`rnn.bias_hh_l0${d}`] = u([G], 1 / Math.sqrt(H));
  }
  const F = dirs.length * H, O = w.task === "classify" ? w.C : w.O;
  out["fc.weight"] = u([O, F], 1 / Math.sqrt(F));
  out["fc.bias"] = u([O], 1 / Math.sqrt(F));
  return out;
}

// ------------------------------------------------------------------------- PyTorch gate layout helpers ----

/** Rows [g·H, (g+1)·H) of a row-major [G·H, C] matrix, for each gate g of `order`, concatenated. */
export function reorderGates(data, H, C, order) {
  const out = new Float32Array(order.length * H * C);
  order.forEach((g, i) => out.set(data.subarray(g * H * C, (g + 1) * H * C), i * H * C));
  return out;
}

/** Transpose of a row-major [R, C] matrix. */
export function transpose(data, R, C) {
  const out = new Float32Array(R * C);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) out[c * R + r] = data[r * C + c];
  return out;
}

export function add(a, b) {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
  return out;
}

/** Gate count per cell. */
export const GATES = { rnn: 1, gru: 3, lstm: 4 };
