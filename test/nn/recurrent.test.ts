// The recurrent stack as a module (src/nn/recurrent.ts), driven as an owner drives it: the public layers are
// thin wrappers over it, so its results are theirs; plans of several shapes live side by side; backward
// refuses activations that are not the last forward's, or that a backward already used.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init, LSTM, GRU } from "../../src/index.js";
import { runtime } from "../../src/init.js";
import { Recurrent } from "../../src/nn/recurrent.js";
import { resolveConfig } from "../../src/nn/recurrent-config.js";
import { writeParameters } from "../../src/nn/module.js";
import { planned, read, write } from "../helpers/modules.js";

await init();

const wave = (n: number, f: number) => new Float32Array(n).map((_, i) => Math.sin(i * f));

test("the module computes exactly what the public layer returns (forward, backward, every gradient)", () => {
  const options = { inputSize: 4, hiddenSize: 6, numLayers: 2, bidirectional: true, seed: 3 };
  const layer = new LSTM(options);
  const module = runtime().heap.scope(() => new Recurrent(runtime(), "rnn", resolveConfig("lstm", "LSTM", options)));
  writeParameters("test", module.parameters(), Object.fromEntries(Object.entries(layer.torchParams()).map(([k, v]) => [`rnn.${k}`, v])));
  const T = 5, B = 3, x = wave(T * B * 4, 0.3), dOut = wave(T * B * 12, 0.7);
  const want = layer.forward(x, { seqLen: T, batch: B });
  const wantGrads = layer.backward({ dOutput: dOut });
  const p = planned((plan) => ({ x: plan.mat(T * B, 4), dy: plan.mat(T * B, 12), acts: module.declare(plan, T, B), grads: module.declareGrads(plan, T, B) }));
  module.allocatePacks("forward", T, B);
  module.allocatePacks("backward", T, B);
  write(p.x, x);
  write(p.dy, dOut);
  assert.equal(read(module.forward(p.x, p.acts)), want.output);
  assert.equal(read(p.acts.hN), want.hN);
  assert.equal(read(p.acts.cN!), want.cN);
  const dx = module.backward(p.dy, p.acts, p.grads);
  assert.equal(read(dx!), wantGrads.dx);
  for (const q of module.parameters()) assert.equal(q.group.grads.copyOut(q.offset, q.length), wantGrads.grads[q.name.slice(4)], q.name);
  p.dispose();
  module.dispose();
  layer.dispose();
});

test("plans of two shapes side by side; backward only for the last forward, and only once", () => {
  const options = { inputSize: 3, hiddenSize: 5, seed: 4 };
  const module = runtime().heap.scope(() => new Recurrent(runtime(), "", resolveConfig("gru", "GRU", options)));
  module.resetParameters(options.seed); // as the public layer initialises it
  const reference = new GRU(options);
  const shapes = [[4, 2], [1, 1]] as const;
  const plans = shapes.map(([T, B]) => planned((plan) => ({ x: plan.mat(T * B, 3), acts: module.declare(plan, T, B), grads: module.declareGrads(plan, T, B) })));
  for (const [T, B] of shapes) { module.allocatePacks("forward", T, B); module.allocatePacks("backward", T, B); }
  for (let round = 0; round < 2; round++) {
    shapes.forEach(([T, B], i) => {
      const x = wave(T * B * 3, 0.2 + round + i);
      write(plans[i].x, x);
      assert.equal(read(module.forward(plans[i].x, plans[i].acts)), reference.forward(x, { seqLen: T, batch: B }).output, `round ${round}, shape ${T}×${B}`);
    });
  }
  const [a, b] = plans;
  assert.throws(() => module.backward(null, a.acts, a.grads, { dhN: a.acts.hN, dcN: null, wantInputGrad: true }), /no forward pass to differentiate/, "stale activations");
  assert.is(module.backward(null, b.acts, b.grads, { dhN: b.acts.hN, dcN: null, wantInputGrad: false }), null, "no input gradient asked");
  assert.throws(() => module.backward(null, b.acts, b.grads, { dhN: b.acts.hN, dcN: null, wantInputGrad: true }), /used by a previous backward/);
  plans.forEach((p) => p.dispose());
  module.dispose();
  reference.dispose();
  assert.throws(() => module.forward(a.x, a.acts), /the layer was disposed/);
});

test.run();
