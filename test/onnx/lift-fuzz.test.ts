// Damaged ONNX files given to liftOnnx (fast-check, seeded: bit flips, truncation, inserted and overwritten
// bytes of every interop fixture and of exportOnnx's own files): a native model or one clear sentence
// ("loadOnnx: …" from the decoder, "liftOnnx: …" from the lifter), within the other file fuzzers' time and
// memory bounds, with its memory given back and no canary touched.
//
//   npm test: a few hundred cases.  npm run fuzz: FUZZ_RUNS cases, FUZZ_SEED to vary.

import { test } from "uvu";
import fc from "fast-check";
import { init, LanguageModel, Sequential } from "../../src/index.js";
import { exportOnnx, liftOnnx, type LiftedOnnx } from "../../src/onnx/export-entry.js";
import { Canaries } from "../helpers/canary.js";
import { checkDecoders, fuzzStats } from "../helpers/fuzz-decode.js";
import { applyByteEdit, byteEdit } from "../helpers/mutations.js";
import { onnxFixtures } from "../helpers/onnx-fixtures.js";

await init();
const canaries = new Canaries();
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);
const SEED = Number(process.env.FUZZ_SEED ?? 20261203);

const lm = new LanguageModel({ vocabSize: 7, cell: "gru", hiddenSize: 4, embedSize: 3 });
const clf = Sequential.fromConfig([
  { name: "embedding", type: "Embedding", numEmbeddings: 7, embeddingDim: 3 },
  { name: "rnn", type: "LSTM", inputSize: 3, hiddenSize: 4, bidirectional: true },
  { name: "pool", type: "Pool", mode: "last" },
  { name: "fc", type: "Linear", inFeatures: 8, outFeatures: 2 },
]);
const seeds = [...onnxFixtures().map((f) => f.bytes), exportOnnx(lm, { states: true }), exportOnnx(clf)];
lm.dispose();
clf.dispose();

const dispose = (l: LiftedOnnx) => (l.kind === "layer" ? l.layer.dispose() : l.kind === "language-model" ? l.lm.dispose() : l.model.dispose());
const stats = fuzzStats();

test("random byte damage: a model or one clear sentence, and the memory back", async () => {
  await fc.assert(fc.asyncProperty(fc.constantFrom(...seeds), fc.array(byteEdit, { minLength: 1, maxLength: 4 }), async (seed, edits) => {
    const bytes = edits.reduce<Uint8Array>((b, e) => applyByteEdit(b, e as never), seed);
    await checkDecoders<LiftedOnnx>([["liftOnnx", () => liftOnnx(bytes)]], bytes, "Onnx", stats, canaries, dispose);
  }), { seed: SEED, numRuns: RUNS });
});

test.after(() => {
  console.log(`  liftOnnx fuzz: ${stats.cases} cases, ${stats.loaded} lifted, ${stats.refused} refused; slowest ${stats.slowest.toFixed(0)} ms`);
});

test.run();
