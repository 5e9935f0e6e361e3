// Damaged ONNX files (fast-check, seeded: bit flips, truncation, inserted and overwritten bytes of every
// fixture): loadOnnx gives a working model or throws one clear sentence, within the time and memory bounds
// of the other file fuzzers (test/helpers/fuzz-decode.ts), gives back its memory, and touches no canary. A
// loaded model is run on the fixture's inputs: it computes or refuses in one sentence too.
//
//   npm test: a few hundred cases.  npm run fuzz: FUZZ_RUNS cases, FUZZ_SEED to vary.

import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { init } from "../../src/index.js";
import { loadOnnx, type OnnxInput, type OnnxModel } from "../../src/onnx/index.js";
import { Canaries } from "../helpers/canary.js";
import { checkDecoders, fuzzStats, INTERNAL } from "../helpers/fuzz-decode.js";
import { applyByteEdit, byteEdit } from "../helpers/mutations.js";

await init();
const canaries = new Canaries();
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261214);

const DIR = join(resolve(dirname(fileURLToPath(import.meta.url)), "../../.."), "test/fixtures/interop/onnx");
interface Stored { dtype: string; shape: number[]; data: number[] }
const seeds = readdirSync(DIR).filter((f) => f.endsWith(".onnx")).map((f) => {
  const ref = JSON.parse(readFileSync(join(DIR, f.replace(/\.onnx$/, ".json")), "utf8")) as { inputs: Record<string, Stored> };
  const feeds: Record<string, OnnxInput> = Object.fromEntries(Object.entries(ref.inputs).map(([k, t]) => [k, {
    data: t.dtype === "float32" ? Float32Array.from(t.data) : t.dtype === "int32" ? Int32Array.from(t.data) : BigInt64Array.from(t.data.map(BigInt)),
    shape: t.shape,
  }]));
  return { name: f, bytes: new Uint8Array(readFileSync(join(DIR, f))), feeds };
});

const stats = fuzzStats();
let ran = 0, runRefused = 0;

test("random byte damage to every fixture", async () => {
  await fc.assert(fc.asyncProperty(fc.constantFrom(...seeds), fc.array(byteEdit, { minLength: 1, maxLength: 4 }), async (seed, edits) => {
    const bytes = edits.reduce<Uint8Array>((b, e) => applyByteEdit(b, e as never), seed.bytes);
    // every message names the phase, "loadOnnx: …" or "OnnxModel.run: …"
    await checkDecoders<OnnxModel>([["loadOnnx", () => loadOnnx(bytes)]], bytes, "Onnx", stats, canaries, (model) => {
      try {
        model.run(seed.feeds);
        ran++;
      } catch (e) {
        const m = e instanceof Error ? e.message : String(e);
        if (!(e instanceof Error) || m.includes("\n") || !m.startsWith("OnnxModel.run: ") || INTERNAL.test(m)) {
          assert.unreachable(`run of damaged ${seed.name}: not one clear sentence: ${m}\n${(e as Error).stack}`);
        }
        runRefused++;
      } finally {
        model.dispose();
      }
    });
  }), { seed: SEED, numRuns: RUNS });
});

test.after(() => {
  const { cases, loaded, refused, slowest, mostMemory } = stats;
  console.log(`  fuzz: ${cases} damaged ONNX files: ${refused} refused with one sentence, ${loaded} loaded (${ran} ran, ${runRefused} refused to run); slowest ${slowest.toFixed(0)} ms, most wasm memory ${mostMemory.toFixed(1)}× the file size`);
});

test.run();
