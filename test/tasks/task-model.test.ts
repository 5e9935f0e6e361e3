// Task models on raw data: text through the vocabulary, features through the normalizers and back, the four
// tasks' results, forecasts in both modes, and the checks that the pieces fit the model.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init, Sequential, Vocabulary } from "../../src/index.js";
import {
  Normalizer, TaskModel, forecastDirect, forecastRecursive, predictOutputs, predictProbabilities, type TimeSeries,
} from "../../src/tasks/index.js";
import { throwsWith } from "../helpers/errors.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await init();

const textClassifier = (V: number, C: number) => Sequential.fromConfig([
  { name: "embedding", type: "Embedding", numEmbeddings: V, embeddingDim: 4 },
  { name: "rnn", type: "GRU", inputSize: 4, hiddenSize: 6 },
  { name: "pool", type: "Pool", mode: "mean" },
  { name: "fc", type: "Linear", inFeatures: 6, outFeatures: C },
], { seed: 3 });

test("classify: texts through the vocabulary (unknown characters as <unk>, cut at maxLength), labels and probabilities", () => {
  const vocab = Vocabulary.build("spam ham eggs", { level: "char" });
  const model = new TaskModel(textClassifier(vocab.size, 2), { task: "classify", labels: ["ham", "spam"], vocab, maxLength: 5 });
  const texts = ["spam spam", "ham", "zzz?"];
  const got = model.classify(texts);
  const ids = [vocab.encode("spam "), vocab.encode("ham"), vocab.encode("zzz?")];
  assert.equal([...ids[2]], [vocab.unkId, vocab.unkId, vocab.unkId, vocab.unkId]);
  const expected = predictProbabilities(model.model, ids);
  got.forEach((g, i) => {
    assert.equal([...g.probabilities], [...expected[i]]);
    assert.is(g.classId, expected[i][1] > expected[i][0] ? 1 : 0);
    assert.is(g.label, ["ham", "spam"][g.classId]);
  });
  // token ids work too; out-of-range ids are named
  assert.equal(model.classify([ids[0]])[0].probabilities, got[0].probabilities);
  throwsWith(() => model.classify([Int32Array.of(0, vocab.size)]), RangeError, /inputs\[0\]\[1\] is token id \d+, outside the vocabulary/);
  throwsWith(() => model.tag(["spam"]), TypeError, /TaskModel.tag: this is a classify model/);
  model.dispose();
});

test("tag: words through a word vocabulary, one label per token", () => {
  const vocab = Vocabulary.build("the dog barks the cat sleeps", { level: "word" });
  const seq = Sequential.fromConfig([
    { name: "embedding", type: "Embedding", numEmbeddings: vocab.size, embeddingDim: 4 },
    { name: "rnn", type: "LSTM", inputSize: 4, hiddenSize: 5, bidirectional: true },
    { name: "fc", type: "Linear", inFeatures: 10, outFeatures: 3 },
  ], { seed: 1 });
  const model = new TaskModel(seq, { task: "tag", labels: ["DET", "NOUN", "VERB"], vocab });
  const [a, b] = model.tag(["the dog sleeps", ["a", "cat"]]);
  assert.equal(a.tokens, ["the", "dog", "sleeps"]);
  assert.equal(b.tokens, ["a", "cat"]);
  assert.is(a.labels.length, 3);
  assert.is(a.probabilities.length, 9);
  const p = predictProbabilities(seq, [vocab.encode("the dog sleeps")])[0];
  assert.equal([...a.probabilities], [...p]);
  a.classIds.forEach((c, t) => assert.is(a.labels[t], ["DET", "NOUN", "VERB"][c]));
  model.dispose();
});

test("regress: inputs normalised, outputs mapped back to the targets' scale", () => {
  const seq = Sequential.fromConfig([
    { name: "rnn", type: "GRU", inputSize: 2, hiddenSize: 4 },
    { name: "pool", type: "Pool", mode: "last" },
    { name: "fc", type: "Linear", inFeatures: 4, outFeatures: 1 },
  ], { seed: 5 });
  const normalizer = Normalizer.fit(Float32Array.of(1, 100, 3, 300, 5, 200), 2);
  const targetNormalizer = Normalizer.fit(Float32Array.of(10, 20, 60), 1);
  const model = new TaskModel(seq, { task: "regress", normalizer, targetNormalizer });
  const x = Float32Array.of(2, 150, 4, 250, 1, 120);
  const [y] = model.regress([x]);
  const raw = predictOutputs(seq, [normalizer.transform(x)])[0];
  assert.equal([...y], [...targetNormalizer.inverse(raw)]);
  model.dispose();
});

/** A daily series of two features (a weekly pattern and a trend), dated. */
function series(days: number): TimeSeries {
  const values = new Float32Array(days * 2);
  for (let d = 0; d < days; d++) {
    values[2 * d] = 100 + 10 * Math.sin((2 * Math.PI * d) / 7);
    values[2 * d + 1] = d * 0.5;
  }
  const dates = Array.from({ length: days }, (_, d) => new Date(Date.UTC(2020, 0, 1 + d)).toISOString().slice(0, 10));
  return { values, features: 2, dates };
}

