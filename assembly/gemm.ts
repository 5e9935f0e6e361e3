// Single-precision GEMM over a pre-packed right-hand side:  C[M,N] = A[M,K] · B[K,N]  (+ C when accumulating).
//
// B is packed once into column panels of NR = 8 (see pack.ts), so the micro-kernel streams it contiguously.
// A is read in place through strides (rsA, csA), which covers A, Aᵀ and sub-blocks without a copy.
// The 4×8 register tile (8 f32x4 accumulators) is the widest that V8 keeps in registers; K is blocked by KC
// so a B panel stays in L1, and M by MC so the A rows it sweeps stay in L2.

import { madd, storePartial, loadPartial } from "./simd";

export const NR: i32 = 8;
export const KC: i32 = 256;
const MC: i32 = 64;

/** Floats of scratch the host must give setGemmScratch(): one packed A block. */
export const GEMM_SCRATCH_FLOATS: i32 = MC * KC;

// Scratch for packing blocks of a strided A (wasm globals are per instance, so each worker thread that
// instantiates the module sets its own).
let scratch: usize = 0;

/** Gives the GEMM a scratch region of GEMM_SCRATCH_FLOATS floats (0: never pack A). */
export function setGemmScratch(ptr: usize): void {
  scratch = ptr;
}

/**
 * Copies rows [i0, i1) × k [pc, pc + kc) of a strided A into 4-row panels (k-major, 4 floats per k), zero rows
 * past i1. With A transposed (rsA = 1) the 4 floats of a step are contiguous in A: one vector load.
 */
function packA(A: usize, rsA: i32, csA: i32, i0: i32, i1: i32, pc: i32, kc: i32, dst: usize): void {
  const rsBytes = <usize>rsA << 2, csBytes = <usize>csA << 2;
  for (let i = i0; i < i1; i += 4) {
    const mr = min(4, i1 - i);
    const src = A + <usize>i * rsBytes + <usize>pc * csBytes;
    if (rsA == 1 && mr == 4) {
      for (let k = 0; k < kc; k++) v128.store(dst + (<usize>k << 4), v128.load(src + <usize>k * csBytes));
    } else {
      for (let k = 0; k < kc; k++) {
        const d = dst + (<usize>k << 4), s = src + <usize>k * csBytes;
        for (let r = 0; r < 4; r++) store<f32>(d + (<usize>r << 2), r < mr ? load<f32>(s + <usize>r * rsBytes) : 0);
      }
    }
    dst += <usize>kc << 4;
  }
}

/** Bytes from the start of a packed matrix to row k of panel j (panels are K×8 floats each). */
// @ts-ignore: decorator
@inline export function panelOffset(j: i32, k: i32, K: i32): usize {
  return ((<usize>j * <usize>K + <usize>k) << 5);
}

/** One 4×8 tile of C over kc steps of K. a0..a3: row addresses in A; ka: bytes between consecutive k. */
function micro4x8(
  kc: i32, a0: usize, a1: usize, a2: usize, a3: usize, ka: usize,
  bp: usize, c: usize, ldcBytes: usize, mr: i32, nr: i32, accumulate: bool,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let ko: usize = 0;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(a0 + ko);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load32_splat(a1 + ko);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load32_splat(a2 + ko);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load32_splat(a3 + ko);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    ko += ka;
    bp += 32;
  }
  storeRow(c, c00, c01, nr, accumulate);
  if (mr > 1) storeRow(c + ldcBytes, c10, c11, nr, accumulate);
  if (mr > 2) storeRow(c + 2 * ldcBytes, c20, c21, nr, accumulate);
  if (mr > 3) storeRow(c + 3 * ldcBytes, c30, c31, nr, accumulate);
}

// @ts-ignore: decorator
@inline function storeRow(c: usize, v0: v128, v1: v128, nr: i32, accumulate: bool): void {
  if (nr == 8) {
    if (accumulate) {
      v0 = f32x4.add(v0, v128.load(c));
      v1 = f32x4.add(v1, v128.load(c, 16));
    }
    v128.store(c, v0);
    v128.store(c, v1, 16);
    return;
  }
  const n0 = min(nr, 4), n1 = nr - n0;
  if (accumulate) {
    v0 = f32x4.add(v0, loadPartial(c, n0));
    v1 = f32x4.add(v1, loadPartial(c + 16, n1));
  }
  storePartial(c, v0, n0);
  storePartial(c + 16, v1, n1);
}

