// Crash safety of writeFileAtomic (issue 10, item 12): writer processes saving two different model files onto
// one target are killed with SIGKILL at seeded random moments. After every kill the target is, byte for byte,
// the old or the new model; no writer ever fails because another removed its temp file; and after the next
// save no temporary of the target is left. CRASH_ROUNDS and CRASH_SEED scale and vary it.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { init, LanguageModel, Vocabulary } from "../../src/index.js";
import { decodeModel, encodeModel } from "../../src/io/model-io.js";
import { writeFileAtomic } from "../../src/io/files.js";
import { parseTempName } from "../../src/io/temp-files.js";

await init();
const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 16);
const SEED = Number(process.env.CRASH_SEED ?? 12);
const WRITER = fileURLToPath(new URL("./save-loop.js", import.meta.url));

/** mulberry32: the kill moments, from a seed. */
function generator(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A real model file of ~1.3 MB, so that a save takes long enough to be killed halfway. */
async function modelBytes(seed: number): Promise<Uint8Array> {
  const vocab = Vocabulary.build("abcdefghijklmnopqrstuvwxyz .,\n");
  const lm = new LanguageModel({ vocabSize: vocab.size, cell: "lstm", hiddenSize: 280, seed });
  try {
    return await encodeModel(lm, vocab);
  } finally {
    lm.dispose();
  }
}

const sameBytes = (x: Uint8Array, y: Uint8Array) => x.length === y.length && Buffer.from(x).equals(Buffer.from(y));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Writer {
  child: ChildProcess;
  saves: number;
  stderr: string;
  /** Resolves at the first finished save (or the writer's end): from then on it is saving in a loop. */
  started: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startWriter(target: string, a: string, b: string): Writer {
  const child = spawn(process.execPath, [WRITER, target, a, b], { stdio: ["ignore", "pipe", "pipe"] });
  let onStart = () => {};
  const writer: Writer = {
    child, saves: 0, stderr: "",
    started: new Promise((r) => (onStart = r)),
    exited: new Promise((r) => child.on("exit", (code, signal) => r({ code, signal }))),
  };
  void writer.exited.then(() => onStart());
  child.stdout!.setEncoding("utf8").on("data", (s: string) => {
    writer.saves += s.split("\n").length - 1;
    onStart();
  });
  child.stderr!.setEncoding("utf8").on("data", (s: string) => (writer.stderr += s));
  return writer;
}

// Files and processes only: run once (npm run test:simd), not again for each wasm build (WASM_RNN_BUILD set).
const once = process.env.WASM_RNN_BUILD ? test.skip : test;

once(`writeFileAtomic under kill -9: ${ROUNDS} rounds of two writers on one target (seed ${SEED})`, async () => {
  const dir = await mkdtemp(join(tmpdir(), "wasm-rnn-crash-"));
  try {
    const [a, b] = [await modelBytes(1), await modelBytes(2)];
    assert.not.ok(sameBytes(a, b));
    await writeFile(join(dir, "a.bin"), a);
    await writeFile(join(dir, "b.bin"), b);
    const work = join(dir, "work");
    await mkdir(work);
    const target = join(work, "model.wrnn");
    await writeFileAtomic(target, a);
    const random = generator(SEED);
    let saves = 0, leftovers = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const writers = [startWriter(target, join(dir, "a.bin"), join(dir, "b.bin")), startWriter(target, join(dir, "a.bin"), join(dir, "b.bin"))];
      // once both are saving in a loop, each is killed at a random moment: before, during or between saves
      await Promise.all(writers.map((w) => w.started));
      for (const w of writers) {
        await sleep(random() * 40);
        w.child.kill("SIGKILL");
      }
      for (const w of writers) {
        const { code, signal } = await w.exited;
        assert.is(signal, "SIGKILL", `round ${round}: a writer died on its own (code ${code}): ${w.stderr}`);
        saves += w.saves;
      }
      const now = new Uint8Array(await readFile(target));
      assert.ok(sameBytes(now, a) || sameBytes(now, b), `round ${round}: the target is the old or the new model (${now.length} bytes)`);
      leftovers += (await readdir(work)).filter((name) => parseTempName(name, "model.wrnn")).length;
    }
    if (process.env.CRASH_REPORT === "1") process.stdout.write(`\ncrash: ${ROUNDS} rounds, ${saves} saves, ${leftovers} temporaries left by kills\n`);
    assert.ok(saves > ROUNDS, `the writers saved (${saves} saves)`);
    assert.ok(leftovers > 0, "some kills landed mid-save and left a temporary (else this test proves nothing)");

    // the next save removes every dead writer's temporary
    await writeFileAtomic(target, b);
    assert.equal(await readdir(work), ["model.wrnn"]);
    const decoded = await decodeModel(new Uint8Array(await readFile(target)), target);
    assert.is(decoded.lm.config.hiddenSize, 280);
    decoded.lm.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
