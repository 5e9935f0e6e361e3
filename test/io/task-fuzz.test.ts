// Fuzzing the task-model decoders (.wrnn task models and checkpoints, task safetensors) as fuzz.test.ts does
// the language models': random byte damage, and structure-aware edits that keep the checksum valid (module
// lists, task records, normalizers, windows, vocabularies, training records, metadata, non-finite data). Each
// case gives a working model or one clear sentence naming the file, within a time and memory bound, gives
// back all its memory, and leaves the canary models bit-for-bit unchanged.
//
//   npm test: a thousand cases.  npm run fuzz: FUZZ_RUNS cases, FUZZ_SEED to vary.

import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { init, Sequential, type ModuleConfig } from "../../src/index.js";
import {
  Normalizer, TaskModel, TaskTrainer, decodeTaskCheckpoint, decodeTaskModel, decodeTaskSafetensors, encodeTaskCheckpoint,
  encodeTaskModel, encodeTaskSafetensors, textClassificationDataset,
} from "../../src/tasks/index.js";
import { Canaries } from "../helpers/canary.js";
import { checkDecoders, fuzzStats, INTERNAL } from "../helpers/fuzz-decode.js";
import { craftModelBytes, craftSafetensors, parseModelBytes, parseSafetensors } from "../helpers/craft.js";
import { applyByteEdit, applyDataEdits, byteEdit, dataEdit, editJson, jsonEdit, type Json } from "../helpers/mutations.js";

await init();
const canaries = new Canaries();
const RUNS = Math.ceil(Number(process.env.FUZZ_RUNS ?? 3000) / 3);
const SEED = Number(process.env.FUZZ_SEED ?? 20261202) + 100;

// ------------------------------------------------------------------------------------------- seeds ----

async function seeds() {
  const out: { name: string; bytes: Uint8Array }[] = [];
  const { dataset, vocab, labels } = textClassificationDataset([
    { text: "buy now", label: "spam" }, { text: "hi mum", label: "ham" }, { text: "cheap!", label: "spam" }, { text: "see you", label: "ham" },
  ]);
  const textModules: ModuleConfig[] = [
    { name: "embedding", type: "Embedding", numEmbeddings: vocab.size, embeddingDim: 3 },
    { name: "rnn", type: "GRU", inputSize: 3, hiddenSize: 4, bidirectional: true },
    { name: "pool", type: "Pool", mode: "max" },
    { name: "drop", type: "Dropout", p: 0.2 },
    { name: "fc", type: "Linear", inFeatures: 8, outFeatures: 2 },
  ];
  const classify = new TaskModel(Sequential.fromConfig(textModules, { seed: 1 }), { task: "classify", labels, vocab, maxLength: 20, settings: { text: "body" } });
  out.push({ name: "classify.wrnn", bytes: await encodeTaskModel(classify) });
  out.push({ name: "classify.safetensors", bytes: encodeTaskSafetensors(classify) });
  const trainer = new TaskTrainer(classify.model, dataset, { batchSize: 2, optimizer: { name: "adam", lr: 0.01 }, validation: 0.5, earlyStopping: { patience: 3 } });
  trainer.trainEpoch();
  out.push({ name: "classify.ckpt", bytes: await encodeTaskCheckpoint(classify, trainer, { epochs: 2 }) });
  trainer.dispose();
  const forecast = new TaskModel(Sequential.fromConfig([
    { name: "rnn", type: "LSTM", inputSize: 4, hiddenSize: 3 },
    { name: "pool", type: "Pool", mode: "last" },
    { name: "fc", type: "Linear", inFeatures: 3, outFeatures: 2 },
  ], { seed: 2 }), {
    task: "forecast", normalizer: Normalizer.fit(Float32Array.of(1, 2, 3, 4, 5, 7), 2),
    window: { lookback: 5, horizon: 2, targets: [0], calendar: ["dayOfWeek"], output: "direct" },
  });
  out.push({ name: "forecast.wrnn", bytes: await encodeTaskModel(forecast) });
  const regress = new TaskModel(Sequential.fromConfig([
    { name: "rnn", type: "RNN", inputSize: 2, hiddenSize: 3, nonlinearity: "relu", bias: false },
    { name: "fc", type: "Linear", inFeatures: 3, outFeatures: 1 },
  ], { seed: 3 }), { task: "regress", targetNormalizer: Normalizer.fit(Float32Array.of(1, 5), 1) });
  out.push({ name: "regress.safetensors", bytes: encodeTaskSafetensors(regress) });
  // quantized task models (format version 2: I8 with scales, F16)
  const classify8 = classify.quantize({ weights: "int8" }), forecast16 = forecast.quantize({ weights: "f16" });
  out.push({ name: "classify-int8.wrnn", bytes: await encodeTaskModel(classify8) });
  out.push({ name: "classify-int8.safetensors", bytes: encodeTaskSafetensors(classify8) });
  out.push({ name: "forecast-f16.wrnn", bytes: await encodeTaskModel(forecast16) });
  for (const m of [classify, forecast, regress, classify8, forecast16]) m.dispose();
  return out;
}

// ----------------------------------------------------------------------------------------- property ----

const stats = fuzzStats();