/**
 * C[M,N] (+)= A·B for column panels [j0, j1) only (the whole product when j0 = 0 and j1 = ceil(N/8)), so that
 * threads can split one product by columns. Strides are in elements; Bp is packed by pack.ts.
 */
export function gemmPanels(
  M: i32, N: i32, K: i32, A: usize, rsA: i32, csA: i32, Bp: usize, C: usize, ldc: i32, accumulate: bool,
  j0: i32, j1: i32,
): void {
  if (M <= 0 || N <= 0 || j1 <= j0) return;
  if (K <= 0) {
    if (!accumulate) zeroColumns(M, N, C, ldc, j0, j1);
    return;
  }
  if (!ASC_FEATURE_SIMD) {
    gemmScalar(M, N, K, A, rsA, csA, Bp, C, ldc, accumulate, j0, j1);
    return;
  }
  if (M == 1) {
    gemvPanels(N, K, A, csA, Bp, C, accumulate, j0, j1);
    return;
  }
  const rsBytes = <usize>rsA << 2, csBytes = <usize>csA << 2, ldcBytes = <usize>ldc << 2;
  // A read along a stride other than 1 (a transposed operand, e.g. dGᵀ in dW = dGᵀ·X) is packed block by
  // block: each step of the micro-kernel then reads 16 contiguous bytes instead of touching a new line / page.
  const pack = csA != 1 && scratch != 0;
  for (let pc = 0; pc < K; pc += KC) {
    const kc = min(KC, K - pc);
    const acc = accumulate || pc > 0;
    const aK = A + <usize>pc * csBytes;
    for (let ic = 0; ic < M; ic += MC) {
      const iEnd = min(M, ic + MC);
      if (pack) packA(A, rsA, csA, ic, iEnd, pc, kc, scratch);
      for (let j = j0; j < j1; j++) {
        const bp = Bp + panelOffset(j, pc, K);
        const nr = min(NR, N - j * NR);
        const cCol = C + (<usize>(j * NR) << 2);
        for (let i = ic; i < iEnd; i += 4) {
          const mr = min(4, iEnd - i);
          const c = cCol + <usize>i * ldcBytes;
          if (pack) {
            const a0 = scratch + ((<usize>(i - ic) * <usize>kc) << 2);
            micro4x8(kc, a0, a0 + 4, a0 + 8, a0 + 12, 16, bp, c, ldcBytes, mr, nr, acc);
            continue;
          }
          const a0 = aK + <usize>i * rsBytes;
          // Rows past the end of A repeat the last valid row; their results are never stored.
          const a1 = mr > 1 ? a0 + rsBytes : a0;
          const a2 = mr > 2 ? a1 + rsBytes : a1;
          const a3 = mr > 3 ? a2 + rsBytes : a2;
          micro4x8(kc, a0, a1, a2, a3, csBytes, bp, c, ldcBytes, mr, nr, acc);
        }
      }
    }
  }
}

