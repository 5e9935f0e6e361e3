// The Linear module (src/nn/linear.ts) against a float64 reference: y = x·Wᵀ + b, and dW = dyᵀ·x,
// db = Σ_rows dy, dx = dy·W, through the GEMM (many rows) and the GEMV (one row), with the packed weights
// rebuilt whenever the parameters change.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init } from "../../src/index.js";
import { runtime } from "../../src/init.js";
import { Linear } from "../../src/nn/linear.js";
import { readParameters, writeParameters } from "../../src/nn/module.js";
import { close, planned, read, write } from "../helpers/modules.js";

await init();

const wave = (n: number, f: number, phase = 0) => Float64Array.from({ length: n }, (_, i) => Math.sin(i * f + phase));

/** y[r] = x[r]·Wᵀ + b in float64. */
function reference(x: Float64Array, W: Float64Array, b: Float64Array, rows: number, I: number, O: number) {
  const y = new Float64Array(rows * O);
  for (let r = 0; r < rows; r++) for (let o = 0; o < O; o++) {
    let s = b[o];
    for (let i = 0; i < I; i++) s += x[r * I + i] * W[o * I + i];
    y[r * O + o] = s;
  }
  return y;
}

for (const [rows, I, O] of [[1, 5, 7], [3, 5, 7], [9, 17, 33], [1, 64, 65]]) {
  test(`forward and backward, ${rows} row${rows > 1 ? "s" : ""} × ${I} → ${O}`, () => {
    const fc = runtime().heap.scope(() => new Linear(runtime(), "fc", I, O));
    assert.equal(fc.parameters().map((p) => p.name), ["fc.weight", "fc.bias"]);
    const W = wave(O * I, 0.31), b = wave(O, 0.7), x = wave(rows * I, 0.13, 1), dy = wave(rows * O, 0.23, 2);
    writeParameters("test", fc.parameters(), { "fc.weight": W, "fc.bias": b });
    const p = planned((plan) => ({ x: plan.mat(rows, I), dy: plan.mat(rows, O), acts: fc.declare(plan, 1, rows), grads: fc.declareGrads(plan, 1, rows) }));
    write(p.x, x);
    write(p.dy, dy);
    const y = fc.forward(p.x, p.acts);
    assert.is(close(read(y), reference(x, W, b, rows, I, O), "y"), null);
    const dx = fc.backward(p.dy, p.acts, p.grads);
    const dW = new Float64Array(O * I), db = new Float64Array(O), dxRef = new Float64Array(rows * I);
    for (let r = 0; r < rows; r++) for (let o = 0; o < O; o++) {
      db[o] += dy[r * O + o];
      for (let i = 0; i < I; i++) {
        dW[o * I + i] += dy[r * O + o] * x[r * I + i];
        dxRef[r * I + i] += dy[r * O + o] * W[o * I + i];
      }
    }
    const grads = Object.fromEntries(fc.parameters().map((q) => [q.name, q.group.grads.copyOut(q.offset, q.length)]));
    assert.is(close(grads["fc.weight"], dW, "dW"), null);
    assert.is(close(grads["fc.bias"], db, "db"), null);
    assert.is(close(read(dx), dxRef, "dx"), null);
    // new weights: the packed copies follow without being told
    const W2 = wave(O * I, 0.17, 3);
    writeParameters("test", fc.parameters(), { "fc.weight": W2, "fc.bias": b });
    assert.is(close(read(fc.forward(p.x, p.acts)), reference(x, W2, b, rows, I, O), "y after a load"), null);
    assert.equal(Object.keys(readParameters(fc.parameters())), ["fc.weight", "fc.bias"]);
    p.dispose();
    fc.dispose();
  });
}

test("backward without a forward is refused", () => {
  const fc = runtime().heap.scope(() => new Linear(runtime(), "fc", 3, 2));
  const p = planned((plan) => ({ dy: plan.mat(2, 2), acts: fc.declare(plan, 1, 2), grads: fc.declareGrads(plan, 1, 2) }));
  assert.throws(() => fc.backward(p.dy, p.acts, p.grads), /fc\.backward: no forward pass/);
  p.dispose();
  fc.dispose();
});

test.run();
