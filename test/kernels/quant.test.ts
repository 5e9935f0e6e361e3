// The int8 products (quantizeRow, packDotI8, gemmI8): bit-for-bit against a JS model of the same arithmetic
// (integer sums, then the f32 epilogue), so every build (this file runs on simd, relaxed and scalar) gives the
// same bits; the 7-bit activation range that keeps the relaxed dot deterministic; the worst-case products that
// would saturate a 16-bit pair sum if it were not kept; the error bound against float64; NaN rows.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { runtime } from "../../src/init.js";
import { loadModule } from "../../bindings/load.js";
import { Heap } from "../../bindings/memory.js";
import { quantizeRowsInt8, roundHalfEven } from "../../src/quant/int8.js";
import { initForTests } from "../helpers/setup.js";
import { SIZES, Rng, withArena, type Arena } from "../helpers/reference.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await initForTests();

const k = () => runtime().k;
const fr = Math.fround;
const roundK = (K: number) => Math.ceil(K / 16) * 16;

/** The kernel's activation quantization, step by step in f32: returns q (K bytes), s and m. */
function quantizeRowRef(x: ArrayLike<number>): { q: Uint8Array; s: number; m: number } {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < x.length; i++) { lo = Math.min(lo, x[i]); hi = Math.max(hi, x[i]); }
  const range = fr(hi - lo);
  const inv = range > 0 ? fr(127 / range) : range === 0 ? 0 : range;
  const q = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = roundHalfEven(fr(fr(x[i] - lo) * inv));
    q[i] = Number.isNaN(v) ? 127 : Math.max(0, Math.min(127, v));
  }
  return { q, s: fr(range / 127), m: lo };
}

/** C (+)= the int8 product, as the kernel computes it: exact integer sums, then mul, mul, add, mul (, add) in f32. */
function gemmI8Ref(M: number, N: number, K: number, A: Float32Array, wq: Int8Array, ws: Float32Array, C0: Float32Array | null): Float32Array {
  const C = new Float32Array(M * N);
  for (let i = 0; i < M; i++) {
    const { q, s, m } = quantizeRowRef(A.subarray(i * K, (i + 1) * K));
    for (let n = 0; n < N; n++) {
      let dot = 0, sum = 0;
      for (let kk = 0; kk < K; kk++) { dot += wq[n * K + kk] * q[kk]; sum += wq[n * K + kk]; }
      const y = fr(ws[n] * fr(fr(s * fr(dot)) + fr(m * sum)));
      C[i * N + n] = C0 ? fr(C0[i * N + n] + y) : y;
    }
  }
  return C;
}

/** Packs W (int8 rows + scales) and runs gemmI8 on A [M, K] (rows lda apart); C guarded. */
function runGemmI8(ar: Arena, M: number, N: number, K: number, A: Float32Array, lda: number, wq: Int8Array, ws: Float32Array, C0: Float32Array | null): Float32Array {
  const bytes = k().i8PackedBytes(K, N);
  assert.is(bytes, Math.ceil(N / 4) * 4 * (roundK(K) + 8), `i8PackedBytes(${K}, ${N})`);
  const Bq = ar.guarded(Math.ceil(bytes / 4));
  const qp = ar.alloc(Math.ceil(Math.max(wq.length, 1) / 4));
  new Int8Array(ar.heap.memory.buffer, qp, wq.length).set(wq);
  k().packDotI8(qp, K, N, K, ar.put(ws), Bq);
  // A's rows are followed by NaN: a read past K floats of a row would poison its outputs
  const padded = new Float32Array(M * lda + 16).fill(NaN);
  for (let i = 0; i < M; i++) padded.set(A.subarray(i * K, (i + 1) * K), i * lda);
  const C = ar.guarded(M * N, C0 ?? undefined);
  k().gemmI8(M, N, K, ar.put(padded), lda, Bq, C, N, C0 !== null);
  ar.checkGuards(`gemmI8 M=${M} N=${N} K=${K}`);
  return Float32Array.from(ar.read(C, M * N));
}

function assertSameBits(got: Float32Array, want: Float32Array, what: string): void {
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) assert.unreachable(`${what}: element ${i} is ${got[i]}, the reference ${want[i]}`);
  }
}

test("gemmI8 matches the arithmetic it documents bit for bit, at every tail of M, N and K, accumulating or not", () => {
  let seed = 1;
  for (const M of [1, 2, 3, 5]) {
    for (const N of SIZES) {
      for (const K of [1, 3, 15, 16, 17, 33, 64, 65, 320]) {
        withArena((ar) => {
          const rng = new Rng(seed++);
          const w = Float32Array.from(rng.array(N * K, -0.5, 0.5));
          const { q, scales } = quantizeRowsInt8(w, N, K);
          const A = Float32Array.from(rng.array(M * K, -1.5, 1));
          const acc = seed % 2 === 0;
          const C0 = acc ? Float32Array.from(rng.array(M * N)) : null;
          const lda = K + (seed % 3);
          const got = runGemmI8(ar, M, N, K, A, lda, q, scales, C0);
          assertSameBits(got, gemmI8Ref(M, N, K, A, q, scales, C0), `gemmI8 M=${M} N=${N} K=${K} acc=${acc}`);
        });
      }
    }
  }
});

