// GEMM over packed panels (gemm, gemmPanels) against a float64 matmul, at sizes that hit every SIMD and panel
// tail. Every output buffer is guarded: nothing may be written outside it, nor into C's columns past N.
// The scratch for packing a strided A (setGemmScratch, GEMM_SCRATCH_FLOATS) is tested on a fresh instance of
// the same build, so that moving it leaves the runtime's own alone.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { runtime } from "../../src/init.js";
import { loadModule } from "../../bindings/load.js";
import { Heap } from "../../bindings/memory.js";
import { initForTests } from "../helpers/setup.js";
import {
  SIZES, Rng, matmul, cube, withArena, assertClose, assertSame, type Arena, type MatmulOptions,
} from "../helpers/reference.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await initForTests();

const k = () => runtime().k;

/** A second instance of the build under test, with its own memory and heap. */
const fresh = (await loadModule({ build: runtime().build })).kernels;
const freshHeap = new Heap(fresh.memory, fresh.heapBase());

type BLayout = "T" | "N";
type AMode = "plain" | "trans" | "sub";

interface GemmCase {
  M: number; N: number; K: number;
  /** "T": B = Wᵀ packed by packTransposed from W[N, K]; "N": B = S[K, N] packed by packRows. */
  b: BLayout;
  /** "plain": A[M,K]; "trans": A stored [K,M]; "sub": A a block inside a wider matrix (NaN around it). */
  a: AMode;
  /** Extra floats per row of C beyond N (default 0), and of the packing source (default 0). */
  padC?: number;
  padB?: number;
  accumulate?: boolean;
}

interface Operand { ptr: number; opts: MatmulOptions; data: Float64Array }

/** Packs a random K×N right-hand side, returning the packed pointer and its float64 contents as stored. */
function packedB(ar: Arena, rng: Rng, K: number, N: number, layout: BLayout, pad = 0): Operand {
  const size = k().packedSize(K, N);
  const Bp = ar.guarded(size);
  if (layout === "T") {
    const ld = K + pad, W = rng.array(N * ld);
    k().packTransposed(ar.put(W), ld, N, K, Bp);
    return { ptr: Bp, opts: { transB: true, ldb: ld }, data: W };
  }
  const ld = N + pad, S = rng.array(K * ld);
  k().packRows(ar.put(S), ld, K, N, Bp);
  return { ptr: Bp, opts: { ldb: ld }, data: S };
}

/** A random M×K left-hand side in the given layout, with (rsA, csA) for gemm. */
function operandA(ar: Arena, rng: Rng, M: number, K: number, mode: AMode): Operand & { rs: number; cs: number } {
  if (mode === "plain") {
    const A = rng.array(M * K);
    return { ptr: ar.put(A), rs: K, cs: 1, opts: {}, data: A };
  }
  if (mode === "trans") {
    const A = rng.array(K * M);
    return { ptr: ar.put(A), rs: 1, cs: M, opts: { transA: true }, data: A };
  }
  // rows 1..M, columns 2..K+1 of an (M+2)×(K+5) matrix whose other elements are NaN
  const lda = K + 5, A = new Float64Array((M + 2) * lda).fill(NaN);
  for (let i = 0; i < M; i++) for (let c = 0; c < K; c++) A[(i + 1) * lda + 2 + c] = rng.uniform();
  const off = lda + 2;
  return { ptr: ar.put(A) + off * 4, rs: lda, cs: 1, opts: { lda, offA: off }, data: A };
}

function caseName(c: GemmCase): string {
  return `M=${c.M} N=${c.N} K=${c.K} B=${c.b} A=${c.a} ldc=N+${c.padC ?? 0} acc=${c.accumulate ?? false}`;
}

/** Runs one gemm call and checks C against float64, with columns past N and the guards untouched. */
function checkGemm(c: GemmCase, seed: number): void {
  withArena((ar) => {
    const { M, N, K } = c, rng = new Rng(seed), acc = c.accumulate ?? false;
    const A = operandA(ar, rng, M, K, c.a);
    const B = packedB(ar, rng, K, N, c.b, c.padB);
    const ldc = N + (c.padC ?? 0), C0 = rng.array(M * ldc), C = ar.guarded(M * ldc, C0);
    k().gemm(M, N, K, A.ptr, A.rs, A.cs, B.ptr, C, ldc, acc);

    const ref = matmul(M, N, K, A.data, B.data, { ...A.opts, ...B.opts });
    const got = ar.read(C, M * ldc), want = new Float64Array(M * N), block = new Float64Array(M * N);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < ldc; j++) {
        if (j >= N) {
          if (!Object.is(got[i * ldc + j], C0[i * ldc + j])) assert.unreachable(`${caseName(c)}: wrote C[${i}, ${j}] past N`);
          continue;
        }
        block[i * N + j] = got[i * ldc + j];
        want[i * N + j] = ref[i * N + j] + (acc ? C0[i * ldc + j] : 0);
      }
    }
    assertClose(block, want, caseName(c));
    ar.checkGuards(caseName(c));
  });
}

