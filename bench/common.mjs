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
  GEMM512: {
    title: "C = A·B, 512×512×512 float32",
    M: 512, K: 512, N: 512, weights: "gemm512", primary: "GFLOP/s", flops: 2 * 512 ** 3,
  },
};

/** The weight sets make-onnx.mjs writes: wasm-rnn's seeded initialisation under PyTorch names and layouts. */
export const WEIGHT_SETS = {
  lstm_i64_h256: { kind: "layer", cell: "lstm", I: 64, H: 256, seed: 1 },
  gru_i64_h256: { kind: "layer", cell: "gru", I: 64, H: 256, seed: 2 },
  lstm_i128_h512: { kind: "layer", cell: "lstm", I: 128, H: 512, seed: 3 },
  lm_lstm_h256: { kind: "lm", cell: "lstm", V: 28, H: 256, seed: 4 },
  lm_gru_h256: { kind: "lm", cell: "gru", V: 28, H: 256, seed: 5 },
  lm_rnn_h256: { kind: "lm", cell: "rnn", V: 28, H: 256, seed: 6 },
  gemm512: { kind: "matrix", K: 512, N: 512, seed: 7 },
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

/** The inputs of a workload, identical in every peer. Time-major where it matters: x [T, B, I], ids [T, B]. */
export function workloadInputs(id) {
  const w = WORKLOADS[id];
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
