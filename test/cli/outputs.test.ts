// What the command line writes (issue 10, item 12): train and convert never replace an existing file unless
// --force (a --resume run may replace its own), an unwritable --out is found before any training, and main()
// can run many times in one process without piling up listeners.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { failsWith, ok, runMain } from "./run-main.js";

const dir = mkdtempSync(join(tmpdir(), "wasm-rnn-cli-out-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);

const TEXT = at("en.txt");
writeFileSync(TEXT, "the quick brown fox jumps over the lazy dog. a stitch in time saves nine.\n".repeat(12));
const SMALL = ["--hidden", "8", "--batch", "4", "--steps", "8", "--epochs", "1", "--quiet"];

test("train refuses an existing --out or checkpoint without --force, naming the file and the flag; --force replaces", async () => {
  ok(await runMain(["train", TEXT, ...SMALL, "--out", at("a.wrnn")]), "first run");
  const before = readFileSync(at("a.wrnn"));
  failsWith(await runMain(["train", TEXT, ...SMALL, "--out", at("a.wrnn"), "--seed", "2"]), /a\.wrnn already exists: pass --force to replace it, or choose another file with --out/, "existing --out");
  assert.ok(readFileSync(at("a.wrnn")).equals(before), "the refused run left the file alone");
  failsWith(await runMain(["train", TEXT, ...SMALL, "--out", at("b.wrnn"), "--checkpoint", at("a.wrnn.ckpt")]), /a\.wrnn\.ckpt already exists: pass --force .*--checkpoint <path>/, "existing checkpoint");
  assert.not.ok(existsSync(at("b.wrnn")), "nothing written by the refused run");
  failsWith(await runMain(["train", TEXT, ...SMALL, "--out", at("c.wrnn"), "--checkpoint", at("c.wrnn")]), /model and the checkpoint would both be .*c\.wrnn/, "--out = --checkpoint");
  ok(await runMain(["train", TEXT, ...SMALL, "--out", at("a.wrnn"), "--seed", "2", "--force"]), "with --force");
  assert.not.ok(readFileSync(at("a.wrnn")).equals(before), "--force replaced it");
});

test("train without --out, twice in one folder: the second run refuses model.wrnn (as npm start would)", async () => {
  const home = process.cwd();
  const sub = at("twice");
  rmSync(sub, { recursive: true, force: true });
  mkdirSync(sub);
  process.chdir(sub);
  try {
    ok(await runMain(["train", TEXT, ...SMALL]), "first");
    failsWith(await runMain(["train", TEXT, ...SMALL]), /^wasm-rnn: error: model\.wrnn already exists: pass --force/, "second");
    ok(await runMain(["train", TEXT, ...SMALL, "--force"]), "second with --force");
  } finally {
    process.chdir(home);
  }
  assert.equal(readdirSync(sub).sort(), ["model.wrnn", "model.wrnn.ckpt"], "no probe or temp file left");
});

test("--resume replaces its own model and checkpoint, but not another existing file without --force", async () => {
  ok(await runMain(["train", TEXT, ...SMALL, "--out", at("r.wrnn")]), "epoch 1");
  ok(await runMain(["train", "--resume", at("r.wrnn.ckpt"), "--epochs", "2", "--quiet"]), "resume into its own files");
  writeFileSync(at("other.wrnn"), "keep");
  failsWith(await runMain(["train", "--resume", at("r.wrnn.ckpt"), "--epochs", "3", "--out", at("other.wrnn")]), /other\.wrnn already exists: pass --force/, "resume onto another file");
  assert.is(readFileSync(at("other.wrnn"), "utf8"), "keep");
  ok(await runMain(["train", "--resume", at("r.wrnn.ckpt"), "--epochs", "3", "--out", at("other.wrnn"), "--force", "--quiet"]), "with --force");
  // a checkpoint can claim only a model file as its own: anything else at its stored path needs --force
  writeFileSync(at("r.wrnn"), "notes, not a model");
  failsWith(await runMain(["train", "--resume", at("r.wrnn.ckpt"), "--epochs", "3"]), /r\.wrnn already exists: pass --force/, "a stored path holding something else");
  assert.is(readFileSync(at("r.wrnn"), "utf8"), "notes, not a model");
});

test("convert refuses an existing output unless --force", async () => {
  writeFileSync(at("taken.safetensors"), "keep");
  failsWith(await runMain(["convert", at("a.wrnn"), at("taken.safetensors")]), /taken\.safetensors already exists: pass --force to replace it, or give another <out> path/, "existing output");
  assert.is(readFileSync(at("taken.safetensors"), "utf8"), "keep");
  ok(await runMain(["convert", at("a.wrnn"), at("taken.safetensors"), "--force"]), "with --force");
  ok(await runMain(["convert", at("taken.safetensors"), at("fresh/deeper/back.wrnn")]), "a new file in new folders");
});

test("an unwritable --out or checkpoint fails before training, naming the file", async () => {
  writeFileSync(at("notes.txt"), "a file, not a folder");
  const slow = [...SMALL, "--epochs", "100000"]; // would run for hours if the check came after training
  const r = await runMain(["train", TEXT, ...slow, "--out", at("notes.txt/m.wrnn")]);
  failsWith(r, /cannot save the model to .*notes\.txt\/m\.wrnn: .*part of the path is a file/, "--out under a file");
  assert.ok(r.ms < 5000, `refused at once (${r.ms.toFixed(0)} ms)`);
  failsWith(await runMain(["train", TEXT, ...slow, "--out", at("ok.wrnn"), "--checkpoint", at("notes.txt/c.ckpt")]), /cannot save the checkpoint to .*notes\.txt\/c\.ckpt/, "--checkpoint under a file");
  assert.not.ok(existsSync(at("ok.wrnn")));
  if (process.platform === "linux" && existsSync("/sys/kernel")) {
    // root passes access(W_OK) here, yet cannot create a file: only a real probe finds out
    failsWith(await runMain(["train", TEXT, ...slow, "--out", "/sys/wasm-rnn-probe.wrnn"]), /cannot save the model to \/sys\/wasm-rnn-probe\.wrnn: (permission denied|the file system is read-only)/, "/sys");
  }
  // the probe leaves nothing behind
  failsWith(await runMain(["train", at("missing.txt"), ...SMALL, "--out", at("probed/m.wrnn")]), /corpus file not found/, "missing corpus");
  assert.equal(readdirSync(at("probed")), []);
});

test("main() registers its stdout error listener once, however often it runs", async () => {
  await runMain(["--version"]);
  const listeners = process.stdout.listenerCount("error");
  for (let i = 0; i < 30; i++) await runMain(["generate", at("missing.wrnn")]);
  assert.is(process.stdout.listenerCount("error"), listeners);
});

test.run();
