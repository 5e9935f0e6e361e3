// The elementwise parts of Keras layers that have no kernel here, each over a whole batch-first tensor:
// activations, Bidirectional's merge modes, and the time reversals and mask rules of the recurrent layers.

import type { Activation, MergeMode } from "./layers.js";

/** Applies a Keras activation in place over rows of `width` (softmax along each row). */
export function activate(x: Float32Array, width: number, activation: Activation): void {
  const n = x.length;
  switch (activation) {
    case "linear": return;
    case "relu": for (let i = 0; i < n; i++) x[i] = x[i] > 0 ? x[i] : 0; return;
    case "tanh": for (let i = 0; i < n; i++) x[i] = Math.tanh(x[i]); return;
    case "sigmoid": for (let i = 0; i < n; i++) x[i] = 1 / (1 + Math.exp(-x[i])); return;
    // Keras 2 and tfjs: clip(0.2·x + 0.5, 0, 1)
    case "hard_sigmoid": for (let i = 0; i < n; i++) x[i] = Math.min(1, Math.max(0, 0.2 * x[i] + 0.5)); return;
    case "softmax":
      for (let r = 0; r < n; r += width) {
        let max = -Infinity, sum = 0;
        for (let j = 0; j < width; j++) max = Math.max(max, x[r + j]);
        for (let j = 0; j < width; j++) sum += (x[r + j] = Math.exp(x[r + j] - max));
        for (let j = 0; j < width; j++) x[r + j] /= sum;
      }
  }
}

/** Merges the two directions' halves of rows [.., 2H] into [.., 2H] (concat) or [.., H]. */
export function merge(y: Float32Array, H: number, mode: MergeMode): Float32Array {
  if (mode === "concat") return y;
  const rows = y.length / (2 * H), out = new Float32Array(rows * H);
  for (let r = 0; r < rows; r++) {
    const f = r * 2 * H, b = f + H, o = r * H;
    for (let j = 0; j < H; j++) {
      const u = y[f + j], v = y[b + j];
      out[o + j] = mode === "sum" ? u + v : mode === "mul" ? u * v : (u + v) / 2;
    }
  }
  return out;
}

/** Each row's first L[b] steps reversed ([B, T, F] batch-first); the rest stays in place. */
export function reverseSteps(x: Float32Array, B: number, T: number, F: number, lengths: Int32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < B; b++) {
    const L = lengths[b], row = b * T * F;
    for (let t = 0; t < T; t++) {
      const from = t < L ? L - 1 - t : t;
      out.set(x.subarray(row + from * F, row + (from + 1) * F), row + t * F);
    }
  }
  return out;
}

/**
 * A masked forward layer's outputs as Keras (tfjs) gives them: a masked step repeats the output before it
 * (so steps past a sequence's end hold its last output), for the features [lo, hi) of each [B, T, W] row.
 */
export function carryForward(y: Float32Array, B: number, T: number, W: number, lo: number, hi: number, lengths: Int32Array): void {
  for (let b = 0; b < B; b++) {
    const L = lengths[b];
    for (let t = Math.max(L, 1); t < T; t++) {
      const dst = (b * T + t) * W, src = (b * T + L - 1) * W;
      if (L === 0) y.fill(0, dst + lo, dst + hi);
      else y.copyWithin(dst + lo, src + lo, src + hi);
    }
  }
}

/** go_backwards with a mask: the reversed sequence starts with its T − L masked steps, which output zeros. */
export function alignBackwards(y: Float32Array, B: number, T: number, W: number, lengths: Int32Array): Float32Array {
  const out = new Float32Array(y.length);
  for (let b = 0; b < B; b++) {
    const L = lengths[b], row = b * T * W;
    out.set(y.subarray(row, row + L * W), row + (T - L) * W);
  }
  return out;
}
