// Decoders against hostile files: the configuration is checked against the tensors before anything is
// allocated (a 9 KB file cannot cost gigabytes), vocabularies must fit the model, non-finite weights are
// refused unless asked for, checkpoints must carry the optimizer state their optimizer needs, and JSON too
// deep to walk is refused at decode, naming the file.

import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  LanguageModel, Trainer, Vocabulary, decodeCheckpoint, decodeModel, decodeSafetensorsModel, encodeCheckpoint, encodeModel,
  encodeSafetensorsModel, init,
} from "../../src/index.js";
import { runtime } from "../../src/init.js";
import { Canaries } from "../helpers/canary.js";
import { craftModelBytes, craftSafetensors, parseModelBytes, parseSafetensors } from "../helpers/craft.js";

await init();
const canaries = new Canaries();
const heap = runtime().heap;

const vocab = Vocabulary.build("hello, world. the quick brown fox\n");
const lm = new LanguageModel({ vocabSize: vocab.size, cell: "gru", hiddenSize: 12, embedSize: 6, seed: 1 });
const ids = vocab.encode("hello, world. the quick brown fox\n".repeat(20));
const trainer = new Trainer(lm, ids, { batchSize: 4, seqLen: 8, optimizer: { name: "adam", lr: 0.01 } });
trainer.trainEpoch();
const modelBytes = await encodeModel(lm, vocab);
const checkpointBytes = await encodeCheckpoint(lm, vocab, trainer, { note: "test" });
const safetensorsBytes = encodeSafetensorsModel(lm, vocab);

/** Rewrites a .wrnn file's header with `edit` (valid checksum), keeping its data. */
function editHeader(bytes: Uint8Array, edit: (h: Record<string, any>) => void): Uint8Array {
  const { header, data } = parseModelBytes(bytes);
  edit(header);
  return craftModelBytes(header, data);
}

/** Asserts that decoding rejects with one sentence naming the file, and allocates (almost) nothing. */
async function refuses(decode: () => Promise<unknown> | unknown, ...patterns: RegExp[]): Promise<void> {
  heap.resetPeak();
  const inUse = heap.bytesInUse, started = performance.now();
  try {
    await decode();
    assert.unreachable("should have thrown");
  } catch (e) {
    const m = (e as Error).message;
    assert.instance(e, Error);
    assert.ok(!m.includes("\n"), `one line: ${m}`);
    for (const p of patterns) assert.match(m, p);
  }
  assert.ok(performance.now() - started < 1000, "refused quickly");
  assert.ok(heap.peakBytesInUse - inUse < 64 * 1024, `allocated ${heap.peakBytesInUse - inUse} bytes before refusing`);
  assert.is(heap.bytesInUse, inUse, "kept nothing");
}

test("a header claiming a huge model with small tensors is refused before any allocation (vocabSize 2^24, hiddenSize 7000)", async () => {
  for (const [key, value] of [["vocabSize", 2 ** 24], ["hiddenSize", 7000], ["numLayers", 1000], ["embedSize", 2 ** 20]] as const) {
    const bytes = editHeader(modelBytes, (h) => { h.config[key] = value; });
    await refuses(() => decodeModel(bytes, "huge.wrnn"), /^huge\.wrnn does not match its configuration: /, /implies [\d,]+ parameters/);
  }
  // a shape claim in the tensor table must agree with the data length too
  const lying = editHeader(modelBytes, (h) => { h.tensors[0].shape = [2 ** 24, 6]; });
  await refuses(() => decodeModel(lying, "lying.wrnn"), /^lying\.wrnn has a corrupt header: tensor "embedding\.weight" has \d+ bytes, but shape \[16777216, 6\] needs/);
  canaries.check("after huge headers");
});

test("safetensors: metadata or shapes claiming a huge model are refused the same way", async () => {
  const { header, data } = parseSafetensors(safetensorsBytes);
  const meta = header.__metadata__ as Record<string, string>;
  const config = JSON.parse(meta.config);
  const bigger = craftSafetensors({ ...header, __metadata__: { ...meta, config: JSON.stringify({ ...config, vocabSize: 2 ** 24 }) } }, data);
  await refuses(() => decodeSafetensorsModel(bigger, "big.safetensors"), /^big\.safetensors does not match its configuration/);
  const deep = craftSafetensors({ ...header, __metadata__: { ...meta, config: "[".repeat(100_000) + "]".repeat(100_000) } }, data);
  await refuses(() => decodeSafetensorsModel(deep, "deep.safetensors"), /^deep\.safetensors has unreadable metadata: "config": its JSON nests deeper than 32 levels/);
});

test("a vocabulary that does not fit the model is refused (a larger one would index past the embedding)", async () => {
  const bigger = editHeader(checkpointBytes, (h) => { h.vocab.tokens.push("Ω", "Ж"); });
  await refuses(() => decodeCheckpoint(bigger, "run.ckpt"), /^run\.ckpt is inconsistent: its vocabulary has \d+ tokens but its model has vocabSize \d+$/);
  await refuses(() => decodeModel(editHeader(modelBytes, (h) => { h.vocab.tokens.pop(); }), "m.wrnn"), /^m\.wrnn is inconsistent/);
});

