// `wasm-rnn convert` with TensorFlow.js folders, run as a user would: the tfjs fixtures into .wrnn files
// (a classifier, per-step and pooled regressors) that compute what tfjs computed, a language model and a
// task model out to folders that loadTfjs reads back, and the refusals as one "wasm-rnn: error:" line.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { init, LanguageModel, saveModel } from "../../src/node.js";
import { loadTaskModel } from "../../src/tasks/node.js";
import { loadTfjsFolder } from "../../src/tfjs/node.js";
import { bidirectional, layersModel } from "../tfjs/keras-reference.js";

await init();
const BIN = fileURLToPath(new URL("../../../bin/wasm-rnn.js", import.meta.url));
const FIXTURES = join(resolve(dirname(fileURLToPath(import.meta.url)), "../../.."), "test/fixtures/interop/tfjs");
const dir = mkdtempSync(join(tmpdir(), "wasm-rnn-tfjs-cli-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

interface Stored { shape: number[]; data: number[] }
const expected = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name, "expected.json"), "utf8")) as { inputs: { input: Stored }; outputs: { output: Stored } };

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: "utf8", timeout: 60_000, env: { ...process.env, WASM_RNN_DEBUG: "" } });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(args: string[], what: string): string {
  const r = cli(...args);
  assert.is(r.status, 0, `${what}: exit 0; stderr: ${r.stderr}`);
  return r.stdout;
}

function failsWith(args: string[], pattern: RegExp, what: string): void {
  const r = cli(...args);
  assert.ok(r.status !== 0, `${what}: non-zero exit`);
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  assert.is(lines.length, 1, `${what}: one line, got ${JSON.stringify(r.stderr)}`);
  assert.match(lines[0], /^wasm-rnn: error: /);
  assert.match(lines[0], pattern, what);
}

function close(got: ArrayLike<number>, want: number[], what: string): void {
  assert.is(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= 1e-4 + 1e-3 * Math.abs(want[i]))) assert.unreachable(`${what}[${i}]: got ${got[i]}, expected ${want[i]}`);
  }
}

test("a tfjs classifier folder → a classify task model with tfjs's probabilities, and back to a folder", async () => {
  const out = ok(["convert", join(FIXTURES, "tfjs_classifier_bilstm"), "cls.wrnn"], "import");
  assert.match(out, /wrote cls\.wrnn: classify, 3 labels/);
  const ref = expected("tfjs_classifier_bilstm");
  const [B, T] = ref.inputs.input.shape;
  const model = await loadTaskModel(join(dir, "cls.wrnn"));
  const rows = Array.from({ length: B }, (_, b) => Int32Array.from(ref.inputs.input.data.slice(b * T, (b + 1) * T)));
  close(model.classify(rows).flatMap((c) => Array.from(c.probabilities)), ref.outputs.output.data, "classify");
  model.dispose();

  assert.match(ok(["convert", "cls.wrnn", "cls-tfjs/"], "export"), /wrote cls-tfjs\/model\.json and weights\.bin: Embedding → Bidirectional → Dense/);
  const back = await loadTfjsFolder(join(dir, "cls-tfjs"));
  // our classifier's file holds logits: the exported Dense is linear, so softmax them to compare
  const logits = back.predict({ data: Int32Array.from(ref.inputs.input.data), shape: [B, T] }).data;
  back.dispose();
  const probs = Array.from({ length: B }, (_, b) => {
    const row = Array.from(logits.subarray(3 * b, 3 * b + 3)), m = Math.max(...row), e = row.map((v) => Math.exp(v - m)), s = e.reduce((x, y) => x + y);
    return e.map((v) => v / s);
  }).flat();
  close(probs, ref.outputs.output.data, "exported classifier");
  failsWith(["convert", "cls.wrnn", "cls-tfjs/"], /cls-tfjs\/model\.json already exists: pass --force/, "no replacing without --force");
  ok(["convert", "cls.wrnn", "cls-tfjs/", "--force"], "--force replaces");
});

test("per-step and pooled feature models → regress task models with tfjs's outputs", async () => {
  for (const name of ["tfjs_gru_sigmoid_seq", "tfjs_simplernn_last_dense"]) {
    assert.match(ok(["convert", join(FIXTURES, name, "model.json"), `${name}.wrnn`], name), /regress/);
    const ref = expected(name);
    const [B, T, F] = ref.inputs.input.shape;
    const model = await loadTaskModel(join(dir, `${name}.wrnn`));
    const rows = Array.from({ length: B }, (_, b) => Float32Array.from(ref.inputs.input.data.slice(b * T * F, (b + 1) * T * F)));
    close(model.regress(rows).flatMap((r) => Array.from(r)), ref.outputs.output.data, name);
    model.dispose();
  }
});

test("a language model → a tfjs folder (Embedding → LSTM → Dense) that computes its logits, and back to .wrnn", async () => {
  const lm = new LanguageModel({ vocabSize: 9, cell: "lstm", hiddenSize: 6, embedSize: 4, numLayers: 2, seed: 3 });
  await saveModel(join(dir, "lm.wrnn"), lm, null);
  ok(["convert", "lm.wrnn", "lm-tfjs"], "a path with no slash that is no folder");
  // without a slash and with no such folder, <out> is a wasm-rnn file: the library's own rule
  assert.ok(existsSync(join(dir, "lm-tfjs")) && !existsSync(join(dir, "lm-tfjs", "model.json")));
  mkdirSync(join(dir, "lm-folder"));
  ok(["convert", "lm.wrnn", "lm-folder"], "into an existing folder");
  const back = await loadTfjsFolder(join(dir, "lm-folder"));
  const ids = Int32Array.from([1, 2, 3, 8, 0, 4]);
  const got = back.predict({ data: ids, shape: [1, 6] });
  back.dispose();
  const want = lm.forward(ids, null, { seqLen: 6, batch: 1 }).logits;
  close(got.data, Array.from(want), "exported LM");
  const r = cli("convert", "lm-folder", "lm2.wrnn");
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /wrote lm2\.wrnn: LSTM, hidden 6, 2 layers, embedding 4, 9 outputs, no vocabulary/);
  assert.match(r.stderr, /has no vocabulary/);
  lm.dispose();
});

test("refusals: a merge mode no model file holds, both sides folders, a damaged folder", () => {
  const { modelJson, weights } = layersModel([bidirectional("bsum", { cls: "GRU", units: 3, inputSize: 2, first: true }, "sum")]);
  mkdirSync(join(dir, "sum"));
  writeFileSync(join(dir, "sum", "model.json"), JSON.stringify(modelJson));
  writeFileSync(join(dir, "sum", "weights.bin"), weights);
  failsWith(["convert", "sum", "sum.wrnn"], /cannot convert sum: layer "bsum" merges its directions with "sum".*loadTfjs/, "sum merge");
  failsWith(["convert", "sum", "other/"], /both TensorFlow\.js folders/, "both folders");
  cpSync(join(dir, "sum"), join(dir, "cut"), { recursive: true });
  writeFileSync(join(dir, "cut", "weights.bin"), weights.subarray(0, 10));
  failsWith(["convert", "cut", "cut.wrnn"], /loadTfjs: the shards of weightsManifest\[0\] \("weights\.bin"\) are 10 bytes, but its weights take \d+/, "truncated");
});

test.run();