/** A loaded task model must work: a forward with a target and loss, a backward (f32 models), and its task on raw input. */
function exercise(m: TaskModel): void {
  const s = m.model, T = 3, B = 2;
  const input = s.inputKind === "tokens" ? Int32Array.from({ length: T * B }, (_, i) => i % s.inputSize) : Float32Array.from({ length: T * B * s.inputSize }, (_, i) => Math.sin(i));
  const rows = s.outputKind === "pooled" ? B : T * B;
  const classes = m.task === "classify" || m.task === "tag";
  const target = classes ? Int32Array.from({ length: rows }, (_, i) => i % s.outFeatures) : new Float32Array(rows * s.outFeatures);
  const r = s.forward(input, { seqLen: T, batch: B, target, loss: classes ? { type: "crossEntropy" } : { type: "mse" } });
  assert.is(r.output.length, rows * s.outFeatures);
  // a quantized model is for inference: backward refuses in one sentence
  if (m.weightType === "f32") s.backward();
  else assert.throws(() => s.backward(), /quantized \((int8|f16)\), which is for inference only/);
  if (m.vocab && m.task === "classify") assert.is(m.classify(["hi"])[0].probabilities.length, s.outFeatures);
  if (m.task === "forecast" && m.features) {
    const steps = m.window!.lookback + 2;
    const dates = Array.from({ length: steps }, (_, d) => new Date(Date.UTC(2020, 0, 1 + d)));
    m.forecast({ values: new Float32Array(steps * m.features), features: m.features, dates });
  }
}

async function check(bytes: Uint8Array, source: string, allowNonFinite: boolean): Promise<void> {
  const decoders: [string, () => Promise<TaskModel> | TaskModel][] = [
    ["decodeTaskModel", () => decodeTaskModel(bytes, source, { allowNonFinite })],
    ["decodeTaskCheckpoint", async () => (await decodeTaskCheckpoint(bytes, source, { allowNonFinite })).model],
    ["decodeTaskSafetensors", () => decodeTaskSafetensors(bytes, source, { allowNonFinite })],
  ];
  await checkDecoders(decoders, bytes, source, stats, canaries, (model, name) => {
    try {
      exercise(model);
    } catch (e) {
      // a file may load yet hold, say, NaN weights (allowNonFinite); what it must not do is fail obscurely
      const m = (e as Error).message;
      if (INTERNAL.test(m) || m.includes("\n")) assert.unreachable(`${name} on ${source}: the loaded model failed obscurely: ${m}\n${(e as Error).stack}`);
    }
    model.dispose();
  });
}

const seedFiles = await seeds();

test("random byte damage to every kind of task file", async () => {
  await fc.assert(fc.asyncProperty(fc.constantFrom(...seedFiles), fc.array(byteEdit, { minLength: 1, maxLength: 4 }), async (seed, edits) => {
    const bytes = edits.reduce((b, e) => applyByteEdit(b, e as never), seed.bytes);
    await check(bytes, `damaged-${seed.name}`, false);
  }), { seed: SEED, numRuns: Math.ceil(RUNS / 4) });
});

test("structure-aware edits of task models and checkpoints (modules, task records, training), checksum kept valid", async () => {
  const wrnn = seedFiles.filter((s) => !s.name.endsWith(".safetensors"));
  await fc.assert(fc.asyncProperty(fc.constantFrom(...wrnn), fc.array(jsonEdit, { minLength: 1, maxLength: 3 }), fc.array(dataEdit, { maxLength: 2 }), fc.boolean(),
    async (seed, edits, dataEdits, allow) => {
      const { header, data } = parseModelBytes(seed.bytes);
      // aim most edits at the parts only task files have
      const target = ([header.config, header.task, header.training ?? header.task, header] as Json[])[edits.length % 4] ?? header;
      for (const e of edits) editJson(target, e.path, e.value, e.mode);
      await check(craftModelBytes(header, applyDataEdits(data, dataEdits)), `edited-${seed.name}`, allow);
    }), { seed: SEED + 1, numRuns: Math.ceil(RUNS / 2) });
});

test("structure-aware edits of task safetensors metadata (modules, task, vocabulary)", async () => {
  const st = seedFiles.filter((s) => s.name.endsWith(".safetensors"));
  const metaEdit = fc.record({ key: fc.constantFrom("modules", "task", "vocab"), edit: jsonEdit });
  await fc.assert(fc.asyncProperty(fc.constantFrom(...st), fc.array(metaEdit, { minLength: 1, maxLength: 2 }), fc.array(dataEdit, { maxLength: 2 }), fc.boolean(),
    async (seed, metaEdits, dataEdits, allow) => {
      const { header, data } = parseSafetensors(seed.bytes);
      const meta = header.__metadata__ as Record<string, unknown>;
      for (const { key, edit } of metaEdits) {
        const raw = meta[key];
        if (typeof raw !== "string") continue;
        const value = JSON.parse(raw);
        if (typeof value === "object" && value !== null) editJson(value as Json, edit.path, edit.value, edit.mode);
        meta[key] = JSON.stringify(value);
      }
      await check(craftSafetensors(header, applyDataEdits(data, dataEdits)), `edited-${seed.name}`, allow);
    }), { seed: SEED + 2, numRuns: Math.ceil(RUNS / 4) });
});

test.after(() => {
  const { cases, loaded, refused, slowest, mostMemory } = stats;
  console.log(`  task fuzz: ${cases} files × 3 decoders: ${loaded} loaded and ran, ${refused} refused with one sentence; slowest ${slowest.toFixed(0)} ms, most wasm memory ${mostMemory.toFixed(1)}× the file size`);
});

test.run();
