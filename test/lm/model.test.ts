// The language model's API beyond the golden files: shapes, one-hot inputs, the loss against its logits,
// bad input, and generation (greedy, temperature, top-k, top-p, streaming, Chinese end to end).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init, LanguageModel, Trainer, Vocabulary, generate, generateIds, generateText } from "../../src/index.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await init();

function ids(n: number, V: number, seed: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => (i * 7 + seed * 3 + ((i * i) % 5)) % V);
}

test("forward: logits [T, B, V], mean cross-entropy equal to the one computed from the logits", () => {
  for (const embedSize of [undefined, 6]) {
    const V = 11, T = 5, B = 3;
    const lm = new LanguageModel({ vocabSize: V, cell: "lstm", hiddenSize: 8, numLayers: 2, embedSize, seed: 1 });
    const x = ids(T * B, V, 1), y = ids(T * B, V, 2);
    const r = lm.forward(x, y, { seqLen: T, batch: B });
    assert.is(r.logits.length, T * B * V);
    assert.is(r.hN.length, 2 * B * 8);
    assert.is(r.cN!.length, 2 * B * 8);
    let ce = 0;
    for (let i = 0; i < T * B; i++) {
      const row = r.logits.subarray(i * V, (i + 1) * V);
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
      ce += lse - row[y[i]];
    }
    assert.ok(Math.abs(r.loss! - ce / (T * B)) < 1e-5, `${r.loss} vs ${ce / (T * B)}`);
    const names = Object.keys(lm.backward().grads);
    assert.is(names.includes("embedding.weight"), embedSize !== undefined, "one-hot models have no embedding");
    assert.ok(names.includes("rnn.weight_hh_l1") && names.includes("fc.bias"));
    lm.dispose();
  }
});

test("forward without targets gives logits only; backward then explains why it cannot run", () => {
  const lm = new LanguageModel({ vocabSize: 5, cell: "rnn", hiddenSize: 4 });
  const r = lm.forward([1, 2, 3], null, { seqLen: 3, batch: 1 });
  assert.is(r.loss, undefined);
  assert.throws(() => lm.backward(), /had no targets/);
  lm.dispose();
});

