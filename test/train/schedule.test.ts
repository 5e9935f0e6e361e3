// Learning-rate schedules: constant, step, cosine.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init, learningRate } from "../../src/index.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await init();

test("learning-rate schedules: constant, step, cosine", () => {
  assert.is(learningRate({ kind: "constant" }, 0.5, 100), 0.5);
  assert.is(learningRate({ kind: "step", every: 10, gamma: 0.5 }, 1, 9), 1);
  assert.is(learningRate({ kind: "step", every: 10, gamma: 0.5 }, 1, 25), 0.25);
  assert.is(learningRate({ kind: "cosine", total: 100 }, 1, 0), 1);
  assert.ok(Math.abs(learningRate({ kind: "cosine", total: 100 }, 1, 50) - 0.5) < 1e-12);
  assert.ok(Math.abs(learningRate({ kind: "cosine", total: 100, minFactor: 0.1 }, 1, 100) - 0.1) < 1e-12);
  assert.ok(Math.abs(learningRate({ kind: "cosine", total: 100, minFactor: 0.1 }, 1, 500) - 0.1) < 1e-12);
});

test.run();
