// The command line, run as a user would (`node bin/wasm-rnn.js …`) on small texts in a temp dir: train,
// generate, eval, resume, convert, Chinese text, and every error ending as one "wasm-rnn: error:" line.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// dist/test/cli/commands.test.js → the package root
const BIN = fileURLToPath(new URL("../../../bin/wasm-rnn.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "wasm-rnn-cli-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: "utf8", timeout: 60_000, env: { ...process.env, WASM_RNN_DEBUG: "" } });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(r: Run, what: string): Run {
  assert.is(r.status, 0, `${what} exits 0; stderr: ${r.stderr}`);
  return r;
}

/** Exactly one line on stderr, "wasm-rnn: error: …", and a non-zero exit code. */
function failsWith(r: Run, pattern: RegExp, what: string): void {
  assert.ok(r.status !== 0 && r.status !== null, `${what}: non-zero exit, got ${r.status}`);
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  assert.is(lines.length, 1, `${what}: one line on stderr, got ${JSON.stringify(r.stderr)}`);
  assert.ok(lines[0].startsWith("wasm-rnn: error: "), `${what}: starts with "wasm-rnn: error:", got ${lines[0]}`);
  assert.match(lines[0], pattern, `${what}: ${lines[0]}`);
}

const ENGLISH = "the quick brown fox jumps over the lazy dog. a stitch in time saves nine.\n".repeat(12);
const CHINESE = "床前明月光，疑是地上霜。举头望明月，低头思故乡。\n白日依山尽，黄河入海流。欲穷千里目，更上一层楼。\n".repeat(8);
const SMALL = ["--hidden", "16", "--batch", "4", "--steps", "16", "--seed", "1"];

writeFileSync(join(dir, "en.txt"), ENGLISH);
writeFileSync(join(dir, "zh.txt"), CHINESE);
writeFileSync(join(dir, "empty.txt"), "");
writeFileSync(join(dir, "short.txt"), "hello world\n");

test("train: 2 epochs save the model and a checkpoint and report perplexities and samples", () => {
  const r = ok(cli("train", "en.txt", ...SMALL, "--epochs", "2", "--out", "en.wrnn"), "train");
  assert.ok(existsSync(join(dir, "en.wrnn")), "model file written");
  assert.ok(existsSync(join(dir, "en.wrnn.ckpt")), "checkpoint written");
  assert.match(r.stderr, /epoch 2\/2: loss [\d.]+, perplexity [\d.]+, validation [\d.]+/);
  assert.match(r.stdout, /sample after epoch 2/);
  assert.match(r.stdout, /final: train perplexity [\d.]+, validation perplexity [\d.]+/);
  assert.match(r.stdout, /saved en\.wrnn/);
});

test("generate: the same seed streams the same text; eval prints a perplexity", () => {
  const a = ok(cli("generate", "en.wrnn", "--seed", "3", "--length", "60", "--prefix", "the "), "generate");
  const b = ok(cli("generate", "en.wrnn", "--seed", "3", "--length", "60", "--prefix", "the "), "generate again");
  assert.is(a.stdout, b.stdout);
  assert.ok(a.stdout.startsWith("the ") && a.stdout.endsWith("\n") && [...a.stdout].length >= 64, `prefix + 60 characters + newline: ${JSON.stringify(a.stdout)}`);
  const greedy = ok(cli("generate", "en.wrnn", "--greedy", "--length", "20"), "greedy");
  assert.ok(greedy.stdout.length > 0);
  const e = ok(cli("eval", "en.wrnn", "en.txt", "--batch", "4", "--steps", "32"), "eval");
  assert.match(e.stdout, /^perplexity \d+\.\d+\ncross-entropy [\d.]+ nats\/token \([\d.]+ bits\)\ntokens \d+ \(\d+ predicted, char level\), unknown 0\n$/);
});

