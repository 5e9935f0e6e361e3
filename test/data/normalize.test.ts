// Per-feature standardisation: statistics against float64 by hand, round trips, subsets of features, the
// constant-feature rule, and the JSON stored with a model.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init } from "../../src/index.js";
import { Normalizer } from "../../src/tasks/index.js";
import { throwsWith } from "../helpers/errors.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await init();

const close = (got: number, want: number, what: string) => assert.ok(Math.abs(got - want) <= 1e-6 + 1e-6 * Math.abs(want), `${what}: ${got} vs ${want}`);

// 3 rows × 3 features; feature 2 is constant
const rows = Float32Array.from([1, 100, 7, 2, 300, 7, 6, 200, 7]);

test("fit: per-feature mean and population std (ddof 0, StandardScaler's), a constant feature's std set to 1", () => {
  const n = Normalizer.fit(rows, 3);
  assert.is(n.features, 3);
  // feature 0: mean 3, deviations −2, −1, 3 → var 14/3; feature 1: mean 200, var (100² + 100² + 0)/3
  assert.equal([...n.mean], [3, 200, 7]);
  close(n.std[0], Math.sqrt(14 / 3), "std 0");
  close(n.std[1], Math.sqrt(20000 / 3), "std 1");
  assert.is(n.std[2], 1, "constant feature");
  const z = n.transform(rows);
  assert.ok(z instanceof Float32Array && z !== rows);
  for (let i = 0; i < 9; i++) close(z[i], (rows[i] - n.mean[i % 3]) / n.std[i % 3], `z[${i}]`);
  assert.equal([z[2], z[5], z[8]], [0, 0, 0], "the constant feature maps to 0, not NaN");
  const back = n.inverse(z);
  for (let i = 0; i < 9; i++) close(back[i], rows[i], `inverse[${i}]`);
  assert.equal([...rows], [1, 100, 7, 2, 300, 7, 6, 200, 7], "input not mutated");
});

test("fit is two-pass: a large mean does not swamp a small spread", () => {
  const n = Normalizer.fit(Float32Array.from([1e6 + 1, 1e6 + 2, 1e6 + 3]), 1);
  close(n.std[0], Math.sqrt(2 / 3), "std");
});

test("transform and inverse of a subset of features (the targets' columns)", () => {
  const n = Normalizer.fit(rows, 3);
  const targets = Float32Array.from([300, 1, 100, 6]); // 2 rows of [feature 1, feature 0]
  const z = n.transform(targets, [1, 0]);
  close(z[0], (300 - 200) / n.std[1], "z[0]");
  close(z[1], (1 - 3) / n.std[0], "z[1]");
  const back = n.inverse(z, [1, 0]);
  for (let i = 0; i < 4; i++) close(back[i], targets[i], `back[${i}]`);
  throwsWith(() => n.transform(targets, [3]), RangeError, /columns\[0\] must be a feature index in \[0, 3\), got 3/);
  throwsWith(() => n.inverse(targets, []), TypeError, /columns must be a non-empty array of feature indices/);
  throwsWith(() => n.transform(Float32Array.from([1, 2, 3]), [0, 1]), RangeError, /values has 3 numbers, not a multiple of the 2 features per row/);
});

test("toJSON / fromJSON: an exact round trip through JSON text, and malformed JSON refused", () => {
  const n = Normalizer.fit(rows, 3);
  const m = Normalizer.fromJSON(JSON.parse(JSON.stringify(n)));
  assert.equal(m.toJSON(), n.toJSON());
  assert.equal([...m.transform(rows)], [...n.transform(rows)]);
  const good = n.toJSON();
  throwsWith(() => Normalizer.fromJSON(null), TypeError, /normalizer JSON must be \{ features: number, mean: number\[\], std: number\[\] \}, got null/);
  throwsWith(() => Normalizer.fromJSON({ ...good, features: 0 }), RangeError, /features must be an integer in \[1, \d+\], got 0/);
  throwsWith(() => Normalizer.fromJSON({ ...good, mean: [1, 2] }), RangeError, /mean must have 3 values \(one per feature\), got 2/);
  throwsWith(() => Normalizer.fromJSON({ ...good, std: [1, 0, 1] }), RangeError, /std\[1\] must be a positive finite number, got 0/);
  throwsWith(() => Normalizer.fromJSON({ ...good, mean: [1, "2", 3] }), RangeError, /mean\[1\] must be a finite number, got "2"/);
  throwsWith(() => Normalizer.fromJSON({ ...good, mean: [1, null, 3] }), RangeError, /mean\[1\] must be a finite number, got null/);
});

test("bad values are refused with what was expected", () => {
  throwsWith(() => Normalizer.fit([1, 2] as never, 1), TypeError, /values must be a Float32Array of \[rows · 1\], got an array of length 2/);
  throwsWith(() => Normalizer.fit(new Float32Array(0), 2), RangeError, /values is empty/);
  throwsWith(() => Normalizer.fit(Float32Array.from([1, 2, 3]), 2), RangeError, /3 numbers, not a multiple of the 2 features/);
  throwsWith(() => Normalizer.fit(Float32Array.from([1, 2, NaN, 4]), 2), RangeError, /values\[2\] \(row 1, feature 0\) must be finite, got NaN/);
  throwsWith(() => Normalizer.fit(rows, 0), RangeError, /features must be an integer in \[1, \d+\], got 0/);
  const n = Normalizer.fit(rows, 3);
  throwsWith(() => n.transform(Float32Array.from([1, 2])), RangeError, /values has 2 numbers, not a multiple of the 3 features/);
  throwsWith(() => n.inverse(new Float64Array(3) as never), TypeError, /must be a Float32Array/);
});

test.run();
