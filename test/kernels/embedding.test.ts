// Token ids to rows and back (embedding.ts): gatherRows, oneHotRows, scatterAddRows and the id check findBadId.
// All of them only move or add f32 values, so every result is compared exactly: the gather and one-hot bit for
// bit, the scatter against f32 sums taken in the kernel's order (row i before row i + 1, as PyTorch's
// index_add_ on one thread).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { runtime } from "../../src/init.js";
import { initForTests } from "../helpers/setup.js";
import { SIZES, Rng, withArena, assertSame } from "../helpers/reference.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await initForTests();

const k = () => runtime().k;
const V = 7;

/** n ids in [0, V), with repeats (n > V guarantees some). */
const idsOf = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.int(V));

test("gatherRows: out[i, :] = table[ids[i], :] bit for bit (NaN and −0 included), every width", () => {
  let seed = 1;
  for (const dim of SIZES) {
    for (const n of [0, 1, 3, 17]) {
      withArena((ar) => {
        const rng = new Rng(seed++), what = `gatherRows n=${n} dim=${dim}`;
        const table = rng.array(V * dim);
        table[0] = NaN; table[dim * (V - 1)] = -0; // odd values travel unchanged
        const ids = idsOf(rng, n), out = ar.guarded(n * dim);
        k().gatherRows(ar.put(table), ar.putI32(ids), n, dim, out);
        const want = ids.flatMap((id) => Array.from(table.subarray(id * dim, (id + 1) * dim)));
        assertSame(ar.read(out, n * dim), want, what);
        ar.checkGuards(what);
      });
    }
  }
});

test("oneHotRows: out[i, :] = onehot(ids[i]) over V columns, every other entry written 0", () => {
  let seed = 100;
  for (const width of SIZES) {
    for (const n of [0, 1, 3, 17]) {
      withArena((ar) => {
        const rng = new Rng(seed++), what = `oneHotRows n=${n} V=${width}`;
        const ids = Array.from({ length: n }, () => rng.int(width));
        const out = ar.guarded(n * width, rng.array(n * width)); // stale values must all be overwritten
        k().oneHotRows(ar.putI32(ids), n, width, out);
        const want = new Float64Array(n * width);
        ids.forEach((id, i) => (want[i * width + id] = 1));
        assertSame(ar.read(out, n * width), want, what);
        ar.checkGuards(what);
      });
    }
  }
});

test("scatterAddRows: grad[ids[i], :] += d[i, :], repeated ids accumulating in order; other rows untouched", () => {
  let seed = 200;
  for (const dim of SIZES) {
    for (const n of [0, 1, 3, 17, 40]) {
      withArena((ar) => {
        const rng = new Rng(seed++), what = `scatterAddRows n=${n} dim=${dim}`;
        // a row id V − 1 never drawn below stays as it was
        const ids = Array.from({ length: n }, () => rng.int(V - 1)), d = rng.array(n * dim);
        const g0 = rng.array(V * dim), grad = ar.guarded(V * dim, g0);
        k().scatterAddRows(ar.put(d), ar.putI32(ids), n, dim, grad);
        const want = Float64Array.from(g0);
        ids.forEach((id, i) => {
          for (let j = 0; j < dim; j++) want[id * dim + j] = Math.fround(want[id * dim + j] + d[i * dim + j]);
        });
        assertSame(ar.read(grad, V * dim), want, what);
        ar.checkGuards(what);
      });
    }
  }
});

test("findBadId: the index of the first id outside [0, V), else −1; ids at the edges and at the i32 extremes", () => {
  withArena((ar) => {
    const find = (ids: number[], v = V) => k().findBadId(ar.putI32(ids), ids.length, v);
    assert.is(find([]), -1, "no ids");
    assert.is(find([0, V - 1, 3, 0, V - 1]), -1, "0 and V − 1 are valid");
    assert.is(find([V]), 0, "V itself");
    assert.is(find([-1]), 0, "−1");
    assert.is(find([0, 1, 2, -2147483648]), 3, "i32 minimum");
    assert.is(find([2147483647, 1]), 0, "i32 maximum");
    assert.is(find([1, 2, V, -1, V + 5]), 2, "the first of several bad ids");
    assert.is(find([1, 2, 3], 0), 0, "V = 0: every id is bad");
    assert.is(find([0, 0, 0], 1), -1, "V = 1: only id 0");
    // every position of a 65-long list, the rest valid
    const rng = new Rng(300);
    for (let at = 0; at < 65; at++) {
      const ids = idsOf(rng, 65);
      ids[at] = at % 2 ? V + at : -1 - at;
      assert.is(find(ids), at, `bad id at ${at}`);
      assert.is(find(ids.slice(0, at)), -1, `the ${at} ids before it`);
    }
  });
});

test.run();