test("gemmI8Groups computes exactly gemmI8's columns of its groups and leaves the others alone (how threads split)", () => {
  withArena((ar) => {
    const rng = new Rng(55), M = 3, N = 37, K = 70;
    const { q, scales } = quantizeRowsInt8(Float32Array.from(rng.array(N * K)), N, K);
    const A = Float32Array.from(rng.array(M * K));
    const whole = runGemmI8(ar, M, N, K, A, K, q, scales, null);
    const Bq = ar.alloc(Math.ceil(k().i8PackedBytes(K, N) / 4)), qp = ar.alloc(Math.ceil(q.length / 4));
    new Int8Array(ar.heap.memory.buffer, qp, q.length).set(q);
    k().packDotI8(qp, K, N, K, ar.put(scales), Bq);
    const Ap = ar.put(A), groups = Math.ceil(N / 4);
    for (const [g0, g1] of [[0, 1], [3, 7], [9, groups], [0, groups], [4, 4]]) {
      const C = ar.guarded(M * N, new Float32Array(M * N).fill(-7));
      k().gemmI8Groups(M, N, K, Ap, K, Bq, C, N, false, g0, g1);
      const got = ar.read(C, M * N);
      for (let i = 0; i < M; i++) {
        for (let n = 0; n < N; n++) {
          const inside = n >= 4 * g0 && n < 4 * g1;
          const want = inside ? whole[i * N + n] : -7;
          if (!Object.is(Math.fround(got[i * N + n]), want)) assert.unreachable(`groups [${g0}, ${g1}) row ${i} col ${n}: ${got[i * N + n]} vs ${want}`);
        }
      }
      ar.checkGuards(`groups [${g0}, ${g1})`);
    }
  });
});

test("quantizeRow keeps every activation byte in [0, 127] (the relaxed dot's deterministic range) and pads with zeros", () => {
  withArena((ar) => {
    const rng = new Rng(7);
    for (const K of [1, 4, 16, 17, 100, 333]) {
      const x = Float32Array.from(rng.array(K, -1e3, 1e3));
      x[0] = -3e38; // extreme values must clamp, not wrap
      const dst = ar.alloc(roundK(K) / 4 + 2);
      k().quantizeRow(ar.put(x), K, dst);
      const bytes = new Uint8Array(ar.heap.memory.buffer, dst, roundK(K));
      const ref = quantizeRowRef(x);
      for (let i = 0; i < roundK(K); i++) {
        assert.ok(bytes[i] <= 127, `K=${K}: byte ${i} is ${bytes[i]}`);
        assert.is(bytes[i], i < K ? ref.q[i] : 0, `K=${K}: byte ${i}`);
      }
      const sm = ar.read(dst + roundK(K), 2);
      assert.is(sm[0], ref.s, `K=${K}: s`);
      assert.is(sm[1], ref.m, `K=${K}: m`);
    }
  });
});

test("worst-case products (weights ±127 against activations 0 and 127) are exact: no 16-bit saturation or sign flip", () => {
  withArena((ar) => {
    const N = 8, K = 64;
    // every row's weights are ±127 in runs of two, so each product pair is ±2·127·127 = ±32258
    const q = Int8Array.from({ length: N * K }, (_, i) => ((i >> 1) + (i >> 6)) % 2 === 0 ? 127 : -127);
    const scales = Float32Array.from({ length: N }, (_, n) => 0.01 * (n + 1));
    // activations alternate between the row's min and max: bytes 0 and 127
    const A = Float32Array.from({ length: 2 * K }, (_, i) => (i % 4 < 2 ? 1 : -1));
    const got = runGemmI8(ar, 2, N, K, A, K, q, scales, null);
    assertSameBits(got, gemmI8Ref(2, N, K, A, q, scales, null), "worst case");
    // and the values themselves, in float64: 127·Σ w over the bytes that are 127, rescaled
    for (let n = 0; n < N; n++) {
      let want = 0;
      for (let kk = 0; kk < K; kk++) want += scales[n] * q[n * K + kk] * A[kk];
      assert.ok(Math.abs(got[n] - want) <= 1e-4 * Math.abs(want) + 1e-5, `row 0 col ${n}: ${got[n]} vs ${want}`);
    }
  });
});

