// Damaged TensorFlow.js models (fast-check, seeded): hostile values at random places of model.json, byte
// damage to its text and to weights.bin, NaN / Infinity in the weights. loadTfjs gives a working model or
// throws one clear sentence ("loadTfjs: …"), within the time and memory bounds of the other file fuzzers
// (test/helpers/fuzz-decode.ts), gives back its memory, and touches no canary. A loaded model is run on the
// fixture's input: it computes or refuses in one sentence ("TfjsModel.predict: …") too.
//
//   npm test: a few hundred cases.  npm run fuzz: FUZZ_RUNS cases, FUZZ_SEED to vary.

import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { init } from "../../src/index.js";
import { loadTfjs, type TfjsInput, type TfjsModel } from "../../src/tfjs/index.js";
import { Canaries } from "../helpers/canary.js";
import { checkDecoders, fuzzStats, INTERNAL } from "../helpers/fuzz-decode.js";
import { applyByteEdit, applyDataEdits, byteEdit, dataEdit, editJson, jsonEdit, type Json } from "../helpers/mutations.js";

await init();
const canaries = new Canaries();
const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);
const SEED = Number(process.env.FUZZ_SEED ?? 20261215);

const DIR = join(resolve(dirname(fileURLToPath(import.meta.url)), "../../.."), "test/fixtures/interop/tfjs");
// the shared fixtures and ours (tfjs-extra: a Functional model, masks with gaps, a Masking layer)
const seeds = [DIR, join(DIR, "../tfjs-extra")].flatMap((dir) => readdirSync(dir).filter((d) => !d.includes(".")).map((name) => {
  const ref = JSON.parse(readFileSync(join(dir, name, "expected.json"), "utf8")) as { inputs: { input: { dtype: string; shape: number[]; data: number[] } } };
  const i = ref.inputs.input;
  const input: TfjsInput = { data: i.dtype === "int32" ? Int32Array.from(i.data) : Float32Array.from(i.data), shape: i.shape };
  return { name, json: readFileSync(join(dir, name, "model.json"), "utf8"), weights: new Uint8Array(readFileSync(join(dir, name, "weights.bin"))), input };
}));

const stats = fuzzStats();
let ran = 0, runRefused = 0;
const enc = new TextEncoder();

async function check(seed: (typeof seeds)[number], json: string | Uint8Array, weights: Uint8Array): Promise<void> {
  const size = (typeof json === "string" ? enc.encode(json).length : json.length) + weights.length;
  const both = new Uint8Array(size);
  await checkDecoders<TfjsModel>([["loadTfjs", () => loadTfjs(json, weights)]], both, "Tfjs", stats, canaries, (model) => {
    try {
      model.predict(seed.input);
      ran++;
    } catch (e) {
      const m = e instanceof Error ? e.message : String(e);
      if (!(e instanceof Error) || m.includes("\n") || !m.startsWith("TfjsModel.predict: ") || INTERNAL.test(m)) {
        assert.unreachable(`predict of damaged ${seed.name}: not one clear sentence: ${m}\n${(e as Error).stack}`);
      }
      runRefused++;
    } finally {
      model.dispose();
    }
  });
}

test("hostile values in model.json (topology and manifest)", async () => {
  await fc.assert(fc.asyncProperty(fc.constantFrom(...seeds), fc.array(jsonEdit, { minLength: 1, maxLength: 3 }), async (seed, edits) => {
    const json = JSON.parse(seed.json) as Json;
    for (const e of edits) editJson(json, e.path, e.value, e.mode);
    await check(seed, JSON.stringify(json), seed.weights);
  }), { seed: SEED, numRuns: RUNS });
});

