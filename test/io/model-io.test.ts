// Models, checkpoints and safetensors: round trips, exact resumption, PyTorch-named weights without our
// metadata, and failures that lose nothing.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync, writeFileSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import {
  init, LanguageModel, Trainer, Vocabulary, encodeModel, decodeModel, encodeCheckpoint, decodeCheckpoint,
  encodeSafetensorsModel, decodeSafetensorsModel, saveModel, loadModel, saveCheckpoint, loadCheckpoint, inferConfig,
  type TrainerOptions,
} from "../../src/node.js";
import { encodeSafetensors } from "../../src/io/safetensors.js";
import { goldenCases } from "../helpers/golden.js";

const dir = mkdtempSync(join(tmpdir(), "wasm-rnn-io-"));
// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await init();
test.after(() => rmSync(dir, { recursive: true, force: true }));

const TEXT = "风吹草低见牛羊。the cat sat on the mat; 🙂 ".repeat(20);

function model(options: Partial<ConstructorParameters<typeof LanguageModel>[0]> = {}) {
  const vocab = Vocabulary.build(TEXT);
  const lm = new LanguageModel({ vocabSize: vocab.size, cell: "lstm", hiddenSize: 12, embedSize: 5, numLayers: 2, dropout: 0.2, seed: 7, ...options });
  return { lm, vocab, ids: vocab.encode(TEXT) };
}

function sameOutputs(a: LanguageModel, b: LanguageModel, ids: Int32Array): void {
  a.eval();
  b.eval();
  const opts = { seqLen: 10, batch: 2 };
  assert.equal(b.forward(ids.subarray(0, 20), ids.subarray(1, 21), opts), a.forward(ids.subarray(0, 20), ids.subarray(1, 21), opts));
}

test("a model file round-trips the configuration, the vocabulary (Chinese, emoji) and the weights", async () => {
  for (const opts of [{}, { cell: "rnn" as const, nonlinearity: "relu" as const, embedSize: undefined }, { cell: "gru" as const, resetAfter: false, bidirectional: true }]) {
    const { lm, vocab, ids } = model(opts);
    const back = await decodeModel(await encodeModel(lm, vocab), "test.wrnn");
    assert.equal(back.lm.options(), lm.options());
    assert.equal(back.vocab!.tokens, vocab.tokens);
    sameOutputs(lm, back.lm, ids);
    lm.dispose();
    back.lm.dispose();
  }
});

test("a checkpoint resumes exactly: 2 + 2 epochs give the same weights bit for bit as 4", async () => {
  const options: TrainerOptions = { batchSize: 4, seqLen: 8, partition: "random", optimizer: { name: "adam", lr: 0.01 }, clip: 1, seed: 3 };
  const straight = model();
  const t1 = new Trainer(straight.lm, straight.ids, options);
  for (let e = 0; e < 4; e++) t1.trainEpoch();

  const first = model();
  const t2 = new Trainer(first.lm, first.ids, options);
  t2.trainEpoch();
  t2.trainEpoch();
  const path = join(dir, "run.ckpt");
  await saveCheckpoint(path, first.lm, first.vocab, t2, { note: "half way" });
  t2.dispose();
  first.lm.dispose();

  const ck = await loadCheckpoint(path);
  assert.equal(ck.settings, { note: "half way" });
  assert.is(ck.trainer.epoch, 2);
  const t3 = new Trainer(ck.lm, ck.vocab!.encode(TEXT), options);
  t3.restoreState(ck.trainer);
  t3.trainEpoch();
  t3.trainEpoch();
  assert.is(t3.step, t1.step);
  const a = straight.lm.torchParams(), b = ck.lm.torchParams();
  for (const k of Object.keys(a)) assert.ok(a[k].every((v, i) => Object.is(v, b[k][i])), `${k} identical after resuming`);
  for (const t of [t1, t3]) t.dispose();
  straight.lm.dispose();
  ck.lm.dispose();
});

