// Optimizers against PyTorch's update formulas, clipping, schedules, perplexity, the training loop
// (learning, bit-for-bit determinism, the NaN stop), and dropout.

import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  init, LanguageModel, Optimizer, Trainer, Vocabulary, clipGradientNorm, gradientNorm, learningRate,
  evaluatePerplexity, generateText, type ParameterGroup,
} from "../src/index.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await init();

const TEXT = "the quick brown fox jumps over the lazy dog. ".repeat(40);

function tinyModel(extra: Partial<ConstructorParameters<typeof LanguageModel>[0]> = {}): { lm: LanguageModel; vocab: Vocabulary; ids: Int32Array } {
  const vocab = Vocabulary.build(TEXT);
  const lm = new LanguageModel({ vocabSize: vocab.size, cell: "gru", hiddenSize: 24, embedSize: 8, seed: 3, ...extra });
  return { lm, vocab, ids: vocab.encode(TEXT) };
}

/** Puts a gradient into every group: g = sin(i + step) so steps differ. */
function setGrads(groups: readonly ParameterGroup[], step: number): void {
  for (const g of groups) g.grads.view().forEach((_, i, a) => (a[i] = Math.sin(i * 0.37 + step)));
}

type Ref = (p: number, g: number, s: Record<string, number>, t: number) => number;

/** Runs `steps` optimizer steps in wasm and the float64 reference per element; compares. */
function checkOptimizer(options: ConstructorParameters<typeof Optimizer>[1], reference: Ref, steps = 4): void {
  const { lm } = tinyModel();
  const groups = lm.parameterGroups();
  const start = groups.map((g) => Float64Array.from(g.params.view()));
  const opt = new Optimizer(groups, options);
  const state = groups.map((g) => Array.from({ length: g.params.length }, () => ({}) as Record<string, number>));
  const expected = start.map((a) => Float64Array.from(a));
  for (let t = 1; t <= steps; t++) {
    setGrads(groups, t);
    groups.forEach((g, gi) => g.grads.view().forEach((gv, i) => (expected[gi][i] = reference(expected[gi][i], gv, state[gi][i], t))));
    opt.step();
  }
  groups.forEach((g, gi) => {
    const got = g.params.view();
    for (let i = 0; i < got.length; i++) {
      assert.ok(Math.abs(got[i] - expected[gi][i]) <= 1e-5 + 1e-4 * Math.abs(expected[gi][i]), `${options.name} ${g.name}[${i}]: ${got[i]} vs ${expected[gi][i]}`);
    }
  });
  opt.dispose();
  lm.dispose();
}

test("SGD, with momentum, dampening, nesterov and weight decay, follows torch.optim.SGD", () => {
  checkOptimizer({ name: "sgd", lr: 0.1 }, (p, g) => p - 0.1 * g);
  const mom = (lr: number, mu: number, damp: number, wd: number, nesterov: boolean): Ref => (p, g, s, t) => {
    const d = g + wd * p;
    s.buf = t === 1 ? d : mu * s.buf + (1 - damp) * d;
    return p - lr * (nesterov ? d + mu * s.buf : s.buf);
  };
  checkOptimizer({ name: "sgd", lr: 0.05, momentum: 0.9, weightDecay: 0.01 }, mom(0.05, 0.9, 0, 0.01, false));
  checkOptimizer({ name: "sgd", lr: 0.05, momentum: 0.8, dampening: 0.3 }, mom(0.05, 0.8, 0.3, 0, false));
  checkOptimizer({ name: "sgd", lr: 0.05, momentum: 0.9, nesterov: true }, mom(0.05, 0.9, 0, 0, true));
});

