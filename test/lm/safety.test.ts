// Regression tests of the memory-safety audit, language-model side: token ids outside the vocabulary never
// reach the embedding (its gather reads and its gradient scatter writes by id), and a disposed model refuses
// every use. Canaries prove that no other model changed.

import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  CarriedState, LanguageModel, Optimizer, Trainer, Vocabulary, evaluatePerplexity, generate, generateIds, init,
} from "../../src/index.js";
import { Canaries } from "../helpers/canary.js";

await init();
const canaries = new Canaries();

const model = () => new LanguageModel({ vocabSize: 10, cell: "gru", hiddenSize: 8, embedSize: 4, seed: 2 });
const goodIds = () => Int32Array.from({ length: 300 }, (_, i) => (i * 7) % 10);

test("ids outside [0, vocabSize) are refused by the Trainer, perplexity, generation and the pointer-level run", () => {
  const lm = model();
  const before = lm.torchParams();
  for (const bad of [-1, 10, 2 ** 31 - 1, -(2 ** 31)]) {
    const ids = goodIds();
    ids[123] = bad;
    assert.throws(() => new Trainer(lm, ids, { batchSize: 4, seqLen: 5, optimizer: { name: "sgd", lr: 1e-30 } }),
      (e: Error) => e instanceof RangeError && e.message === `Trainer: token id ${bad} at position 123 is outside the model's vocabulary [0, 10)`);
    assert.throws(() => evaluatePerplexity(lm, ids), new RegExp(`evaluatePerplexity: token id ${bad} at position 123 is outside`));
    assert.throws(() => [...generateIds(lm, [1, bad], 2)], /prefix\[1\] must be a token id in \[0, 10\)/);
    assert.throws(() => lm.forward(ids.subarray(120, 130), null, { seqLen: 5, batch: 2 }), /tokens\[3\] must be a token id in \[0, vocabSize = 10\)/);
    assert.throws(() => lm.run(ids.subarray(120, 130), null, 5, 2, null, null, false), new RegExp(`LanguageModel: token id ${bad} at position 3 is outside the vocabulary \\[0, 10\\)`));
    assert.throws(() => lm.run(goodIds().subarray(0, 10), ids.subarray(120, 130), 5, 2, null, null, true), /target id .* at position 3 is outside/);
    assert.throws(() => lm.runBackward(), /no forward pass/);
  }
  assert.equal(lm.torchParams(), before, "the model is unchanged");
  lm.dispose();
  canaries.check("after out-of-range ids");
});

test("a vocabulary larger than the model is refused by generate", () => {
  const lm = model();
  const vocab = Vocabulary.build("abcdefghijklmnop");
  assert.throws(() => [...generate(lm, vocab, "ab", 3)], /the vocabulary has 17 tokens but the model expects 10/);
  lm.dispose();
});

test("use after dispose: generation, perplexity, trainers (new and existing), optimizers and carried states refuse", () => {
  const lm = model();
  const ids = goodIds();
  const trainer = new Trainer(lm, ids, { batchSize: 4, seqLen: 5, optimizer: { name: "adam", lr: 0.01 } });
  trainer.trainEpoch();
  const optimizer = new Optimizer(lm.parameterGroups(), { name: "sgd", lr: 0.1, momentum: 0.9 });
  const steps = trainer.epochSteps();
  steps.next();
  lm.dispose();
  assert.throws(() => [...generateIds(lm, [1], 3)], /generate: the model was disposed/);
  assert.throws(() => evaluatePerplexity(lm, ids), /evaluatePerplexity: the model was disposed/);
  assert.throws(() => new Trainer(lm, ids, { batchSize: 4, seqLen: 5, optimizer: { name: "sgd", lr: 1 } }), /Trainer: the model was disposed/);
  assert.throws(() => trainer.trainEpoch(), /Trainer\.epochSteps: its model was disposed/);
  assert.throws(() => steps.next(), /disposed/);
  assert.throws(() => trainer.saveState(), /its model was disposed/);
  assert.throws(() => optimizer.step(), /Optimizer\.step: the parameters of group "embedding" were freed/);
  assert.throws(() => new Optimizer(lm.parameterGroups(), { name: "sgd", lr: 1 }), /new Optimizer: the parameters of group "embedding" were freed/);
  assert.throws(() => new CarriedState(lm, 2), /CarriedState: the model was disposed/);
  assert.throws(() => lm.forward(ids.subarray(0, 10), null, { seqLen: 5, batch: 2 }), /LanguageModel\.forward: the model was disposed/);
  assert.throws(() => lm.run(ids.subarray(0, 10), null, 5, 2, null, null, false), /LanguageModel\.run: the model was disposed/);
  trainer.dispose();
  trainer.dispose();
  optimizer.dispose();
  lm.dispose();
  canaries.check("after use-after-dispose attempts");
});

test.run();
