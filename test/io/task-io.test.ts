// Task model files: round trips of every task's information, checkpoints that resume bit for bit,
// safetensors both ways with module-path names, the language-model files kept apart, and a configuration
// checked against the tensors before anything is built.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { init, LanguageModel, Sequential, Vocabulary, encodeModel, decodeModel, decodeSafetensorsModel, type ModuleConfig } from "../../src/node.js";
import {
  Normalizer, TaskModel, TaskTrainer, decodeTaskCheckpoint, decodeTaskModel, decodeTaskSafetensors, encodeTaskCheckpoint, encodeTaskModel,
  encodeTaskSafetensors, loadTaskModel, saveTaskModel, textClassificationDataset, type SequenceDataset,
} from "../../src/tasks/node.js";
import { decodeModelFile, encodeModelFile } from "../../src/io/format.js";
import { encodeSafetensors } from "../../src/io/safetensors.js";
import { rejects, sameBits, throwsWith } from "./format-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "wasm-rnn-task-io-"));
// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await init();
test.after(() => rmSync(dir, { recursive: true, force: true }));

const RECORDS = [
  { text: "win money now", label: "spam" }, { text: "see you at lunch", label: "ham" }, { text: "free prize, click", label: "spam" },
  { text: "the meeting moved", label: "ham" }, { text: "cheap pills 风", label: "spam" }, { text: "call me later 🙂", label: "ham" },
];

const modules = (V: number, dropout = 0): ModuleConfig[] => [
  { name: "embedding", type: "Embedding", numEmbeddings: V, embeddingDim: 6 },
  { name: "rnn", type: "LSTM", inputSize: 6, hiddenSize: 8, numLayers: 2, dropout },
  { name: "pool", type: "Pool", mode: "mean" },
  ...(dropout > 0 ? [{ name: "drop", type: "Dropout" as const, p: dropout }] : []),
  { name: "fc", type: "Linear", inFeatures: 8, outFeatures: 2 },
];

function classifier(dropout = 0) {
  const { dataset, vocab, labels } = textClassificationDataset(RECORDS);
  const model = new TaskModel(Sequential.fromConfig(modules(vocab.size, dropout), { seed: 5 }), { task: "classify", labels, vocab, maxLength: 40, settings: { text: "body" } });
  return { model, dataset };
}

function sameWeights(a: Sequential, b: Sequential): void {
  const pa = a.torchParams(), pb = b.torchParams();
  assert.equal(Object.keys(pb), Object.keys(pa));
  for (const k of Object.keys(pa)) sameBits(pb[k], pa[k], k);
}

test("a task model file round-trips the modules, labels, vocabulary, settings and weights; predictions are identical", async () => {
  const { model } = classifier();
  const bytes = await encodeTaskModel(model);
  const back = await decodeTaskModel(bytes, "spam.wrnn");
  assert.equal(back.model.modules, model.model.modules);
  assert.equal(back.labels, model.labels);
  assert.equal(back.vocab!.toJSON(), model.vocab!.toJSON());
  assert.is(back.maxLength, 40);
  assert.equal(back.settings, { text: "body" });
  sameWeights(model.model, back.model);
  const texts = RECORDS.map((r) => r.text);
  assert.equal(back.classify(texts), model.classify(texts));
  model.dispose();
  back.dispose();
});

