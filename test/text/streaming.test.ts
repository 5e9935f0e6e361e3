// Vocabulary.build and encode stream over the text (code points and word matches counted and looked up as they
// go, issue 10 item 13) and must give exactly what the token-array version gave: same tokens, same ids.

import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { Vocabulary, tokenize, type TokenLevel } from "../../src/index.js";
import { firstToken, forEachCodePoint, forEachWord } from "../../src/text/tokenize.js";

/** The token-array algorithm the streaming one replaced, kept here as the reference. */
function referenceBuild(text: string, level: TokenLevel, minFreq = 1, reserved: string[] = [], unk = "<unk>"): string[] {
  const counts = new Map<string, number>();
  for (const t of tokenize(text, level)) counts.set(t, (counts.get(t) ?? 0) + 1);
  const special = [unk, ...reserved.filter((t) => t !== unk)];
  const frequent = [...counts.entries()].filter(([t, n]) => n >= minFreq && !special.includes(t)).sort((a, b) => b[1] - a[1]).map(([t]) => t);
  return [...special, ...frequent];
}

function referenceEncode(vocab: Vocabulary, text: string): number[] {
  return tokenize(text, vocab.level).map((t) => vocab.idOf(t));
}

const TRICKY = [
  "",
  " ",
  "a",
  "🙂",
  "a🙂b👍🏽c",
  "\ud83d", // a lone high surrogate
  "x\ude42y", // a lone low surrogate
  "\ude42\ud83d", // reversed pair: two lone surrogates
  "line one\r\nline two\rthree\n",
  "don't stop. (really!) — “quoted” 'single' rock'n'roll ’tis…",
  "床前明月光，疑是地上霜。举头望明月，低头思故乡。",
  "ひらがなとカタカナ、漢字とKanji混ざり123。",
  "e\u0301 café naïve Ωμέγα Привет مرحبا",
  "\0\u0001\u2028\u2029\ufeff\uffff",
  "a".repeat(70_000) + "b",
];

test("tricky texts: the same vocabulary and ids as the token-array version, at both levels", () => {
  for (const level of ["char", "word"] as const) {
    for (const text of TRICKY) {
      const v = Vocabulary.build(text, { level });
      assert.equal(v.tokens, referenceBuild(text, level), `${level} ${JSON.stringify(text.slice(0, 40))}`);
      assert.equal([...v.encode(text)], referenceEncode(v, text), `encode ${level} ${JSON.stringify(text.slice(0, 40))}`);
      // and a vocabulary from one text encoding another (unknown tokens, reserved ones)
      const other = Vocabulary.build(TRICKY.join(" "), { level, minFreq: 2, reserved: ["<pad>", "a", "🙂"] });
      assert.equal(other.tokens, referenceBuild(TRICKY.join(" "), level, 2, ["<pad>", "a", "🙂"]));
      assert.equal([...other.encode(text)], referenceEncode(other, text), `cross-encode ${level} ${JSON.stringify(text.slice(0, 40))}`);
    }
  }
});

test("a vocabulary from JSON with lone surrogates and multi-character tokens encodes like the token-array version", () => {
  const v = Vocabulary.fromJSON({ level: "char", unk: "?", tokens: ["?", "\ud83d", "ab", "🙂", "\ud83d\ud83d", "x"] });
  for (const text of ["\ud83d🙂ab?x\ud83d\ud83d", "?", "abc", ""]) assert.equal([...v.encode(text)], referenceEncode(v, text), JSON.stringify(text));
});

test("random strings (seeded): streaming and token-array versions agree", () => {
  const pieces = fc.constantFrom("a", "b", " ", "\n", "\r\n", "'", "’", ".", "🙂", "\ud83d", "\ude42", "明", "か", "ア", "1", "é", "e\u0301", "-", "\t");
  const text = fc.array(fc.oneof(pieces, fc.string({ unit: "grapheme", maxLength: 3 })), { maxLength: 40 }).map((p) => p.join(""));
  fc.assert(fc.property(text, fc.constantFrom("char", "word") as fc.Arbitrary<TokenLevel>, fc.integer({ min: 1, max: 3 }), (t, level, minFreq) => {
    const v = Vocabulary.build(t, { level, minFreq });
    assert.equal(v.tokens, referenceBuild(t, level, minFreq));
    assert.equal([...v.encode(t)], referenceEncode(v, t));
    const seen: string[] = [];
    if (level === "char") forEachCodePoint(t, (c) => seen.push(String.fromCodePoint(c)));
    else forEachWord(t, (w) => seen.push(w));
    assert.equal(seen, tokenize(t, level));
    assert.is(firstToken(t, level), tokenize(t, level)[0]);
  }), { seed: 20240610, numRuns: 500 });
});

test("encode returns an Int32Array of exactly the token count", () => {
  const v = Vocabulary.build("ab🙂 cd", { level: "char" });
  const ids = v.encode("ab🙂🙂");
  assert.instance(ids, Int32Array);
  assert.is(ids.length, 4);
  assert.is(ids.buffer.byteLength, 16, "no spare capacity kept");
  const words = Vocabulary.build("one two three", { level: "word" }).encode("one two ".repeat(600));
  assert.is(words.length, 1200);
  assert.is(words.buffer.byteLength, 4800);
  assert.throws(() => v.encode(5 as never), /Vocabulary\.encode: text must be a string, got 5/);
});

test.run();
