// Vocabulary: code points, words, min-frequency and <unk>, reserved tokens, round trips.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init } from "../../src/index.js";
import { Vocabulary, tokenize } from "../../src/index.js";

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

test.run();