test("normalizers and the forecast window round-trip", async () => {
  const seq = Sequential.fromConfig([
    { name: "rnn", type: "GRU", inputSize: 3, hiddenSize: 5, resetAfter: false },
    { name: "pool", type: "Pool", mode: "last" },
    { name: "fc", type: "Linear", inFeatures: 5, outFeatures: 4, bias: false },
  ], { seed: 8 });
  const normalizer = Normalizer.fit(Float32Array.from({ length: 40 }, (_, i) => i * 1.5 + (i % 2) * 100), 2);
  const window = { lookback: 6, horizon: 4, targets: [1], calendar: ["month" as const], inputs: [1], output: "direct" as const };
  const model = new TaskModel(seq, { task: "forecast", normalizer, window });
  const back = await decodeTaskModel(await encodeTaskModel(model));
  assert.equal(back.window, model.window);
  assert.equal(back.normalizer!.toJSON(), normalizer.toJSON());
  const history = { values: Float32Array.from({ length: 20 }, (_, i) => i), features: 2, dates: Array.from({ length: 10 }, (_, d) => `2021-03-${String(d + 1).padStart(2, "0")}`) };
  assert.equal([...back.forecast(history).values], [...model.forecast(history).values]);
  const r = new TaskModel(Sequential.fromConfig([{ name: "rnn", type: "RNN", inputSize: 2, hiddenSize: 3, nonlinearity: "relu" }, { name: "fc", type: "Linear", inFeatures: 3, outFeatures: 1 }]), {
    task: "regress", normalizer: Normalizer.fit(Float32Array.of(1, 2, 3, 5), 2), targetNormalizer: Normalizer.fit(Float32Array.of(4, 9), 1),
  });
  const rb = await decodeTaskModel(await encodeTaskModel(r));
  assert.equal(rb.targetNormalizer!.toJSON(), r.targetNormalizer!.toJSON());
  assert.equal(rb.model.modules, r.model.modules);
  for (const m of [model, back, r, rb]) m.dispose();
});

test("a checkpoint resumes bit for bit: weights, Adam state, generators (dropout) and early-stopping records", async () => {
  const run = (m: TaskModel, data: SequenceDataset) => new TaskTrainer(m.model, data, {
    batchSize: 2, optimizer: { name: "adam", lr: 0.01 }, clip: 1, seed: 3, validation: 0.34, earlyStopping: { patience: 50 },
  });
  const a = classifier(0.2);
  const ta = run(a.model, a.dataset);
  ta.trainEpoch();
  const bytes = await encodeTaskCheckpoint(a.model, ta, { epochs: 4 });
  ta.trainEpoch();
  ta.trainEpoch();

  const { model: b, trainer: state, settings } = await decodeTaskCheckpoint(bytes, "run.ckpt");
  assert.equal(settings, { epochs: 4 });
  assert.ok(state.early && state.early.bestEpoch === 1);
  const tb = run(b, a.dataset);
  tb.restoreState(state);
  tb.trainEpoch();
  tb.trainEpoch();
  sameWeights(a.model.model, b.model);
  // a checkpoint is also a model file
  const m = await decodeTaskModel(bytes);
  assert.equal(m.labels, a.model.labels);
  await rejects(() => decodeTaskCheckpoint(encodeTaskModel(m) as never), TypeError);
  await rejects(async () => decodeTaskCheckpoint(await encodeTaskModel(m), "plain.wrnn"), Error, /plain\.wrnn is a model file, not a checkpoint/);
  for (const x of [ta, tb]) x.dispose();
  for (const x of [a.model, b, m]) x.dispose();
});

