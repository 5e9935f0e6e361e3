// Token ids to vectors and back: embedding lookup, one-hot rows, and the gradient scatter.

import { row } from "./simd";

/** out[i, :] = table[ids[i], :] for n ids (table [V, dim]). */
export function gatherRows(table: usize, ids: usize, n: i32, dim: i32, out: usize): void {
  const bytes = <usize>dim << 2;
  for (let i = 0; i < n; i++) memory.copy(row(out, i, dim), row(table, load<i32>(ids + (<usize>i << 2)), dim), bytes);
}

/** out[i, :] = onehot(ids[i]) over V columns. */
export function oneHotRows(ids: usize, n: i32, V: i32, out: usize): void {
  memory.fill(out, 0, (<usize>n * <usize>V) << 2);
  for (let i = 0; i < n; i++) store<f32>(row(out, i, V) + (<usize>load<i32>(ids + (<usize>i << 2)) << 2), 1);
}

/** grad[ids[i], :] += d[i, :] for n rows of width dim: repeated ids accumulate, as in PyTorch. */
export function scatterAddRows(d: usize, ids: usize, n: i32, dim: i32, grad: usize): void {
  for (let i = 0; i < n; i++) {
    const src = row(d, i, dim), dst = row(grad, load<i32>(ids + (<usize>i << 2)), dim);
    let j = 0;
    if (ASC_FEATURE_SIMD) for (; j + 4 <= dim; j += 4) {
      const o = <usize>j << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
    }
    for (; j < dim; j++) {
      const o = <usize>j << 2;
      store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
    }
  }
}

/** Largest id in [0, V) check: returns the index of the first id outside [0, V), or −1. */
export function findBadId(ids: usize, n: i32, V: i32): i32 {
  for (let i = 0; i < n; i++) {
    const id = load<i32>(ids + (<usize>i << 2));
    if (id < 0 || id >= V) return i;
  }
  return -1;
}
