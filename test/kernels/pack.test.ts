// Packing the right-hand side of the GEMM (packedSize, packTransposed, packRows): 8-column panels, K rows each,
// zero past N, whichever layout the source has.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { runtime } from "../../src/init.js";
import { initForTests } from "../helpers/setup.js";
import { SIZES, Rng, cube, withArena, assertSame } from "../helpers/reference.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await initForTests();

const k = () => runtime().k;

test("packedSize counts floats: N rounded up to 8, times K", () => {
  for (const K of [0, ...SIZES, 300]) {
    for (const N of SIZES) assert.is(k().packedSize(K, N), Math.ceil(N / 8) * 8 * K, `packedSize(${K}, ${N})`);
  }
});

test("packTransposed and packRows lay out 8-column panels, zero-padded past N", () => {
  withArena((ar) => {
    const rng = new Rng(7);
    for (const { N, K } of cube([0], SIZES, [1, 5, 17])) {
      const W = rng.array(N * K);
      const Bt = ar.guarded(k().packedSize(K, N)), Bn = ar.guarded(k().packedSize(K, N));
      k().packTransposed(ar.put(W), K, N, K, Bt);
      // S = Wᵀ as a row-major K×N matrix packs to the same panels
      const S = new Float64Array(K * N);
      for (let n = 0; n < N; n++) for (let kk = 0; kk < K; kk++) S[kk * N + n] = W[n * K + kk];
      k().packRows(ar.put(S), N, K, N, Bn);
      const want = new Float64Array(k().packedSize(K, N));
      for (let n = 0; n < N; n++) {
        for (let kk = 0; kk < K; kk++) want[(Math.floor(n / 8) * K + kk) * 8 + (n % 8)] = W[n * K + kk];
      }
      assertSame(ar.read(Bt, want.length), want, `packTransposed N=${N} K=${K}`);
      assertSame(ar.read(Bn, want.length), want, `packRows N=${N} K=${K}`);
      ar.checkGuards(`packing N=${N} K=${K}`);
    }
  });
});

test.run();