test("Adam and AdamW follow torch.optim.Adam / AdamW, bias correction included", () => {
  const adam = (lr: number, b1: number, b2: number, eps: number, wd: number, decoupled: boolean): Ref => (p, g, s, t) => {
    if (decoupled) p *= 1 - lr * wd;
    else g += wd * p;
    s.m = b1 * (s.m ?? 0) + (1 - b1) * g;
    s.v = b2 * (s.v ?? 0) + (1 - b2) * g * g;
    const mhat = s.m / (1 - b1 ** t), vhat = s.v / (1 - b2 ** t);
    return p - (lr * mhat) / (Math.sqrt(vhat) + eps);
  };
  checkOptimizer({ name: "adam", lr: 0.01 }, adam(0.01, 0.9, 0.999, 1e-8, 0, false));
  checkOptimizer({ name: "adam", lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1 }, adam(0.01, 0.8, 0.99, 1e-6, 0.1, false));
  checkOptimizer({ name: "adamw", lr: 0.01 }, adam(0.01, 0.9, 0.999, 1e-8, 0.01, true));
});

test("optimizer options are checked", () => {
  const { lm } = tinyModel();
  assert.throws(() => new Optimizer(lm.parameterGroups(), { name: "rmsprop" as never, lr: 1 }), /"sgd", "adam" or "adamw", got "rmsprop"/);
  assert.throws(() => new Optimizer(lm.parameterGroups(), { name: "sgd", lr: -1 }), /lr must be a number > 0, got -1/);
  assert.throws(() => new Optimizer(lm.parameterGroups(), { name: "sgd", lr: 1, nesterov: true }), /nesterov needs momentum > 0/);
  assert.throws(() => new Optimizer(lm.parameterGroups(), { name: "adam", lr: 1, beta: 0.9 } as never), /unknown option "beta"/);
  lm.dispose();
});

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

test("learning-rate schedules: constant, step, cosine", () => {
  assert.is(learningRate({ kind: "constant" }, 0.5, 100), 0.5);
  assert.is(learningRate({ kind: "step", every: 10, gamma: 0.5 }, 1, 9), 1);
  assert.is(learningRate({ kind: "step", every: 10, gamma: 0.5 }, 1, 25), 0.25);
  assert.is(learningRate({ kind: "cosine", total: 100 }, 1, 0), 1);
  assert.ok(Math.abs(learningRate({ kind: "cosine", total: 100 }, 1, 50) - 0.5) < 1e-12);
  assert.ok(Math.abs(learningRate({ kind: "cosine", total: 100, minFactor: 0.1 }, 1, 100) - 0.1) < 1e-12);
  assert.ok(Math.abs(learningRate({ kind: "cosine", total: 100, minFactor: 0.1 }, 1, 500) - 0.1) < 1e-12);
});

test("perplexity of a model that predicts uniformly is exactly the vocabulary size", () => {
  const { lm, vocab, ids } = tinyModel();
  const p = lm.torchParams();
  p["fc.weight"].fill(0);
  p["fc.bias"].fill(0);
  lm.loadTorchParams(p);
  const r = evaluatePerplexity(lm, ids, { batchSize: 5, seqLen: 16 });
  assert.ok(Math.abs(r.perplexity - vocab.size) < 1e-3 * vocab.size, `${r.perplexity} vs ${vocab.size}`);
  assert.ok(r.tokens > ids.length - 10, "nearly every token predicted");
  lm.dispose();
});

test("training lowers the loss and the held-out perplexity (sequential and random, SGD and Adam)", () => {
  for (const [partition, optimizer] of [["sequential", { name: "sgd", lr: 1 }], ["random", { name: "adam", lr: 0.01 }]] as const) {
    const { lm, ids } = tinyModel();
    const before = evaluatePerplexity(lm, ids.subarray(0, 300)).perplexity;
    const trainer = new Trainer(lm, ids, { batchSize: 8, seqLen: 12, partition, optimizer, clip: 1, seed: 1 });
    const first = trainer.trainEpoch();
    let last = first;
    for (let e = 0; e < 14; e++) last = trainer.trainEpoch();
    assert.ok(last.loss < first.loss * 0.6, `${partition}: loss ${first.loss} → ${last.loss}`);
    const after = evaluatePerplexity(lm, ids.subarray(0, 300)).perplexity;
    assert.ok(after < before / 3, `${partition}: perplexity ${before} → ${after}`);
    assert.ok(last.tokensPerSecond > 0 && last.tokens > 0);
    trainer.dispose();
    lm.dispose();
  }
});

