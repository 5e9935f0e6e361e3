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
    // Keras 3: relu6(x + 3) / 6
    case "hard_sigmoid_keras3": for (let i = 0; i < n; i++) x[i] = Math.min(6, Math.max(0, x[i] + 3)) / 6; return;
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

/**
 * A Keras mask [B, T] (1: the step counts) as the recurrent kernels take it: each row's unmasked steps, in the
 * order the layer reads them (last to first for go_backwards), packed at the front of [B, T, F], and their
 * count. A masked step leaves a Keras layer's state as it is, so running the packed rows with these lengths
 * gives the states Keras has at the unmasked steps, wherever the masked ones are (pre-padding, gaps).
 */
export function packSteps(x: Float32Array, B: number, T: number, F: number, mask: Uint8Array | null, backwards: boolean): { packed: Float32Array; lengths: Int32Array } {
  const packed = new Float32Array(x.length), lengths = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const row = b * T;
    let k = 0;
    for (let p = 0; p < T; p++) {
      const t = backwards ? T - 1 - p : p;
      if (mask && !mask[row + t]) continue;
      packed.set(x.subarray((row + t) * F, (row + t + 1) * F), (row + k++) * F);
    }
    lengths[b] = k;
  }
  return { packed, lengths };
}

/**
 * A one-direction layer's outputs [B, T, H] in Keras's order (the order it read the steps: reversed for
 * go_backwards) from the packed run's: a masked step outputs the state it leaves untouched, i.e. the output
 * of the unmasked step read before it, or zeros (the initial state) when there is none; with `zeroMasked`
 * (Keras's zero_output_for_mask) it outputs zeros.
 */
export function unpackSteps(y: Float32Array, B: number, T: number, H: number, mask: Uint8Array, backwards: boolean, zeroMasked = false): Float32Array {
  const out = new Float32Array(y.length);
  for (let b = 0; b < B; b++) {
    const row = b * T;
    let k = 0;
    for (let p = 0; p < T; p++) {
      const on = mask[row + (backwards ? T - 1 - p : p)] !== 0;
      if (on) k++;
      if (k > 0 && (on || !zeroMasked)) out.set(y.subarray((row + k - 1) * H, (row + k) * H), (row + p) * H);
    }
  }
  return out;
}

/**
 * A Bidirectional layer's outputs [B, T, 2H] at the original steps from the packed run's: the forward half
 * as unpackSteps gives it; the backward half, which tfjs runs over the reversed steps and reverses back, holds
 * at a masked step the output of the next unmasked step (zeros when none follows). With `zeroMasked`
 * (zero_output_for_mask, which Keras sets in a Bidirectional that returns sequences) both halves are zeros there.
 */
export function unpackBidirectional(y: Float32Array, B: number, T: number, H: number, mask: Uint8Array, lengths: Int32Array, zeroMasked = false): Float32Array {
  const W = 2 * H, out = new Float32Array(y.length);
  for (let b = 0; b < B; b++) {
    const row = b * T, L = lengths[b];
    let before = 0; // unmasked steps before t
    for (let t = 0; t < T; t++) {
      const on = mask[row + t] !== 0, dst = (row + t) * W;
      if (!on && zeroMasked) continue;
      const fwd = on ? before : before - 1;
      if (fwd >= 0) out.set(y.subarray((row + fwd) * W, (row + fwd) * W + H), dst);
      if (before < L) out.set(y.subarray((row + before) * W + H, (row + before + 1) * W), dst + H);
      if (on) before++;
    }
  }
  return out;
}
