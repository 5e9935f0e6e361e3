// The task commands (issue 12, item 6), run in-process on the small files of test/fixtures/cli-tasks (made by
// its make-fixtures.mjs, each a rule a tiny model learns in a few epochs): fit for every task, the model file
// it saves (loaded back with loadTaskModel and used), predict's JSONL and CSV, eval's metrics, an exact
// resume, and the one-line errors for bad files, fields, labels and values.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { init } from "../../src/index.js";
import { encodeTaskSafetensors, loadTaskModel, type TaskModel } from "../../src/tasks/node.js";
import { failsWith, ok, runMain } from "./run-main.js";

await init();
// dist/test/cli/tasks.test.js → the fixtures in the source tree
const FIXTURES = fileURLToPath(new URL("../../../test/fixtures/cli-tasks/", import.meta.url));
const data = (name: string) => join(FIXTURES, name);
const dir = mkdtempSync(join(tmpdir(), "wasm-rnn-cli-tasks-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);
const write = (name: string, text: string) => (writeFileSync(at(name), text), at(name));

const SMALL = ["--hidden", "16", "--seed", "1", "--quiet"];
const FORECAST = ["--task", "forecast", "--date", "date", "--target", "sales", "--lookback", "14"];

/** The number after `name` in a report line ("accuracy 0.958"). */
function metric(text: string, name: string): number {
  const m = new RegExp(`${name} (-?[\\d.]+)`).exec(text);
  assert.ok(m, `${name} in ${text}`);
  return Number(m![1]);
}

test("classify text: fit saves a model that loads and classifies; eval prints accuracy, macro-F1 and the confusion matrix", async () => {
  const r = ok(await runMain(["fit", data("reviews.csv"), "--task", "classify", "--level", "word", ...SMALL, "--epochs", "5", "--validation", "0.2", "--out", at("reviews.wrnn")]), "fit");
  assert.match(r.stdout, /^final, validation: 32 examples, loss [\d.]+, accuracy [\d.]+, macro-F1 [\d.]+$/m);
  assert.match(r.stdout, /saved .*reviews\.wrnn \(checkpoint: .*reviews\.wrnn\.ckpt\): 5 epochs trained/);
  assert.ok(existsSync(at("reviews.wrnn.ckpt")));

  const model = await loadTaskModel(at("reviews.wrnn"));
  assert.is(model.task, "classify");
  assert.equal(model.labels, ["neg", "pos"]);
  assert.is(model.vocab!.level, "word");
  assert.equal(model.settings, { fields: { text: "text", label: "label" } });
  const [good, bad] = model.classify(["a superb plot, a charming cast", "a dull script, an awful ending"]);
  model.dispose();
  assert.is(good.label, "pos");
  assert.is(bad.label, "neg");

  const e = ok(await runMain(["eval", at("reviews.wrnn"), data("reviews.csv")]), "eval");
  const lines = e.stdout.trimEnd().split("\n");
  assert.match(lines[0], /reviews\.csv: 160 examples, loss [\d.]+, accuracy [\d.]+, macro-F1 [\d.]+$/);
  assert.ok(metric(lines[0], "accuracy") > 0.9, lines[0]);
  assert.match(lines[1], /^ {2}label +precision +recall +f1 +support$/);
  assert.match(lines[2], /^ {2}neg +[\d.]+ +[\d.]+ +[\d.]+ +\d+$/);
  assert.is(lines[4], "confusion matrix (rows: true, columns: predicted):");
  assert.match(lines[5], /^ +neg +pos$/);
  const counts = lines.slice(6, 8).map((l) => l.trim().split(/\s+/).slice(1).map(Number));
  assert.is(counts.flat().reduce((a, b) => a + b, 0), 160, "the matrix counts every row");
  assert.ok(counts[0][0] + counts[1][1] >= 144, `mostly on the diagonal: ${lines.slice(6, 8)}`);
});

test("predict: JSONL with each label's probability, CSV with p_<label> columns, --out writes the file", async () => {
  const input = write("two.csv", 'text,label\n"a brilliant score, a lovely film",x\n"a poor plot, a tedious cast",y\n');
  const j = ok(await runMain(["predict", at("reviews.wrnn"), input]), "predict jsonl");
  const rows = j.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
  assert.equal(rows.map((r) => r.label), ["pos", "neg"]);
  assert.equal(Object.keys(rows[0].probabilities), ["neg", "pos"]);
  assert.ok(Math.abs(rows[0].probabilities.neg + rows[0].probabilities.pos - 1) < 1e-5);
  const c = ok(await runMain(["predict", at("reviews.wrnn"), input, "--format", "csv"]), "predict csv");
  const csv = c.stdout.trimEnd().split("\n");
  assert.is(csv[0], "label,p_neg,p_pos");
  assert.match(csv[1], /^pos,0\.\d+,0\.\d+$/);
  ok(await runMain(["predict", at("reviews.wrnn"), input, "--out", at("p.csv")]), "predict --out");
  assert.is(readFileSync(at("p.csv"), "utf8"), c.stdout, "--out p.csv writes CSV");
  failsWith(await runMain(["predict", at("reviews.wrnn"), input, "--out", at("p.csv")]), /p\.csv already exists: pass --force/, "no overwrite");
  ok(await runMain(["predict", at("reviews.wrnn"), input, "--out", at("p.csv"), "--force"]), "--force replaces it");
  // a long file is run in chunks of 8 batches (a progress bar on a terminal): the same predictions, in order
  const whole = ok(await runMain(["predict", at("reviews.wrnn"), data("reviews.csv")]), "one chunk").stdout;
  const chunked = ok(await runMain(["predict", at("reviews.wrnn"), data("reviews.csv"), "--batch-size", "3"]), "7 chunks").stdout;
  assert.is(whole.split("\n").length, 161);
  assert.is(chunked, whole);
});

test("classify sequences of numbers (JSONL): standardised inputs; the model tells rising traces from falling ones", async () => {
  ok(await runMain(["fit", data("traces.jsonl"), "--task", "classify", "--text", "trace", ...SMALL, "--epochs", "6", "--out", at("traces.wrnn")]), "fit");
  const model = await loadTaskModel(at("traces.wrnn"));
  assert.ok(model.normalizer, "a normalizer fitted on the training part");
  assert.equal(model.settings, { fields: { text: "trace", label: "label" } });
  const [up, down] = model.classify([Float32Array.of(1, 2, 3, 4, 5, 6, 7), Float32Array.of(2, 1, 0, -1, -2, -3, -4)]);
  model.dispose();
  assert.equal([up.label, down.label], ["up", "down"]);
  const e = ok(await runMain(["eval", at("traces.wrnn"), data("traces.jsonl")]), "eval");
  assert.ok(metric(e.stdout, "accuracy") > 0.85, e.stdout);
});

test("tag: JSONL to train, CSV cells to predict and score; a tag per token", async () => {
  const r = ok(await runMain(["fit", data("tags.jsonl"), "--task", "tag", ...SMALL, "--bidirectional", "--epochs", "6", "--lr", "0.01", "--out", at("tags.wrnn")]), "fit");
  assert.match(r.stdout, /^final, validation: \d+ tokens, loss/m);
  const model = await loadTaskModel(at("tags.wrnn"));
  assert.equal(model.labels, ["ADJ", "DET", "NOUN", "VERB"]);
  const [t] = model.tag([["the", "old", "dog", "sees", "a", "cat"]]);
  model.dispose();
  assert.equal(t.labels, ["DET", "ADJ", "NOUN", "VERB", "DET", "NOUN"]);
  const p = ok(await runMain(["predict", at("tags.wrnn"), data("tags.csv"), "--format", "csv"]), "predict");
  const lines = p.stdout.trimEnd().split("\n");
  assert.is(lines.length, 51);
  assert.is(lines[0], "tokens,tags");
  const [tokens, tags] = lines[1].split(",");
  assert.is(tokens.split(" ").length, tags.split(" ").length);
  const e = ok(await runMain(["eval", at("tags.wrnn"), data("tags.csv")]), "eval");
  assert.match(e.stdout, /tags\.csv: 50 rows: \d+ tokens, loss [\d.]+, accuracy/);
  assert.ok(metric(e.stdout, "accuracy") > 0.9, e.stdout);
  assert.match(e.stdout, /^ +ADJ +DET +NOUN +VERB$/m);
});

test("regress: a number per sequence from CSV cells (steps by ;, features by spaces), on the targets' own scale", async () => {
  const r = ok(await runMain(["fit", data("sums.csv"), "--task", "regress", ...SMALL, "--epochs", "12", "--lr", "0.01", "--out", at("sums.wrnn")]), "fit");
  assert.match(r.stdout, /^final, validation: 16 examples, loss [\d.]+ \(standardised\), MAE [\d.]+, RMSE [\d.]+, sMAPE [\d.]+%$/m);
  const model = await loadTaskModel(at("sums.wrnn"));
  assert.ok(model.targetNormalizer, "targets standardised");
  const [y] = model.regress([Float32Array.of(0.5, 0.1, 0.5, 0.9, -0.2, 0.5)]); // sum of the first feature: 0.8
  model.dispose();
  assert.ok(Math.abs(y[0] - 0.8) < 0.4, `0.8 predicted as ${y[0]}`);
  const input = write("seqs.csv", "input\n0.5 0.1; 0.5 0.9\n-1 0; -1 0; -1 0\n");
  const p = ok(await runMain(["predict", at("sums.wrnn"), input, "--format", "csv"]), "predict");
  assert.match(p.stdout, /^target\n-?[\d.]+\n-?[\d.]+\n$/);
  const e = ok(await runMain(["eval", at("sums.wrnn"), data("sums.csv")]), "eval");
  assert.match(e.stdout, /^.*sums\.csv: 160 examples, loss [\d.]+ \(standardised\), MAE [\d.]+, RMSE [\d.]+, sMAPE [\d.]+%\n$/);
  assert.ok(metric(e.stdout, "MAE") < 0.35, e.stdout);
});

test("regress --per-step: JSONL arrays in, an array of values per row out", async () => {
  ok(await runMain(["fit", data("cumsum.jsonl"), "--task", "regress", "--per-step", ...SMALL, "--epochs", "15", "--lr", "0.01", "--out", at("cumsum.wrnn")]), "fit");
  const input = write("steps.jsonl", '{"input":[0.5,0.5,0.5]}\n{"input":[1,-1]}\n');
  const p = ok(await runMain(["predict", at("cumsum.wrnn"), input]), "predict");
  const rows = p.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
  assert.equal(rows.map((r) => r.target.length), [3, 2]);
  const e = ok(await runMain(["eval", at("cumsum.wrnn"), data("cumsum.jsonl")]), "eval");
  assert.match(e.stdout, /100 examples \(scored per step\), loss [\d.]+ \(standardised\), MAE/);
  // running sums of values in [-1, 1]: predicting their mean is off by about 0.8 per step
  assert.ok(metric(e.stdout, "MAE") < 0.2, e.stdout);
});

test("forecast direct: dates, a feature column and calendar features; eval scores every window with MAE by horizon; predict continues the dates", async () => {
  const r = ok(await runMain(["fit", data("daily.csv"), ...FORECAST, "--features", "temp", "--horizon", "7", "--calendar", "dayOfWeek", ...SMALL, "--epochs", "8", "--lr", "0.01", "--validation-from", "2023-09-28", "--out", at("daily.wrnn")]), "fit");
  assert.match(r.stdout, /MAE by horizon: 1: [\d.]+, 2: [\d.]+, .*, 7: [\d.]+$/m);
  const model = await loadTaskModel(at("daily.wrnn"));
  assert.equal(model.window, { lookback: 14, horizon: 7, targets: [0], calendar: ["dayOfWeek"], output: "direct" });
  assert.is(model.features, 2);
  assert.equal(model.settings, { fields: { date: "date", targets: ["sales"], features: ["temp"] } });
  model.dispose();
  const e = ok(await runMain(["eval", at("daily.wrnn"), data("daily.csv")]), "eval");
  // 300 rows: windows of 14 rows with 7 after them start at rows 0 … 279
  assert.match(e.stdout, /daily\.csv: 280 windows of 14 rows, 7 steps ahead, MAE [\d.]+, RMSE [\d.]+, sMAPE [\d.]+%\nMAE by horizon: 1: [\d.]+(, \d: [\d.]+){6}\n$/);
  assert.ok(metric(e.stdout, "sMAPE") < 10, `sales vary by ±20%, the weekly cycle is learnt: ${e.stdout}`);
  const history = write("history.csv", readFileSync(data("daily.csv"), "utf8").split("\n").slice(0, 41).join("\n") + "\n"); // 2023-01-01 … 2023-02-09
  const p = ok(await runMain(["predict", at("daily.wrnn"), history, "--format", "csv"]), "predict");
  const lines = p.stdout.trimEnd().split("\n");
  assert.is(lines[0], "date,sales");
  assert.equal(lines.slice(1).map((l) => l.split(",")[0]), ["2023-02-10", "2023-02-11", "2023-02-12", "2023-02-13", "2023-02-14", "2023-02-15", "2023-02-16"]);
  assert.ok(lines.slice(1).every((l) => { const v = Number(l.split(",")[1]); return v > 70 && v < 160; }), p.stdout);
  failsWith(await runMain(["predict", at("daily.wrnn"), history, "--steps", "3"]), /forecasts 7 steps at once.*--steps must be 7/, "a direct model's horizon");
});

test("forecast step by step: predict --steps forecasts recursively; eval --steps scores that many steps from each window", async () => {
  ok(await runMain(["fit", data("daily.csv"), ...FORECAST, "--output", "step", "--calendar", "dayOfWeek", ...SMALL, "--epochs", "6", "--lr", "0.01", "--out", at("step.wrnn")]), "fit");
  const history = write("h30.csv", readFileSync(data("daily.csv"), "utf8").split("\n").slice(0, 31).join("\n") + "\n");
  const p = ok(await runMain(["predict", at("step.wrnn"), history, "--steps", "3"]), "predict");
  assert.equal(p.stdout.trimEnd().split("\n").map((l) => JSON.parse(l).date), ["2023-01-31", "2023-02-01", "2023-02-02"]);
  const e = ok(await runMain(["eval", at("step.wrnn"), history, "--steps", "2"]), "eval");
  assert.match(e.stdout, /h30\.csv: 15 windows of 14 rows, 2 steps ahead \(recursively\), MAE [\d.]+.*\nMAE by horizon: 1: [\d.]+, 2: [\d.]+\n$/);
  const all = ok(await runMain(["eval", at("step.wrnn"), data("daily.csv"), "--steps", "2"]), "eval on the whole series");
  // the weekly cycle alone moves sales by about ±20: a model that missed it would be off by ~10
  assert.ok(metric(all.stdout, "MAE") < 3, all.stdout);
});

/** Every number a task model computes for fixed inputs of its kind, as bytes: equal bytes, bit-identical predictions. */
function predictionBytes(model: TaskModel): Buffer {
  const parts: Float32Array[] = [];
  switch (model.task) {
    case "classify":
      for (const c of model.vocab
        ? model.classify(["a superb plot, a charming cast", "a dull script, an awful ending", "zzz"])
        : model.classify([Float32Array.of(1, 2, 3, 4, 5, 6, 7), Float32Array.of(2, 1, 0, -1, -2), Float32Array.of(0.5)])) parts.push(c.probabilities);
      break;
    case "tag":
      for (const t of model.tag([["the", "old", "dog", "sees", "a", "cat"], ["a", "zebra"]])) parts.push(t.probabilities);
      break;
    case "regress":
      parts.push(...model.regress(model.model.outputKind === "sequence" ? [Float32Array.of(0.5, 0.5, 0.5), Float32Array.of(1, -1)] : [Float32Array.of(0.5, 0.1, 0.5, 0.9, -0.2, 0.5), Float32Array.of(-1, 0)]));
      break;
    case "forecast": {
      const rows = readFileSync(data("daily.csv"), "utf8").trim().split("\n").slice(1, 41).map((l) => l.split(","));
      const F = model.features!;
      const values = Float32Array.from(rows.flatMap((r) => r.slice(1, 1 + F).map(Number)));
      const history = { values, features: F, dates: rows.map((r) => r[0]) };
      parts.push(model.forecast(history).values);
      if (model.window!.output === "step") parts.push(model.forecast(history, { steps: 3 }).values);
      break;
    }
  }
  return Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
}

/** The JSON header of a safetensors file: tensor names with dtype and shape, and __metadata__. */
function safetensorsHeader(path: string): Record<string, { dtype: string; shape: number[] }> & { __metadata__: Record<string, string> } {
  const bytes = readFileSync(path);
  return JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString("utf8"));
}

test("convert: task models to safetensors (module-path names) and back, with bit-identical predictions; a checkpoint's model", async () => {
  for (const name of ["reviews", "traces", "tags", "sums", "cumsum", "daily", "step"]) {
    const original = await loadTaskModel(at(`${name}.wrnn`));
    const expected = predictionBytes(original);
    const c = ok(await runMain(["convert", at(`${name}.wrnn`), at(`${name}.rt.safetensors`)]), `${name} → safetensors`);
    assert.match(c.stdout, new RegExp(`^wrote .*${name}\\.rt\\.safetensors: ${original.task}[ ,;].*; [\\d,]+ parameters\\n$`));
    assert.is(c.stderr, "");
    // the library's safetensors of the model, byte for byte: weights under module paths, metadata as it writes it
    assert.ok(readFileSync(at(`${name}.rt.safetensors`)).equals(Buffer.from(encodeTaskSafetensors(original))), `${name}: encodeTaskSafetensors's bytes`);
    const header = safetensorsHeader(at(`${name}.rt.safetensors`));
    assert.equal(Object.keys(header).filter((k) => k !== "__metadata__").sort(), Object.keys(original.model.torchParams()).sort());
    assert.equal(header.__metadata__.architecture, "sequential");
    assert.equal(JSON.parse(header.__metadata__.task), original.infoJSON());
    original.dispose();
    ok(await runMain(["convert", at(`${name}.rt.safetensors`), at(`${name}.rt.wrnn`)]), `${name} → .wrnn`);
    assert.ok(readFileSync(at(`${name}.rt.wrnn`)).equals(readFileSync(at(`${name}.wrnn`))), `${name}: the round trip gives the model file back, byte for byte`);
    const back = await loadTaskModel(at(`${name}.rt.wrnn`));
    assert.ok(predictionBytes(back).equals(expected), `${name}: bit-identical predictions after .wrnn → .safetensors → .wrnn`);
    back.dispose();
  }
  const names = Object.keys(safetensorsHeader(at("reviews.rt.safetensors"))).filter((k) => k !== "__metadata__").sort();
  assert.equal(names, ["embedding.weight", "fc.bias", "fc.weight", "rnn.bias_hh_l0", "rnn.bias_ih_l0", "rnn.weight_hh_l0", "rnn.weight_ih_l0"]);
  assert.match(ok(await runMain(["convert", at("daily.wrnn"), at("daily.2.safetensors")]), "forecast").stdout, /: forecast of sales \(lookback 14, 7 steps at once; 2 columns per row\); GRU 16 → last pool → linear 7; [\d,]+ parameters\n$/);
  assert.match(ok(await runMain(["convert", at("tags.wrnn"), at("tags.2.wrnn")]), "tag").stdout, /: tag, 4 tags: ADJ, DET, NOUN, VERB; embedding 32 \(vocabulary \d+\) → GRU 16 \(bidirectional\) → linear 4; /);
  // a safetensors model works in predict and eval as it is
  const p = ok(await runMain(["predict", at("reviews.rt.safetensors"), data("reviews.csv")]), "predict the safetensors");
  assert.is(p.stdout, ok(await runMain(["predict", at("reviews.wrnn"), data("reviews.csv")]), "predict the model").stdout);
  // a checkpoint's model (fit's checkpoint at the last epoch holds the saved model's weights), to either format
  ok(await runMain(["convert", at("reviews.wrnn.ckpt"), at("from-ckpt.wrnn")]), "checkpoint → .wrnn");
  assert.ok(readFileSync(at("from-ckpt.wrnn")).equals(readFileSync(at("reviews.wrnn"))), "the checkpoint's model is the model");
  ok(await runMain(["convert", at("reviews.wrnn.ckpt"), at("from-ckpt.safetensors")]), "checkpoint → .safetensors");
  assert.ok(readFileSync(at("from-ckpt.safetensors")).equals(readFileSync(at("reviews.rt.safetensors"))));
  // --force, and the language-model flags, as for language models
  failsWith(await runMain(["convert", at("reviews.wrnn"), at("from-ckpt.wrnn")]), /from-ckpt\.wrnn already exists: pass --force to replace it, or give another <out> path/, "no overwrite");
  ok(await runMain(["convert", at("traces.wrnn"), at("from-ckpt.wrnn"), "--force"]), "--force replaces it");
  assert.ok(readFileSync(at("from-ckpt.wrnn")).equals(readFileSync(at("traces.wrnn"))));
  failsWith(await runMain(["convert", at("reviews.wrnn"), at("v.safetensors"), "--cell-variant", "reset-before"]), /--cell-variant is for language models; .*reviews\.wrnn is a task model/, "an LM flag");
  failsWith(await runMain(["convert", at("reviews.rt.safetensors"), at("v.wrnn"), "--vocab", data("reviews.csv")]), /--vocab is for language models; .*reviews\.rt\.safetensors is a task model/, "--vocab");
  const damaged = readFileSync(at("reviews.rt.safetensors"));
  damaged[damaged.length - 3] ^= 0x7f; // the last weight's high byte: NaN or a huge value
  writeFileSync(at("damaged.safetensors"), damaged);
  const d = await runMain(["convert", at("damaged.safetensors"), at("v.wrnn")]);
  if (d.code !== 0) failsWith(d, /damaged\.safetensors/, "a damaged weight");
  writeFileSync(at("cut.safetensors"), damaged.subarray(0, damaged.length - 10));
  failsWith(await runMain(["convert", at("cut.safetensors"), at("v2.wrnn")]), /cut\.safetensors/, "a truncated safetensors file");
  assert.not.ok(existsSync(at("v2.wrnn")), "nothing written");
});

test("resume: 1 epoch + a resumed epoch give the model file, byte for byte, of 2 epochs (dropout, early stopping, class weights)", async () => {
  const args = [data("reviews.csv"), "--task", "classify", ...SMALL, "--layers", "2", "--dropout", "0.3", "--early-stopping", "5", "--monitor", "macro-f1", "--class-weights", "balanced"];
  ok(await runMain(["fit", ...args, "--epochs", "2", "--out", at("straight.wrnn")]), "2 epochs");
  ok(await runMain(["fit", ...args, "--epochs", "1", "--out", at("half.wrnn")]), "1 epoch");
  const r = ok(await runMain(["fit", "--resume", at("half.wrnn.ckpt"), "--epochs", "2"]), "resume");
  assert.match(r.stdout, /saved .*half\.wrnn .*: 2 epochs trained, 1 in this run/);
  assert.ok(readFileSync(at("half.wrnn")).equals(readFileSync(at("straight.wrnn"))), "identical to the straight run");
  failsWith(await runMain(["fit", "--resume", at("half.wrnn.ckpt"), "--epochs", "3", "--hidden", "32"]), /--hidden 32 conflicts with the checkpoint .*--hidden 16/, "a conflicting flag");
  failsWith(await runMain(["fit", "--resume", at("half.wrnn.ckpt")]), /already trained 2 of 2 epochs/, "nothing left to train");
  failsWith(await runMain(["fit", "--resume", at("half.wrnn")]), /half\.wrnn is a model file, not a checkpoint/, "a model is not a checkpoint");
});

test("early stopping ends the run with the best weights; resuming it needs --epochs", async () => {
  const r = ok(await runMain(["fit", data("traces.jsonl"), "--task", "classify", "--text", "trace", "--hidden", "8", "--seed", "0", "--epochs", "12", "--early-stopping", "1", "--monitor", "accuracy", "--out", at("early.wrnn")]), "fit");
  assert.match(r.stdout, /^stopped after epoch 4: early stopping: validation accuracy did not improve for 1 epoch; the weights of epoch 3 \(accuracy 0\.75000\) are restored$/m);
  assert.match(r.stderr, /^epoch 3\/12: .* \*\nepoch 4\/12: [^*\n]* s\n$/m, "* marks the improving epochs");
  failsWith(await runMain(["fit", "--resume", at("early.wrnn.ckpt")]), /is complete: early stopping ended it after epoch 4, with the best weights restored; pass --epochs N/, "a complete run");
  ok(await runMain(["fit", "--resume", at("early.wrnn.ckpt"), "--epochs", "5", "--quiet"]), "trained on with --epochs");
  // a regression's scores on the data's scale are of the weights after the epoch: the stopping epoch's line has
  // only its validation loss (its weights are gone), the final line the restored best epoch's scores
  const g = ok(await runMain(["fit", data("sums.csv"), "--task", "regress", "--hidden", "8", "--seed", "0", "--epochs", "30", "--early-stopping", "1", "--no-checkpoint", "--out", at("early-r.wrnn")]), "fit regress");
  const best = /^epoch (\d+)\/30: .*validation loss [\d.]+, (MAE .*%), padding.* \*$/m.exec(g.stderr.split("\n").filter((l) => l.endsWith("*")).pop()!);
  assert.ok(best, g.stderr);
  assert.match(g.stderr, new RegExp(`^epoch ${Number(best![1]) + 1}/30: loss [\\d.]+, validation loss [\\d.]+, padding [^*]*s$`, "m"));
  assert.match(g.stdout, new RegExp(`^final, validation: 16 examples, loss [\\d.]+ \\(standardised\\), ${best![2]}$`, "m"));
});

test("fit prints a line per epoch (loss, validation loss and metrics, padding, examples/s); --dry-run trains and writes nothing", async () => {
  const r = ok(await runMain(["fit", data("reviews.csv"), "--task", "classify", "--hidden", "8", "--epochs", "2", "--out", at("lines.wrnn"), "--no-checkpoint"]), "fit");
  assert.match(r.stdout, /^fit classify: .*reviews\.csv \(CSV, 160 rows\): 144 training examples, 16 validation \(a seeded 10% split\); 2 labels: neg, pos; vocabulary \d+ \(char\)$/m);
  assert.match(r.stdout, /^model: embedding 32 \(vocabulary \d+\) → GRU 8 → mean pool → linear 2; [\d,]+ parameters$/m);
  assert.match(r.stderr, /^epoch 1\/2: loss [\d.]+, validation loss [\d.]+, accuracy [\d.]+, macro-F1 [\d.]+, padding [\d.]+%, [\d,]+ examples\/s, [\d.]+ s\nepoch 2\/2: /m);
  assert.not.ok(existsSync(at("lines.wrnn.ckpt")), "--no-checkpoint");
  const s = ok(await runMain(["fit", data("sums.csv"), "--task", "regress", "--hidden", "8", "--epochs", "1", "--out", at("s.wrnn"), "--no-checkpoint"]), "fit regress");
  assert.match(s.stderr, /^epoch 1\/1: loss [\d.]+, validation loss [\d.]+, MAE [\d.]+, RMSE [\d.]+, sMAPE [\d.]+%, padding/m);
  const d = ok(await runMain(["fit", data("daily.csv"), ...FORECAST, "--dry-run"]), "dry run");
  assert.match(d.stdout, /270 rows to train on, from row 270 \(2023-09-28\) on to validate/);
  assert.match(d.stdout, /dry run: .*nothing was trained or saved/);
  assert.is(d.stderr, "");
});

test("a .safetensors --out: predict and eval recognise the task model; eval of a language model is unchanged", async () => {
  ok(await runMain(["fit", data("traces.jsonl"), "--task", "classify", "--text", "trace", "--hidden", "8", "--epochs", "1", "--quiet", "--no-checkpoint", "--out", at("traces.safetensors")]), "fit");
  const e = ok(await runMain(["eval", at("traces.safetensors"), data("traces.jsonl")]), "eval");
  assert.match(e.stdout, /traces\.jsonl: 120 examples, loss/);
  const text = write("lm.txt", "the quick brown fox jumps over the lazy dog. ".repeat(30));
  ok(await runMain(["train", text, "--hidden", "8", "--batch", "2", "--steps", "8", "--epochs", "1", "--quiet", "--out", at("lm.wrnn")]), "train an LM");
  assert.match(ok(await runMain(["eval", at("lm.wrnn"), text]), "LM eval").stdout, /^perplexity [\d.]+\n/);
  failsWith(await runMain(["eval", at("lm.wrnn"), text, "--label", "y"]), /--label names a field of a task model's data; .*lm\.wrnn is not a task model/, "a field flag with an LM");
  failsWith(await runMain(["eval", at("traces.safetensors"), data("traces.jsonl"), "--vocab", text]), /--vocab is for language models/, "an LM flag with a task model");
  failsWith(await runMain(["predict", at("lm.wrnn"), data("traces.jsonl")]), /lm\.wrnn is a language model file, not a task model/, "predict with an LM");
  failsWith(await runMain(["fit", "--resume", at("lm.wrnn.ckpt"), "--epochs", "2"]), /lm\.wrnn\.ckpt holds a language model \(wasm-rnn train's\), not a checkpoint of wasm-rnn fit; .* wasm-rnn train --resume/, "fit --resume with an LM checkpoint");
  ok(await runMain(["fit", data("traces.jsonl"), "--task", "classify", "--text", "trace", "--hidden", "8", "--epochs", "1", "--quiet", "--out", at("kind.wrnn")]), "fit");
  failsWith(await runMain(["train", "--resume", at("kind.wrnn.ckpt"), "--epochs", "2"]), /kind\.wrnn\.ckpt holds a task model \(wasm-rnn fit's\), not a checkpoint of wasm-rnn train; .* wasm-rnn fit --resume/, "train --resume with a fit checkpoint");
  failsWith(await runMain(["generate", at("kind.wrnn")]), /kind\.wrnn is a classify task model \(a Sequential\), not a language model: .*wasm-rnn predict/, "generate with a task model");
  assert.match(ok(await runMain(["convert", at("kind.wrnn"), at("kind.safetensors")]), "convert a task model").stdout, /^wrote .*kind\.safetensors: classify, 2 labels: down, up; GRU 8 → mean pool → linear 2; [\d,]+ parameters\n$/);
});

test("errors: one line naming the file, the line and the field", async () => {
  const fit = (file: string, ...more: string[]) => runMain(["fit", file, "--task", "classify", "--epochs", "1", "--out", at("never.wrnn"), ...more]);
  failsWith(await fit(at("missing.csv")), /data file not found: .*missing\.csv/, "unreadable file");
  failsWith(await fit(write("data.txt", "text,label\na,b\n")), /data\.txt: unknown data file extension "\.txt"; expected \.csv .* or \.jsonl/, "unknown extension");
  failsWith(await fit(write("quote.csv", 'text,label\n"good film,pos\n')), /quote\.csv line 2: malformed CSV: Quote Not Closed/, "malformed CSV");
  failsWith(await fit(write("cells.csv", "text,label\nfine,pos\nbad,neg,extra\n")), /cells\.csv line 3: malformed CSV: 3 cells, but the header has 2/, "a row too long");
  failsWith(await fit(write("bad.jsonl", '{"text":"a","label":"x"}\n{"text": oops}\n')), /bad\.jsonl line 2: malformed JSON: /, "malformed JSON line");
  failsWith(await fit(write("array.jsonl", '[1, 2]\n')), /array\.jsonl line 1: expected a JSON object/, "a JSON line that is not an object");
  failsWith(await fit(write("mood.csv", "text,mood\nhello,pos\n")), /mood\.csv has no column "label" \(its columns: text, mood\); name the column with --label <column>/, "missing CSV column");
  failsWith(await fit(write("nofield.jsonl", '{"text":"a","label":"pos"}\n{"label":"neg"}\n')), /nofield\.jsonl line 2 has no field "text" \(its fields: label\); name the field with --text <field>/, "missing JSONL field");
  failsWith(await fit(write("empty-text.csv", "text,label\n  ,pos\nbad,neg\n")), /empty-text\.csv line 2, column "text": the text is empty/, "an empty text");
  failsWith(await fit(write("one-label.csv", "text,label\na,pos\nb,pos\n")), /every row has the label "pos"; a classifier needs at least 2/, "one label");
  failsWith(await runMain(["fit", write("nan.csv", "input,target\n1 2; 3 4,5\n1 x; 3 4,6\n"), "--task", "regress", "--out", at("never.wrnn")]), /nan\.csv line 3, column "input", step 1: expected a number, got "x"/, "a non-numeric value");
  failsWith(await runMain(["fit", write("ragged.jsonl", '{"input":[[1,2],[3]],"target":1}\n'), "--task", "regress", "--out", at("never.wrnn")]), /ragged\.jsonl line 1, field "input": step 2 has 1 values, but step 1 has 2/, "ragged steps");
  failsWith(await runMain(["fit", write("tagcount.jsonl", '{"tokens":["a","b"],"tags":["X"]}\n'), "--task", "tag", "--out", at("never.wrnn")]), /tagcount\.jsonl line 1, field "tags": 1 tag for 2 tokens/, "a tag per token");
  const short = write("short.csv", readFileSync(data("daily.csv"), "utf8").split("\n").slice(0, 11).join("\n") + "\n");
  failsWith(await runMain(["fit", short, ...FORECAST, "--out", at("never.wrnn")]), /short\.csv has 9 rows before the validation part; a window of --lookback 14 and --horizon 1 needs at least 15/, "too few rows for the lookback");
  failsWith(await runMain(["eval", at("daily.wrnn"), short]), /short\.csv has 10 rows; the model reads --lookback 14 rows of history and forecasts 7 steps, so it needs at least 21/, "eval: too few rows");
  failsWith(await runMain(["predict", at("daily.wrnn"), short]), /short\.csv has 10 rows; the model reads a history of --lookback 14 rows/, "predict: too few rows");
  failsWith(await runMain(["fit", write("baddate.csv", "date,sales\n2023-01-01,1\n2023-13-01,2\n"), ...FORECAST, "--out", at("never.wrnn")]), /baddate\.csv line 3, column "date": .*month 13 is not 01–12/, "a bad date");
  failsWith(await runMain(["fit", write("order.csv", "date,sales\n2023-01-02,1\n2023-01-01,2\n"), ...FORECAST, "--out", at("never.wrnn")]), /order\.csv line 3, column "date": 2023-01-01 does not come after line 2's 2023-01-02/, "dates out of order");
  failsWith(await runMain(["eval", at("reviews.wrnn"), write("unknown.csv", "text,label\ngreat,pos\nbad,maybe\n")]), /unknown\.csv line 3, column "label": label "maybe" is not one of the model's labels: "neg", "pos"/, "an unknown label");
  failsWith(await runMain(["eval", at("tags.wrnn"), write("unknown-tag.jsonl", '{"tokens":["the","dog"],"tags":["DET","NOUN"]}\n{"tokens":["a"],"tags":["PRON"]}\n')]), /unknown-tag\.jsonl line 2, field "tags": tag "PRON" is not one of the model's tags/, "an unknown tag");
  failsWith(await runMain(["eval", at("traces.wrnn"), data("reviews.csv"), "--text", "text"]), /reviews\.csv line 2, column "text": the model classifies sequences of 1 number per step, not text/, "text for a sequence model");
  failsWith(await runMain(["eval", at("sums.wrnn"), write("three.csv", "input,target\n1 2 3,4\n")]), /three\.csv line 2, column "input": 3 features per step, but the model takes 2/, "features the model does not take");
  failsWith(await runMain(["fit", data("reviews.csv"), "--out", at("never.wrnn")]), /fit needs --task classify, tag, regress or forecast/, "no task");
  failsWith(await runMain(["fit", data("reviews.csv"), "--task", "classify"]), /fit needs --out <model path> \(or --dry-run/, "no --out");
  failsWith(await runMain(["fit", data("reviews.csv"), "--task", "classify", "--calendar", "dayOfWeek", "--out", at("never.wrnn")]), /--calendar is for --task forecast/, "a forecast flag");
  failsWith(await runMain(["fit", data("daily.csv"), "--task", "forecast", "--out", at("never.wrnn")]), /needs --target <column>/, "forecast without a target");
  failsWith(await runMain(["fit", data("reviews.csv"), "--task", "classify", "--monitor", "mae", "--early-stopping", "2", "--out", at("never.wrnn")]), /--monitor mae is not a classify metric; choose one of loss, accuracy, macro-f1/, "a regression metric for a classifier");
  failsWith(await runMain(["fit", data("reviews.csv"), "--task", "sort", "--out", at("never.wrnn")]), /'sort' is invalid\. Allowed choices are classify, tag, regress, forecast/, "an unknown task");
  mkdirSync(at("folder.csv"));
  failsWith(await fit(at("folder.csv")), /data file is a directory, not a file: .*folder\.csv/, "a directory");
  failsWith(await fit(write("empty.jsonl", "")), /empty\.jsonl is empty/, "an empty file");
  failsWith(await fit(write("header.csv", "text,label\n")), /header\.csv has no data rows after its header/, "a header only");
  failsWith(await runMain(["predict", at("reviews.wrnn"), data("reviews.csv"), "--format", "xml"]), /'xml' is invalid\. Allowed choices are jsonl, csv/, "a bad --format");
  failsWith(await runMain(["predict", at("reviews.wrnn"), data("reviews.csv"), "--batch-size", "0"]), /--batch-size <n>' argument '0' is invalid\. Expected an integer ≥ 1/, "a bad --batch-size");
  failsWith(await runMain(["fit", data("reviews.csv"), "--task", "classify", "--validation", "1", "--out", at("never.wrnn")]), /--validation <fraction>' argument '1' is invalid\. Expected a number in \[0, 1\)/, "a bad --validation");
  failsWith(await runMain(["fit", data("reviews.csv"), "--task", "classify", "--level", "byte", "--out", at("never.wrnn")]), /'byte' is invalid\. Allowed choices are char, word/, "a bad --level");
  assert.not.ok(existsSync(at("never.wrnn")), "no failed run wrote a model");
});

test.run();