test("forecast, direct: the horizon at once, normalised in and mapped back, as forecastDirect computes it", () => {
  const window = { lookback: 14, horizon: 7, targets: [0], calendar: ["dayOfWeek" as const], output: "direct" as const };
  const seq = Sequential.fromConfig([
    { name: "rnn", type: "LSTM", inputSize: 4, hiddenSize: 8 },
    { name: "pool", type: "Pool", mode: "last" },
    { name: "fc", type: "Linear", inFeatures: 8, outFeatures: 7 },
  ], { seed: 2 });
  const history = series(40);
  const normalizer = Normalizer.fit(history.values, 2);
  const model = new TaskModel(seq, { task: "forecast", normalizer, window });
  const got = model.forecast(history);
  const scaled = { ...history, values: normalizer.transform(history.values) };
  const ref = forecastDirect((inputs) => predictOutputs(seq, inputs), scaled, window);
  assert.equal([...got.values], [...normalizer.inverse(ref.values, [0])]);
  assert.is(got.dates!.length, 7);
  assert.is(got.dates![0].toISOString().slice(0, 10), "2020-02-10");
  throwsWith(() => model.forecast(history, { steps: 3 }), RangeError, /forecasts 7 steps at once \(direct\); steps must be 7, got 3/);
  throwsWith(() => model.forecast({ values: new Float32Array(30), features: 1 }), RangeError, /the history has 1 features per step, the model was trained on 2/);
  model.dispose();
});

test("forecast, step: any number of steps recursively, with a known input feature", () => {
  const window = { lookback: 10, targets: [0], output: "step" as const };
  const seq = Sequential.fromConfig([
    { name: "rnn", type: "GRU", inputSize: 2, hiddenSize: 6 },
    { name: "fc", type: "Linear", inFeatures: 6, outFeatures: 1 },
  ], { seed: 4 });
  const history = series(30);
  const normalizer = Normalizer.fit(history.values, 2);
  const model = new TaskModel(seq, { task: "forecast", normalizer, window });
  const known = Float32Array.from({ length: 12 * 2 }, (_, i) => (i % 2 === 1 ? 15 + (i >> 1) * 0.5 : 0));
  const got = model.forecast(history, { steps: 12, known });
  const scaled = { ...history, values: normalizer.transform(history.values) };
  const ref = forecastRecursive((inputs) => predictOutputs(seq, inputs), scaled, { ...window, steps: 12, known: normalizer.transform(known) });
  assert.equal([...got.values], [...normalizer.inverse(ref.values, [0])]);
  throwsWith(() => model.forecast(history, { steps: 2 }), RangeError, /input feature 1 is not predicted \(not in targets\): pass their future values as known/);
  model.dispose();
});

test("the pieces must fit the model, and each error says how", () => {
  const seq = textClassifier(10, 2);
  const vocab = Vocabulary.build("abcdefghijklmnop");
  throwsWith(() => new TaskModel(seq, { task: "classify", labels: ["a", "b", "c"] }), RangeError, /3 labels, but the model has 2 classes/);
  throwsWith(() => new TaskModel(seq, { task: "classify", labels: ["a", "a"] }), RangeError, /label "a" appears twice/);
  throwsWith(() => new TaskModel(seq, { task: "classify", vocab }), RangeError, /vocabulary has \d+ tokens, more than the model's embedding \(10\)/);
  throwsWith(() => new TaskModel(seq, { task: "tag" }), TypeError, /a tag model needs outputs per step/);
  throwsWith(() => new TaskModel(seq, { task: "classify", normalizer: Normalizer.fit(new Float32Array(4), 2) }), TypeError, /a normalizer needs a model that takes features/);
  throwsWith(() => new TaskModel(seq, { task: "classify", window: { lookback: 3, targets: [0], output: "step" } }), TypeError, /a classify model has no window/);
  throwsWith(() => new TaskModel(seq, { task: "sort" as never }), TypeError, /task must be "classify", "tag", "regress" or "forecast", got "sort"/);
  throwsWith(() => new TaskModel(seq, { task: "classify", labels: ["a", "b"], epochs: 3 } as never), TypeError, /epochs/);
  const f = Sequential.fromConfig([{ name: "rnn", type: "GRU", inputSize: 3, hiddenSize: 4 }, { name: "pool", type: "Pool", mode: "last" }, { name: "fc", type: "Linear", inFeatures: 4, outFeatures: 5 }]);
  throwsWith(() => new TaskModel(f, { task: "forecast", features: 2, window: { lookback: 8, horizon: 4, targets: [0], output: "direct" } }), RangeError, /the window gives 2 values per step, the model takes 3/);
  throwsWith(() => new TaskModel(f, { task: "forecast", features: 3, window: { lookback: 8, horizon: 4, targets: [0], output: "direct" } }), RangeError, /a direct forecast of 4 steps of 1 target needs a pooled model with 4 outputs; this one is pooled with 5/);
  throwsWith(() => new TaskModel(f, { task: "forecast", window: { lookback: 8, horizon: 5, targets: [0], output: "direct" } }), TypeError, /needs the series' features per step/);
  seq.dispose();
  f.dispose();
});

test.run();