test("byte damage to model.json and weights.bin; NaN and huge values in the weights", async () => {
  await fc.assert(fc.asyncProperty(fc.constantFrom(...seeds), fc.array(byteEdit, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.array(dataEdit, { maxLength: 3 }), async (seed, edits, inJson, data) => {
    const json = inJson ? edits.reduce<Uint8Array>((b, e) => applyByteEdit(b, e as never), enc.encode(seed.json)) : seed.json;
    const weights = inJson ? applyDataEdits(seed.weights, data) : edits.reduce<Uint8Array>((b, e) => applyByteEdit(b, e as never), seed.weights);
    await check(seed, json, weights);
  }), { seed: SEED + 1, numRuns: RUNS });
});

test("the loader's refusals name what they refuse", async () => {
  const seed = seeds.find((s) => s.name === "tfjs_classifier_bilstm")!;
  const j = () => JSON.parse(seed.json) as { modelTopology: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } }; weightsManifest: { weights: Record<string, unknown>[] }[] };
  const refuse = async (json: unknown, weights: unknown, pattern: RegExp) => {
    try {
      (await loadTfjs(json, weights as Uint8Array)).dispose();
    } catch (e) {
      assert.match((e as Error).message, pattern);
      return;
    }
    assert.unreachable(`loaded; expected ${pattern}`);
  };
  let m = j();
  m.modelTopology.config.layers[1].class_name = "Conv1D";
  await refuse(m, seed.weights, /layer 1 "bidirectional_Bidirectional1" \(Conv1D\) is not supported/);
  m = j();
  m.modelTopology.config.layers[2].config.kernel_size = 3;
  await refuse(m, seed.weights, /layer 2 "dense_Dense2" \(Dense\) has config key "kernel_size", which this loader does not know/);
  m = j();
  (m.modelTopology.config.layers[1].config.layer as { config: Record<string, unknown> }).config.activation = "relu";
  await refuse(m, seed.weights, /\(Bidirectional\)'s LSTM has activation "relu": supported is "tanh"/);
  m = j();
  m.modelTopology.config.layers[1].config.merge_mode = null;
  await refuse(m, seed.weights, /has merge_mode null \(the two directions as separate outputs\)/);
  m = j();
  m.weightsManifest[0].weights[0].dtype = "int32";
  await refuse(m, seed.weights, /weight "embedding_Embedding2\/embeddings" has dtype "int32": only "float32"/);
  m = j();
  m.weightsManifest[0].weights[0].shape = [13, 5];
  await refuse(m, seed.weights, /the weights are 2700 bytes, but weightsManifest describes 2720/);
  await refuse(seed.json, seed.weights.subarray(4), /the weights are 2696 bytes/);
  await refuse(seed.json, new Map([["weights.bin", seed.weights], ["other.bin", seed.weights]]), /shard "other\.bin" that weightsManifest does not name/);
  await refuse(seed.json, new Map(), /weights has no shard "weights\.bin"/);
  // names that are Object's own: unknown, not Object.prototype's (found by the fuzzer)
  m = j();
  m.modelTopology.config.layers[0].class_name = "__proto__";
  await refuse(m, seed.weights, /layer 0 "embedding_Embedding2" \(__proto__\) is not supported/);
  m = j();
  (m.weightsManifest[0] as unknown as { paths: string[] }).paths = ["toString"];
  await refuse(m, {}, /weights has no shard "toString"/);
  const fseed = seeds.find((s) => s.name === "tfjs_functional_gru")!, functional = JSON.parse(fseed.json);
  functional.modelTopology.config.layers = [];
  await refuse(functional, fseed.weights, /Functional config has no layers/);
  await refuse("{", seed.weights, /model\.json is not JSON/);
  await refuse(JSON.stringify({ ...j(), format: "graph-model" }), seed.weights, /only "layers-model"/);
  const nan = seed.weights.slice();
  new Float32Array(nan.buffer)[3] = NaN;
  await refuse(seed.json, nan, /has weight "embedding_Embedding2\/embeddings" with NaN at index 3: refused.*allowNonFinite/);
  (await loadTfjs(seed.json, nan, { allowNonFinite: true })).dispose();
});

test.after(() => {
  const { cases, loaded, refused, slowest, mostMemory } = stats;
  console.log(`  fuzz: ${cases} damaged tfjs models: ${refused} refused with one sentence, ${loaded} loaded (${ran} ran, ${runRefused} refused to run); slowest ${slowest.toFixed(0)} ms, most wasm memory ${mostMemory.toFixed(1)}× the file size`);
});

test.run();
