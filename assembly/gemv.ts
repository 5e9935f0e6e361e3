// Batch-1 product y[N] (+)= x[K] · B[K,N] as N dot products over a "dot-packed" B: the columns of B, four at a
// time, interleaved in chunks of 8 along K, so the kernel reads one contiguous stream and keeps eight
// independent accumulators. Measured here ~1.7× the panel GEMM at M = 1 (broadcasting x[k] is the slow part
// there); it is what a streaming recurrent step (batch 1) uses.

import { madd, storePartial, loadPartial } from "./simd";

const KCHUNK: i32 = 8;

/** Floats of a dot-packed K×N operand: N rounded up to 4, K rounded up to 8, zero-padded. */
export function dotPackedSize(K: i32, N: i32): i32 {
  return ((N + 3) & ~3) * ((K + KCHUNK - 1) & ~(KCHUNK - 1));
}

/**
 * Packs B(k, n) = src[n·ldn + k·ldk]: with (ldn, ldk) = (ld, 1) that is Wᵀ for a row-major weight W[N, K]
 * (forward, y = x·Wᵀ); with (1, ld) it is B = W[K, N] itself (backward, y = x·W).
 */
export function packDot(src: usize, ldn: i32, ldk: i32, N: i32, K: i32, dst: usize): void {
  const Kp = (K + KCHUNK - 1) & ~(KCHUNK - 1);
  const groups = (N + 3) >> 2;
  memory.fill(dst, 0, <usize>dotPackedSize(K, N) << 2);
  for (let g = 0; g < groups; g++) {
    const base = dst + ((<usize>g * <usize>Kp) << 4);
    for (let r = 0; r < 4; r++) {
      const n = g * 4 + r;
      if (n >= N) break;
      for (let k = 0; k < K; k++) {
        // chunk c = k / 8 holds 4 rows × 8 k: row r's first half at 32r + 0..3... laid out as two 4×4 blocks
        const c = k >> 3, h = (k >> 2) & 1, i = k & 3;
        const at = base + (<usize>c << 7) + (<usize>h << 6) + (<usize>r << 4) + (<usize>i << 2);
        store<f32>(at, load<f32>(src + ((<usize>n * <usize>ldn + <usize>k * <usize>ldk) << 2)));
      }
    }
  }
}

/** y (+)= x·B for dot-packed B (x: K contiguous floats). */
export function gemv(N: i32, K: i32, x: usize, Bd: usize, y: usize, accumulate: bool): void {
  if (ASC_FEATURE_SIMD) gemvSimd(N, K, x, Bd, y, accumulate);
  else gemvScalar(N, K, x, Bd, y, accumulate);
}

/** The scalar build's product over the same layout: four running sums per group of rows. */
function gemvScalar(N: i32, K: i32, x: usize, Bd: usize, y: usize, accumulate: bool): void {
  const Kp = (K + KCHUNK - 1) & ~(KCHUNK - 1);
  for (let g = 0; g < (N + 3) >> 2; g++) {
    const base = Bd + ((<usize>g * <usize>Kp) << 4);
    for (let r = 0; r < min(4, N - g * 4); r++) {
      let sum: f32 = 0;
      for (let k = 0; k < K; k++) {
        const at = base + (<usize>(k >> 3) << 7) + (<usize>((k >> 2) & 1) << 6) + (<usize>r << 4) + (<usize>(k & 3) << 2);
        sum += load<f32>(x + (<usize>k << 2)) * load<f32>(at);
      }
      const p = y + (<usize>(g * 4 + r) << 2);
      store<f32>(p, accumulate ? load<f32>(p) + sum : sum);
    }
  }
}

function gemvSimd(N: i32, K: i32, x: usize, Bd: usize, y: usize, accumulate: bool): void {
  const Kp = (K + KCHUNK - 1) & ~(KCHUNK - 1);
  const full = K >> 3; // chunks with all 8 k present; the last partial chunk reads x without overrunning it
  const groups = (N + 3) >> 2;
  let p = Bd;
  for (let g = 0; g < groups; g++) {
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    let t0 = f32x4.splat(0), t1 = f32x4.splat(0), t2 = f32x4.splat(0), t3 = f32x4.splat(0);
    let xp = x;
    const q = p + ((<usize>Kp) << 4);
    for (let c = 0; c < full; c++) {
      const a = v128.load(xp), b = v128.load(xp, 16);
      s0 = madd(a, v128.load(p), s0); s1 = madd(a, v128.load(p, 16), s1);
      s2 = madd(a, v128.load(p, 32), s2); s3 = madd(a, v128.load(p, 48), s3);
      t0 = madd(b, v128.load(p, 64), t0); t1 = madd(b, v128.load(p, 80), t1);
      t2 = madd(b, v128.load(p, 96), t2); t3 = madd(b, v128.load(p, 112), t3);
      p += 128;
      xp += 32;
    }
    const rest = K - (full << 3);
    if (rest > 0) {
      const a = loadPartial(xp, min(rest, 4)), b = loadPartial(xp + 16, max(rest - 4, 0));
      s0 = madd(a, v128.load(p), s0); s1 = madd(a, v128.load(p, 16), s1);
      s2 = madd(a, v128.load(p, 32), s2); s3 = madd(a, v128.load(p, 48), s3);
      t0 = madd(b, v128.load(p, 64), t0); t1 = madd(b, v128.load(p, 80), t1);
      t2 = madd(b, v128.load(p, 96), t2); t3 = madd(b, v128.load(p, 112), t3);
    }
    p = q;
    s0 = f32x4.add(s0, t0); s1 = f32x4.add(s1, t1); s2 = f32x4.add(s2, t2); s3 = f32x4.add(s3, t3);
    // horizontal sums of s0..s3 into one vector (lane r = row r)
    const u0 = f32x4.add(v128.shuffle<f32>(s0, s1, 0, 4, 1, 5), v128.shuffle<f32>(s0, s1, 2, 6, 3, 7));
    const u1 = f32x4.add(v128.shuffle<f32>(s2, s3, 0, 4, 1, 5), v128.shuffle<f32>(s2, s3, 2, 6, 3, 7));
    let r = f32x4.add(v128.shuffle<f32>(u0, u1, 0, 1, 4, 5), v128.shuffle<f32>(u0, u1, 2, 3, 6, 7));
    const yo = y + (<usize>g << 4);
    const n = min(4, N - g * 4);
    if (accumulate) r = f32x4.add(r, n == 4 ? v128.load(yo) : loadPartial(yo, n));
    if (n == 4) v128.store(yo, r);
    else storePartial(yo, r, n);
  }
}
