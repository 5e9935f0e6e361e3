// Tagging datasets from { tokens, tags }: tokens kept as given, tags as class ids, a given vocabulary's
// <unk> for unseen tokens, and errors that name the record.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init, Vocabulary } from "../../src/index.js";
import { checkDataset, taggingDataset } from "../../src/tasks/index.js";
import { throwsWith } from "../helpers/errors.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await init();

const RECORDS = [
  { tokens: ["New-York", "is", "big"], tags: ["LOC", "O", "O"] },
  { tokens: ["Anna", "is", "in", "New-York"], tags: ["PER", "O", "O", "LOC"] },
];

test("tokens as given (not re-split), most frequent first; tags sorted as class ids", () => {
  const { dataset, vocab, labels } = taggingDataset(RECORDS);
  assert.equal(vocab.tokens, ["<unk>", "New-York", "is", "big", "Anna", "in"]);
  assert.equal(labels, ["LOC", "O", "PER"]);
  assert.equal([...dataset.examples[1].input], [4, 2, 5, 1]);
  assert.equal([...(dataset.examples[1].target as Int32Array)], [2, 1, 1, 0]);
  assert.equal({ ...dataset, examples: undefined }, { task: "tag", inputKind: "tokens", inputSize: 6, outFeatures: 3, perStep: true, examples: undefined });
  checkDataset(dataset);
});

test("a test set through the training vocabulary and labels; maxLength; minFreq", () => {
  const train = taggingDataset(RECORDS, { minFreq: 2 });
  assert.equal(train.vocab.tokens, ["<unk>", "New-York", "is"]);
  const test2 = taggingDataset([{ tokens: ["Bob", "is", "here"], tags: ["PER", "O", "O"] }], { vocab: train.vocab, labels: train.labels, maxLength: 2 });
  assert.equal([...test2.dataset.examples[0].input], [0, 2]);
  assert.equal([...(test2.dataset.examples[0].target as Int32Array)], [2, 1]);
});

test("errors name the record", () => {
  throwsWith(() => taggingDataset([{ tokens: ["a", "b"], tags: ["X"] }]), RangeError, /records\[0\] has 2 tokens but 1 tags; it needs one tag per token/);
  throwsWith(() => taggingDataset(RECORDS, { labels: ["LOC", "O"] }), RangeError, /records\[1\]\.tags\[0\] "PER" is not one of the labels: "LOC", "O"/);
  throwsWith(() => taggingDataset([{ tokens: ["a", ""], tags: ["X", "Y"] }]), TypeError, /records\[0\]\.tokens must be an array of non-empty strings/);
  throwsWith(() => taggingDataset([]), RangeError, /records is empty/);
  throwsWith(() => taggingDataset(RECORDS, { vocab: Vocabulary.build("x"), minFreq: 2 }), TypeError, /minFreq applies when the vocabulary is built here/);
});

test.run();
