// Int8 products for quantized inference:  C[M,N] (+)= A[M,K] · B[K,N]  with B = Wᵀ held as int8.
//
// Weights: per output row n of W, symmetric int8 q_w ∈ [-127, 127] with an f32 scale s_w[n] (W ≈ s_w·q_w).
// Activations: each row of A is quantized on the fly, asymmetrically to 7 bits: a ≈ m + s·q_a, q_a ∈ [0, 127]
// (m = the row's min, s = range/127), as PyTorch's x86 dynamic quantization does (reduce_range).
//   C[i,n] = s_w[n] · (s_i · Σ_k q_w[n,k]·q_a[i,k] + m_i · Σ_k q_w[n,k])
// The integer sum is exact in every build, and 7-bit activations are what make the relaxed build's
// i32x4.relaxed_dot_i8x16_i7x16_add_s deterministic: its second operand is read as signed or unsigned
// depending on the CPU, which only agree while the top bit is clear, and a pair of products (≤ 2·127·127)
// cannot saturate x86's 16-bit intermediate. The plain SIMD build widens to i16 and uses i32x4.dot_i16x8_s;
// the scalar build multiplies one by one. The epilogue is the same f32 sequence (mul, mul, add, mul, add)
// everywhere, so all three builds give the same bits.
//
// Packed layout (the f32 GEMV's "dot-packed" idea in bytes): rows of W four at a time, K in chunks of 16;
// chunk c of group g holds row r's 16 bytes at 16r, 64 bytes per chunk. After the Np·Kp bytes: Σ_k q_w[n,k]
// as f32 [Np] (exact: |Σ| ≤ 127·K < 2^24), then s_w [Np]. Padding rows and k are zero.

const KCHUNK: i32 = 16;

/** The widest K a row of A may have: the scratch holds two quantized rows. */
export const QUANT_MAX_K: i32 = 8192;
/** Bytes of scratch the host must give setQuantScratch(): two rows of QUANT_MAX_K bytes and their (s, m). */
export const QUANT_SCRATCH_BYTES: i32 = 2 * (QUANT_MAX_K + 16);

// Where the rows of A are quantized (per instance: each worker thread sets its own).
let scratch: usize = 0;

/** Gives the int8 products a scratch region of QUANT_SCRATCH_BYTES bytes. */
export function setQuantScratch(ptr: usize): void {
  scratch = ptr;
}

// @ts-ignore: decorator
@inline function roundK(K: i32): i32 {
  return (K + KCHUNK - 1) & ~(KCHUNK - 1);
}

/** Bytes of an int8-packed K×N operand (q, row sums, scales). */
export function i8PackedBytes(K: i32, N: i32): i32 {
  const Np = (N + 3) & ~3;
  return Np * roundK(K) + 8 * Np;
}

/**
 * Packs int8 weights W[N, K] (row n at q + n·ldq bytes) with their scales [N] as B = Wᵀ for gemmI8, and
 * writes the row sums the asymmetric activations need.
 */
export function packDotI8(q: usize, ldq: i32, N: i32, K: i32, scales: usize, dst: usize): void {
  const Kp = roundK(K), Np = (N + 3) & ~3;
  memory.fill(dst, 0, <usize>i8PackedBytes(K, N));
  const sums = dst + <usize>Np * <usize>Kp, sw = sums + (<usize>Np << 2);
  for (let n = 0; n < N; n++) {
    const g = n >> 2, r = n & 3;
    const base = dst + <usize>g * <usize>Kp * 4 + (<usize>r << 4);
    const src = q + <usize>n * <usize>ldq;
    let sum: i32 = 0;
    for (let k = 0; k < K; k++) {
      const v = load<i8>(src + <usize>k);
      store<i8>(base + (<usize>(k >> 4) << 6) + <usize>(k & 15), v);
      sum += <i32>v;
    }
    store<f32>(sums + (<usize>n << 2), <f32>sum);
    store<f32>(sw + (<usize>n << 2), load<f32>(scales + (<usize>n << 2)));
  }
}

