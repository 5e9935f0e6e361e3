// Products with a one-hot operand (a model whose input is one-hot token rows: d2l's character model). With
// X = onehot(ids) [n, K], the input projection X·B is a row gather of B and the weight gradient dGᵀ·X a
// scatter of dG's rows, with none of the n·K·N multiplications by 0 and 1 of the GEMM.
//
// Both give the GEMM's results bit for bit (on finite operands): the GEMM's running sums add exact zeros
// (0·b) around the one product 1·b per row, so its sum for a row is b, and its dW = dGᵀ·X sums, per column of
// X, the rows of dG whose id it is, in order within each block of KC rows of K, then adds the blocks' sums in
// order (one block in the scalar build, whose GEMM does not block K). The kernels below do the same additions
// in the same order. They differ only where an operand is ±Infinity or NaN (the GEMM's 0·Inf = NaN reaches
// every column; here only the id's).

import { KC, NR, panelOffset } from "./gemm";
import { loadPartial, storePartial, row } from "./simd";

/**
 * C[r, :] (+)= row ids[r] of a panel-packed B [K, N] (pack.ts), for r < n: C = onehot(ids)·B. ids must lie in
 * [0, K).
 */
export function gatherPackedRows(Bp: usize, K: i32, N: i32, ids: usize, n: i32, C: usize, ldc: i32, accumulate: bool): void {
  const panels = (N + NR - 1) / NR;
  for (let r = 0; r < n; r++) {
    const k = load<i32>(ids + (<usize>r << 2));
    const c = row(C, r, ldc);
    for (let j = 0; j < panels; j++) {
      const src = Bp + panelOffset(j, k, K), dst = c + (<usize>(j * NR) << 2);
      const nr = min(NR, N - j * NR);
      if (ASC_FEATURE_SIMD) {
        const n0 = min(nr, 4), n1 = nr - n0;
        let v0 = v128.load(src), v1 = v128.load(src, 16);
        if (nr == NR) {
          if (accumulate) {
            v0 = f32x4.add(v0, v128.load(dst));
            v1 = f32x4.add(v1, v128.load(dst, 16));
          }
          v128.store(dst, v0);
          v128.store(dst, v1, 16);
        } else {
          if (accumulate) {
            v0 = f32x4.add(v0, loadPartial(dst, n0));
            v1 = f32x4.add(v1, loadPartial(dst + 16, n1));
          }
          storePartial(dst, v0, n0);
          storePartial(dst + 16, v1, n1);
        }
      } else {
        for (let q = 0; q < nr; q++) {
          const p = dst + (<usize>q << 2);
          const b = load<f32>(src + (<usize>q << 2));
          store<f32>(p, accumulate ? load<f32>(p) + b : b);
        }
      }
    }
  }
}

/**
 * out[G, V] = dGᵀ·onehot(ids) for dG [n, G] (row stride ldg) and ids in [0, V): out[g, v] = Σ dG[r, g] over
 * the rows r whose id is v, summed as the GEMM sums it (see above). scratch: V·G floats (the partial sums of
 * one block, by id).
 */
export function oneHotWeightGrad(dG: usize, ldg: i32, ids: usize, n: i32, G: i32, V: i32, out: usize, scratch: usize): void {
  const block = ASC_FEATURE_SIMD ? KC : max(n, 1);
  const gBytes = <usize>G << 2;
  if (n <= 0) {
    memory.fill(out, 0, (<usize>G * <usize>V) << 2);
    return;
  }
  for (let pc = 0; pc < n; pc += block) {
    const end = min(n, pc + block);
    memory.fill(scratch, 0, <usize>V * gBytes);
    for (let r = pc; r < end; r++) {
      const s = row(scratch, load<i32>(ids + (<usize>r << 2)), G), d = row(dG, r, ldg);
      let g = 0;
      if (ASC_FEATURE_SIMD) for (; g + 4 <= G; g += 4) {
        const o = <usize>g << 2;
        v128.store(s + o, f32x4.add(v128.load(s + o), v128.load(d + o)));
      }
      for (; g < G; g++) {
        const o = <usize>g << 2;
        store<f32>(s + o, load<f32>(s + o) + load<f32>(d + o));
      }
    }
    // out[g, v] (+)= scratch[v, g]: the block's sums, transposed into PyTorch's [G, V] layout
    for (let g = 0; g < G; g++) {
      const o = row(out, g, V), sg = scratch + (<usize>g << 2);
      for (let v = 0; v < V; v++) {
        const p = o + (<usize>v << 2);
        const x = load<f32>(sg + <usize>v * gBytes);
        store<f32>(p, pc == 0 ? x : load<f32>(p) + x);
      }
    }
  }
}
