// Products with a one-hot operand (onehot.ts): gatherPackedRows (C (+)= onehot(ids)·B) and oneHotWeightGrad
// (dW = dGᵀ·onehot(ids)) must give the GEMM's results on the same operands bit for bit (the layers use them in
// place of the GEMM without changing a bit), at sizes that hit the panel tails and the GEMM's K blocks (n past
// 256 and 512 rows).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { runtime } from "../../src/init.js";
import { initForTests } from "../helpers/setup.js";
import { Rng, withArena, assertSame } from "../helpers/reference.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await initForTests();

const k = () => runtime().k;

/** n ids in [0, V), with repeats. */
const idsOf = (rng: Rng, n: number, V: number) => Array.from({ length: n }, () => rng.int(V));

/** The one-hot rows of ids: [n, V]. */
function oneHot(ids: number[], V: number): Float64Array {
  const x = new Float64Array(ids.length * V);
  ids.forEach((id, r) => { x[r * V + id] = 1; });
  return x;
}

test("gatherPackedRows: C (+)= onehot(ids)·B, the GEMM's bits, every panel tail", () => {
  let seed = 1;
  for (const K of [1, 7, 28, 300]) {
    for (const N of [1, 5, 8, 13, 64, 67]) {
      for (const accumulate of [false, true]) {
        withArena((ar) => {
          const rng = new Rng(seed++), what = `gatherPackedRows K=${K} N=${N} accumulate=${accumulate}`;
          const n = 19, ldc = N + 3;
          const W = rng.array(K * N), Bp = ar.alloc(k().packedSize(K, N));
          k().packRows(ar.put(W), N, K, N, Bp);
          const ids = idsOf(rng, n, K), c0 = rng.array(n * ldc);
          const got = ar.guarded(n * ldc, c0), want = ar.guarded(n * ldc, c0);
          k().gatherPackedRows(Bp, K, N, ar.putI32(ids), n, got, ldc, accumulate);
          k().gemm(n, N, K, ar.put(oneHot(ids, K)), K, 1, Bp, want, ldc, accumulate);
          assertSame(ar.read(got, n * ldc), ar.read(want, n * ldc), what);
          ar.checkGuards(what);
        });
      }
    }
  }
});

test("oneHotWeightGrad: out [G, V] = dGᵀ·onehot(ids), the GEMM's bits (its K blocks included)", () => {
  let seed = 100;
  for (const [n, G, V] of [[1, 4, 3], [35, 17, 5], [300, 64, 28], [600, 33, 7], [1120, 12, 28]]) {
    withArena((ar) => {
      const rng = new Rng(seed++), what = `oneHotWeightGrad n=${n} G=${G} V=${V}`;
      const ldg = G + 2, dG = rng.array(n * ldg), ids = idsOf(rng, n, V);
      const dGp = ar.put(dG), got = ar.guarded(G * V, rng.array(G * V)), want = ar.guarded(G * V);
      const scratch = ar.guarded(V * G);
      k().oneHotWeightGrad(dGp, ldg, ar.putI32(ids), n, G, V, got, scratch);
      const Xp = ar.alloc(k().packedSize(n, V));
      k().packRows(ar.put(oneHot(ids, V)), V, n, V, Xp);
      k().gemm(G, V, n, dGp, 1, ldg, Xp, want, V, false); // A = dGᵀ read through strides, as the layers call it
      assertSame(ar.read(got, G * V), ar.read(want, G * V), what);
      ar.checkGuards(what);
    });
  }
});

test("oneHotWeightGrad: ids never seen give 0, and no rows give all zeros", () => {
  withArena((ar) => {
    const G = 6, V = 5, n = 4, dG = new Rng(7).array(n * G);
    const out = ar.guarded(G * V, new Array(G * V).fill(9)), scratch = ar.guarded(V * G);
    k().oneHotWeightGrad(ar.put(dG), G, ar.putI32([1, 3, 1, 3]), n, G, V, out, scratch);
    const got = ar.read(out, G * V);
    for (let g = 0; g < G; g++) for (const v of [0, 2, 4]) assert.is(got[g * V + v], 0, `column ${v} of row ${g}`);
    k().oneHotWeightGrad(ar.put(dG), G, ar.putI32([]), 0, G, V, out, scratch);
    assert.ok(ar.read(out, G * V).every((x) => x === 0), "n = 0");
    ar.checkGuards("oneHotWeightGrad zeros");
  });
});

test.run();
