// Gradient clipping by global norm (torch.nn.utils.clip_grad_norm_).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init, clipGradientNorm, gradientNorm } from "../../src/index.js";
import { tinyModel, setGrads } from "../helpers/tiny-lm.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await init();

test("clipping by global norm: the norm of all groups together, scaled down only when above the limit", () => {
  const { lm } = tinyModel();
  const groups = lm.parameterGroups();
  setGrads(groups, 1);
  let sq = 0;
  for (const g of groups) for (const v of g.grads.view()) sq += v * v;
  const norm = gradientNorm(groups);
  assert.ok(Math.abs(norm - Math.sqrt(sq)) < 1e-4 * Math.sqrt(sq));
  assert.is(clipGradientNorm(groups, norm * 2), norm);
  assert.ok(Math.abs(gradientNorm(groups) - norm) < 1e-4 * norm, "below the limit: untouched");
  clipGradientNorm(groups, 1);
  assert.ok(Math.abs(gradientNorm(groups) - 1) < 1e-4, "clipped to norm 1");
  lm.dispose();
});

test.run();
