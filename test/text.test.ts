// Vocabulary and minibatches: code points, words, min-frequency and <unk>, reserved tokens, round trips,
// and the textbook's sequential and random partitions.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init, Vocabulary, makeBatches, Random, tokenize } from "../src/index.js";
import { runtime } from "../src/init.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await init();

test("characters are code points: emoji and Chinese are single tokens, never UTF-16 halves", () => {
  const text = "春眠不觉晓🙂 x👍🏽";
  const v = Vocabulary.build(text);
  assert.equal(tokenize("a🙂b", "char"), ["a", "🙂", "b"]);
  assert.ok(v.has("🙂") && v.has("觉") && !v.tokens.some((t) => t.length === 1 && t.charCodeAt(0) >= 0xd800 && t.charCodeAt(0) <= 0xdfff));
  assert.is(v.decode(v.encode(text)), text);
});

test("ids: <unk> first, reserved next, then by frequency with ties in order of first appearance", () => {
  const v = Vocabulary.build("abbccc d", { reserved: ["<pad>", "<eos>"] });
  assert.equal(v.tokens, ["<unk>", "<pad>", "<eos>", "c", "b", "a", " ", "d"]);
  assert.is(v.unkId, 0);
  assert.equal(Vocabulary.build("abbccc d", { reserved: ["<pad>", "<eos>"] }).tokens, v.tokens, "deterministic");
});

test("minFreq maps rare tokens to <unk>; unseen tokens too", () => {
  const v = Vocabulary.build("aaab", { minFreq: 2 });
  assert.equal(v.tokens, ["<unk>", "a"]);
  assert.equal([...v.encode("abz")], [1, 0, 0]);
  assert.is(v.decode(v.encode("abz")), "a<unk><unk>");
});

test("words: punctuation apart, apostrophes inside words, CJK characters one by one; decode spaces them back", () => {
  const text = "The time traveller (for so it will be convenient) don't stop. 床前明月光，疑是地上霜。";
  const v = Vocabulary.build(text, { level: "word" });
  assert.equal(v.tokenize("it will be convenient) don't"), ["it", "will", "be", "convenient", ")", "don't"]);
  assert.equal(v.tokenize("明月光，疑"), ["明", "月", "光", "，", "疑"]);
  assert.is(v.decode(v.encode(text)), text);
});

test("JSON round trip, and clear errors for bad vocabularies and ids", () => {
  const v = Vocabulary.build("hello 世界", { reserved: ["<eos>"] });
  const back = Vocabulary.fromJSON(JSON.parse(JSON.stringify(v)));
  assert.equal(back.tokens, v.tokens);
  assert.equal([...back.encode("hello 世界")], [...v.encode("hello 世界")]);
  assert.throws(() => Vocabulary.fromJSON({ level: "char", unk: "<unk>", tokens: ["a", "a", "<unk>"] }), /appears twice/);
  assert.throws(() => Vocabulary.fromJSON({ level: "char", unk: "<unk>", tokens: ["a"] }), /unknown token "<unk>" is missing/);
  assert.throws(() => Vocabulary.fromJSON({ tokens: 3 }), /level: "char" \| "word"/);
  assert.throws(() => Vocabulary.build("abc", { level: "byte" as never }), /level must be "char" or "word", got "byte"/);
  assert.throws(() => Vocabulary.build("abc", { minFreq: 0 }), /minFreq must be an integer ≥ 1, got 0/);
  assert.throws(() => v.decode([99]), new RegExp(`id must be an integer in \\[0, ${v.size}\\), got 99`));
});

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
