// Minibatches of a token stream: the textbook's sequential and random partitions.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init } from "../../src/index.js";
import { makeBatches, Random } from "../../src/index.js";
import { runtime } from "../../src/init.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await init();

function stream(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

test("sequential partition: targets are the next tokens, each row continues itself across batches", () => {
  const random = new Random(runtime(), 3);
  const batches = makeBatches(stream(1000), 4, 7, "sequential", random);
  assert.ok(batches.length > 5);
  assert.is(batches[0].continues, false);
  for (const [i, b] of batches.entries()) {
    assert.is(b.continues, i > 0);
    for (let j = 0; j < b.tokens.length; j++) assert.is(b.targets[j], b.tokens[j] + 1);
    if (i > 0) {
      const prev = batches[i - 1];
      for (let r = 0; r < 4; r++) assert.is(b.tokens[r], prev.tokens[6 * 4 + r] + 1, "row r picks up where it stopped");
    }
  }
  random.dispose();
});

test("random partition: disjoint subsequences in a seeded random order, state never carried", () => {
  const a = makeBatches(stream(1000), 4, 7, "random", new Random(runtime(), 5));
  const b = makeBatches(stream(1000), 4, 7, "random", new Random(runtime(), 5));
  const c = makeBatches(stream(1000), 4, 7, "random", new Random(runtime(), 6));
  assert.equal(a.map((x) => [...x.tokens]), b.map((x) => [...x.tokens]), "same seed, same batches");
  assert.not.equal(a.map((x) => [...x.tokens]), c.map((x) => [...x.tokens]));
  const starts = new Set<number>();
  for (const batch of a) {
    assert.is(batch.continues, false);
    for (let r = 0; r < 4; r++) {
      const first = batch.tokens[r];
      for (let t = 0; t < 7; t++) assert.is(batch.tokens[t * 4 + r], first + t, "a row is a contiguous run");
      assert.not.ok(starts.has(first));
      starts.add(first);
    }
  }
  const sorted = [...starts].sort((x, y) => x - y);
  for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i] - sorted[i - 1] >= 7, "subsequences do not overlap");
});

test("too-short texts are refused with the sizes involved", () => {
  const random = new Random(runtime(), 1);
  assert.throws(() => makeBatches(stream(5), 2, 7, "sequential", random), /has 5 tokens; a sequence of 7 needs at least 8/);
  assert.throws(() => makeBatches(stream(20), 4, 7, "sequential", random), /too short for 4 rows of 7 tokens/);
  random.dispose();
});

test.run();
