// Classification and regression metrics against hand computations and scikit-learn 1.2.1's outputs (the
// numbers below were printed by sklearn.metrics on the same arrays), and the rows → predictions helpers.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init } from "../../src/index.js";
import { argmaxRows, classificationMetrics, regressionMetrics, softmaxRows } from "../../src/tasks/index.js";
import { throwsWith } from "../helpers/errors.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await init();

const close = (got: number, want: number, what: string, tol = 1e-12) => assert.ok(Math.abs(got - want) <= tol, `${what}: ${got} vs ${want}`);
const i32 = (v: number[]) => Int32Array.from(v);

test("classification by hand: 3 classes, 6 rows, one ignored", () => {
  // rows (true, predicted): (0,0) (0,1) (1,1) (2,1) (2,2) and an ignored (−100, 2)
  const m = classificationMetrics(i32([0, 1, 1, 1, 2, 2]), i32([0, 0, 1, 2, 2, -100]), 3);
  assert.is(m.count, 5);
  assert.is(m.accuracy, 3 / 5);
  assert.equal(m.confusion, [[1, 1, 0], [0, 1, 0], [0, 1, 1]]);
  // class 0: tp 1, fp 0, fn 1; class 1: tp 1, fp 2, fn 0; class 2: tp 1, fp 0, fn 1
  assert.equal(m.perClass.map((c) => [c.precision, c.recall, c.support]), [[1, 0.5, 2], [1 / 3, 1, 1], [1, 0.5, 2]]);
  close(m.perClass[0].f1, 2 / 3, "f1 0");
  close(m.perClass[1].f1, 0.5, "f1 1");
  close(m.macroF1, (2 / 3 + 0.5 + 2 / 3) / 3, "macro");
});

test("classification against sklearn: every class present (both macro definitions agree)", () => {
  const t = [2, 2, 2, 1, 2, 2, 2, 0, 1, 1, 0, 1, 1, 2, 1, 0, 2, 2, 0, 1, 1, 2, 0, 1];
  const p = [2, 1, 1, 1, 0, 1, 2, 0, 2, 2, 0, 1, 1, 2, 1, 1, 2, 2, 0, 0, 2, 2, 0, 2];
  const m = classificationMetrics(i32(p), i32(t), 3);
  close(m.accuracy, 0.5833333333333334, "accuracy_score");
  close(m.macroF1, 0.5992869875222816, "f1_score(average='macro')");
  assert.equal(m.confusion, [[4, 1, 0], [1, 4, 4], [1, 3, 6]], "confusion_matrix");
  const want = [
    [0.6666666666666666, 0.8, 0.7272727272727272, 5],
    [0.5, 0.4444444444444444, 0.47058823529411764, 9],
    [0.6, 0.6, 0.6, 10],
  ];
  m.perClass.forEach((c, k) => [c.precision, c.recall, c.f1, c.support].forEach((v, j) => close(v, want[k][j], `class ${k} field ${j}`)));
});