// -------------------------------------------------------------------------------------------- gemm ----

test("gemm: A plain, B = Wᵀ by packTransposed, every M, N, K in the tail sizes", () => {
  let seed = 1;
  for (const s of cube(SIZES, SIZES, SIZES)) checkGemm({ ...s, b: "T", a: "plain" }, seed++);
});

test("gemm: A transposed (rsA = 1, csA = M), B = S[K,N] by packRows, every M, N, K", () => {
  let seed = 1000;
  for (const s of cube(SIZES, SIZES, SIZES)) checkGemm({ ...s, b: "N", a: "trans" }, seed++);
});

test("gemm: A a sub-block (lda > K, NaN around it), ldc > N, strided packing sources, accumulate on and off", () => {
  let seed = 2000;
  for (const s of cube(SIZES, [1, 5, 17, 65], [1, 3, 33, 64])) {
    for (const accumulate of [false, true]) {
      checkGemm({ ...s, b: "T", a: "sub", padC: 3, padB: 2, accumulate }, seed++);
      checkGemm({ ...s, b: "N", a: "sub", padC: 8, padB: 5, accumulate }, seed++);
    }
  }
});

test("gemm: K > 256 (K blocking) and M > 64 (M blocking), with and without accumulation", () => {
  let seed = 3000;
  const cases = [...cube(SIZES, [5, 17, 65], [300]), ...cube([70, 131], [3, 33, 65], [1, 17, 300])];
  for (const s of cases) {
    for (const accumulate of [false, true]) {
      checkGemm({ ...s, b: "T", a: "plain", padC: 1, accumulate }, seed++);
      checkGemm({ ...s, b: "N", a: "trans", accumulate }, seed++);
    }
  }
  checkGemm({ M: 70, N: 33, K: 513, b: "N", a: "sub", padC: 2, accumulate: true }, seed++);
});

test("gemm: M = 1 (the single-row path) with a strided row (csA > 1) and NaN between its elements", () => {
  let seed = 4000;
  for (const { N, K } of cube([1], [...SIZES, 96, 97], [...SIZES, 300])) {
    for (const accumulate of [false, true]) {
      withArena((ar) => {
        const rng = new Rng(seed++), cs = 7;
        // x(k) = X[k·7 + 2] inside a [K, 7] matrix that is NaN elsewhere (gemm takes rsA = 1, csA = 7)
        const X = new Float64Array(K * cs).fill(NaN);
        for (let kk = 0; kk < K; kk++) X[kk * cs + 2] = rng.uniform();
        const B = packedB(ar, rng, K, N, accumulate ? "N" : "T");
        const y0 = rng.array(N), y = ar.guarded(N, y0);
        k().gemm(1, N, K, ar.put(X) + 8, 1, cs, B.ptr, y, N, accumulate);
        const ref = matmul(1, N, K, X, B.data, { transA: true, lda: cs, offA: 2, ...B.opts });
        if (accumulate) for (let j = 0; j < N; j++) ref[j] += y0[j];
        assertClose(ar.read(y, N), ref, `M=1 N=${N} K=${K} acc=${accumulate}`);
        ar.checkGuards(`M=1 N=${N} K=${K}`);
      });
    }
  }
});

test("gemm: K = 0 zeroes C without accumulation and leaves it alone with accumulation", () => {
  for (const { M, N } of cube([1, 3, 65], SIZES, [0])) {
    withArena((ar) => {
      const rng = new Rng(M * 100 + N), ldc = N + 3, C0 = rng.array(M * ldc);
      const A = ar.put(rng.array(M)), Bp = ar.alloc(1);
      const C = ar.guarded(M * ldc, C0);
      k().gemm(M, N, 0, A, 0, 1, Bp, C, ldc, true);
      assertSame(ar.read(C, M * ldc), C0, `K=0 accumulate M=${M} N=${N}`);
      k().gemm(M, N, 0, A, 0, 1, Bp, C, ldc, false);
      const want = C0.map((v, i) => (i % ldc < N ? 0 : v));
      assertSame(ar.read(C, M * ldc), want, `K=0 M=${M} N=${N}`);
      ar.checkGuards(`K=0 M=${M} N=${N}`);
    });
  }
});