/**
 * Quantizes K floats at x to Kp bytes at dst (zero-padded) and stores (s, m) at dst + Kp: q = nearest((x − m)·
 * (127 / (max − min))) clamped to [0, 127]. A constant row has s = 0 and q = 0 (x = m exactly).
 */
export function quantizeRow(x: usize, K: i32, dst: usize): void {
  const Kp = roundK(K);
  let lo: f32 = Infinity, hi: f32 = -Infinity;
  let k = 0;
  if (ASC_FEATURE_SIMD && K >= 4) {
    let vlo = f32x4.splat(Infinity), vhi = f32x4.splat(-Infinity);
    for (; k + 4 <= K; k += 4) {
      const v = v128.load(x + (<usize>k << 2));
      vlo = f32x4.min(v, vlo); vhi = f32x4.max(v, vhi); // NaN-propagating, as min/max below
    }
    lo = min(min(f32x4.extract_lane(vlo, 0), f32x4.extract_lane(vlo, 1)), min(f32x4.extract_lane(vlo, 2), f32x4.extract_lane(vlo, 3)));
    hi = max(max(f32x4.extract_lane(vhi, 0), f32x4.extract_lane(vhi, 1)), max(f32x4.extract_lane(vhi, 2), f32x4.extract_lane(vhi, 3)));
  }
  for (; k < K; k++) {
    const v = load<f32>(x + (<usize>k << 2));
    lo = min(lo, v); hi = max(hi, v);
  }
  const range = hi - lo;
  // NaN or ±∞ anywhere: s becomes NaN and so does every output of the row, as in the f32 product
  const inv: f32 = range > 0 ? <f32>127 / range : range == 0 ? 0 : range;
  store<f32>(dst + <usize>Kp, range / 127);
  store<f32>(dst + <usize>Kp + 4, lo);
  k = 0;
  if (ASC_FEATURE_SIMD) {
    const vm = f32x4.splat(lo), vi = f32x4.splat(inv), top = f32x4.splat(127), zero = f32x4.splat(0);
    for (; k + 16 <= K; k += 16) {
      const p = x + (<usize>k << 2);
      const q0 = i32x4.trunc_sat_f32x4_s(f32x4.pmax(zero, f32x4.pmin(top, f32x4.nearest(f32x4.mul(f32x4.sub(v128.load(p), vm), vi)))));
      const q1 = i32x4.trunc_sat_f32x4_s(f32x4.pmax(zero, f32x4.pmin(top, f32x4.nearest(f32x4.mul(f32x4.sub(v128.load(p, 16), vm), vi)))));
      const q2 = i32x4.trunc_sat_f32x4_s(f32x4.pmax(zero, f32x4.pmin(top, f32x4.nearest(f32x4.mul(f32x4.sub(v128.load(p, 32), vm), vi)))));
      const q3 = i32x4.trunc_sat_f32x4_s(f32x4.pmax(zero, f32x4.pmin(top, f32x4.nearest(f32x4.mul(f32x4.sub(v128.load(p, 48), vm), vi)))));
      v128.store(dst + <usize>k, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(q0, q1), i16x8.narrow_i32x4_s(q2, q3)));
    }
  }
  for (; k < K; k++) {
    const v = nearest<f32>((load<f32>(x + (<usize>k << 2)) - lo) * inv);
    // the same clamp as pmin/pmax above (a NaN becomes 127; its row's s is NaN anyway)
    const c: f32 = v < 127 ? v : 127;
    store<u8>(dst + <usize>k, <u8>(<i32>(<f32>0 < c ? c : <f32>0)));
  }
  for (; k < Kp; k++) store<u8>(dst + <usize>k, 0);
}

/**
 * The four dot products of group g's rows (at p, `chunks` chunks of 64 bytes) with one quantized row of A (qa),
 * lane r = row r. Each row of A sweeps the group on its own: the group's 4·Kp bytes stay in L1 for the next
 * row, and one row's accumulators leave V8 enough registers.
 */
