// Padded task batches: the time-major layout of every task, the order with and without a generator, and the
// padding that length bucketing saves on a skewed length distribution.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init, Random } from "../../src/index.js";
import { makeTaskBatches, paddingMask, type SequenceDataset } from "../../src/tasks/index.js";
import { runtime } from "../../src/init.js";
import { throwsWith } from "../helpers/errors.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await init();

const ids = (...v: number[]) => Int32Array.from(v);
const floats = (...v: number[]) => Float32Array.from(v);

/** Token examples of the given lengths; example i's tokens are i + 1 (so a row shows whose it is), target i % 3. */
function tokens(lengths: number[], task: "classify" | "tag" = "classify"): SequenceDataset {
  return {
    task, inputKind: "tokens", inputSize: lengths.length + 1, outFeatures: 3, perStep: task === "tag",
    examples: lengths.map((L, i) => ({
      input: new Int32Array(L).fill(i + 1),
      target: task === "tag" ? Int32Array.from({ length: L }, (_, t) => (i + t) % 3) : i % 3,
    })),
  };
}

test("classify tokens: time-major [T·B], padded with 0; lengths, targets and indices in the dataset's order", () => {
  const { batches, padding } = makeTaskBatches(tokens([3, 1, 2]), { batchSize: 3, random: null });
  assert.is(batches.length, 1);
  const b = batches[0];
  assert.is(b.seqLen, 3);
  assert.is(b.batch, 3);
  // step t of row b at t·B + b
  assert.equal([...b.input], [1, 2, 3, 1, 0, 3, 1, 0, 0]);
  assert.ok(b.input instanceof Int32Array);
  assert.equal([...b.lengths], [3, 1, 2]);
  assert.equal([...b.target], [0, 1, 2]);
  assert.ok(b.target instanceof Int32Array);
  assert.equal([...b.indices], [0, 1, 2]);
  assert.equal(padding, { steps: 6, padded: 9, waste: 1 - 6 / 9 });
});

test("tag: per-step classes [T·B] with ignoreIndex at padded steps (−100, or the one given)", () => {
  const d: SequenceDataset = {
    task: "tag", inputKind: "tokens", inputSize: 10, outFeatures: 3, perStep: true,
    examples: [{ input: ids(5, 6), target: ids(1, -100) }, { input: ids(7), target: ids(2) }],
  };
  const [b] = makeTaskBatches(d, { batchSize: 2, random: null }).batches;
  assert.equal([...b.input], [5, 7, 6, 0]);
  assert.equal([...b.target], [1, 2, -100, -100], "an ignored step in the data stays ignored");
  const e: SequenceDataset = { ...d, examples: [{ input: ids(5, 6), target: ids(1, 0) }, { input: ids(7), target: ids(2) }] };
  assert.equal([...makeTaskBatches(e, { batchSize: 2, random: null, ignoreIndex: -1 }).batches[0].target], [1, 2, 0, -1]);
  throwsWith(() => makeTaskBatches(e, { batchSize: 2, random: null, ignoreIndex: 2 }), RangeError, /ignoreIndex 2 is a class id in \[0, 3\)/);
});

test("regress features: input [T·B·I]; per-step targets [T·B·O] padded with 0; pooled targets [B·O]", () => {
  // inputSize 2, outFeatures 2; example 0 has 2 steps, example 1 has 1
  const perStep: SequenceDataset = {
    task: "regress", inputKind: "features", inputSize: 2, outFeatures: 2, perStep: true,
    examples: [{ input: floats(1, 2, 3, 4), target: floats(10, 11, 12, 13) }, { input: floats(5, 6), target: floats(20, 21) }],
  };
  const [b] = makeTaskBatches(perStep, { batchSize: 2, random: null }).batches;
  // element (t·B + b)·I + i
  assert.equal([...b.input], [1, 2, 5, 6, 3, 4, 0, 0]);
  assert.ok(b.input instanceof Float32Array && b.target instanceof Float32Array);
  assert.equal([...b.target], [10, 11, 20, 21, 12, 13, 0, 0]);
  assert.equal([...b.lengths], [2, 1]);
  const pooled: SequenceDataset = { ...perStep, perStep: false, examples: [{ input: floats(1, 2, 3, 4), target: floats(10, 11) }, { input: floats(5, 6), target: floats(20, 21) }] };
  assert.equal([...makeTaskBatches(pooled, { batchSize: 2, random: null }).batches[0].target], [10, 11, 20, 21]);
});