test("bad input names what was expected", () => {
  assert.throws(() => new LanguageModel({ vocabSize: 5, cell: "transformer" as never, hiddenSize: 4 }), /cell must be "rnn", "gru" or "lstm", got "transformer"/);
  assert.throws(() => new LanguageModel({ vocabSize: 0, cell: "rnn", hiddenSize: 4 }), /vocabSize must be an integer in \[1,/);
  assert.throws(() => new LanguageModel({ vocabSize: 5, cell: "lstm", hiddenSize: 4, resetAfter: false }), /resetAfter is for cell "gru" only/);
  assert.throws(() => new LanguageModel({ vocabSize: 5, cell: "gru", hiddenSize: 4, dropout: 1 }), /dropout must be a probability in \[0, 1\), got 1/);
  const lm = new LanguageModel({ vocabSize: 5, cell: "gru", hiddenSize: 4 });
  assert.throws(() => lm.forward([1, 2, 5], null, { seqLen: 3, batch: 1 }), /tokens\[2\] must be a token id in \[0, vocabSize = 5\), got 5/);
  assert.throws(() => lm.forward([1, 2], null, { seqLen: 3, batch: 1 }), /tokens must have 3 ids \(shape \[seqLen, batch\] = \[3, 1\]\), got 2/);
  assert.throws(() => lm.forward([1, 2, 1.5], null, { seqLen: 3, batch: 1 }), /tokens\[2\] must be a token id .* got 1\.5/);
  assert.throws(() => lm.forward([1, 2, 3], [0, 0, -1], { seqLen: 3, batch: 1 }), /targets\[2\] .* got -1/);
  assert.throws(() => lm.backward(), /call forward\(\) first/);
  assert.throws(() => lm.loadTorchParams({}), /missing parameter "rnn.weight_ih_l0"/);
  lm.dispose();
  assert.throws(() => lm.forward([1], null, { seqLen: 1, batch: 1 }), /disposed/);
});

/** A character model trained briefly on `text`. */
function trained(text: string, cell: "gru" | "lstm" = "gru", epochs = 30): { lm: LanguageModel; vocab: Vocabulary } {
  const vocab = Vocabulary.build(text);
  const lm = new LanguageModel({ vocabSize: vocab.size, cell, hiddenSize: 32, embedSize: 16, seed: 4 });
  const trainer = new Trainer(lm, vocab.encode(text), { batchSize: 4, seqLen: 16, optimizer: { name: "adam", lr: 0.01 }, clip: 1, seed: 1 });
  for (let e = 0; e < epochs; e++) trainer.trainEpoch();
  trainer.dispose();
  return { lm, vocab };
}

const ENGLISH = "to be or not to be that is the question. ".repeat(30);

test("greedy generation continues what it learned; top-k 1 and a tiny top-p are greedy too", () => {
  const { lm, vocab } = trained(ENGLISH);
  const greedy = generateText(lm, vocab, "to be or ", 30, { greedy: true });
  assert.ok(/not to be/.test(greedy), greedy);
  assert.is(generateText(lm, vocab, "to be or ", 30, { topK: 1, seed: 5 }), greedy);
  assert.is(generateText(lm, vocab, "to be or ", 30, { topP: 1e-6, seed: 6 }), greedy);
  lm.dispose();
});

test("sampling: seeded, reproducible, and hotter temperatures wander further", () => {
  const { lm, vocab } = trained(ENGLISH);
  const a = generateText(lm, vocab, "the ", 200, { temperature: 1, seed: 1 });
  assert.is(generateText(lm, vocab, "the ", 200, { temperature: 1, seed: 1 }), a);
  assert.is.not(generateText(lm, vocab, "the ", 200, { temperature: 1, seed: 2 }), a);
  const distinct = (s: string) => new Set(s.split(" ")).size;
  const cold = generateText(lm, vocab, "the ", 300, { temperature: 0.2, seed: 3 });
  const hot = generateText(lm, vocab, "the ", 300, { temperature: 3, seed: 3 });
  assert.ok(distinct(hot) > distinct(cold), `hot ${distinct(hot)} vs cold ${distinct(cold)} distinct words`);
  assert.ok([...generateText(lm, vocab, "the ", 300, { topK: 3, seed: 4 })].every((c) => vocab.has(c)));
  assert.throws(() => generateText(lm, vocab, "the ", 5, { temperature: 0 }), /temperature must be a number > 0, got 0/);
  assert.throws(() => generateText(lm, vocab, "the ", 5, { topP: 1.5 }), /topP must be in \(0, 1\], got 1\.5/);
  assert.throws(() => generateText(lm, vocab, "", 5), /prefix must hold at least one token/);
  lm.dispose();
});

test("streaming: the prefix runs once, then one batch-1 step per token, yielded as it comes", () => {
  const { lm, vocab } = trained(ENGLISH, "lstm", 5);
  const calls: number[] = [];
  const run = lm.run.bind(lm);
  lm.run = (ids, targets, T, B, h0, c0, forTraining) => {
    calls.push(T);
    return run(ids, targets, T, B, h0, c0, forTraining);
  };
  const it = generate(lm, vocab, "to be or not", 5, { seed: 1 });
  const first = it.next();
  assert.is(first.done, false);
  assert.equal(calls, [12], "only the prefix has run when the first token arrives");
  const rest = [...it];
  assert.is(rest.length, 4);
  assert.equal(calls, [12, 1, 1, 1, 1]);
  // the streamed state equals running the whole text at once
  lm.run = run;
  const prefix = vocab.encode("to be or not");
  const out = [...generateIds(lm, prefix, 6, { greedy: true })];
  const all = Int32Array.from([...prefix, ...out.slice(0, 5)]);
  const full = lm.forward(all, null, { seqLen: all.length, batch: 1 }).logits;
  const V = vocab.size, last = full.subarray((all.length - 1) * V);
  assert.is(last.indexOf(Math.max(...last)), out[5]);
  lm.dispose();
});

// a few lines of our own, in the style of the poems the README trains on
const CHINESE = "山高月小，水落石出。春风十里，花开满城。白云深处有人家，青山绿水共长天。明月照高楼，清风入我怀。".repeat(12);

test("Chinese end to end: a character model trains on Chinese text and generates Chinese characters", () => {
  const { lm, vocab } = trained(CHINESE, "lstm", 40);
  assert.ok(vocab.has("月") && vocab.has("，"));
  const text = generateText(lm, vocab, "明月", 30, { greedy: true });
  assert.is([...text].length, 30);
  assert.ok([...text].every((c) => vocab.has(c) && c !== "<unk>"));
  assert.ok(/照高楼|清风|白云|春风|青山/.test(text), text);
  const words = Vocabulary.build(CHINESE, { level: "word" });
  assert.is(words.size, vocab.size, "as words, every Han character is its own token");
  lm.dispose();
});

test.run();