// @ts-ignore: decorator
@inline function dotGroup(p: usize, qa: usize, chunks: i32): v128 {
  let a0 = i32x4.splat(0), a1 = i32x4.splat(0), a2 = i32x4.splat(0), a3 = i32x4.splat(0);
  for (let c = 0; c < chunks; c++) {
    const x = v128.load(qa + (<usize>c << 4)), w = p + (<usize>c << 6);
    if (ASC_FEATURE_RELAXED_SIMD) {
      // i16x8.relaxed_dot_i8x16_i7x16_s, then pairwise to i32: what x86 runs for the fused _add_s form anyway
      // (pmaddubsw, pmaddwd, paddd), and Node 20's baseline compiler (Liftoff) miscompiles the fused form
      // (wrong sums until the optimizing tier takes over; measured here).
      a0 = i32x4.add(a0, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(w), x)));
      a1 = i32x4.add(a1, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(w, 16), x)));
      a2 = i32x4.add(a2, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(w, 32), x)));
      a3 = i32x4.add(a3, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(v128.load(w, 48), x)));
    } else {
      // load8x8_s widens 8 weights to i16 as it loads (one pmovsxbw on x86); pmaddwd sums the pairs
      const xl = i16x8.extend_low_i8x16_u(x), xh = i16x8.extend_high_i8x16_u(x);
      a0 = i32x4.add(i32x4.add(a0, i32x4.dot_i16x8_s(v128.load8x8_s(w), xl)), i32x4.dot_i16x8_s(v128.load8x8_s(w, 8), xh));
      a1 = i32x4.add(i32x4.add(a1, i32x4.dot_i16x8_s(v128.load8x8_s(w, 16), xl)), i32x4.dot_i16x8_s(v128.load8x8_s(w, 24), xh));
      a2 = i32x4.add(i32x4.add(a2, i32x4.dot_i16x8_s(v128.load8x8_s(w, 32), xl)), i32x4.dot_i16x8_s(v128.load8x8_s(w, 40), xh));
      a3 = i32x4.add(i32x4.add(a3, i32x4.dot_i16x8_s(v128.load8x8_s(w, 48), xl)), i32x4.dot_i16x8_s(v128.load8x8_s(w, 56), xh));
    }
  }
  return hsum(a0, a1, a2, a3);
}

/** Columns of groups [g0, g1) of C's rows i0 (and i0 + 1 when two) (+)= the int8 product, A's rows quantized at qa0 / qa1. */
function rowsI8(N: i32, Kp: i32, qa0: usize, qa1: usize, two: bool, Bq: usize, c0: usize, c1: usize, accumulate: bool, g0: i32, g1: i32): void {
  const Np = (N + 3) & ~3;
  const sums = Bq + <usize>Np * <usize>Kp, sw = sums + (<usize>Np << 2);
  const s0 = load<f32>(qa0 + <usize>Kp), m0 = load<f32>(qa0 + <usize>Kp + 4);
  const s1 = two ? load<f32>(qa1 + <usize>Kp) : 0, m1 = two ? load<f32>(qa1 + <usize>Kp + 4) : 0;
  const chunks = Kp >> 4;
  let p = Bq + <usize>g0 * (<usize>chunks << 6);
  for (let g = g0; g < g1; g++) {
    const n = min(4, N - g * 4);
    const off = <usize>g << 4;
    if (ASC_FEATURE_SIMD) {
      const ws = v128.load(sums + off), wsc = v128.load(sw + off);
      epilogue(dotGroup(p, qa0, chunks), s0, m0, ws, wsc, c0 + off, n, accumulate);
      if (two) epilogue(dotGroup(p, qa1, chunks), s1, m1, ws, wsc, c1 + off, n, accumulate);
    } else {
      for (let r = 0; r < n; r++) {
        let d0: i32 = 0, d1: i32 = 0;
        const w = p + (<usize>r << 4);
        for (let c = 0; c < chunks; c++) {
          for (let k = 0; k < 16; k++) {
            const wv = <i32>load<i8>(w + (<usize>c << 6) + <usize>k);
            d0 += wv * <i32>load<u8>(qa0 + (<usize>c << 4) + <usize>k);
            if (two) d1 += wv * <i32>load<u8>(qa1 + (<usize>c << 4) + <usize>k);
          }
        }
        const o = off + (<usize>r << 2);
        const ws = load<f32>(sums + o), wsc = load<f32>(sw + o);
        store<f32>(c0 + o, scalarOut(d0, s0, m0, ws, wsc, c0 + o, accumulate));
        if (two) store<f32>(c1 + o, scalarOut(d1, s1, m1, ws, wsc, c1 + o, accumulate));
      }
    }
    p += <usize>chunks << 6;
  }
}