test("the same seed gives the same weights bit for bit", () => {
  const run = () => {
    const { lm, ids } = tinyModel({ dropout: 0.3, numLayers: 2 });
    const trainer = new Trainer(lm, ids, { batchSize: 4, seqLen: 10, partition: "random", optimizer: { name: "adamw", lr: 0.01 }, clip: 0.5, seed: 9 });
    for (let e = 0; e < 3; e++) trainer.trainEpoch();
    const p = lm.torchParams();
    trainer.dispose();
    lm.dispose();
    return p;
  };
  const a = run(), b = run();
  for (const k of Object.keys(a)) assert.ok(a[k].every((v, i) => Object.is(v, b[k][i])), `${k} identical`);
});

test("epochSteps(): one update per next(), other work between steps, the same weights bit for bit as trainEpoch()", () => {
  const options = { batchSize: 4, seqLen: 10, partition: "sequential", optimizer: { name: "adam", lr: 0.01 }, clip: 1, seed: 5 } as const;
  const a = tinyModel({ dropout: 0.3, numLayers: 2 });
  const whole = new Trainer(a.lm, a.ids, options);
  const results = [whole.trainEpoch(), whole.trainEpoch()];

  const b = tinyModel({ dropout: 0.3, numLayers: 2 });
  const stepped = new Trainer(b.lm, b.ids, options);
  for (let e = 0; e < 2; e++) {
    const steps = stepped.epochSteps();
    let r = steps.next(), n = 0;
    while (!r.done) {
      n++;
      assert.is(r.value.batch, n);
      assert.is(r.value.step, e * results[0].tokens / 40 + n);
      // what a UI does between steps: a held-out perplexity and a sample (both in eval mode)
      evaluatePerplexity(b.lm, b.ids.subarray(0, 200), { batchSize: 2, seqLen: 10 });
      generateText(b.lm, b.vocab, "the ", 10, { seed: n });
      r = steps.next();
    }
    assert.is(r.value.loss, results[e].loss, `epoch ${e + 1}: the same mean loss`);
    assert.is(stepped.epoch, e + 1);
  }
  const pa = a.lm.torchParams(), pb = b.lm.torchParams();
  for (const k of Object.keys(pa)) assert.ok(pa[k].every((v, i) => Object.is(v, pb[k][i])), `${k} identical`);
  for (const t of [whole, stepped]) t.dispose();
  a.lm.dispose();
  b.lm.dispose();
});

test("epochSteps(): an unfinished epoch keeps its steps, is not counted, and cannot be resumed after a newer one began", () => {
  const { lm, ids } = tinyModel();
  const trainer = new Trainer(lm, ids, { batchSize: 4, seqLen: 10, optimizer: { name: "sgd", lr: 0.5 }, seed: 1 });
  const first = trainer.epochSteps();
  first.next();
  first.next();
  assert.is(trainer.step, 2);
  assert.is(trainer.epoch, 0, "an unfinished epoch is not counted");
  const r = trainer.trainEpoch();
  assert.is(trainer.epoch, 1);
  assert.is(trainer.step, 2 + r.tokens / 40);
  assert.throws(() => first.next(), /abandoned/);
  trainer.dispose();
  lm.dispose();
});

