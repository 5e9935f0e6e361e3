// Pooling a sequence's outputs over its valid steps: [T·B, F] (time-major rows t·B + b) → [B, F], for models
// that put one label or value on a whole sequence. lens: Int32 [B] (each in [1, T]) or 0 for all T steps.

import { row } from "./simd";

// @ts-ignore: decorator
@inline function lengthOf(lens: usize, b: i32, T: i32): i32 {
  return lens == 0 ? T : load<i32>(lens + (<usize>b << 2));
}

/**
 * out[b] = y at sequence b's last valid step. With D = 2 directions (F = 2H: forward half, then reverse half)
 * the reverse half is taken at step 0, where the reverse direction ends: PyTorch's cat(h_n[-2], h_n[-1]).
 */
export function poolLast(y: usize, T: i32, B: i32, H: i32, D: i32, lens: usize, out: usize): void {
  const F = D * H;
  for (let b = 0; b < B; b++) {
    const last = lengthOf(lens, b, T) - 1;
    memory.copy(row(out, b, F), row(y, last * B + b, F), <usize>H << 2);
    if (D == 2) memory.copy(row(out, b, F) + (<usize>H << 2), row(y, b, F) + (<usize>H << 2), <usize>H << 2);
  }
}

/** dy = the gradient of poolLast: dOut[b] at the steps it was taken from, 0 everywhere else. */
export function poolLastBackward(dOut: usize, T: i32, B: i32, H: i32, D: i32, lens: usize, dy: usize): void {
  const F = D * H;
  memory.fill(dy, 0, (<usize>T * <usize>B * <usize>F) << 2);
  for (let b = 0; b < B; b++) {
    const last = lengthOf(lens, b, T) - 1;
    memory.copy(row(dy, last * B + b, F), row(dOut, b, F), <usize>H << 2);
    if (D == 2) memory.copy(row(dy, b, F) + (<usize>H << 2), row(dOut, b, F) + (<usize>H << 2), <usize>H << 2);
  }
}

/** out[b] = the mean of y over sequence b's valid steps (summed in f64). */
export function poolMean(y: usize, T: i32, B: i32, F: i32, lens: usize, out: usize): void {
  for (let b = 0; b < B; b++) {
    const n = lengthOf(lens, b, T);
    for (let j = 0; j < F; j++) {
      let s: f64 = 0;
      for (let t = 0; t < n; t++) s += <f64>load<f32>(row(y, t * B + b, F) + (<usize>j << 2));
      store<f32>(row(out, b, F) + (<usize>j << 2), <f32>(s / <f64>n));
    }
  }
}

/** dy[t·B + b] = dOut[b] / length_b at valid steps, 0 past the end. */
export function poolMeanBackward(dOut: usize, T: i32, B: i32, F: i32, lens: usize, dy: usize): void {
  for (let b = 0; b < B; b++) {
    const n = lengthOf(lens, b, T);
    const inv: f32 = <f32>(1.0 / <f64>n);
    for (let t = 0; t < T; t++) {
      const d = row(dy, t * B + b, F), g = row(dOut, b, F);
      for (let j = 0; j < F; j++) store<f32>(d + (<usize>j << 2), t < n ? load<f32>(g + (<usize>j << 2)) * inv : 0);
    }
  }
}

/**
 * out[b, j] = the maximum of y[·, b, j] over the valid steps; argmax (Int32 [B·F]) records the step (the
 * first one on ties), where backward sends the gradient.
 */
export function poolMax(y: usize, T: i32, B: i32, F: i32, lens: usize, out: usize, argmax: usize): void {
  for (let b = 0; b < B; b++) {
    const n = lengthOf(lens, b, T);
    for (let j = 0; j < F; j++) {
      let best = load<f32>(row(y, b, F) + (<usize>j << 2)), at = 0;
      for (let t = 1; t < n; t++) {
        const v = load<f32>(row(y, t * B + b, F) + (<usize>j << 2));
        if (v > best) { best = v; at = t; }
      }
      store<f32>(row(out, b, F) + (<usize>j << 2), best);
      store<i32>(argmax + ((<usize>b * <usize>F + <usize>j) << 2), at);
    }
  }
}

/** dy[argmax[b, j]·B + b, j] = dOut[b, j]; every other element 0. */
export function poolMaxBackward(dOut: usize, T: i32, B: i32, F: i32, argmax: usize, dy: usize): void {
  memory.fill(dy, 0, (<usize>T * <usize>B * <usize>F) << 2);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < F; j++) {
      const t = load<i32>(argmax + ((<usize>b * <usize>F + <usize>j) << 2));
      store<f32>(row(dy, t * B + b, F) + (<usize>j << 2), load<f32>(row(dOut, b, F) + (<usize>j << 2)));
    }
  }
}
