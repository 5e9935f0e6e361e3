// Fuzzing every decoder (.wrnn models, checkpoints, safetensors) with fast-check, seeded: random byte damage,
// and structure-aware edits that keep the checksum valid (hostile configurations, tensor tables, vocabularies,
// training records, metadata, non-finite data), so the semantic checks are reached, not just the checksum.
// Each case must give a working model or throw one clear sentence naming the file, within a time and memory
// bound, give back all its memory, and leave the canary models bit-for-bit unchanged.
//
//   npm test: a few thousand cases.  npm run fuzz: FUZZ_RUNS (default 200000) cases, FUZZ_SEED to vary.

import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import {
  LanguageModel, Trainer, Vocabulary, decodeCheckpoint, decodeModel, decodeSafetensorsModel, encodeCheckpoint, encodeModel,
  encodeSafetensorsModel, generateIds, init, type TextModel,
} from "../../src/index.js";
import { Canaries } from "../helpers/canary.js";
import { checkDecoders, fuzzStats } from "../helpers/fuzz-decode.js";
import { craftModelBytes, craftSafetensors, parseModelBytes, parseSafetensors } from "../helpers/craft.js";
import { applyByteEdit, applyDataEdits, byteEdit, dataEdit, editJson, jsonEdit, type Json } from "../helpers/mutations.js";

await init();
const canaries = new Canaries();
const RUNS = Number(process.env.FUZZ_RUNS ?? 3000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);

// ------------------------------------------------------------------------------------------- seeds ----

const text = "the quick brown fox jumps over the lazy dog.\n";
const vocab = Vocabulary.build(text);
const ids = vocab.encode(text.repeat(10));

async function seeds() {
  const out: { name: string; bytes: Uint8Array }[] = [];
  const gru = new LanguageModel({ vocabSize: vocab.size, cell: "gru", hiddenSize: 6, embedSize: 3, numLayers: 2, seed: 1 });
  const lstm = new LanguageModel({ vocabSize: vocab.size, cell: "lstm", hiddenSize: 4, bidirectional: true, seed: 2 });
  const rnn = new LanguageModel({ vocabSize: vocab.size, cell: "rnn", hiddenSize: 5, embedSize: 2, bias: false, nonlinearity: "relu", seed: 3 });
  out.push({ name: "gru.wrnn", bytes: await encodeModel(gru, vocab) });
  out.push({ name: "lstm.wrnn", bytes: await encodeModel(lstm, null) });
  out.push({ name: "rnn.safetensors", bytes: encodeSafetensorsModel(rnn, vocab) });
  // quantized models: I8 tensors with their scales, F16 tensors (format version 2)
  const gru8 = gru.quantize({ weights: "int8" }), lstm16 = lstm.quantize({ weights: "f16" });
  out.push({ name: "gru-int8.wrnn", bytes: await encodeModel(gru8, vocab) });
  out.push({ name: "lstm-f16.wrnn", bytes: await encodeModel(lstm16, null) });
  out.push({ name: "gru-int8.safetensors", bytes: encodeSafetensorsModel(gru8, vocab) });
  gru8.dispose();
  lstm16.dispose();
  // bare PyTorch-style safetensors: no metadata, the configuration is inferred from the shapes
  const { header, data } = parseSafetensors(encodeSafetensorsModel(gru, null));
  delete header.__metadata__;
  out.push({ name: "bare.safetensors", bytes: craftSafetensors(header, data) });
  for (const [name, optimizer] of [["adam.ckpt", { name: "adam", lr: 0.01 }], ["momentum.ckpt", { name: "sgd", lr: 0.1, momentum: 0.9 }], ["sgd.ckpt", { name: "sgd", lr: 0.1 }]] as const) {
    const trainer = new Trainer(gru, ids, { batchSize: 2, seqLen: 5, optimizer });
    trainer.trainEpoch();
    out.push({ name, bytes: await encodeCheckpoint(gru, vocab, trainer, { corpus: "x.txt", epochs: 3 }) });
    trainer.dispose();
  }
  for (const m of [gru, lstm, rnn]) m.dispose();
  return out;
}

// --------------------------------------------------------------------------------------- mutations ----

// ----------------------------------------------------------------------------------------- property ----

const stats = fuzzStats();

