// Quantized models in files: an int8 model saved and loaded (.wrnn and safetensors) computes the same bits,
// at about a quarter of the f32 file (f16: half); the int8 weights are I8 tensors with `_scale` beside them;
// f32 files stay version 1, byte for byte; damaged quantized files are refused with a sentence.

import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  LanguageModel, Sequential, Vocabulary, decodeModel, decodeSafetensorsModel, encodeCheckpoint, encodeModel,
  encodeSafetensorsModel, Trainer,
} from "../../src/index.js";
import { TaskModel, decodeTaskModel, decodeTaskSafetensors, encodeTaskModel, encodeTaskSafetensors } from "../../src/tasks/index.js";
import { decodeModelFile, encodeModelFile } from "../../src/io/format.js";
import { decodeSafetensors } from "../../src/io/safetensors.js";
import { initForTests } from "../helpers/setup.js";
import { rejects } from "../helpers/errors.js";
import { TEXT } from "../helpers/tiny-lm.js";
import { sameBits } from "./format-helpers.js";

await initForTests();

const vocab = Vocabulary.build(TEXT, { level: "char" });
const ids = vocab.encode(TEXT).subarray(0, 40);
const logitsOf = (lm: LanguageModel) => lm.forward(ids, null, { seqLen: 20, batch: 2 }).logits;

function lm(): LanguageModel {
  return new LanguageModel({ vocabSize: vocab.size, cell: "lstm", hiddenSize: 96, numLayers: 2, embedSize: 32, seed: 5 });
}

test("an int8 or f16 language model saved as .wrnn and as safetensors loads and computes the same bits", async () => {
  const f32 = lm();
  const f32Bytes = (await encodeModel(f32, vocab)).length;
  for (const weights of ["int8", "f16"] as const) {
    const q = f32.quantize({ weights });
    const want = logitsOf(q);
    const bytes = await encodeModel(q, vocab);
    const file = await decodeModelFile(bytes);
    assert.is(file.weights, weights);
    assert.instance(file.tensors["rnn.weight_ih_l0"], weights === "int8" ? Int8Array : Uint16Array);
    assert.instance(file.tensors["rnn.bias_ih_l0"], Float32Array, "biases stay f32");
    if (weights === "int8") assert.equal(file.shapes["fc.weight_scale"], [vocab.size]);
    const ratio = bytes.length / f32Bytes;
    assert.ok(weights === "int8" ? ratio < 0.3 : ratio < 0.52, `${weights}: ${bytes.length} bytes, ${(ratio * 100).toFixed(1)} % of f32's ${f32Bytes}`);
    const loaded = await decodeModel(bytes, "q.wrnn");
    assert.is(loaded.lm.weightType, weights);
    sameBits(logitsOf(loaded.lm), want, `${weights} .wrnn`);
    assert.equal(await encodeModel(loaded.lm, vocab), bytes, "saving the loaded model writes the same bytes");
    const st = encodeSafetensorsModel(q, vocab);
    const raw = decodeSafetensors(st);
    assert.is(raw.metadata.weights, weights);
    if (weights === "int8") assert.instance(raw.tensors["rnn.weight_hh_l1"].data, Int8Array);
    const fromSt = decodeSafetensorsModel(st, "q.safetensors");
    sameBits(logitsOf(fromSt.lm), want, `${weights} safetensors`);
    await rejects(() => encodeCheckpoint(q, vocab, { saveState: () => { throw new Error("unreachable"); } } as unknown as Trainer), Error, /checkpoint resumes training/);
    for (const m of [q, loaded.lm, fromSt.lm]) m.dispose();
  }
  f32.dispose();
});

test("an f32 model's file is still format version 1 with no dtype entries", async () => {
  const m = lm();
  const bytes = await encodeModel(m, vocab);
  assert.is(new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true), 1);
  assert.not.ok(new TextDecoder().decode(bytes.subarray(16, 16 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true))).includes("dtype"));
  m.dispose();
});

test("damaged int8 files are refused: missing or bad scales, −128, I8 in an f32 file", async () => {
  const q = lm().quantize({ weights: "int8" });
  const file = await decodeModelFile(await encodeModel(q, vocab));
  const variant = async (change: (f: typeof file) => void) => {
    const f = { ...file, tensors: { ...file.tensors }, shapes: { ...file.shapes } };
    change(f);
    return encodeModelFile(f);
  };
  await rejects(async () => decodeModel(await variant((f) => { delete f.tensors["fc.weight_scale"]; delete f.shapes["fc.weight_scale"]; }), "a.wrnn"), Error, /^a\.wrnn is corrupt: int8 tensor "fc\.weight" needs F32 scales "fc\.weight_scale" of \d+ values, which is missing$/);
  await rejects(async () => decodeModel(await variant((f) => { const s = (f.tensors["fc.weight_scale"] as Float32Array).slice(); s[2] = NaN; f.tensors["fc.weight_scale"] = s; }), "b.wrnn"), Error, /"fc\.weight_scale" holds NaN at row 2/);
  await rejects(async () => decodeModel(await variant((f) => { const w = (f.tensors["fc.weight"] as Int8Array).slice(); w[0] = -128; f.tensors["fc.weight"] = w; }), "c.wrnn"), Error, /holds −128/);
  await rejects(async () => decodeModel(await variant((f) => { delete f.weights; }), "d.wrnn"), Error, /tensor "embedding\.weight" is I8 but the file says its weights are f32/);
  q.dispose();
});

test("an int8 task model round-trips through .wrnn and safetensors with the same predictions", async () => {
  const seq = Sequential.fromConfig([
    { name: "emb", type: "Embedding", numEmbeddings: vocab.size, embeddingDim: 32 },
    { name: "rnn", type: "GRU", inputSize: 32, hiddenSize: 128 },
    { name: "pool", type: "Pool", mode: "mean" },
    { name: "fc", type: "Linear", inFeatures: 128, outFeatures: 3 },
  ], { seed: 4 });
  const model = new TaskModel(seq, { task: "classify", labels: ["a", "b", "c"], vocab });
  const q = model.quantize({ weights: "int8" });
  const texts = ["the quick brown fox", "lazy dog", "over the"];
  const want = q.classify(texts);
  const bytes = await encodeTaskModel(q);
  assert.ok(bytes.length < 0.35 * (await encodeTaskModel(model)).length, "about a quarter of the f32 file");
  const loaded = await decodeTaskModel(bytes, "t.wrnn");
  assert.is(loaded.weightType, "int8");
  assert.equal(loaded.classify(texts), want);
  const st = await decodeTaskSafetensors(encodeTaskSafetensors(q), "t.safetensors");
  assert.equal(st.classify(texts), want);
  for (const m of [model, q, loaded, st]) m.dispose();
});

test.run();
