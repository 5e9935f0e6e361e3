// Packing of the right-hand GEMM operand into column panels of 8: panel j holds columns 8j..8j+7 of B for
// every k, as K rows of 8 contiguous floats, zero-padded past N. Weights are packed once per update.

import { NR, panelOffset } from "./gemm";

/** Packed size in floats of a K×N right-hand side. */
export function packedSize(K: i32, N: i32): i32 {
  return ((N + NR - 1) / NR) * NR * K;
}

/** B(k, n) = W[n·ldw + k]: packs Wᵀ for a row-major weight W[N, K] (PyTorch's layout; y = x·Wᵀ). */
export function packTransposed(W: usize, ldw: i32, N: i32, K: i32, Bp: usize): void {
  const panels = (N + NR - 1) / NR;
  const ldwBytes = <usize>ldw << 2;
  for (let j = 0; j < panels; j++) {
    const dst = Bp + panelOffset(j, 0, K);
    const nr = min(NR, N - j * NR);
    if (nr < NR) memory.fill(dst, 0, <usize>K << 5);
    for (let c = 0; c < nr; c++) {
      const src = W + <usize>(j * NR + c) * ldwBytes;
      const col = dst + (<usize>c << 2);
      for (let k = 0; k < K; k++) {
        store<f32>(col + (<usize>k << 5), load<f32>(src + (<usize>k << 2)));
      }
    }
  }
}

/** B(k, n) = S[k·lds + n]: packs a row-major K×N matrix as it stands (dX = dG·W, dW = dGᵀ·X). */
export function packRows(S: usize, lds: i32, K: i32, N: i32, Bp: usize): void {
  const panels = (N + NR - 1) / NR;
  const ldsBytes = <usize>lds << 2;
  for (let j = 0; j < panels; j++) {
    const dst = Bp + panelOffset(j, 0, K);
    const nr = min(NR, N - j * NR);
    const src = S + (<usize>(j * NR) << 2);
    if (ASC_FEATURE_SIMD && nr == NR) {
      for (let k = 0; k < K; k++) {
        const s = src + <usize>k * ldsBytes, d = dst + (<usize>k << 5);
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
      }
    } else {
      if (nr < NR) memory.fill(dst, 0, <usize>K << 5);
      for (let k = 0; k < K; k++) memory.copy(dst + (<usize>k << 5), src + <usize>k * ldsBytes, <usize>nr << 2);
    }
  }
}
