// The batch-1 GEMV over dot-packed weights (gemv, packDot, dotPackedSize) against a float64 matmul, at sizes that
// hit every SIMD tail, with NaN after x and guarded outputs.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { runtime } from "../../src/init.js";
import { initForTests } from "../helpers/setup.js";
import { SIZES, Rng, matmul, cube, withArena, assertClose, type MatmulOptions } from "../helpers/reference.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await initForTests();

const k = () => runtime().k;

/** "T": B = Wᵀ from W[N, K]; "N": B = S[K, N] as it stands. */
type BLayout = "T" | "N";

test("dotPackedSize counts floats: N rounded up to 4, K to 8", () => {
  for (const K of [0, ...SIZES, 300]) {
    for (const N of SIZES) {
      assert.is(k().dotPackedSize(K, N), Math.ceil(N / 4) * 4 * Math.ceil(K / 8) * 8, `dotPackedSize(${K}, ${N})`);
    }
  }
});

/** packDot source: "T" = W[N, K] (ldn, ldk) = (ld, 1), B = Wᵀ; "N" = S[K, N] (ldn, ldk) = (1, ld), B = S. */
function checkGemv(N: number, K: number, layout: BLayout, pad: number, accumulate: boolean, seed: number): void {
  withArena((ar) => {
    const rng = new Rng(seed), what = `gemv N=${N} K=${K} ${layout} pad=${pad} acc=${accumulate}`;
    const Bd = ar.guarded(k().dotPackedSize(K, N));
    let src: Float64Array, opts: MatmulOptions;
    if (layout === "T") {
      const ld = K + pad;
      src = rng.array(N * ld);
      k().packDot(ar.put(src), ld, 1, N, K, Bd);
      opts = { transB: true, ldb: ld };
    } else {
      const ld = N + pad;
      src = rng.array(K * ld);
      k().packDot(ar.put(src), 1, ld, N, K, Bd);
      opts = { ldb: ld };
    }
    // x is followed by NaN: a read past K floats that reached the result would show
    const x = rng.array(K), xBuf = ar.put([...x, ...new Array(16).fill(NaN)]);
    const y0 = rng.array(N), y = ar.guarded(N, y0);
    k().gemv(N, K, xBuf, Bd, y, accumulate);
    const ref = matmul(1, N, K, x, src, opts);
    if (accumulate) for (let j = 0; j < N; j++) ref[j] += y0[j];
    assertClose(ar.read(y, N), ref, what);
    ar.checkGuards(what);
  });
}

test("gemv over packDot (ldn, ldk) = (K, 1), B(k,n) = W[n·K + k]: every N, K, NaN after x", () => {
  let seed = 6000;
  for (const { N, K } of cube([0], SIZES, [...SIZES, 8, 16, 300])) {
    for (const accumulate of [false, true]) checkGemv(N, K, "T", 0, accumulate, seed++);
  }
});

test("gemv over packDot (ldn, ldk) = (1, N), B(k,n) = S[k·N + n]: every N, K, NaN after x", () => {
  let seed = 7000;
  for (const { N, K } of cube([0], SIZES, [...SIZES, 8, 16, 300])) {
    for (const accumulate of [false, true]) checkGemv(N, K, "N", 0, accumulate, seed++);
  }
});

test("gemv over packDot from strided sources (ld > K, ld > N)", () => {
  let seed = 8000;
  for (const { N, K } of cube([0], [3, 17, 65], [5, 33, 64])) {
    checkGemv(N, K, "T", 3, true, seed++);
    checkGemv(N, K, "N", 5, false, seed++);
  }
});

test("gemv agrees with gemm at M = 1 on the same weights", () => {
  withArena((ar) => {
    const rng = new Rng(9000), N = 65, K = 33;
    const W = ar.put(rng.array(N * K)), x = ar.put(rng.array(K));
    const Bp = ar.alloc(k().packedSize(K, N)), Bd = ar.alloc(k().dotPackedSize(K, N));
    k().packTransposed(W, K, N, K, Bp);
    k().packDot(W, K, 1, N, K, Bd);
    const y1 = ar.alloc(N), y2 = ar.alloc(N);
    k().gemm(1, N, K, x, K, 1, Bp, y1, N, false);
    k().gemv(N, K, x, Bd, y2, false);
    assertClose(ar.read(y2, N), ar.read(y1, N), "gemv vs gemm", 1e-5, 1e-5);
  });
});

test.run();