test("a checkpoint also loads as a model (its model part)", async () => {
  const { lm, vocab, ids } = model();
  const trainer = new Trainer(lm, ids, { batchSize: 2, seqLen: 8, optimizer: { name: "adam", lr: 0.01 } });
  trainer.trainEpoch();
  const back = await decodeModel(await encodeCheckpoint(lm, vocab, trainer), "run.ckpt");
  sameOutputs(lm, back.lm, ids);
  trainer.dispose();
  lm.dispose();
  back.lm.dispose();
});

test("a model file is not a checkpoint, and damaged files say what is wrong", async () => {
  const { lm, vocab } = model();
  const bytes = await encodeModel(lm, vocab);
  await decodeCheckpoint(bytes, "m.wrnn").then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /m\.wrnn is a model file, not a checkpoint/));
  await decodeModel(bytes.subarray(0, bytes.length - 100), "cut.wrnn").then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /cut\.wrnn/));
  const flipped = bytes.slice();
  flipped[flipped.length - 200] ^= 0xff;
  await decodeModel(flipped, "flip.wrnn").then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /flip\.wrnn.*checksum/));
  await decodeModel(new TextEncoder().encode("just some text, not a model"), "notes.txt").then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /notes\.txt/));
  lm.dispose();
});

test("safetensors both ways: our export reloads with its configuration and vocabulary", () => {
  const { lm, vocab, ids } = model({ cell: "gru", resetAfter: false });
  const back = decodeSafetensorsModel(encodeSafetensorsModel(lm, vocab), "m.safetensors");
  assert.equal(back.lm.options(), lm.options());
  assert.equal(back.vocab!.tokens, vocab.tokens);
  sameOutputs(lm, back.lm, ids);
  lm.dispose();
  back.lm.dispose();
});

test("PyTorch-named weights without metadata: the configuration is inferred and the golden logits come out", () => {
  for (const g of goldenCases("lm")) {
    const tensors = Object.fromEntries(Object.entries(g.params).map(([k, t]) => [k, { shape: t.shape, data: Float32Array.from(t.data) }]));
    const overrides = g.cell === "gru" && g.gruVariant === "resetBefore" ? { config: { resetAfter: false } } : {};
    const { lm, vocab } = decodeSafetensorsModel(encodeSafetensors(tensors), `${g.name}.safetensors`, overrides);
    assert.is(vocab, null);
    const c = inferConfig(Object.fromEntries(Object.entries(g.params).map(([k, t]) => [k, t.shape])));
    assert.equal([c.vocabSize, c.hiddenSize, c.numLayers, c.bidirectional, c.embedSize], [g.config.vocabSize, g.config.hiddenSize, g.config.numLayers, g.config.bidirectional, g.config.embedSize]);
    const r = lm.forward(g.tokens!.data, g.targets!.data, { seqLen: g.seqLen, batch: g.batch, h0: g.h0.data, c0: g.c0?.data });
    assert.ok(Math.abs(r.loss! - g.loss!) < 1e-4, `${g.name}: loss ${r.loss} vs ${g.loss}`);
    lm.dispose();
  }
  assert.throws(() => decodeSafetensorsModel(encodeSafetensors({ w: { shape: [2], data: new Float32Array(2) } }), "other.safetensors"), /other\.safetensors does not look like .* "rnn\.weight_hh_l0" is missing/);
});

test("files: save and load by path (format by extension), atomic replace, a failed save keeps the old file", async () => {
  const { lm, vocab, ids } = model();
  const path = join(dir, "m.wrnn"), st = join(dir, "m.safetensors");
  await saveModel(path, lm, vocab);
  await saveModel(st, lm, vocab);
  for (const p of [path, st]) {
    const back = await loadModel(p);
    sameOutputs(lm, back.lm, ids);
    back.lm.dispose();
  }
  const before = readFileSync(path);
  lm.dispose();
  await saveModel(path, lm, vocab).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /disposed/));
  assert.equal(readFileSync(path), before, "the previous file is intact");
  assert.equal(readdirSync(dir).filter((f) => f.endsWith(".tmp")), [], "no temp files left");
  await loadModel(join(dir, "missing.wrnn")).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /model file not found: .*missing\.wrnn/));
  writeFileSync(join(dir, "bad.wrnn"), "hello");
  await loadModel(join(dir, "bad.wrnn")).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /bad\.wrnn/));
});

test.run();
