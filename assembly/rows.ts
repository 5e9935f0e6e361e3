// Moving rows between layouts: batch-first ↔ time-major, strided sub-blocks, element-wise sums.

import { row } from "./simd";

/** dst[j, i, :] = src[i, j, :] for src [n0, n1, width]: swaps the first two axes ([B,T,F] ↔ [T,B,F]). */
export function swapAxes01(src: usize, dst: usize, n0: i32, n1: i32, width: i32): void {
  const bytes = <usize>width << 2;
  for (let i = 0; i < n0; i++) {
    for (let j = 0; j < n1; j++) {
      memory.copy(row(dst, j * n0 + i, width), row(src, i * n1 + j, width), bytes);
    }
  }
}

/** Copies a rows×cols block from src (stride lds) to dst (stride ldd). */
export function copyBlock(src: usize, lds: i32, dst: usize, ldd: i32, rows: i32, cols: i32): void {
  const bytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) memory.copy(row(dst, r, ldd), row(src, r, lds), bytes);
}

/** dst[i] += src[i] for n floats. */
export function addInPlace(dst: usize, src: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

/** Sets rows whose time index t ≥ lens[b] to zero in a [T, B, width] tensor (stride ld): padding → 0. */
export function zeroPadded(x: usize, T: i32, B: i32, width: i32, ld: i32, lens: usize): void {
  const bytes = <usize>width << 2;
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      if (load<i32>(lens + (<usize>b << 2)) <= t) memory.fill(row(x, t * B + b, ld), 0, bytes);
    }
  }
}

/** x[i] *= m[i] for n floats (applies a dropout mask, forward and backward). */
export function mulInPlace(x: usize, m: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(x + o, f32x4.mul(v128.load(x + o), v128.load(m + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(x + o, load<f32>(x + o) * load<f32>(m + o));
  }
}