/** Lane r of the result = the sum of the four lanes of a_r. */
// @ts-ignore: decorator
@inline function hsum(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const u0 = i32x4.add(v128.shuffle<i32>(a0, a1, 0, 4, 1, 5), v128.shuffle<i32>(a0, a1, 2, 6, 3, 7));
  const u1 = i32x4.add(v128.shuffle<i32>(a2, a3, 0, 4, 1, 5), v128.shuffle<i32>(a2, a3, 2, 6, 3, 7));
  return i32x4.add(v128.shuffle<i32>(u0, u1, 0, 1, 4, 5), v128.shuffle<i32>(u0, u1, 2, 3, 6, 7));
}

// @ts-ignore: decorator
@inline function epilogue(dot: v128, s: f32, m: f32, ws: v128, wsc: v128, c: usize, n: i32, accumulate: bool): void {
  const t = f32x4.add(f32x4.mul(f32x4.splat(s), f32x4.convert_i32x4_s(dot)), f32x4.mul(f32x4.splat(m), ws));
  let y = f32x4.mul(wsc, t);
  if (n == 4) {
    if (accumulate) y = f32x4.add(v128.load(c), y);
    v128.store(c, y);
  } else {
    for (let r = 0; r < n; r++) {
      // lane indices must be constants
      const v = r == 0 ? f32x4.extract_lane(y, 0) : r == 1 ? f32x4.extract_lane(y, 1) : f32x4.extract_lane(y, 2);
      const at = c + (<usize>r << 2);
      store<f32>(at, accumulate ? load<f32>(at) + v : v);
    }
  }
}

// @ts-ignore: decorator
@inline function scalarOut(dot: i32, s: f32, m: f32, ws: f32, wsc: f32, c: usize, accumulate: bool): f32 {
  const y = wsc * (s * <f32>dot + m * ws);
  return accumulate ? load<f32>(c) + y : y;
}

/**
 * C[M, N] (+)= A[M, K]·B for an int8-packed B (packDotI8): A row-major with `lda` floats per row (K ≤
 * QUANT_MAX_K), C row-major with `ldc`. Rows are quantized two at a time; each sweeps a group of weights in turn.
 */
export function gemmI8(M: i32, N: i32, K: i32, A: usize, lda: i32, Bq: usize, C: usize, ldc: i32, accumulate: bool): void {
  gemmI8Groups(M, N, K, A, lda, Bq, C, ldc, accumulate, 0, (N + 3) >> 2);
}

/**
 * gemmI8 for the columns of groups [g0, g1) only (group g: columns 4g … 4g + 3): how threads split a product,
 * each quantizing A's rows into its own scratch. Each column is computed as by gemmI8, so the bits are the same.
 */
export function gemmI8Groups(M: i32, N: i32, K: i32, A: usize, lda: i32, Bq: usize, C: usize, ldc: i32, accumulate: bool, g0: i32, g1: i32): void {
  const Kp = roundK(K);
  const qa0 = scratch, qa1 = scratch + <usize>QUANT_MAX_K + 16;
  for (let i = 0; i < M; i += 2) {
    const two = i + 1 < M;
    quantizeRow(A + ((<usize>i * <usize>lda) << 2), K, qa0);
    if (two) quantizeRow(A + ((<usize>(i + 1) * <usize>lda) << 2), K, qa1);
    rowsI8(N, Kp, qa0, qa1, two, Bq, C + ((<usize>i * <usize>ldc) << 2), C + ((<usize>(i + 1) * <usize>ldc) << 2), accumulate, g0, g1);
  }
}