test("without a generator: the dataset's order, the last batch smaller; a given bucket sorts deterministically", () => {
  const lengths = [5, 1, 4, 2, 3, 6, 1, 2, 7, 3];
  const { batches } = makeTaskBatches(tokens(lengths), { batchSize: 4, random: null });
  assert.equal(batches.map((b) => [...b.indices]), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  assert.equal(batches.map((b) => b.batch), [4, 4, 2]);
  assert.equal(batches.map((b) => b.seqLen), [5, 6, 7]);
  // bucket 1: each batch's own examples sorted by length (stable), batches in order
  const sorted = makeTaskBatches(tokens(lengths), { batchSize: 4, random: null, bucket: 1 }).batches;
  assert.equal(sorted.map((b) => [...b.indices]), [[1, 3, 2, 0], [6, 7, 4, 5], [9, 8]]);
  // bucket 2: sorted across chunks of 8 examples
  const wide = makeTaskBatches(tokens(lengths), { batchSize: 4, random: null, bucket: 2 }).batches;
  assert.equal(wide.map((b) => [...b.indices]), [[1, 6, 3, 7], [4, 2, 0, 5], [9, 8]]);
  assert.equal(makeTaskBatches(tokens(lengths), { batchSize: 4, random: null, bucket: false }).batches.map((b) => [...b.indices]), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
});

test("with a generator: every example once per epoch, seeded, and each batch drawn from one length-sorted chunk", () => {
  const lengths = Array.from({ length: 103 }, (_, i) => 1 + ((i * 37) % 29));
  const d = tokens(lengths, "tag");
  const epoch = (seed: number, bucket?: number) => makeTaskBatches(d, { batchSize: 8, random: new Random(runtime(), seed), bucket }).batches;
  const a = epoch(1);
  assert.is(a.length, 13);
  assert.equal([...a.flatMap((b) => [...b.indices])].sort((x, y) => x - y), lengths.map((_, i) => i));
  assert.is(a.filter((b) => b.batch === 7).length, 1, "one partial batch of the 103 % 8 left over");
  assert.equal(epoch(1).map((b) => [...b.indices]), a.map((b) => [...b.indices]), "same seed, same epoch");
  assert.not.equal(epoch(2).map((b) => [...b.indices]), a.map((b) => [...b.indices]));
  for (const b of a) {
    const L = [...b.indices].map((i) => lengths[i]);
    assert.equal(L, [...L].sort((x, y) => x - y), "rows sorted by length inside the chunk");
    assert.equal([...b.lengths], L);
    for (let r = 0; r < b.batch; r++) {
      const i = b.indices[r];
      for (let t = 0; t < b.seqLen; t++) {
        assert.is(b.input[t * b.batch + r], t < L[r] ? i + 1 : 0);
        assert.is(b.target[t * b.batch + r], t < L[r] ? (i + t) % 3 : -100);
      }
    }
  }
  const chunked = epoch(1, 0);
  assert.ok(chunked.some((b) => { const L = [...b.indices].map((i) => lengths[i]); return L.join() !== [...L].sort((x, y) => x - y).join(); }), "bucket 0: no sorting");
});

// Waste on a skewed distribution: 2000 examples, 90% of 2–20 steps and 10% of 50–400 (seeded), batches of 32.
// Measured (seeds 1–5 of the shuffle): without bucketing 0.889–0.893 of the computed steps are padding, 8.97×
// the valid steps (a long example lands in most batches); with the default bucket (8 batches: 256 examples per
// sorted chunk) 0.41–0.44, 1.69× (5.3× fewer steps than unbucketed: the ~26 long examples of a chunk, spread
// over 50–400, still share a batch); bucket 32 0.15; the whole epoch as one chunk (bucket 63) 0.084, whose
// batches are then nearly the same every epoch. A bucket of 1 saves nothing: sorting inside a batch keeps its max.
test("length bucketing cuts the padding of a skewed length distribution (0.89 → 0.42 of the computed steps)", () => {
  const draw = new Random(runtime(), 12);
  const lengths = Array.from({ length: 2000 }, () => (draw.next() < 0.9 ? 2 + draw.int(19) : 50 + draw.int(351)));
  draw.dispose();
  const d = tokens(lengths);
  const waste = (bucket: number) => makeTaskBatches(d, { batchSize: 32, random: new Random(runtime(), 3), bucket }).padding;
  const none = waste(0), bucketed = waste(8), wide = waste(32), whole = waste(63);
  const steps = lengths.reduce((a, b) => a + b, 0);
  for (const p of [none, bucketed, wide, whole]) {
    assert.is(p.steps, steps);
    assert.ok(Math.abs(p.waste - (1 - p.steps / p.padded)) < 1e-15);
  }
  console.log(`  padding waste, batch 32, 2000 skewed lengths: bucket 0 ${none.waste.toFixed(3)}, 8 ${bucketed.waste.toFixed(3)}, 32 ${wide.waste.toFixed(3)}, 63 (whole epoch) ${whole.waste.toFixed(3)}`);
  assert.ok(none.waste > 0.85, `unbucketed waste ${none.waste}`);
  assert.ok(bucketed.waste < 0.5, `bucketed waste ${bucketed.waste}`);
  assert.ok(bucketed.padded * 4 < none.padded, "the default bucket computes over 4× fewer steps");
  assert.ok(wide.waste < 0.2 && whole.waste < 0.1, `wider buckets: ${wide.waste}, ${whole.waste}`);
});

test("paddingMask: 1 at valid steps, width values per step", () => {
  const [b] = makeTaskBatches(tokens([2, 1, 3]), { batchSize: 3, random: null }).batches;
  assert.equal([...paddingMask(b)], [1, 1, 1, 1, 0, 1, 0, 0, 1]);
  assert.equal([...paddingMask(b, 2)], [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1]);
});

test("bad options are refused with what was expected; the dataset is not mutated", () => {
  const d = tokens([3, 1, 2]);
  const copy = d.examples.map((e) => [[...e.input], e.target]);
  throwsWith(() => makeTaskBatches(d, { batchSize: 0, random: null }), RangeError, /batchSize must be an integer in \[1, \d+\], got 0/);
  throwsWith(() => makeTaskBatches(d, { batchSize: 2 } as never), TypeError, /random must be a Random .* or null .*, got undefined/);
  throwsWith(() => makeTaskBatches(d, { batchSize: 2, random: 7 } as never), TypeError, /random must be a Random .* or null .*, got 7/);
  throwsWith(() => makeTaskBatches(d, { batchSize: 2, random: null, bucket: -1 }), RangeError, /bucket must be a whole number of batches ≥ 0 or false, got -1/);
  throwsWith(() => makeTaskBatches(d, { batchSize: 2, random: null, bucket: true as never }), RangeError, /bucket .* got boolean/);
  throwsWith(() => makeTaskBatches(d, { batchSize: 2, random: null, ignoreIndex: 0.5 }), TypeError, /ignoreIndex must be an integer, got 0\.5/);
  throwsWith(() => makeTaskBatches(d, { batchSize: 2, random: null, shuffle: true } as never), TypeError, /unknown option "shuffle"/);
  throwsWith(() => makeTaskBatches({ ...d, examples: [{ input: ids(4), target: 0 }] }, { batchSize: 2, random: null }), RangeError, /examples\[0\]\.input\[0\] must be a token id in \[0, 4\)/);
  makeTaskBatches(d, { batchSize: 2, random: new Random(runtime(), 1) });
  assert.equal(d.examples.map((e) => [[...e.input], e.target]), copy);
});

test.run();