test("classification against sklearn: a class only predicted, a class absent from both (F1 0, counted in the mean)", () => {
  // classes 0–4: class 3 is predicted once but never true; class 4 never occurs; one row ignored
  const t = [0, 1, 2, 2, 0, 1, 1, 2, 0, 0, -100, 2];
  const p = [0, 2, 2, 2, 1, 1, 0, 2, 0, 3, 1, 1];
  const m = classificationMetrics(i32(p), i32(t), 5);
  close(m.accuracy, 0.5454545454545454, "accuracy_score");
  close(m.macroF1, 0.330952380952381, "f1_score(labels=range(5), average='macro')");
  // sklearn without labels= averages over the 4 classes present in either array: 0.4136904761904762
  close((m.macroF1 * 5) / 4, 0.4136904761904762, "f1_score(average='macro') from the same per-class scores");
  assert.equal(m.confusion, [[2, 1, 0, 1, 0], [1, 1, 1, 0, 0], [0, 1, 3, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]);
  const want = [
    [0.6666666666666666, 0.5, 0.5714285714285715, 4],
    [0.3333333333333333, 0.3333333333333333, 0.3333333333333333, 3],
    [0.75, 0.75, 0.75, 4],
    [0, 0, 0, 0],
    [0, 0, 0, 0],
  ];
  m.perClass.forEach((c, k) => [c.precision, c.recall, c.f1, c.support].forEach((v, j) => close(v, want[k][j], `class ${k} field ${j}`)));
});

test("classification: bad inputs refused with the index", () => {
  throwsWith(() => classificationMetrics(i32([0, 3]), i32([0, 1]), 3), RangeError, /predicted\[1\] must be a class id in \[0, 3\), got 3/);
  throwsWith(() => classificationMetrics(i32([0, 1]), i32([0, -1]), 3), RangeError, /target\[1\] must be a class id in \[0, 3\) or ignoreIndex -100, got -1/);
  throwsWith(() => classificationMetrics(i32([0]), i32([0, 1]), 3), RangeError, /predicted has 1 rows, target 2; they must match/);
  throwsWith(() => classificationMetrics(i32([0, 1]), i32([-100, -100]), 3), RangeError, /no rows to score \(2 rows, every target is ignoreIndex -100\)/);
  throwsWith(() => classificationMetrics([0] as never, i32([0]), 3), TypeError, /predicted must be an Int32Array of class ids, got an array of length 1/);
  throwsWith(() => classificationMetrics(i32([0]), i32([0]), 0), RangeError, /classes must be an integer in \[1, \d+\], got 0/);
  assert.is(classificationMetrics(i32([1, 2]), i32([1, -1]), 3, -1).count, 1, "another ignoreIndex");
});

test("regression: MAE, RMSE (sklearn's) and sMAPE (by hand), with a mask", () => {
  const y = Float32Array.from([3, -0.5, 2, 7, 0, 1.25]);
  const p = Float32Array.from([2.5, 0, 2, 8, 0, -1.25]);
  const m = regressionMetrics(p, y);
  close(m.mae, 0.75, "mean_absolute_error");
  close(m.rmse, 1.136515141415488, "sqrt(mean_squared_error)");
  // 2|e|/(|y|+|ŷ|): 1/5.5, 2, 0, 2/15, 0 (both 0), 2 → mean · 100
  close(m.smape, (100 * (1 / 5.5 + 2 + 0 + 2 / 15 + 0 + 2)) / 6, "sMAPE");
  close(m.smape, 71.9191919191919, "sMAPE, numpy", 1e-11);
  assert.is(m.count, 6);
  const masked = regressionMetrics(p, y, Uint8Array.from([1, 0, 1, 1, 0, 0]));
  assert.is(masked.count, 3);
  close(masked.mae, 1.5 / 3, "masked MAE");
  close(masked.rmse, Math.sqrt(1.25 / 3), "masked RMSE");
  close(masked.smape, (100 * (1 / 5.5 + 2 / 15)) / 3, "masked sMAPE");
  assert.ok(Number.isNaN(regressionMetrics(Float32Array.from([NaN]), Float32Array.from([1])).mae), "NaN in, NaN out");
  throwsWith(() => regressionMetrics(p, y, new Uint8Array(6)), RangeError, /no values to score \(6 values, all masked\)/);
  throwsWith(() => regressionMetrics(p, y, new Uint8Array(2)), TypeError, /mask must be a Uint8Array of 6 values \(1 = scored\), got a Uint8Array of length 2/);
  throwsWith(() => regressionMetrics(p.subarray(1), y), RangeError, /predicted has 5 values, target 6/);
  throwsWith(() => regressionMetrics(p, [1] as never), TypeError, /target must be a Float32Array, got an array of length 1/);
});

test("argmaxRows: the first maximum of each row, the first NaN if any (numpy's argmax)", () => {
  const v = Float32Array.from([1, 3, 3, -Infinity, -Infinity, -Infinity, 0, NaN, 5, 2, 9, 9]);
  assert.equal([...argmaxRows(v, 3)], [1, 0, 1, 1]);
  assert.equal([...argmaxRows(v, 4)], [1, 3, 2]);
  throwsWith(() => argmaxRows(v, 5), RangeError, /values has 12 numbers, not a multiple of cols 5/);
  throwsWith(() => argmaxRows([1] as never, 1), TypeError, /values must be a Float32Array/);
});

test("softmaxRows: float64 softmax of each row into a new array, stable for large logits, −Infinity gives 0", () => {
  const v = Float32Array.from([1, 2, 3, 1000, 1001, -Infinity, 0, 0, 0]);
  const s = softmaxRows(v, 3);
  assert.ok(s !== v);
  const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
  const sum = e[0] + e[1] + e[2];
  e.forEach((x, c) => close(s[c], Math.fround(x / sum), `row 0 col ${c}`, 0));
  close(s[3], Math.fround(1 / (1 + Math.E)), "row 1 col 0", 0);
  close(s[4], Math.fround(Math.E / (1 + Math.E)), "row 1 col 1", 0);
  assert.is(s[5], 0);
  assert.equal([...s.subarray(6)], [1 / 3, 1 / 3, 1 / 3].map(Math.fround));
  assert.ok([...softmaxRows(Float32Array.from([NaN, 1]), 2)].every(Number.isNaN), "NaN row → NaN, as torch");
  assert.equal([...v.subarray(0, 3)], [1, 2, 3], "input not mutated");
});

test.run();
