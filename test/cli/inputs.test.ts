// What the command line reads (issue 10, items 13 and 14): regular files only, up to a size limit that
// --max-bytes raises, and checkpoints whose stored settings are checked by their flags' rules when read.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, ftruncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deepArray, deepObject, editHeader } from "./checkpoint-edit.js";
import { failsWith, ok, runMain } from "./run-main.js";

const dir = mkdtempSync(join(tmpdir(), "wasm-rnn-cli-in-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);

const TEXT = at("en.txt");
writeFileSync(TEXT, "the quick brown fox jumps over the lazy dog. a stitch in time saves nine.\n".repeat(12)); // 888 bytes
const SMALL = ["--hidden", "8", "--batch", "4", "--steps", "8", "--epochs", "1", "--quiet"];
const FIFO = at("pipe");
const hasFifo = spawnSync("mkfifo", [FIFO]).status === 0;
mkdirSync(at("folder"));

test("train and eval read regular files only: a FIFO, /dev/zero, /dev/urandom, a folder are refused at once", async () => {
  ok(await runMain(["train", TEXT, ...SMALL, "--out", at("m.wrnn")]), "train");
  const cases: [string, RegExp][] = [
    ["/dev/zero", /corpus file \/dev\/zero is a character device, not a regular file/],
    ["/dev/urandom", /corpus file \/dev\/urandom is a character device, not a regular file/],
    [at("folder"), /corpus file is a directory, not a file: .*folder/],
  ];
  if (hasFifo) cases.push([FIFO, /corpus file .*pipe is a FIFO \(named pipe\), not a regular file/]);
  for (const [path, pattern] of cases) {
    const r = await runMain(["train", path, ...SMALL, "--out", at("never.wrnn")], 5000);
    failsWith(r, pattern, `train ${path}`);
    assert.ok(r.ms < 2000, `train ${path} refused at once (${r.ms.toFixed(0)} ms)`);
    failsWith(await runMain(["eval", at("m.wrnn"), path], 5000), new RegExp(pattern.source.replace("corpus", "text")), `eval ${path}`);
  }
  if (hasFifo) {
    failsWith(await runMain(["generate", FIFO], 5000), /model file .*pipe is a FIFO/, "a FIFO as the model");
    failsWith(await runMain(["generate", at("m.wrnn"), "--vocab", FIFO], 5000), /vocabulary file .*pipe is a FIFO/, "a FIFO as the vocabulary");
  }
  failsWith(await runMain(["generate", "/dev/zero"], 5000), /model file \/dev\/zero is a character device/, "/dev/zero as the model");
});

test("size limit: the message names the limit and --max-bytes; the flag raises it; eval has it too", async () => {
  failsWith(await runMain(["train", TEXT, ...SMALL, "--out", at("l.wrnn"), "--max-bytes", "512"]), /corpus file .*en\.txt has 888 bytes, more than the limit of 512 bytes; raise it with --max-bytes \(e\.g\. --max-bytes 1M\)/, "over the limit");
  ok(await runMain(["train", TEXT, ...SMALL, "--out", at("l.wrnn"), "--max-bytes", "1K"]), "raised to 1K");
  failsWith(await runMain(["eval", at("l.wrnn"), TEXT, "--max-bytes", "100"]), /text file .*en\.txt has 888 bytes, more than the limit of 100 bytes; raise it with --max-bytes/, "eval over the limit");
  for (const bad of ["0", "-1", "1.5M", "12X", "", "1e9", "99999999999999999999"]) {
    failsWith(await runMain(["train", TEXT, "--max-bytes", bad]), /--max-bytes <size>.* is invalid\. Expected a size ≥ 1 in bytes/, `--max-bytes ${JSON.stringify(bad)}`);
  }
});

test("--help shows --max-bytes's default once, as a size, in every command that has it (and no option's default twice)", async () => {
  for (const command of ["train", "fit", "predict", "eval"]) {
    const help = ok(await runMain([command, "--help"]), `${command} --help`).stdout;
    // an option's entry: from its "  --flag" line to the next one, wrapped lines joined
    const entries = help.split(/\n(?=\s{2}-)/).map((e) => e.replace(/\s+/g, " ").trim());
    const maxBytes = entries.find((e) => e.startsWith("--max-bytes <size>"));
    assert.ok(maxBytes, `${command} has --max-bytes`);
    assert.match(maxBytes!, /e\.g\. 512M or 2G \(default: 256 MiB\)$/, `${command}: ${maxBytes}`);
    assert.not.match(help, /268435456/, `${command}: no raw byte count`);
    for (const e of entries) assert.ok(e.split("(default:").length <= 2, `${command}: one default per option: ${e}`);
  }
});

test("the default limit (256 MiB) refuses a larger file from its size alone, without reading it", async () => {
  const big = at("sparse.txt"); // a hole: no disk space, no read
  const fd = openSync(big, "w");
  ftruncateSync(fd, 257 * 2 ** 20);
  closeSync(fd);
  const r = await runMain(["train", big, ...SMALL, "--out", at("big.wrnn")], 5000);
  failsWith(r, /corpus file .*sparse\.txt has 257 MiB, more than the limit of 256 MiB; raise it with --max-bytes \(e\.g\. --max-bytes 512M\)/, "257 MiB");
  assert.ok(r.ms < 1000, `refused from fstat (${r.ms.toFixed(0)} ms)`);
  rmSync(big);
});

test("a checkpoint's stored settings: nested 100,000 deep, wrong types, out of range or unknown are refused when read, naming the file and the setting", async () => {
  ok(await runMain(["train", TEXT, ...SMALL, "--out", at("run.wrnn")]), "a run to resume");
  const good = new Uint8Array(readFileSync(at("run.wrnn.ckpt")));
  const cases: [string, (settings: Record<string, unknown>) => void, Record<string, string>, RegExp][] = [
    ["deep-array", (s) => (s.hidden = "DEEP"), { DEEP: deepArray(100_000) }, /is damaged: its setting hidden must be an integer ≥ 1 \(as for --hidden\), got an array/],
    ["deep-object", (s) => (s.prefix = "DEEP"), { DEEP: deepObject(100_000) }, /is damaged: its setting prefix must be a string \(as for --prefix\) or null, got an object/],
    ["deep-unknown", (s) => (s.extra = "DEEP"), { DEEP: deepArray(100_000) }, /has a setting "extra" that this version of wasm-rnn does not know/],
    ["array-hidden", (s) => (s.hidden = [[1]]), {}, /is damaged: its setting hidden must be an integer ≥ 1 \(as for --hidden\), got an array/],
    ["object-prefix", (s) => (s.prefix = { a: { b: 1 } }), {}, /is damaged: its setting prefix must be a string \(as for --prefix\) or null, got an object/],
    ["unknown", (s) => (s.extra = [1]), {}, /has a setting "extra" that this version of wasm-rnn does not know/],
    ["string-lr", (s) => (s.lr = "fast"), {}, /is damaged: its setting lr must be a number > 0 \(as for --lr\), got "fast"/],
    ["negative-seed", (s) => (s.seed = -1), {}, /is damaged: its setting seed must be an integer in \[0, 4294967295\] \(as for --seed\), got -1/],
    ["fractional-batch", (s) => (s.batch = 2.5), {}, /is damaged: its setting batch must be an integer ≥ 1 \(as for --batch\), got 2\.5/],
    ["huge-steps", (s) => (s.steps = 1e300), {}, /is damaged: its setting steps must be an integer ≥ 1 \(as for --steps\), got 1e\+300/],
    ["cell", (s) => (s.cell = "cnn"), {}, /is damaged: its setting cell must be one of rnn, gru, lstm \(as for --cell\), got "cnn"/],
    ["val-split", (s) => (s.valSplit = 1), {}, /is damaged: its setting valSplit must be a number in \[0, 1\) \(as for --val-split\), got 1/],
    ["relative-corpus", (s) => (s.corpus = "en.txt"), {}, /is damaged: its setting corpus must be an absolute file path or null, got "en\.txt"/],
    ["no-corpus", (s) => (s.corpus = null), {}, /is damaged: its settings must name either a corpus file or a built-in corpus/],
    ["momentum", (s) => (s.momentum = 0.9), {}, /is damaged: its setting momentum is for optimizer sgd, but it has optimizer adam/],
    ["missing", (s) => delete s.epochs, {}, /was not written by "wasm-rnn train" \(its settings lack epochs\)/],
  ];
  for (const [name, edit, raw, pattern] of cases) {
    const path = at(`${name}.ckpt`);
    writeFileSync(path, editHeader(good, (h) => edit(h.training.settings), raw));
    const r = await runMain(["train", "--resume", path, "--epochs", "2", "--quiet"], 10_000);
    const file = path.replace(/[.\\/]/g, "\\$&");
    // JSON too deep to walk is refused by the decoder itself, before the settings are read
    if (name.startsWith("deep")) failsWith(r, new RegExp(`${file} has a corrupt header: its JSON nests deeper than 32 levels`), name);
    else failsWith(r, new RegExp(`the checkpoint ${file} ${pattern.source}`), name);
    assert.ok(r.ms < 3000, `${name}: refused when read (${r.ms.toFixed(0)} ms)`);
    assert.not.match(r.stderr, /Maximum call stack/);
  }
  assert.ok(existsSync(at("run.wrnn.ckpt")));
});

test.run();
