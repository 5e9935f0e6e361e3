// Training that diverges stops with the weights (and optimizer state) from before the update that made them
// diverge: never non-finite weights, and never a run that goes on with an infinite perplexity.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { LanguageModel, Trainer, init } from "../../src/index.js";

await init();

const ids = Int32Array.from({ length: 2000 }, (_, i) => (i * 7 + (i >> 2)) % 12);
const model = () => new LanguageModel({ vocabSize: 12, cell: "lstm", hiddenSize: 16, embedSize: 8, seed: 3 });
const finite = (params: Record<string, Float32Array>) => Object.values(params).every((p) => p.every(Number.isFinite));

// how a run goes wrong (a NaN loss, an overflowing perplexity, ...) may differ between builds (FMA rounds once)
const DIVERGED = /(the loss became (NaN|-?Infinity)|the perplexity overflowed|the gradient norm became|made weights non-finite)/;
for (const [lr, optimizer, why] of [[1e38, "sgd", DIVERGED], [1e6, "sgd", DIVERGED], [3.4e38, "adam", /update of step 1 made weights non-finite/]] as const) {
  test(`${optimizer} at lr ${lr}: stops, and keeps the weights from before the diverging update`, () => {
    const lm = model();
    const trainer = new Trainer(lm, ids, { batchSize: 4, seqLen: 10, optimizer: { name: optimizer, lr } });
    // record the weights after every step, to know which ones the trainer must go back to
    const history = [lm.torchParams()];
    const steps = trainer.epochSteps();
    while (!steps.next().done) history.push(lm.torchParams());
    const stopped = trainer.stopped;
    assert.ok(stopped, "training stopped");
    assert.match(stopped!, why);
    assert.match(stopped!, new RegExp(`the weights are restored to those after step ${trainer.step}, before the update that diverged|the weights are those after step ${trainer.step}`));
    const kept = lm.torchParams();
    assert.ok(finite(kept), "every kept weight is finite");
    assert.equal(kept, history[trainer.step], `the weights are those after step ${trainer.step}`);
    assert.is(trainer.optimizer.stepCount, trainer.step, "the optimizer's step count is rolled back with them");
    assert.throws(() => trainer.trainEpoch(), /training already stopped/);
    // the kept weights give a finite loss
    lm.eval();
    const r = lm.forward(ids.subarray(0, 20), ids.subarray(1, 21), { seqLen: 10, batch: 2 });
    assert.ok(Number.isFinite(r.loss!), `the kept weights give a finite loss, got ${r.loss}`);
    trainer.dispose();
    lm.dispose();
  });
}

test("a sane learning rate never stops, and its results are unchanged by the safety copy (bit-for-bit determinism)", () => {
  const run = () => {
    const lm = model();
    const trainer = new Trainer(lm, ids, { batchSize: 4, seqLen: 10, optimizer: { name: "adam", lr: 0.01 }, clip: 1 });
    const losses = [trainer.trainEpoch().loss, trainer.trainEpoch().loss];
    assert.is(trainer.stopped, null);
    const params = lm.torchParams();
    trainer.dispose();
    lm.dispose();
    return { losses, params };
  };
  assert.equal(run(), run());
});

test.run();