/** Decodes with each decoder; every outcome must be a working model or one clear sentence. */
async function check(bytes: Uint8Array, source: string, allowNonFinite: boolean): Promise<void> {
  const decoders: [string, () => Promise<TextModel> | TextModel][] = [
    ["decodeModel", () => decodeModel(bytes, source, { allowNonFinite })],
    ["decodeCheckpoint", () => decodeCheckpoint(bytes, source, { allowNonFinite })],
    ["decodeSafetensorsModel", () => decodeSafetensorsModel(bytes, source, { allowNonFinite })],
  ];
  await checkDecoders(decoders, bytes, source, stats, canaries, (model, name) => {
    // a loaded model works: a forward with targets, a backward (f32 models), and two generated tokens
    const V = model.lm.config.vocabSize;
    const tokens = Int32Array.from({ length: 4 }, (_, i) => (i * 3) % V);
    const r = model.lm.forward(tokens, tokens, { seqLen: 2, batch: 2 });
    assert.is(r.logits.length, 4 * V);
    // a quantized model is for inference: backward refuses in one sentence
    if (model.lm.weightType === "f32") model.lm.backward();
    else assert.throws(() => model.lm.backward(), /quantized \((int8|f16)\), which is for inference only/);
    assert.is([...generateIds(model.lm, [0], 2)].length, 2);
    if (model.vocab) assert.is(model.vocab.size, V, "a loaded vocabulary fits its model");
    model.lm.dispose();
  });
}

const seedFiles = await seeds();
const seedArb = fc.constantFrom(...seedFiles);

test("random byte damage to every kind of file", async () => {
  await fc.assert(fc.asyncProperty(seedArb, fc.array(byteEdit, { minLength: 1, maxLength: 4 }), async (seed, edits) => {
    const bytes = edits.reduce((b, e) => applyByteEdit(b, e as never), seed.bytes);
    await check(bytes, `damaged-${seed.name}`, false);
  }), { seed: SEED, numRuns: Math.ceil(RUNS / 4) });
});

test("structure-aware edits of .wrnn models and checkpoints, checksum kept valid", async () => {
  const wrnn = seedFiles.filter((s) => !s.name.endsWith(".safetensors"));
  await fc.assert(fc.asyncProperty(fc.constantFrom(...wrnn), fc.array(jsonEdit, { minLength: 1, maxLength: 3 }), fc.array(dataEdit, { maxLength: 2 }), fc.boolean(), fc.constantFrom(0, 1, 1, 1, 1, 2),
    async (seed, edits, dataEdits, allow, version) => {
      const { header, data } = parseModelBytes(seed.bytes);
      for (const e of edits) editJson(header, e.path, e.value, e.mode);
      await check(craftModelBytes(header, applyDataEdits(data, dataEdits), { version }), `edited-${seed.name}`, allow);
    }), { seed: SEED + 1, numRuns: Math.ceil(RUNS / 2) });
});

test("structure-aware edits of safetensors headers, metadata and data", async () => {
  const st = seedFiles.filter((s) => s.name.endsWith(".safetensors"));
  const metaEdit = fc.record({ key: fc.constantFrom("config", "vocab"), edit: jsonEdit });
  await fc.assert(fc.asyncProperty(fc.constantFrom(...st), fc.array(jsonEdit, { maxLength: 2 }), fc.array(metaEdit, { maxLength: 2 }), fc.array(dataEdit, { maxLength: 2 }), fc.boolean(),
    async (seed, edits, metaEdits, dataEdits, allow) => {
      const { header, data } = parseSafetensors(seed.bytes);
      for (const e of edits) editJson(header, e.path, e.value, e.mode);
      const meta = header.__metadata__;
      if (meta && typeof meta === "object" && !Array.isArray(meta)) {
        for (const { key, edit } of metaEdits) {
          const raw = (meta as Record<string, unknown>)[key];
          let value: unknown;
          try {
            value = typeof raw === "string" ? JSON.parse(raw) : undefined; // an earlier edit may have spoilt it
          } catch {
            continue;
          }
          if (typeof value === "object" && value !== null) editJson(value as Json, edit.path, edit.value, edit.mode);
          (meta as Record<string, unknown>)[key] = JSON.stringify(value);
        }
      }
      await check(craftSafetensors(header, applyDataEdits(data, dataEdits)), `edited-${seed.name}`, allow);
    }), { seed: SEED + 2, numRuns: Math.ceil(RUNS / 4) });
});

test.after(() => {
  const { cases, loaded, refused, slowest, mostMemory } = stats;
  console.log(`  fuzz: ${cases} files × 3 decoders: ${loaded} loaded and ran, ${refused} refused with one sentence; slowest ${slowest.toFixed(0)} ms, most wasm memory ${mostMemory.toFixed(1)}× the file size`);
});

test.run();