test("safetensors both ways: module-path names, our metadata, and PyTorch's file with the modules given", async () => {
  const { model } = classifier();
  const bytes = encodeTaskSafetensors(model);
  const back = decodeTaskSafetensors(bytes, "spam.safetensors");
  assert.equal(back.labels, model.labels);
  sameWeights(model.model, back.model);
  // also through decodeTaskModel, which recognises the format
  (await decodeTaskModel(bytes)).dispose();
  // a file as torch's save_file writes it: the tensors only
  const shapes = model.model.parameterShapes();
  const plain = encodeSafetensors(Object.fromEntries(Object.entries(model.model.torchParams()).map(([k, data]) => [k, { shape: shapes[k], data }])));
  throwsWith(() => decodeTaskSafetensors(plain, "torch.safetensors"), Error, /torch\.safetensors has no wasm-rnn metadata: pass \{ modules \}/);
  const fromTorch = decodeTaskSafetensors(plain, "torch.safetensors", { modules: model.model.modules, task: { task: "classify", labels: ["ham", "spam"] } });
  sameWeights(model.model, fromTorch.model);
  assert.equal(fromTorch.labels, ["ham", "spam"]);
  throwsWith(() => decodeTaskSafetensors(plain, "torch.safetensors", { modules: modules(model.vocab!.size).map((m) => (m.type === "LSTM" ? { ...m, hiddenSize: 9 } : m.type === "Linear" ? { ...m, inFeatures: 9 } : m)) }), Error, /torch\.safetensors does not match its configuration: .* "rnn\.weight_ih_l0" must have shape \[36, 6\], but the file's has \[32, 6\]/);
  for (const m of [model, back, fromTorch]) m.dispose();
});

test("language-model files and task files each refuse the other's loader with a sentence that says which to use", async () => {
  const vocab = Vocabulary.build("abc");
  const lm = new LanguageModel({ vocabSize: vocab.size, cell: "gru", hiddenSize: 4 });
  await rejects(async () => decodeTaskModel(await encodeModel(lm, vocab), "names.wrnn"), Error, /names\.wrnn is a language model file, not a task model: load it with loadModel/);
  const { model } = classifier();
  await rejects(async () => decodeModel(await encodeTaskModel(model), "spam.wrnn"), Error, /spam\.wrnn is a classify task model \(a Sequential\), not a language model: load it with loadTaskModel/);
  throwsWith(() => decodeSafetensorsModel(encodeTaskSafetensors(model), "spam.safetensors"), Error, /holds a task model \(a Sequential\), not a language model/);
  lm.dispose();
  model.dispose();
});

test("a configuration that claims more than the tensors hold is refused before anything is allocated", async () => {
  const { model } = classifier();
  const file = await decodeModelFile(await encodeTaskModel(model));
  const huge = structuredClone(file.config) as { modules: Record<string, unknown>[] };
  huge.modules[1].hiddenSize = 40_000;
  huge.modules[3].inFeatures = 40_000;
  await rejects(async () => decodeTaskModel(await encodeModelFile({ ...file, config: huge }), "big.wrnn"), Error,
    /big\.wrnn does not match its configuration: its modules \(embedding → rnn → pool → fc\) imply [\d,]+ parameters \(\d+(\.\d+)? GiB\), so "rnn\.weight_ih_l0" must have shape \[160000, 6\]/);
  const bad = structuredClone(file.config) as { modules: Record<string, unknown>[] };
  bad.modules[2].mode = "median";
  await rejects(async () => decodeTaskModel(await encodeModelFile({ ...file, config: bad }), "bad.wrnn"), Error, /bad\.wrnn has an invalid model configuration: .*mode must be "last", "mean" or "max", got "median"/);
  await rejects(async () => decodeTaskModel(await encodeModelFile({ ...file, task: { ...file.task, labels: ["x"] } }), "l.wrnn"), Error, /l\.wrnn is inconsistent: TaskModel: there are 1 labels, but the model has 2 classes/);
  const nan = { ...file, tensors: { ...file.tensors, "fc.bias": Float32Array.of(0, NaN) } };
  await rejects(async () => decodeTaskModel(await encodeModelFile(nan), "nan.wrnn"), Error, /nan\.wrnn has a non-finite value in tensor "fc\.bias" \(NaN at index 1\)/);
  const loaded = await decodeTaskModel(await encodeModelFile(nan), "nan.wrnn", { allowNonFinite: true });
  loaded.dispose();
  model.dispose();
});

test("by path: saved atomically, loaded back; a failed save keeps the previous file", async () => {
  const { model } = classifier();
  const path = join(dir, "spam.wrnn");
  await saveTaskModel(path, model);
  const before = readFileSync(path);
  const back = await loadTaskModel(path);
  assert.equal(back.labels, model.labels);
  back.dispose();
  await rejects(() => saveTaskModel(join(dir, "missing", "x.wrnn"), model), Error);
  await saveTaskModel(join(dir, "spam.safetensors"), model);
  const st = await loadTaskModel(join(dir, "spam.safetensors"));
  sameWeights(model.model, st.model);
  st.dispose();
  writeFileSync(join(dir, "junk.wrnn"), "hello");
  await rejects(() => loadTaskModel(join(dir, "junk.wrnn")), Error, /junk\.wrnn is not a wasm-rnn model file/);
  assert.equal(readFileSync(path), before);
  model.dispose();
});

test.run();
