// Dropout (src/nn/dropout.ts): in training, each value kept with probability 1 − p and scaled by 1/(1 − p),
// the same mask applied to the gradient; in evaluation, the input passes through untouched.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init, Random } from "../../src/index.js";
import { runtime } from "../../src/init.js";
import { Dropout } from "../../src/nn/dropout.js";
import { planned, read, write } from "../helpers/modules.js";

await init();

test("training: kept values scaled by 1/(1 − p), the rest 0, the keep rate near 1 − p; backward applies the same mask", () => {
  const random = new Random(runtime(), 7);
  const n = 4000, p = 0.3;
  const drop = new Dropout(runtime(), "dropout", p, 40, random);
  const plan = planned((b) => ({ x: b.mat(100, 40), dy: b.mat(100, 40), acts: drop.declare(b, 10, 10) }));
  write(plan.x, new Float32Array(n).fill(2));
  write(plan.dy, new Float32Array(n).fill(5));
  const y = read(drop.forward(plan.x, plan.acts));
  const scale = Math.fround(1 / (1 - p));
  let kept = 0;
  for (const v of y) {
    assert.ok(v === 0 || v === Math.fround(2 * scale), `value ${v}`);
    if (v !== 0) kept++;
  }
  const sd = Math.sqrt(n * p * (1 - p));
  assert.ok(Math.abs(kept - n * (1 - p)) < 5 * sd, `kept ${kept} of ${n}`);
  const dx = read(drop.backward(plan.dy, plan.acts));
  y.forEach((v, i) => assert.is(dx[i] === 0, v === 0, `mask at ${i}`));
  plan.dispose();
  random.dispose();
});

test("evaluation: the input passes through, and backward too", () => {
  const random = new Random(runtime(), 8);
  const drop = new Dropout(runtime(), "dropout", 0.5, 3, random);
  drop.training = false;
  const plan = planned((b) => ({ x: b.mat(2, 3), acts: drop.declare(b, 2, 1) }));
  write(plan.x, [1, 2, 3, 4, 5, 6]);
  assert.equal([...read(drop.forward(plan.x, plan.acts))], [1, 2, 3, 4, 5, 6]);
  assert.equal([...read(drop.backward(plan.x, plan.acts))], [1, 2, 3, 4, 5, 6]);
  assert.throws(() => new Dropout(runtime(), "d", 1, 3, random), /probability in \[0, 1\)/);
  plan.dispose();
  random.dispose();
});

test.run();
