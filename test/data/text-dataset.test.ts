// Text classification datasets from { text, label } records, and encoding texts for prediction.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init, Vocabulary } from "../../src/index.js";
import { checkDataset, encodeTexts, textClassificationDataset } from "../../src/tasks/index.js";
import { throwsWith } from "../helpers/errors.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await init();

const records = [
  { text: "good film", label: "pos" },
  { text: "bad plot", label: "neg" },
  { text: "good good acting", label: "pos" },
  { text: "dull", label: 10 },
  { text: "fine", label: 2 },
];

test("by character: the vocabulary of all texts (no separator token), ids per record, labels sorted as strings", () => {
  const { dataset, vocab, labels } = textClassificationDataset(records);
  assert.is(vocab.level, "char");
  const joined = Vocabulary.build(records.map((r) => r.text).join(""));
  assert.equal(vocab.tokens, joined.tokens, "the same vocabulary as the concatenated texts");
  assert.not.ok(vocab.has("\n"));
  assert.equal(labels, ["10", "2", "neg", "pos"], "string order: \"10\" before \"2\"");
  assert.is(dataset.task, "classify");
  assert.is(dataset.inputKind, "tokens");
  assert.is(dataset.inputSize, vocab.size);
  assert.is(dataset.outFeatures, 4);
  assert.is(dataset.perStep, false);
  assert.equal(dataset.examples.map((e) => e.target), [3, 2, 3, 0, 1]);
  dataset.examples.forEach((e, i) => {
    assert.ok(e.input instanceof Int32Array);
    assert.is(vocab.decode(e.input), records[i].text);
  });
  assert.is(checkDataset(dataset), dataset);
});

test("by word, with minFreq, maxLength (the start kept) and a given vocabulary for a test set", () => {
  const { dataset, vocab } = textClassificationDataset(records, { level: "word", minFreq: 2, maxLength: 2 });
  assert.equal(vocab.tokens, ["<unk>", "good"], "only \"good\" is seen twice");
  const unk = vocab.unkId, good = vocab.idOf("good");
  assert.equal(dataset.examples.map((e) => [...e.input]), [[good, unk], [unk, unk], [good, good], [unk], [unk]]);
  // a test set: the training vocabulary and labels as they are; unseen words are <unk>
  const test = textClassificationDataset([{ text: "good popcorn", label: "neg" }], { vocab, labels: ["neg", "pos"] });
  assert.is(test.vocab, vocab);
  assert.equal([...test.dataset.examples[0].input], [good, unk]);
  assert.is(test.dataset.examples[0].target, 0);
  assert.is(test.dataset.outFeatures, 2);
});

test("records that cannot make an example are refused, by index", () => {
  throwsWith(() => textClassificationDataset([records[0], { text: "", label: "pos" }]), RangeError, /records\[1\]\.text is empty/);
  throwsWith(() => textClassificationDataset([records[0], { text: " \n ", label: "pos" }], { level: "word" }), RangeError, /records\[1\]\.text has no words/);
  throwsWith(() => textClassificationDataset([records[0], { text: 3, label: "pos" } as never]), TypeError, /records\[1\]\.text must be a string, got 3/);
  throwsWith(() => textClassificationDataset([{ text: "a", label: null } as never]), TypeError, /records\[0\]\.label must be a string or a finite number, got null/);
  throwsWith(() => textClassificationDataset([{ text: "a", label: NaN }]), TypeError, /label must be a string or a finite number, got NaN/);
  throwsWith(() => textClassificationDataset([null as never]), TypeError, /records\[0\] must be \{ text: string, label: string \| number \}, got null/);
  throwsWith(() => textClassificationDataset([]), RangeError, /records is empty/);
  throwsWith(() => textClassificationDataset("text" as never), TypeError, /records must be an array/);
  throwsWith(
    () => textClassificationDataset(records, { labels: ["neg", "pos"] }),
    RangeError, /records\[3\]\.label "10" is not one of the labels: "neg", "pos"/,
  );
});

test("options that contradict each other or are malformed are refused", () => {
  const vocab = Vocabulary.build("abc");
  throwsWith(() => textClassificationDataset(records, { vocab, level: "word" }), TypeError, /level "word" differs from the given vocabulary's "char"/);
  throwsWith(() => textClassificationDataset(records, { vocab, minFreq: 2 }), TypeError, /minFreq applies when the vocabulary is built here/);
  throwsWith(() => textClassificationDataset(records, { vocab: {} as never }), TypeError, /vocab must be a Vocabulary, got object/);
  throwsWith(() => textClassificationDataset(records, { labels: ["pos", "pos"] }), RangeError, /label "pos" appears twice/);
  throwsWith(() => textClassificationDataset(records, { labels: [1, 2] as never }), TypeError, /labels must be a non-empty array of strings/);
  throwsWith(() => textClassificationDataset(records, { maxLength: 0 }), RangeError, /maxLength must be an integer in \[1, \d+\], got 0/);
  throwsWith(() => textClassificationDataset(records, { minFreq: 0 }), RangeError, /minFreq must be an integer ≥ 1, got 0/);
  throwsWith(() => textClassificationDataset(records, { max: 3 } as never), TypeError, /unknown option "max"/);
});

test("encodeTexts: the model's vocabulary and maxLength, one Int32Array per text", () => {
  const vocab = Vocabulary.build("good bad film", { level: "word" });
  const encoded = encodeTexts(["good film", "bad bad bad", "unseen"], vocab, 2);
  assert.equal(encoded.map((e) => [...e]), [[vocab.idOf("good"), vocab.idOf("film")], [vocab.idOf("bad"), vocab.idOf("bad")], [vocab.unkId]]);
  assert.ok(encoded.every((e) => e instanceof Int32Array));
  assert.equal([...encodeTexts(["bad bad bad"], vocab)[0]].length, 3, "no limit without maxLength");
  throwsWith(() => encodeTexts(["good", "  "], vocab), RangeError, /texts\[1\] has no words/);
  throwsWith(() => encodeTexts(["good", 1 as never], vocab), TypeError, /texts\[1\] must be a string, got 1/);
  throwsWith(() => encodeTexts("good" as never, vocab), TypeError, /texts must be an array of strings/);
  throwsWith(() => encodeTexts(["good"], null as never), TypeError, /vocab must be a Vocabulary, got null/);
});

test.run();