test("gemmPanels: two column-panel ranges [0, s) and [s, P) give the product of one call", () => {
  let seed = 5000;
  for (const { M, N, K } of cube([1, 3, 17], [17, 33, 64, 65], [5, 33])) {
    const P = Math.ceil(N / 8);
    for (let s = 0; s <= P; s++) {
      withArena((ar) => {
        const rng = new Rng(seed++);
        const A = operandA(ar, rng, M, K, "plain");
        const B = packedB(ar, rng, K, N, "T");
        const C0 = rng.array(M * N), whole = ar.guarded(M * N, C0), split = ar.guarded(M * N, C0);
        const what = `M=${M} N=${N} K=${K} split at panel ${s}`;
        k().gemm(M, N, K, A.ptr, A.rs, A.cs, B.ptr, whole, N, false);
        k().gemmPanels(M, N, K, A.ptr, A.rs, A.cs, B.ptr, split, N, false, 0, s);
        // only the columns of panels [0, s) may have changed
        const half = ar.read(split, M * N);
        for (let i = 0; i < M * N; i++) {
          if (i % N >= 8 * s && !Object.is(half[i], C0[i])) assert.unreachable(`${what}: column ${i % N} written early`);
        }
        k().gemmPanels(M, N, K, A.ptr, A.rs, A.cs, B.ptr, split, N, false, s, P);
        k().gemmPanels(M, N, K, A.ptr, A.rs, A.cs, B.ptr, split, N, false, s, s); // empty range: no-op
        const got = ar.read(split, M * N);
        assertClose(got, matmul(M, N, K, A.data, B.data, B.opts), what);
        // rows > 1 run the same micro-kernel per panel either way; M = 1 regroups panels, so only closeness
        if (M > 1) assertSame(got, ar.read(whole, M * N), `${what}: same bits as one call`);
        ar.checkGuards(what);
      });
    }
  }
});

// ----------------------------------------------------------------------------------------- scratch ----

/** gemm.ts blocks M by 64 rows and K by 256: one packed block of A. */
const MC = 64, KC = 256;

test("GEMM_SCRATCH_FLOATS is one packed block of A: a transposed 64 × 256 A fills exactly that scratch, in 4-row panels", () => {
  const floats = fresh.GEMM_SCRATCH_FLOATS.value;
  assert.is(floats, MC * KC, "GEMM_SCRATCH_FLOATS");
  withArena((ar) => {
    const rng = new Rng(9100), M = MC, K = KC, N = 9;
    const scratch = ar.guarded(floats);
    fresh.setGemmScratch(scratch);
    const A = rng.array(K * M), W = rng.array(N * K); // A stored [K, M]: rsA = 1, csA = M
    const Bp = ar.alloc(fresh.packedSize(K, N)), C = ar.guarded(M * N);
    fresh.packTransposed(ar.put(W), K, N, K, Bp);
    fresh.gemm(M, N, K, ar.put(A), 1, M, Bp, C, N, false);
    assertClose(ar.read(C, M * N), matmul(M, N, K, A, W, { transA: true, transB: true }), "C = A·Wᵀ through the scratch");
    ar.checkGuards("scratch of GEMM_SCRATCH_FLOATS floats");
    const want = new Float64Array(floats);
    // the scalar build multiplies in place and never packs
    if (runtime().build !== "scalar") {
      for (let i = 0; i < M; i++) for (let kk = 0; kk < K; kk++) want[(Math.floor(i / 4) * K + kk) * 4 + (i % 4)] = A[kk * M + i];
    }
    assertSame(ar.read(scratch, floats), want, `scratch after one ${M} × ${K} block (${runtime().build} build)`);
    fresh.setGemmScratch(0);
  }, freshHeap);
});

test("setGemmScratch: A packed through the scratch gives the bits of A read in place (scratch 0), which writes nothing at address 0", () => {
  const floats = fresh.GEMM_SCRATCH_FLOATS.value, staticBytes = fresh.heapBase();
  let seed = 9200;
  // transposed A (rsA = 1, csA = M: the vector packing) and both strides > 1 (the element-wise packing)
  const layouts = [{ rs: 1, cs: (M: number) => M }, { rs: 2, cs: (M: number) => 2 * M + 3 }];
  for (const { M, N, K } of cube([2, 5, 17, 70], [3, 17, 65], [1, 33, 300])) {
    for (const { rs, cs } of layouts) {
      withArena((ar) => {
        const rng = new Rng(seed++), csA = cs(M), what = `M=${M} N=${N} K=${K} rsA=${rs} csA=${csA}`;
        const X = rng.array((M - 1) * rs + (K - 1) * csA + 1), W = rng.array(N * K);
        const Bp = ar.alloc(fresh.packedSize(K, N)), C1 = ar.guarded(M * N), C2 = ar.guarded(M * N);
        fresh.packTransposed(ar.put(W), K, N, K, Bp);
        const A = ar.put(X), scratch = ar.guarded(floats);
        fresh.setGemmScratch(scratch);
        fresh.gemm(M, N, K, A, rs, csA, Bp, C1, N, false);
        const before = new Uint8Array(fresh.memory.buffer, 0, staticBytes).slice();
        fresh.setGemmScratch(0);
        fresh.gemm(M, N, K, A, rs, csA, Bp, C2, N, false);
        assertSame(new Uint8Array(fresh.memory.buffer, 0, staticBytes), before, `${what}: static data after scratch 0`);
        const A64 = Float64Array.from({ length: M * K }, (_, j) => X[Math.floor(j / K) * rs + (j % K) * csA]);
        assertClose(ar.read(C1, M * N), matmul(M, N, K, A64, W, { transB: true }), `${what}: through the scratch`);
        assertSame(ar.read(C2, M * N), ar.read(C1, M * N), `${what}: in place vs packed`);
        ar.checkGuards(what);
      }, freshHeap);
    }
  }
});

test.run();
