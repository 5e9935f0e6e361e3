// Sequence datasets: every kind of bad example named by its index, and the seeded validation split.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init } from "../../src/index.js";
import { checkDataset, splitDataset, type SequenceDataset } from "../../src/tasks/index.js";
import { throwsWith } from "../helpers/errors.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await init();

const ids = (...v: number[]) => Int32Array.from(v);
const floats = (...v: number[]) => Float32Array.from(v);

function classify(): SequenceDataset {
  return {
    task: "classify", inputKind: "tokens", inputSize: 5, outFeatures: 3, perStep: false,
    examples: [{ input: ids(1, 2, 3), target: 0 }, { input: ids(4), target: 2 }],
  };
}

function tag(): SequenceDataset {
  return {
    task: "tag", inputKind: "tokens", inputSize: 5, outFeatures: 3, perStep: true,
    examples: [{ input: ids(1, 2, 3), target: ids(0, -100, 2) }, { input: ids(4), target: ids(1) }],
  };
}

function regress(perStep: boolean): SequenceDataset {
  // inputSize 2, outFeatures 2: per step [length · 2], pooled [2]
  return {
    task: "regress", inputKind: "features", inputSize: 2, outFeatures: 2, perStep,
    examples: [
      { input: floats(1, 2, 3, 4), target: perStep ? floats(1, 2, 3, 4) : floats(5, 6) },
      { input: floats(5, 6), target: perStep ? floats(7, 8) : floats(9, 10) },
    ],
  };
}

test("checkDataset accepts each task and returns the dataset", () => {
  for (const d of [classify(), tag(), regress(false), regress(true)]) assert.is(checkDataset(d), d);
});

test("checkDataset: bad fields, named with what was expected", () => {
  const cases: [unknown, ErrorConstructor, RegExp][] = [
    [null, TypeError, /dataset must be a SequenceDataset object, got null/],
    [{ ...classify(), task: "sort" }, TypeError, /dataset\.task must be one of classify, tag, regress, got "sort"/],
    [{ ...classify(), inputKind: "pixels" }, TypeError, /inputKind must be "tokens" or "features", got "pixels"/],
    [{ ...classify(), inputSize: 0 }, RangeError, /inputSize must be an integer ≥ 1, got 0/],
    [{ ...classify(), outFeatures: 1.5 }, RangeError, /outFeatures must be an integer ≥ 1, got 1\.5/],
    [{ ...classify(), perStep: 1 }, TypeError, /perStep must be true or false, got 1/],
    [{ ...classify(), perStep: true }, RangeError, /classify dataset has one target per example/],
    [{ ...tag(), perStep: false }, RangeError, /tag dataset has a class per step/],
    [{ ...classify(), examples: {} }, TypeError, /examples must be an array, got object/],
    [{ ...classify(), examples: [] }, RangeError, /examples is empty/],
  ];
  for (const [d, type, pattern] of cases) throwsWith(() => checkDataset(d), type, pattern);
});