test("resume: 1 epoch + a resumed epoch give the same model file, byte for byte, as 2 epochs", () => {
  ok(cli("train", "en.txt", ...SMALL, "--epochs", "1", "--out", "half.wrnn", "--quiet"), "first epoch");
  const r = ok(cli("train", "--resume", "half.wrnn.ckpt", "--epochs", "2", "--quiet"), "resume");
  assert.match(r.stdout, /saved half\.wrnn/);
  assert.ok(readFileSync(join(dir, "half.wrnn")).equals(readFileSync(join(dir, "en.wrnn"))), "identical to the straight run");
  failsWith(cli("train", "--resume", "half.wrnn.ckpt", "--epochs", "3", "--hidden", "32"), /--hidden 32 conflicts with the checkpoint/, "conflicting flag");
  failsWith(cli("train", "--resume", "half.wrnn.ckpt"), /already trained 2 of 2 epochs/, "nothing left to train");
  failsWith(cli("train", "--resume", "en.wrnn"), /en\.wrnn is a model file, not a checkpoint/, "a model is not a checkpoint");
});

test("convert: to safetensors and back; generate reads safetensors; bare PyTorch weights need --vocab", () => {
  ok(cli("convert", "en.wrnn", "en.safetensors"), "to safetensors");
  ok(cli("convert", "en.safetensors", "back.wrnn"), "back");
  assert.ok(readFileSync(join(dir, "back.wrnn")).equals(readFileSync(join(dir, "en.wrnn"))), "the round trip is lossless");
  const args = ["--seed", "5", "--length", "40"];
  const fromWrnn = ok(cli("generate", "en.wrnn", ...args), "from .wrnn").stdout;
  assert.is(ok(cli("generate", "en.safetensors", ...args), "from .safetensors").stdout, fromWrnn);
  assert.is(ok(cli("generate", "en.wrnn.ckpt", ...args), "from the checkpoint").stdout, fromWrnn);

  // strip our metadata, as a PyTorch export would have none; keep the vocabulary as a separate JSON file
  const bytes = readFileSync(join(dir, "en.safetensors"));
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString("utf8"));
  writeFileSync(join(dir, "vocab.json"), header.__metadata__.vocab);
  delete header.__metadata__;
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(join(dir, "bare.safetensors"), Buffer.concat([length, json, bytes.subarray(8 + n)]));
  failsWith(cli("generate", "bare.safetensors"), /bare\.safetensors has no vocabulary .*--vocab/, "no vocabulary");
  assert.is(ok(cli("generate", "bare.safetensors", "--vocab", "vocab.json", ...args), "with --vocab").stdout, fromWrnn);
  const c = ok(cli("convert", "bare.safetensors", "bare.wrnn", "--vocab", "vocab.json"), "import with a vocabulary");
  assert.match(c.stdout, /wrote bare\.wrnn: LSTM, hidden 16, 1 layer, one-hot input, vocabulary \d+ \(char\)/);
  failsWith(cli("convert", "bare.safetensors", "x.wrnn", "--cell-variant", "reset-before"), /resetAfter is for cell "gru" only/, "GRU form on an LSTM");
});

test("Chinese text: a character model trains and generates Chinese characters", () => {
  ok(cli("train", "zh.txt", ...SMALL, "--epochs", "2", "--out", "zh.wrnn", "--quiet"), "train");
  const r = ok(cli("generate", "zh.wrnn", "--prefix", "明月", "--length", "30", "--seed", "2"), "generate");
  const han = [...r.stdout].filter((ch) => /\p{Script=Han}/u.test(ch));
  assert.ok(han.length >= 20, `mostly Han characters: ${r.stdout}`);
});