test("non-finite weights or optimizer state are refused, naming the tensor, unless allowNonFinite", async () => {
  const poisoned = lm.torchParams();
  poisoned["rnn.weight_hh_l0"][17] = NaN;
  const copy = new LanguageModel(lm.options());
  copy.loadTorchParams(poisoned);
  const bytes = await encodeModel(copy, vocab);
  await refuses(() => decodeModel(bytes, "nan.wrnn"), /^nan\.wrnn has a non-finite value in tensor "rnn\.weight_hh_l0" \(NaN at index 17\)/, /allowNonFinite: true/);
  const loaded = await decodeModel(bytes, "nan.wrnn", { allowNonFinite: true });
  assert.ok(Number.isNaN(loaded.lm.torchParams()["rnn.weight_hh_l0"][17]), "opted in: loaded as is");
  loaded.lm.dispose();
  const st = encodeSafetensorsModel(copy, vocab);
  await refuses(() => decodeSafetensorsModel(st, "nan.safetensors"), /non-finite value in tensor "rnn\.weight_hh_l0"/);
  // optimizer moments
  const { header, data } = parseModelBytes(checkpointBytes);
  const entry = (header.tensors as { name: string; offset: number }[]).find((t) => t.name === "optimizer/fc.second")!;
  const bad = data.slice();
  new DataView(bad.buffer).setFloat32(entry.offset, Infinity, true);
  await refuses(() => decodeCheckpoint(craftModelBytes(header, bad), "inf.ckpt"), /^inf\.ckpt has a non-finite value in optimizer state "fc\.second" \(Infinity at index 0\)/);
  await refuses(() => decodeModel(bytes, "x", { allowNonFinite: "yes" } as never), /allowNonFinite must be true or false/);
  copy.dispose();
  canaries.check("after non-finite files");
});

test("a checkpoint whose optimizer state does not fit its optimizer or model is refused at decode, naming the file", async () => {
  const strip = (filter: (name: string) => boolean) => {
    const { header, data } = parseModelBytes(checkpointBytes);
    header.tensors = (header.tensors as { name: string }[]).filter((t) => filter(t.name));
    return craftModelBytes(header, data);
  };
  // the tensors keep their data; only the table loses entries, which is what a writer that forgot them makes
  await refuses(() => decodeCheckpoint(strip((n) => !n.startsWith("optimizer/")), "noopt.ckpt"), /^noopt\.ckpt is corrupt: optimizer state "embedding\.first" is missing, but its adam optimizer needs it$/);
  await refuses(() => decodeCheckpoint(strip((n) => n !== "optimizer/rnn.second"), "half.ckpt"), /^half\.ckpt is corrupt: optimizer state "rnn\.second" is missing/);
  await refuses(() => decodeCheckpoint(editHeader(checkpointBytes, (h) => { h.training.optimizerOptions = { name: "sgd", lr: 1 }; }), "sgd.ckpt"), /optimizer state "embedding\.first" is present, but its sgd \(momentum 0\) optimizer keeps none/);
  await refuses(() => decodeCheckpoint(editHeader(checkpointBytes, (h) => { h.training.optimizerOptions = { name: "lion" }; }), "lion.ckpt"), /^lion\.ckpt is corrupt: its optimizer settings are invalid/);
  await refuses(() => decodeCheckpoint(editHeader(checkpointBytes, (h) => { h.tensors.find((t: { name: string }) => t.name === "optimizer/fc.first").name = "optimizer/fc.third"; }), "odd.ckpt"), /optimizer state "fc\.third" is not <group>\.first or <group>\.second/);
  // an older checkpoint without recorded optimizer settings still loads, and a consistent one resumes
  const older = editHeader(checkpointBytes, (h) => { delete h.training.optimizerOptions; });
  const c = await decodeCheckpoint(older, "older.ckpt");
  const t2 = new Trainer(c.lm, ids, { batchSize: 4, seqLen: 8, optimizer: { name: "adam", lr: 0.01 } });
  t2.restoreState(c.trainer);
  t2.dispose();
  c.lm.dispose();
});

test("JSON nested 100,000 deep in a checkpoint's settings is refused at decode, naming the file (no stack overflow)", async () => {
  const { header, data } = parseModelBytes(checkpointBytes);
  const text = JSON.stringify(header).replace('"settings":{"note":"test"}', `"settings":{"note":${"[".repeat(100_000)}${"]".repeat(100_000)}}`);
  await refuses(() => decodeCheckpoint(craftModelBytes(text, data), "deep.ckpt"), /^deep\.ckpt has a corrupt header: its JSON nests deeper than 32 levels$/);
  // and our own encoder refuses to write what the decoder would refuse
  let deep: unknown = 1;
  for (let i = 0; i < 40; i++) deep = [deep];
  await refuses(() => encodeCheckpoint(lm, vocab, trainer, { deep }), /nests deeper than 31 levels/);
  canaries.check("after deep JSON");
});

test("a Trainer refuses a checkpoint state of another optimizer", async () => {
  const c = await decodeCheckpoint(checkpointBytes, "run.ckpt");
  const sgd = new Trainer(c.lm, ids, { batchSize: 4, seqLen: 8, optimizer: { name: "sgd", lr: 0.1 } });
  assert.throws(() => sgd.restoreState(c.trainer), /Trainer\.restoreState: the state is of optimizer \{"name":"adam"/);
  sgd.dispose();
  c.lm.dispose();
});

test.run();