test("checkDataset: bad examples, named by index", () => {
  const withExample = (d: SequenceDataset, e: unknown) => ({ ...d, examples: [d.examples[0], e] });
  const cases: [unknown, ErrorConstructor, RegExp][] = [
    [withExample(classify(), 3), TypeError, /examples\[1\] must be \{ input, target \}, got 3/],
    [withExample(classify(), { input: floats(1), target: 0 }), TypeError, /examples\[1\]\.input must be an Int32Array of token ids, got a Float32Array of length 1/],
    [withExample(classify(), { input: ids(), target: 0 }), RangeError, /examples\[1\]\.input is empty/],
    [withExample(classify(), { input: ids(1, 5), target: 0 }), RangeError, /examples\[1\]\.input\[1\] must be a token id in \[0, 5\), got 5/],
    [withExample(classify(), { input: ids(-1), target: 0 }), RangeError, /input\[0\] must be a token id in \[0, 5\), got -1/],
    [withExample(classify(), { input: ids(1), target: 3 }), RangeError, /examples\[1\]\.target must be a class id in \[0, 3\), got 3/],
    [withExample(classify(), { input: ids(1), target: 0.5 }), RangeError, /target must be a class id in \[0, 3\), got 0\.5/],
    [withExample(tag(), { input: ids(1, 2), target: ids(0) }), RangeError, /examples\[1\]\.target must have 2 class ids \(one per input step\), got 1/],
    [withExample(tag(), { input: ids(1), target: ids(3) }), RangeError, /target\[0\] must be a class id in \[0, 3\) or ignoreIndex -100, got 3/],
    [withExample(tag(), { input: ids(1), target: 1 }), TypeError, /target must be an Int32Array of 1 class ids/],
    [withExample(regress(false), { input: ids(1, 2), target: floats(1, 2) }), TypeError, /input must be a Float32Array of \[length · 2\] features, got a Int32Array/],
    [withExample(regress(false), { input: floats(1, 2, 3), target: floats(1, 2) }), RangeError, /examples\[1\]\.input has 3 values, not a multiple of inputSize 2/],
    [withExample(regress(false), { input: floats(), target: floats(1, 2) }), RangeError, /examples\[1\]\.input is empty/],
    [withExample(regress(false), { input: floats(1, NaN), target: floats(1, 2) }), RangeError, /examples\[1\]\.input\[1\] must be a finite number, got NaN/],
    [withExample(regress(false), { input: floats(1, 2), target: floats(1) }), RangeError, /target must have 2 values \(\[outFeatures\] = 2\), got 1/],
    [withExample(regress(true), { input: floats(1, 2, 3, 4), target: floats(1, 2) }), RangeError, /target must have 4 values \(\[length · outFeatures\] = 2 × 2\), got 2/],
    [withExample(regress(true), { input: floats(1, 2), target: floats(1, Infinity) }), RangeError, /target\[1\] must be a finite number, got Infinity/],
    [withExample(regress(true), { input: floats(1, 2), target: [1, 2] }), TypeError, /target must be a Float32Array/],
  ];
  for (const [d, type, pattern] of cases) throwsWith(() => checkDataset(d), type, pattern);
  // another ignoreIndex, when the tags use one
  const d = { ...tag(), examples: [{ input: ids(1, 2), target: ids(0, -1) }] };
  throwsWith(() => checkDataset(d), RangeError, /target\[1\] must be a class id in \[0, 3\) or ignoreIndex -100, got -1/);
  assert.is(checkDataset(d, { ignoreIndex: -1 }), d);
});

function numbered(n: number): SequenceDataset {
  return {
    task: "classify", inputKind: "tokens", inputSize: n, outFeatures: 2, perStep: false,
    examples: Array.from({ length: n }, (_, i) => ({ input: ids(i), target: i % 2 })),
  };
}

test("splitDataset: a seeded shuffle, then round(n · fraction) to validation; both halves in the original order", () => {
  const d = numbered(50);
  const before = d.examples.slice();
  const a = splitDataset(d, { validation: 0.2, seed: 7 });
  assert.is(a.validation.examples.length, 10);
  assert.is(a.train.examples.length, 40);
  const all = [...a.indices.train, ...a.indices.validation].sort((x, y) => x - y);
  assert.equal(all, Array.from({ length: 50 }, (_, i) => i), "disjoint and covering");
  for (const half of [a.indices.train, a.indices.validation]) {
    for (let i = 1; i < half.length; i++) assert.ok(half[i - 1] < half[i], "original order kept");
  }
  a.validation.examples.forEach((e, i) => assert.is(e, d.examples[a.indices.validation[i]], "examples shared, not copied"));
  const { examples: _t, ...trainFields } = a.train;
  const { examples: _d, ...fields } = d;
  assert.equal(trainFields, fields, "the dataset's fields kept");
  assert.equal(d.examples, before, "input not mutated");
  assert.equal(splitDataset(d, { validation: 0.2, seed: 7 }).indices, a.indices, "same seed, same split");
  assert.not.equal(splitDataset(d, { validation: 0.2, seed: 8 }).indices.validation, a.indices.validation, "another seed, another split");
  assert.not.equal([...a.indices.validation], Array.from({ length: 10 }, (_, i) => i), "shuffled, not the first ten");
});

test("splitDataset refuses an empty half, a bad fraction, unknown options and a bad dataset", () => {
  throwsWith(() => splitDataset(numbered(3), { validation: 0.1 }), RangeError, /fraction of 0\.1 of 3 examples leaves validation empty/);
  throwsWith(() => splitDataset(numbered(3), { validation: 0.9 }), RangeError, /leaves training empty/);
  for (const v of [0, 1, -0.5, NaN, "0.2"]) {
    throwsWith(() => splitDataset(numbered(10), { validation: v as number }), RangeError, /validation must be a fraction in \(0, 1\)/);
  }
  throwsWith(() => splitDataset(numbered(10), { validation: 0.2, sed: 1 } as never), TypeError, /unknown option "sed"/);
  throwsWith(() => splitDataset(numbered(10), { validation: 0.2, seed: -1 }), RangeError, /seed must be a non-negative safe integer/);
  throwsWith(() => splitDataset({ ...numbered(10), inputSize: 0 }, { validation: 0.2 }), RangeError, /inputSize/);
});

test.run();