/** y (+)= x·B for a single row x (batch 1): four panels at once gives eight independent accumulators. */
function gemvPanels(N: i32, K: i32, x: usize, csx: i32, Bp: usize, y: usize, accumulate: bool, j0: i32, j1: i32): void {
  const kx = <usize>csx << 2;
  const panelBytes = <usize>K << 5;
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    const p0 = Bp + panelOffset(j, 0, K);
    const p1 = p0 + panelBytes, p2 = p1 + panelBytes, p3 = p2 + panelBytes;
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    let s4 = f32x4.splat(0), s5 = f32x4.splat(0), s6 = f32x4.splat(0), s7 = f32x4.splat(0);
    let xo: usize = x;
    let ko: usize = 0;
    const kEnd = <usize>K << 5;
    for (; ko < kEnd; ko += 32) {
      const a = v128.load32_splat(xo);
      s0 = madd(a, v128.load(p0 + ko), s0); s1 = madd(a, v128.load(p0 + ko, 16), s1);
      s2 = madd(a, v128.load(p1 + ko), s2); s3 = madd(a, v128.load(p1 + ko, 16), s3);
      s4 = madd(a, v128.load(p2 + ko), s4); s5 = madd(a, v128.load(p2 + ko, 16), s5);
      s6 = madd(a, v128.load(p3 + ko), s6); s7 = madd(a, v128.load(p3 + ko, 16), s7);
      xo += kx;
    }
    const yj = y + (<usize>(j * NR) << 2);
    storeRow(yj, s0, s1, min(NR, N - j * NR), accumulate);
    storeRow(yj + 32, s2, s3, min(NR, N - (j + 1) * NR), accumulate);
    storeRow(yj + 64, s4, s5, min(NR, N - (j + 2) * NR), accumulate);
    storeRow(yj + 96, s6, s7, min(NR, N - (j + 3) * NR), accumulate);
  }
  for (; j < j1; j++) {
    // One panel: split K in two halves with their own accumulators to shorten the add chain.
    const p = Bp + panelOffset(j, 0, K);
    const half = K >> 1;
    const q = p + (<usize>half << 5);
    const xq = x + <usize>half * kx;
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    for (let k = 0; k < half; k++) {
      const ko = <usize>k << 5;
      const a = v128.load32_splat(x + <usize>k * kx);
      const b = v128.load32_splat(xq + <usize>k * kx);
      s0 = madd(a, v128.load(p + ko), s0); s1 = madd(a, v128.load(p + ko, 16), s1);
      s2 = madd(b, v128.load(q + ko), s2); s3 = madd(b, v128.load(q + ko, 16), s3);
    }
    if (K & 1) {
      const ko = <usize>(K - 1) << 5;
      const a = v128.load32_splat(x + <usize>(K - 1) * kx);
      s0 = madd(a, v128.load(p + ko), s0); s1 = madd(a, v128.load(p + ko, 16), s1);
    }
    storeRow(y + (<usize>(j * NR) << 2), f32x4.add(s0, s2), f32x4.add(s1, s3), min(NR, N - j * NR), accumulate);
  }
}

/** The scalar build's product over the same packed panels: eight running sums per row and panel. */
function gemmScalar(
  M: i32, N: i32, K: i32, A: usize, rsA: i32, csA: i32, Bp: usize, C: usize, ldc: i32, accumulate: bool, j0: i32, j1: i32,
): void {
  const rsBytes = <usize>rsA << 2, csBytes = <usize>csA << 2;
  for (let i = 0; i < M; i++) {
    const a = A + <usize>i * rsBytes;
    for (let j = j0; j < j1; j++) {
      let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0, s4: f32 = 0, s5: f32 = 0, s6: f32 = 0, s7: f32 = 0;
      let bp = Bp + panelOffset(j, 0, K);
      for (let k = 0; k < K; k++) {
        const x = load<f32>(a + <usize>k * csBytes);
        s0 += x * load<f32>(bp); s1 += x * load<f32>(bp, 4); s2 += x * load<f32>(bp, 8); s3 += x * load<f32>(bp, 12);
        s4 += x * load<f32>(bp, 16); s5 += x * load<f32>(bp, 20); s6 += x * load<f32>(bp, 24); s7 += x * load<f32>(bp, 28);
        bp += 32;
      }
      const c = C + ((<usize>i * <usize>ldc + <usize>(j * NR)) << 2);
      const nr = min(NR, N - j * NR);
      storeScalar(c, 0, s0, nr, accumulate); storeScalar(c, 1, s1, nr, accumulate);
      storeScalar(c, 2, s2, nr, accumulate); storeScalar(c, 3, s3, nr, accumulate);
      storeScalar(c, 4, s4, nr, accumulate); storeScalar(c, 5, s5, nr, accumulate);
      storeScalar(c, 6, s6, nr, accumulate); storeScalar(c, 7, s7, nr, accumulate);
    }
  }
}

// @ts-ignore: decorator
@inline function storeScalar(c: usize, col: i32, v: f32, nr: i32, accumulate: bool): void {
  if (col >= nr) return;
  const p = c + (<usize>col << 2);
  store<f32>(p, accumulate ? load<f32>(p) + v : v);
}

function zeroColumns(M: i32, N: i32, C: usize, ldc: i32, j0: i32, j1: i32): void {
  const c0 = j0 * NR, c1 = min(N, j1 * NR);
  for (let i = 0; i < M; i++) {
    memory.fill(C + ((<usize>i * <usize>ldc + <usize>c0) << 2), 0, <usize>(c1 - c0) << 2);
  }
}

/** C[M,N] (+)= A·B over all of N: the single-threaded entry point. */
export function gemm(
  M: i32, N: i32, K: i32, A: usize, rsA: i32, csA: i32, Bp: usize, C: usize, ldc: i32, accumulate: bool,
): void {
  gemmPanels(M, N, K, A, rsA, csA, Bp, C, ldc, accumulate, 0, (N + NR - 1) / NR);
}