test("gemmI8's error against float64 stays within the quantization bound Σ|ŵ|·s/2 + Σ|x|·s_w/2", () => {
  let seed = 100;
  for (const [M, N, K] of [[1, 1024, 320], [3, 64, 256], [2, 33, 65]]) {
    withArena((ar) => {
      const rng = new Rng(seed++);
      const w = Float32Array.from(rng.array(N * K, -0.3, 0.3));
      const { q, scales } = quantizeRowsInt8(w, N, K);
      const A = Float32Array.from(rng.array(M * K, -1, 1));
      const got = runGemmI8(ar, M, N, K, A, K, q, scales, null);
      let worst = 0;
      for (let i = 0; i < M; i++) {
        const { s } = quantizeRowRef(A.subarray(i * K, (i + 1) * K));
        for (let n = 0; n < N; n++) {
          let exact = 0, bound = 0;
          for (let kk = 0; kk < K; kk++) {
            exact += w[n * K + kk] * A[i * K + kk];
            bound += Math.abs(scales[n] * q[n * K + kk]) * (s / 2) + Math.abs(A[i * K + kk]) * (scales[n] / 2);
          }
          const err = Math.abs(got[i * N + n] - exact);
          assert.ok(err <= bound * 1.001 + 1e-6, `M=${M} N=${N} K=${K} (${i}, ${n}): error ${err} > bound ${bound}`);
          worst = Math.max(worst, err / bound);
        }
      }
      assert.ok(worst > 0.01, "the bound is not vacuous: some error reaches 1% of it");
    });
  }
});

test("a row of A holding NaN or ∞ makes that row's outputs non-finite and leaves the other rows alone", () => {
  withArena((ar) => {
    const N = 9, K = 20, rng = new Rng(3);
    const { q, scales } = quantizeRowsInt8(Float32Array.from(rng.array(N * K)), N, K);
    for (const bad of [NaN, Infinity, -Infinity]) {
      const A = Float32Array.from(rng.array(3 * K));
      A[K + 5] = bad;
      const got = runGemmI8(ar, 3, N, K, A, K, q, scales, null);
      for (let n = 0; n < N; n++) {
        assert.ok(Number.isFinite(got[n]) && Number.isFinite(got[2 * N + n]), `${bad}: rows 0 and 2 stay finite`);
        assert.ok(!Number.isFinite(got[N + n]), `${bad}: row 1 col ${n} is ${got[N + n]}`);
      }
    }
  });
});

test("a constant row quantizes exactly (s = 0, x = m) and a zero weight row gives zero", () => {
  withArena((ar) => {
    const N = 5, K = 18;
    const w = Float32Array.from({ length: N * K }, (_, i) => (i < K ? 0 : ((i * 7) % 11) / 10 - 0.5));
    const { q, scales } = quantizeRowsInt8(w, N, K);
    assert.is(scales[0], 0);
    const A = new Float32Array(K).fill(0.75);
    const got = runGemmI8(ar, 1, N, K, A, K, q, scales, null);
    assert.is(got[0], 0);
    for (let n = 1; n < N; n++) {
      let want = 0;
      for (let kk = 0; kk < K; kk++) want += scales[n] * q[n * K + kk] * 0.75;
      assert.ok(Math.abs(got[n] - want) <= 1e-6 * Math.abs(want) + 1e-7, `col ${n}: ${got[n]} vs ${want}`);
    }
  });
});

// ----------------------------------------------------------------------------------------- scratch ----

// A fresh instance, so the runtime's own scratch (set at init) is never pointed elsewhere
const fresh = (await loadModule({ build: runtime().build })).kernels;
const freshHeap = new Heap(fresh.memory, fresh.heapBase());

test("QUANT_SCRATCH_BYTES holds two quantized rows of QUANT_MAX_K; gemmI8 quantizes A's rows there and only there", () => {
  const maxK = fresh.QUANT_MAX_K.value, bytes = fresh.QUANT_SCRATCH_BYTES.value;
  assert.is(maxK, 8192);
  assert.is(bytes, 2 * (maxK + 16), "two rows of QUANT_MAX_K bytes, each followed by its (s, m)");
  withArena((ar) => {
    const rng = new Rng(77), M = 2, N = 5, K = maxK;
    const scratch = ar.guarded(bytes / 4);
    fresh.setQuantScratch(scratch);
    const { q, scales } = quantizeRowsInt8(Float32Array.from(rng.array(N * K, -0.2, 0.2)), N, K);
    const A = Float32Array.from(rng.array(M * K, -1, 1));
    const Bq = ar.alloc(Math.ceil(fresh.i8PackedBytes(K, N) / 4)), qp = ar.alloc(q.length / 4);
    new Int8Array(freshHeap.memory.buffer, qp, q.length).set(q);
    fresh.packDotI8(qp, K, N, K, ar.put(scales), Bq);
    const C = ar.guarded(M * N);
    fresh.gemmI8(M, N, K, ar.put(A), K, Bq, C, N, false);
    ar.checkGuards("the widest rows fill the scratch exactly");
    assertSameBits(Float32Array.from(ar.read(C, M * N)), gemmI8Ref(M, N, K, A, q, scales, null), "K = QUANT_MAX_K through the scratch");
    // the second row's bytes sit after the first row's QUANT_MAX_K bytes and 16 bytes of (s, m)
    const row1 = new Uint8Array(freshHeap.memory.buffer, scratch + maxK + 16, K);
    assert.equal(Array.from(row1.subarray(0, 64)), Array.from(quantizeRowRef(A.subarray(K, 2 * K)).q.subarray(0, 64)));
  }, freshHeap);
});

test.run();
