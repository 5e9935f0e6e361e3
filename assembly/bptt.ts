// Backpropagation-through-time accumulation helpers. The weight gradients of all steps are single GEMMs
// (dW_ih = dGᵀ·X, dW_hh = dGᵀ·H_prev, driven from bindings); bias gradients are the column sums here.

import { row } from "./simd";

/** out[c] (+)= Σ_r A[r, c] over a rows×cols block with `lda` floats per row. */
export function columnSums(A: usize, rows: i32, cols: i32, lda: i32, out: usize, accumulate: bool): void {
  if (!accumulate) memory.fill(out, 0, <usize>cols << 2);
  // Four rows per pass halves the read-modify-write traffic on `out`.
  let r = 0;
  if (ASC_FEATURE_SIMD) for (; r + 4 <= rows; r += 4) {
    const a0 = row(A, r, lda), a1 = row(A, r + 1, lda), a2 = row(A, r + 2, lda), a3 = row(A, r + 3, lda);
    let c = 0;
    if (ASC_FEATURE_SIMD) for (; c + 4 <= cols; c += 4) {
      const o = <usize>c << 2;
      const s = f32x4.add(f32x4.add(v128.load(a0 + o), v128.load(a1 + o)), f32x4.add(v128.load(a2 + o), v128.load(a3 + o)));
      v128.store(out + o, f32x4.add(v128.load(out + o), s));
    }
    for (; c < cols; c++) {
      const o = <usize>c << 2;
      store<f32>(out + o, load<f32>(out + o) + ((load<f32>(a0 + o) + load<f32>(a1 + o)) + (load<f32>(a2 + o) + load<f32>(a3 + o))));
    }
  }
  for (; r < rows; r++) {
    const a = row(A, r, lda);
    let c = 0;
    if (ASC_FEATURE_SIMD) for (; c + 4 <= cols; c += 4) {
      const o = <usize>c << 2;
      v128.store(out + o, f32x4.add(v128.load(out + o), v128.load(a + o)));
    }
    for (; c < cols; c++) {
      const o = <usize>c << 2;
      store<f32>(out + o, load<f32>(out + o) + load<f32>(a + o));
    }
  }
}

/** Every row of the rows×cols block P (stride ldp) is set to b1 + b2 (either may be 0 = absent). */
export function fillRowsWithBias(P: usize, rows: i32, cols: i32, ldp: i32, b1: usize, b2: usize): void {
  const bytes = <usize>cols << 2;
  if (rows <= 0) return;
  const first = row(P, 0, ldp);
  if (b1 == 0 && b2 == 0) memory.fill(first, 0, bytes);
  else if (b2 == 0) memory.copy(first, b1, bytes);
  else if (b1 == 0) memory.copy(first, b2, bytes);
  else {
    let c = 0;
    if (ASC_FEATURE_SIMD) for (; c + 4 <= cols; c += 4) {
      const o = <usize>c << 2;
      v128.store(first + o, f32x4.add(v128.load(b1 + o), v128.load(b2 + o)));
    }
    for (; c < cols; c++) {
      const o = <usize>c << 2;
      store<f32>(first + o, load<f32>(b1 + o) + load<f32>(b2 + o));
    }
  }
  for (let r = 1; r < rows; r++) memory.copy(row(P, r, ldp), first, bytes);
}