test("configure(): a new learning rate keeps the optimizer's state, a new optimizer starts afresh, bad values change nothing", () => {
  const { lm, ids } = tinyModel();
  const trainer = new Trainer(lm, ids, { batchSize: 4, seqLen: 10, optimizer: { name: "adam", lr: 0.01 }, seed: 1 });
  const steps = trainer.epochSteps();
  steps.next();
  const adam = trainer.optimizer;
  const moments = adam.stateTensors();
  trainer.configure({ optimizer: { name: "adam", lr: 0.002 }, clip: 0.5 });
  assert.is(trainer.optimizer, adam, "same optimizer, same state");
  assert.equal(adam.stateTensors(), moments);
  const info = steps.next();
  assert.ok(!info.done && Math.abs(info.value.lr - 0.002) < 1e-12, "the next step uses the new rate");
  assert.ok(!info.done && info.value.gradNorm > 0);
  assert.is(trainer.options.clip, 0.5);

  assert.throws(() => trainer.configure({ optimizer: { name: "sgd", lr: 0.1 }, clip: -1 }), /clip must be a norm > 0/);
  assert.throws(() => trainer.configure({ optimizer: { name: "rmsprop" as "sgd", lr: 0.1 } }), /optimizer must be "sgd", "adam" or "adamw"/);
  assert.throws(() => trainer.configure({ lr: 0.1 } as never), /lr/);
  assert.is(trainer.optimizer, adam, "a failed configure() changes nothing");
  assert.is(trainer.options.clip, 0.5);

  trainer.configure({ optimizer: { name: "sgd", lr: 0.1, momentum: 0.9 }, clip: null });
  assert.is.not(trainer.optimizer, adam);
  assert.is(trainer.optimizer.options.name, "sgd");
  assert.is(trainer.options.clip, null);
  const next = steps.next();
  assert.ok(!next.done && Math.abs(next.value.lr - 0.1) < 1e-12);
  assert.is(trainer.optimizer.stepCount, 1, "the new optimizer counts its own steps (for Adam's bias correction)");
  trainer.dispose();
  lm.dispose();
});

test("a NaN loss stops training, says so, and keeps the last good weights", () => {
  const { lm, ids } = tinyModel();
  const trainer = new Trainer(lm, ids, { batchSize: 4, seqLen: 10, optimizer: { name: "sgd", lr: 0.1 }, seed: 2 });
  trainer.trainEpoch();
  const good = lm.torchParams();
  const poisoned = lm.torchParams();
  poisoned["fc.bias"][0] = NaN; // every logit row gets a NaN, so the loss is NaN
  lm.loadTorchParams(poisoned);
  const r = trainer.trainEpoch();
  assert.ok(r.stopped && /loss became NaN at epoch 2, batch 1/.test(r.stopped), r.stopped);
  assert.is(trainer.epoch, 1, "the failed epoch does not count");
  const after = lm.torchParams();
  assert.equal(after["fc.weight"], good["fc.weight"], "no update was applied");
  assert.throws(() => trainer.trainEpoch(), /training already stopped/);
  trainer.dispose();
  lm.dispose();
});

test("dropout: active only in training mode, between layers, and harmless in eval", () => {
  const { lm, ids } = tinyModel({ numLayers: 2, dropout: 0.5 });
  const plain = tinyModel({ numLayers: 2 }).lm;
  plain.loadTorchParams(lm.torchParams());
  const tokens = ids.subarray(0, 20), targets = ids.subarray(1, 21);
  const opts = { seqLen: 10, batch: 2 };
  const a = lm.forward(tokens, targets, opts).loss!, b = lm.forward(tokens, targets, opts).loss!;
  assert.ok(a !== b, "fresh masks each forward in training mode");
  lm.eval();
  assert.is(lm.forward(tokens, targets, opts).loss, plain.forward(tokens, targets, opts).loss, "eval: no dropout");
  lm.train();
  lm.forward(tokens, targets, opts);
  const g = lm.backward();
  assert.ok(Object.values(g.grads).every((v) => v.every(Number.isFinite)));
  lm.dispose();
  plain.dispose();
});

test.run();
