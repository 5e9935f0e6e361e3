// `wasm-rnn quantize`: int8 and f16 copies of a language model and of a task model, in wasm-rnn's format and
// safetensors, that generate / predict / eval as the f32 model does; and its one-line errors.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { init } from "../../src/index.js";
import { failsWith, ok, runMain } from "./run-main.js";

await init();
const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/cli-tasks/", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "wasm-rnn-cli-quantize-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);

writeFileSync(at("en.txt"), "the quick brown fox jumps over the lazy dog. a stitch in time saves nine.\n".repeat(12));

test("a language model: int8 (.wrnn) and f16 (.safetensors) copies at ~¼ and ~½ of the file that generate and eval", async () => {
  ok(await runMain(["train", at("en.txt"), "--hidden", "64", "--batch", "4", "--steps", "16", "--seed", "1", "--epochs", "2", "--out", at("en.wrnn")]), "train");
  const q8 = ok(await runMain(["quantize", at("en.wrnn"), "--to", "int8", "--out", at("en8.wrnn")]), "quantize int8");
  assert.match(q8.stdout, /wrote .*en8\.wrnn: int8 weights, [\d.]+ KiB, \d+ % of .*en\.wrnn's [\d.]+ KiB; LSTM.*\(int8 weights\)/);
  const f32Size = statSync(at("en.wrnn")).size;
  assert.ok(statSync(at("en8.wrnn")).size < 0.32 * f32Size, "int8 file about a quarter of the f32 one");
  ok(await runMain(["quantize", at("en.wrnn"), "--to", "f16", "--out", at("en16.safetensors")]), "quantize f16");
  assert.ok(statSync(at("en16.safetensors")).size < 0.55 * f32Size, "f16 file about half");
  for (const m of ["en8.wrnn", "en16.safetensors"]) {
    const g = ok(await runMain(["generate", at(m), "--length", "40", "--seed", "2"]), `generate ${m}`);
    assert.ok(g.stdout.length > 20, `${m} generates text`);
    const e = ok(await runMain(["eval", at(m), at("en.txt")]), `eval ${m}`);
    assert.match(e.stdout, /perplexity [\d.]+/);
  }
  failsWith(await runMain(["quantize", at("en8.wrnn"), "--to", "f16", "--out", at("x.wrnn")]), /en8\.wrnn is already int8; quantize the f32 model it came from/, "twice");
  failsWith(await runMain(["quantize", at("en.wrnn"), "--out", at("x.wrnn")]), /required option '--to <type>' not specified/, "no --to");
  failsWith(await runMain(["quantize", at("en.wrnn"), "--to", "int4", "--out", at("x.wrnn")]), /int4.*invalid.*int8, f16/i, "bad --to");
  failsWith(await runMain(["quantize", at("en.wrnn"), "--to", "int8", "--out", at("en8.wrnn")]), /en8\.wrnn already exists: pass --force/, "no overwrite");
  failsWith(await runMain(["quantize", at("en.wrnn"), "--to", "int8", "--out", at("en.wrnn"), "--force"]), /is the model being quantized/, "onto itself");
  failsWith(await runMain(["train", at("en.txt"), "--resume", at("en8.wrnn")]), /not a checkpoint/, "an int8 model does not resume");
});

test("a task model: the int8 copy predicts and evaluates like the f32 one", async () => {
  const csv = join(FIXTURES, "reviews.csv");
  ok(await runMain(["fit", csv, "--task", "classify", "--level", "word", "--hidden", "32", "--seed", "1", "--quiet", "--epochs", "5", "--out", at("reviews.wrnn")]), "fit");
  ok(await runMain(["quantize", at("reviews.wrnn"), "--to", "int8", "--out", at("reviews8.wrnn")]), "quantize");
  const f32 = ok(await runMain(["eval", at("reviews.wrnn"), csv]), "eval f32").stdout;
  const q = ok(await runMain(["eval", at("reviews8.wrnn"), csv]), "eval int8").stdout;
  const accuracy = (s: string) => Number(/accuracy ([\d.]+)/.exec(s)![1]);
  assert.ok(Math.abs(accuracy(q) - accuracy(f32)) <= 0.05, `accuracy ${accuracy(q)} vs f32 ${accuracy(f32)}`);
  const p = ok(await runMain(["predict", at("reviews8.wrnn"), csv]), "predict int8");
  assert.ok(p.stdout.trim().split("\n").length > 5, "one JSON line per record");
  failsWith(await runMain(["quantize", at("reviews.wrnn"), "--to", "int8", "--out", at("r.wrnn"), "--vocab", csv]), /--vocab is for language models/, "LM flags refused");
});

test.run();
