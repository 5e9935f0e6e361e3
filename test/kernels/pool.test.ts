// Pooling over each sequence's valid steps (pool.ts) against direct references: the last step (the reverse
// direction's at step 0), the mean, the maximum with its argmax, and the gradients of each. All exact but the
// mean (an f64 sum rounded once: within one f32 rounding).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { runtime } from "../../src/init.js";
import { initForTests } from "../helpers/setup.js";
import { Rng, withArena, assertClose, assertSame } from "../helpers/reference.js";

await initForTests();

const k = () => runtime().k;
const at = (y: Float64Array, t: number, b: number, B: number, F: number, j: number) => y[(t * B + b) * F + j];

for (const [T, B, H, D, lens] of [[5, 3, 4, 1, [5, 2, 1]], [4, 2, 3, 2, [2, 4]], [6, 1, 5, 1, null], [3, 4, 2, 2, null]] as const) {
  test(`pool T=${T} B=${B} F=${D * H}${D === 2 ? " bidirectional" : ""}${lens ? " lengths " + lens.join(",") : ""}: last, mean, max and their gradients`, () => {
    withArena((ar) => {
      const F = D * H, rng = new Rng(T * 100 + B), len = (b: number) => (lens ? lens[b] : T);
      const y = Float64Array.from(rng.array(T * B * F, -2, 2), Math.fround);
      const yPtr = ar.put(y), lensPtr = lens ? ar.putI32(lens) : 0, dOut = Float64Array.from(rng.array(B * F, -1, 1), Math.fround), dPtr = ar.put(dOut);
      // last
      const last = new Float64Array(B * F), dLast = new Float64Array(T * B * F);
      for (let b = 0; b < B; b++) for (let j = 0; j < F; j++) {
        const t = D === 2 && j >= H ? 0 : len(b) - 1;
        last[b * F + j] = at(y, t, b, B, F, j);
        dLast[(t * B + b) * F + j] = dOut[b * F + j];
      }
      const out = ar.guarded(B * F), dy = ar.guarded(T * B * F, rng.array(T * B * F));
      k().poolLast(yPtr, T, B, H, D, lensPtr, out);
      assertSame(ar.read(out, B * F), last, "last");
      k().poolLastBackward(dPtr, T, B, H, D, lensPtr, dy);
      assertSame(ar.read(dy, T * B * F), dLast, "last: gradient");
      // mean
      const mean = new Float64Array(B * F), dMean = new Float64Array(T * B * F);
      for (let b = 0; b < B; b++) for (let j = 0; j < F; j++) {
        let s = 0;
        for (let t = 0; t < len(b); t++) s += at(y, t, b, B, F, j);
        mean[b * F + j] = s / len(b);
        for (let t = 0; t < len(b); t++) dMean[(t * B + b) * F + j] = Math.fround(dOut[b * F + j] * Math.fround(1 / len(b)));
      }
      k().poolMean(yPtr, T, B, F, lensPtr, out);
      assertClose(ar.read(out, B * F), mean, "mean", 0, 6e-8);
      k().poolMeanBackward(dPtr, T, B, F, lensPtr, dy);
      assertSame(ar.read(dy, T * B * F), dMean, "mean: gradient");
      // max
      const max = new Float64Array(B * F), arg = new Int32Array(B * F), dMax = new Float64Array(T * B * F);
      for (let b = 0; b < B; b++) for (let j = 0; j < F; j++) {
        let best = at(y, 0, b, B, F, j), bt = 0;
        for (let t = 1; t < len(b); t++) if (at(y, t, b, B, F, j) > best) { best = at(y, t, b, B, F, j); bt = t; }
        max[b * F + j] = best;
        arg[b * F + j] = bt;
        dMax[(bt * B + b) * F + j] = dOut[b * F + j];
      }
      const argPtr = ar.alloc(B * F);
      k().poolMax(yPtr, T, B, F, lensPtr, out, argPtr);
      assertSame(ar.read(out, B * F), max, "max");
      assert.equal([...new Int32Array(runtime().heap.memory.buffer, argPtr, B * F)], [...arg], "max: argmax");
      k().poolMaxBackward(dPtr, T, B, F, argPtr, dy);
      assertSame(ar.read(dy, T * B * F), dMax, "max: gradient");
      ar.checkGuards(`T=${T} B=${B}`);
    });
  });
}

test("max takes the first step on ties; padded steps never count, even when larger", () => {
  withArena((ar) => {
    const T = 4, B = 1, F = 1;
    const y = ar.put([3, 3, 1, 99]), out = ar.alloc(1), arg = ar.alloc(1);
    k().poolMax(y, T, B, F, ar.putI32([3]), out, arg);
    assert.equal([ar.read(out, 1)[0], new Int32Array(runtime().heap.memory.buffer, arg, 1)[0]], [3, 0]);
  });
});

test.run();