test("errors: one line on stderr, starting with wasm-rnn: error:, and a non-zero exit code", () => {
  failsWith(cli("train", "missing.txt"), /corpus file not found: missing\.txt/, "missing corpus");
  failsWith(cli("train", "empty.txt"), /empty\.txt is empty/, "empty corpus");
  failsWith(cli("train", "short.txt"), /short\.txt is too short: it has \d+ training tokens.* needs at least 1155/, "corpus too short");
  failsWith(cli("train"), /needs a corpus/, "no corpus");
  failsWith(cli("train", "en.txt", "--bogus"), /unknown option '--bogus'/, "unknown flag");
  failsWith(cli("train", "en.txt", "--hiden", "8"), /unknown option '--hiden'.*Did you mean --hidden\?/, "misspelt flag");
  failsWith(cli("train", "en.txt", "--hidden", "abc"), /--hidden.*'abc' is invalid/, "--hidden abc");
  failsWith(cli("train", "en.txt", "--hidden", "0"), /--hidden.*'0' is invalid/, "--hidden 0");
  failsWith(cli("train", "en.txt", "--lr", "-1"), /--lr.*'-1' is invalid/, "--lr -1");
  failsWith(cli("train", "en.txt", "--cell", "cnn"), /'cnn' is invalid. Allowed choices are rnn, gru, lstm/, "--cell cnn");
  failsWith(cli("train", "en.txt", "--val-split", "1"), /--val-split.*'1' is invalid/, "--val-split 1");
  failsWith(cli("train", "en.txt", "--dropout", "0.5"), /--dropout .* needs --layers 2/, "dropout with one layer");
  failsWith(cli("train", "en.txt", "--momentum", "0.9"), /--momentum is for --optimizer sgd/, "momentum with adam");
  failsWith(cli("generate", "en.wrnn", "--top-p", "2"), /--top-p.*'2' is invalid/, "--top-p 2");
  failsWith(cli("generate", "en.wrnn", "--temperature", "0"), /--temperature.*'0' is invalid/, "--temperature 0");
  failsWith(cli("generate", "en.wrnn", "--greedy", "--top-k", "3"), /--greedy.*cannot be used with/, "greedy with top-k");
  failsWith(cli("generate", "missing.wrnn"), /model file not found: missing\.wrnn/, "missing model");
  failsWith(cli("generate", "en.txt"), /en\.txt/, "a text file is not a model");
  failsWith(cli("eval", "en.wrnn"), /missing required argument 'text'/, "missing argument");
  failsWith(cli("eval", "en.wrnn", "missing.txt"), /text file not found: missing\.txt/, "missing text");
  failsWith(cli("generate", "en.wrnn", "--vocab", "missing.json"), /vocabulary file not found/, "missing vocabulary");
  failsWith(cli("frobnicate"), /unknown command 'frobnicate'/, "unknown command");
});

test("a diverging run stops (NaN loss, overflowing perplexity), saves the finite weights from before it diverged and exits with code 2", async () => {
  const diverged = /(the loss became (NaN|-?Infinity)|the perplexity overflowed \(loss [\d.e+]+\)|the gradient norm became \w+|the update of step \d+ made weights non-finite)/;
  for (const [lr, why] of [["1e38", diverged], ["1e6", diverged]] as const) {
    const out = `diverged-${lr}.wrnn`;
    const r = cli("train", "en.txt", ...SMALL, "--optimizer", "sgd", "--lr", lr, "--clip", "0", "--epochs", "3", "--out", out, "--quiet");
    assert.is(r.status, 2, `exit code 2; stderr: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^wasm-rnn: error: training stopped: ${why.source} at epoch 1, batch \\d+; the weights are restored to those after step \\d+, before the update that diverged`));
    assert.ok(existsSync(join(dir, out)), "the last good weights are saved");
    // and they load (non-finite weights would be refused) and give a finite perplexity
    const evaluated = cli("eval", out, "en.txt");
    assert.is(evaluated.status, 0, `the saved weights are finite: ${evaluated.stderr}`);
    assert.match(evaluated.stdout, /^perplexity [\d.]+$/m);
  }
});

test.run();
