// Training Sequential models on task datasets: learning each task, the loss and metrics of evaluation, early
// stopping that restores the best weights, class weights, padding reports, exact resume, and the errors.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init, Random, Sequential, type ModuleConfig } from "../../src/index.js";
import { TaskTrainer, type SequenceDataset } from "../../src/tasks/index.js";
import { runtime } from "../../src/init.js";
import { throwsWith } from "../helpers/errors.js";

/** throwsWith with a literal piece of the message. */
const fails = (fn: () => unknown, type: ErrorConstructor, text: string) => throwsWith(fn, type, new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await init();

/** Uniform numbers in [0, 1) from a seed (the data of these tests). */
function uniform(seed: number): () => number {
  const r = new Random(runtime(), seed);
  const values = Float64Array.from({ length: 20_000 }, () => r.next());
  r.dispose();
  let i = 0;
  return () => values[i++ % values.length];
}

/** Token sequences of 3–12 ids in [1, 8); the class is whether token 1 occurs more often than token 2 (ties: 0). */
function countingTask(n: number, seed: number): SequenceDataset {
  const u = uniform(seed);
  const examples = Array.from({ length: n }, () => {
    const L = 3 + Math.floor(u() * 10);
    const input = Int32Array.from({ length: L }, () => 1 + Math.floor(u() * 7));
    const ones = input.filter((t) => t === 1).length, twos = input.filter((t) => t === 2).length;
    return { input, target: ones > twos ? 1 : 0 };
  });
  return { task: "classify", inputKind: "tokens", inputSize: 8, outFeatures: 2, perStep: false, examples };
}

const classifier = (cell: "GRU" | "LSTM" = "GRU", dropout = 0): ModuleConfig[] => [
  { name: "embedding", type: "Embedding", numEmbeddings: 8, embeddingDim: 8 },
  { name: "rnn", type: cell, inputSize: 8, hiddenSize: 16 },
  ...(dropout > 0 ? [{ name: "drop", type: "Dropout" as const, p: dropout }] : []),
  { name: "pool", type: "Pool", mode: "mean" },
  { name: "fc", type: "Linear", inFeatures: 16, outFeatures: 2 },
];

const same = (a: Record<string, Float32Array>, b: Record<string, Float32Array>) =>
  Object.keys(a).every((k) => a[k].every((v, i) => Object.is(v, b[k][i])));

test("classify: the loss falls and validation accuracy passes 90% on a learnable rule", () => {
  const model = Sequential.fromConfig(classifier(), { seed: 3 });
  const trainer = new TaskTrainer(model, countingTask(600, 1), { batchSize: 16, optimizer: { name: "adam", lr: 0.01 }, validation: 0.2, seed: 2 });
  assert.is(trainer.train.examples.length, 480);
  assert.is(trainer.validation!.examples.length, 120);
  const first = trainer.trainEpoch();
  let last = first;
  for (let e = 0; e < 11; e++) last = trainer.trainEpoch();
  assert.ok(last.loss < first.loss * 0.5, `loss ${first.loss} → ${last.loss}`);
  const m = last.validation!.metrics as { accuracy: number; macroF1: number; confusion: number[][] };
  assert.ok(m.accuracy > 0.9, `validation accuracy ${m.accuracy}`);
  assert.ok(m.macroF1 > 0.85, `macro-F1 ${m.macroF1}`);
  assert.is(m.confusion.flat().reduce((a, b) => a + b, 0), 120);
  assert.is(last.examples, 480);
  assert.is(trainer.epoch, 12);
  assert.is(trainer.step, 12 * 30);
  assert.ok(last.examplesPerSecond > 0);
  trainer.dispose();
  model.dispose();
});

test("evaluate: the loss is the mean over the whole dataset, whatever the batch size", () => {
  const data = countingTask(50, 4);
  const model = Sequential.fromConfig(classifier(), { seed: 1 });
  const small = new TaskTrainer(model, data, { batchSize: 3, optimizer: { name: "sgd", lr: 0.1 } });
  const whole = new TaskTrainer(model, data, { batchSize: 50, optimizer: { name: "sgd", lr: 0.1 } });
  const a = small.evaluate(data), b = whole.evaluate(data);
  assert.ok(Math.abs(a.loss - b.loss) < 1e-5 * b.loss, `${a.loss} vs ${b.loss}`);
  assert.equal(a.metrics, b.metrics);
  // the mean of a single forward over all 50 (reference)
  const { batches } = { batches: [data.examples] };
  const T = Math.max(...batches[0].map((e) => e.input.length));
  const input = new Int32Array(T * 50), lengths = new Int32Array(50), target = new Int32Array(50);
  data.examples.forEach((e, b) => {
    e.input.forEach((v, t) => (input[t * 50 + b] = v));
    lengths[b] = e.input.length;
    target[b] = e.target as number;
  });
  const { loss } = model.eval().forward(input, { seqLen: T, batch: 50, lengths, target, loss: { type: "crossEntropy" } });
  assert.ok(Math.abs(a.loss - loss!) < 1e-5 * loss!, `${a.loss} vs one batch ${loss}`);
  small.dispose();
  whole.dispose();
  model.dispose();
});

test("tag: per-step classes with padding ignored; the loss falls and step accuracy rises", () => {
  // each step's tag is whether its token is even: learnable step by step
  const u = uniform(7);
  const examples = Array.from({ length: 200 }, () => {
    const L = 2 + Math.floor(u() * 9);
    const input = Int32Array.from({ length: L }, () => 1 + Math.floor(u() * 7));
    return { input, target: input.map((t) => t % 2) };
  });
  const data: SequenceDataset = { task: "tag", inputKind: "tokens", inputSize: 8, outFeatures: 2, perStep: true, examples };
  const model = Sequential.fromConfig([
    { name: "embedding", type: "Embedding", numEmbeddings: 8, embeddingDim: 6 },
    { name: "rnn", type: "GRU", inputSize: 6, hiddenSize: 12, bidirectional: true },
    { name: "fc", type: "Linear", inFeatures: 24, outFeatures: 2 },
  ], { seed: 5 });
  const trainer = new TaskTrainer(model, data, { batchSize: 20, optimizer: { name: "adam", lr: 0.02 }, validation: 0.25, seed: 1 });
  const first = trainer.trainEpoch();
  let last = first;
  for (let e = 0; e < 7; e++) last = trainer.trainEpoch();
  assert.ok(last.loss < first.loss * 0.3, `loss ${first.loss} → ${last.loss}`);
  const m = last.validation!.metrics as { accuracy: number; count: number };
  assert.ok(m.accuracy > 0.97, `step accuracy ${m.accuracy}`);
  // every valid step of the 50 validation examples is scored, no padding
  assert.is(m.count, trainer.validation!.examples.reduce((n, e) => n + e.input.length, 0));
  trainer.dispose();
  model.dispose();
});

test("regress: a per-sequence target from features and per-step targets both learn; MAE, RMSE and sMAPE reported", () => {
  const u = uniform(11);
  // the mean of the first feature over the sequence, from sequences of 2 features
  const seqs = Array.from({ length: 300 }, () => {
    const L = 4 + Math.floor(u() * 8);
    return Float32Array.from({ length: L * 2 }, () => u() * 2 - 1);
  });
  const mean = (x: Float32Array) => x.filter((_, i) => i % 2 === 0).reduce((a, b) => a + b, 0) / (x.length / 2);
  const pooled: SequenceDataset = {
    task: "regress", inputKind: "features", inputSize: 2, outFeatures: 1, perStep: false,
    examples: seqs.map((input) => ({ input, target: Float32Array.of(mean(input)) })),
  };
  const model = Sequential.fromConfig([
    { name: "rnn", type: "LSTM", inputSize: 2, hiddenSize: 16 },
    { name: "pool", type: "Pool", mode: "last" },
    { name: "fc", type: "Linear", inFeatures: 16, outFeatures: 1 },
  ], { seed: 2 });
  const trainer = new TaskTrainer(model, pooled, { batchSize: 16, optimizer: { name: "adam", lr: 0.01 }, validation: 0.2, loss: { type: "huber", delta: 0.5 } });
  const first = trainer.trainEpoch();
  let last = first;
  for (let e = 0; e < 14; e++) last = trainer.trainEpoch();
  const m = last.validation!.metrics as { mae: number; rmse: number; smape: number };
  assert.ok(last.loss < first.loss * 0.2, `loss ${first.loss} → ${last.loss}`);
  assert.ok(m.mae < 0.08 && m.rmse >= m.mae && m.smape > 0, JSON.stringify(m));
  trainer.dispose();
  model.dispose();

  // per step: the running sum of the first feature, masked past each sequence's end
  const steps: SequenceDataset = {
    task: "regress", inputKind: "features", inputSize: 2, outFeatures: 1, perStep: true,
    examples: seqs.map((input) => {
      let s = 0;
      return { input, target: Float32Array.from({ length: input.length / 2 }, (_, t) => (s += input[2 * t])) };
    }),
  };
  const tagger = Sequential.fromConfig([
    { name: "rnn", type: "GRU", inputSize: 2, hiddenSize: 16 },
    { name: "fc", type: "Linear", inFeatures: 16, outFeatures: 1 },
  ], { seed: 2 });
  const t2 = new TaskTrainer(tagger, steps, { batchSize: 16, optimizer: { name: "adam", lr: 0.01 }, validation: 0.2 });
  const f2 = t2.trainEpoch();
  let l2 = f2;
  for (let e = 0; e < 9; e++) l2 = t2.trainEpoch();
  assert.ok(l2.loss < f2.loss * 0.2, `per-step loss ${f2.loss} → ${l2.loss}`);
  t2.dispose();
  tagger.dispose();
});

test("early stopping restores the weights of the best epoch and reports why it stopped", () => {
  // random labels: validation loss soon gets worse as the model memorises the training set
  const data = countingTask(120, 8);
  const u = uniform(12);
  for (const e of data.examples) e.target = u() < 0.5 ? 1 : 0;
  const model = Sequential.fromConfig(classifier("LSTM"), { seed: 4 });
  const trainer = new TaskTrainer(model, data, {
    batchSize: 8, optimizer: { name: "adam", lr: 0.03 }, validation: 0.5, seed: 3, earlyStopping: { patience: 2 },
  });
  const weights = new Map<number, Record<string, Float32Array>>();
  const results = [];
  for (let e = 0; e < 40 && !trainer.stopped; e++) {
    const r = trainer.trainEpoch();
    results.push(r);
    weights.set(r.epoch, model.torchParams());
  }
  assert.ok(trainer.stopped, "stopped within 40 epochs");
  assert.match(trainer.stopped!, /early stopping: validation loss did not improve for 2 epochs; the weights of epoch \d+/);
  const losses = results.map((r) => r.validation!.loss);
  const best = losses.indexOf(Math.min(...losses)) + 1;
  assert.ok(trainer.stopped!.includes(`epoch ${best} `), `${trainer.stopped} (best epoch ${best})`);
  assert.is(results.length, best + 2);
  assert.ok(results[best - 1].improved && !results[best].improved && !results[best + 1].improved, JSON.stringify(results.map((r) => [r.validation!.loss, r.improved])));
  assert.ok(same(model.torchParams(), weights.get(best)!), "the best epoch's weights are back");
  assert.ok(!same(weights.get(best + 1)!, weights.get(best)!), "training moved on after the best epoch");
  assert.throws(() => trainer.trainEpoch(), /training already stopped \(early stopping/);
  trainer.dispose();
  model.dispose();
});

test("early stopping on a metric that goes up (accuracy) and minDelta", () => {
  const model = Sequential.fromConfig(classifier(), { seed: 3 });
  const trainer = new TaskTrainer(model, countingTask(200, 1), {
    batchSize: 16, optimizer: { name: "adam", lr: 0.01 }, validation: 0.3, earlyStopping: { metric: "accuracy", patience: 1, minDelta: 0.5 },
  });
  const a = trainer.trainEpoch(), b = trainer.trainEpoch();
  assert.is(a.improved, true);
  // no accuracy can rise by 0.5 more after the first epoch's (≥ 0.5 on two classes here)
  assert.is(b.improved, false);
  assert.match(b.stopped!, /validation accuracy did not improve for 1 epoch;/);
  trainer.dispose();
  model.dispose();
});

test("class weights: 'balanced' is scikit-learn's n / (classes · count); a given list is used as is", () => {
  const data = countingTask(100, 2);
  const counts = [0, 0];
  for (const e of data.examples) counts[e.target as number]++;
  const model = Sequential.fromConfig(classifier(), { seed: 1 });
  const t = new TaskTrainer(model, data, { batchSize: 10, optimizer: { name: "sgd", lr: 0.1 }, classWeights: "balanced" });
  const loss = t.loss as { classWeights: Float32Array };
  assert.equal([...loss.classWeights], counts.map((c) => Math.fround(100 / (2 * c))));
  const r = t.trainEpoch();
  assert.ok(Number.isFinite(r.loss));
  t.dispose();
  const u = new TaskTrainer(model, data, { batchSize: 10, optimizer: { name: "sgd", lr: 0.1 }, classWeights: [1, 3] });
  assert.equal([...(u.loss as { classWeights: Float32Array }).classWeights], [1, 3]);
  u.dispose();
  fails(() => new TaskTrainer(model, data, { batchSize: 10, optimizer: { name: "sgd", lr: 0.1 }, classWeights: [1] }), RangeError, "classWeights must have one weight per class (2), got 1");
  model.dispose();
});

test("the padding report: bucketing by length wastes less than none", () => {
  const data = countingTask(400, 6);
  const model = Sequential.fromConfig(classifier(), { seed: 1 });
  const bucketed = new TaskTrainer(model, data, { batchSize: 16, optimizer: { name: "sgd", lr: 0.01 } });
  const plain = new TaskTrainer(model, data, { batchSize: 16, optimizer: { name: "sgd", lr: 0.01 }, bucket: false });
  const a = bucketed.trainEpoch().padding, b = plain.trainEpoch().padding;
  assert.is(a.steps, b.steps);
  assert.ok(a.waste < b.waste / 2, `bucketed ${a.waste} vs unbucketed ${b.waste}`);
  bucketed.dispose();
  plain.dispose();
  model.dispose();
});

test("saveState / restoreState: a resumed run gives the same weights bit for bit (dropout, Adam, early stopping)", () => {
  const data = countingTask(160, 9);
  const options = { batchSize: 8, optimizer: { name: "adamw", lr: 0.01 }, clip: 1, seed: 4, validation: 0.25, earlyStopping: { patience: 5 } } as const;
  const a = Sequential.fromConfig(classifier("GRU", 0.3), { seed: 6 });
  const ta = new TaskTrainer(a, data, options);
  ta.trainEpoch();
  const state = ta.saveState(), weights = a.torchParams();
  assert.ok(state.early && state.early.weights.length > 0);
  ta.trainEpoch();
  ta.trainEpoch();

  const b = Sequential.fromConfig(classifier("GRU", 0.3), { seed: 99 });
  b.loadTorchParams(weights);
  const tb = new TaskTrainer(b, data, options);
  tb.restoreState(state);
  assert.is(tb.epoch, 1);
  tb.trainEpoch();
  tb.trainEpoch();
  assert.ok(same(a.torchParams(), b.torchParams()), "resumed weights identical");
  assert.is(tb.step, ta.step);
  ta.dispose();
  tb.dispose();
  a.dispose();
  b.dispose();
});

test("a divergence stops training with the last good weights", () => {
  const data = countingTask(64, 3);
  const model = Sequential.fromConfig(classifier(), { seed: 1 });
  const trainer = new TaskTrainer(model, data, { batchSize: 8, optimizer: { name: "sgd", lr: 1e30 } });
  const r = trainer.trainEpoch();
  assert.ok(r.stopped, "stopped");
  assert.match(r.stopped!, /epoch 1, batch \d+/);
  assert.ok(Object.values(model.torchParams()).every((p) => p.every(Number.isFinite)));
  trainer.dispose();
  model.dispose();
});

test("errors name what was expected and what was given", () => {
  const model = Sequential.fromConfig(classifier(), { seed: 1 });
  const data = countingTask(20, 1);
  const opt = { name: "sgd", lr: 0.1 } as const;
  fails(() => new TaskTrainer({} as Sequential, data, { batchSize: 4, optimizer: opt }), TypeError, "TaskTrainer: expected a Sequential model");
  fails(() => new TaskTrainer(model, { ...data, outFeatures: 3, examples: data.examples }, { batchSize: 4, optimizer: opt }), RangeError, "has 3 classes, but the model outputs 2");
  fails(() => new TaskTrainer(model, { ...data, task: "tag", perStep: true, examples: data.examples.map((e) => ({ input: e.input, target: new Int32Array(e.input.length) })) }, { batchSize: 4, optimizer: opt }), TypeError, "has targets per step, but the model's output is pooled");
  fails(() => new TaskTrainer(model, { ...data, inputKind: "features", inputSize: 1, examples: data.examples.map((e) => ({ input: new Float32Array(e.input.length), target: 0 })) }, { batchSize: 4, optimizer: opt }), TypeError, "has features inputs, but the model takes tokens");
  fails(() => new TaskTrainer(model, data, { batchSize: 4, optimizer: opt, earlyStopping: { patience: 2 } }), TypeError, "earlyStopping watches a validation metric, so it needs validation data");
  fails(() => new TaskTrainer(model, data, { batchSize: 4, optimizer: opt, validation: 0.5, earlyStopping: { metric: "mae" as never, patience: 2 } }), TypeError, "metric must be one of loss, accuracy, macroF1 for a classify task, got \"mae\"");
  fails(() => new TaskTrainer(model, data, { batchSize: 4, optimizer: opt, loss: { type: "mse" } }), TypeError, "a classify dataset needs the crossEntropy loss");
  fails(() => new TaskTrainer(model, data, { batchSize: 0, optimizer: opt }), RangeError, "batchSize");
  fails(() => new TaskTrainer(model, data, { batchSize: 4, optimizer: opt, epochs: 3 } as never), TypeError, "epochs");
  model.dispose();
});

test.run();
