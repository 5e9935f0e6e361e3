// The training loop: learning, bit-for-bit determinism, interactive steps and reconfiguration, the NaN stop,
// and dropout between layers.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init, Trainer, evaluatePerplexity, generateText } from "../../src/index.js";
import { tinyModel } from "../helpers/tiny-lm.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await init();

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
