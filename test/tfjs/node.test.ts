// The Node entry's folder functions (src/tfjs/node.ts): saveTfjsFolder writes a model that loadTfjsFolder reads
// back with the model's own outputs; a save that fails leaves the previous model.json and weights.bin as they
// were (both are written in full before either replaces its old file).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdir, mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GRU, init } from "../../src/index.js";
import { loadTfjsFolder, saveTfjsFolder } from "../../src/tfjs/node.js";

await init();
const dir = await mkdtemp(join(tmpdir(), "wasm-rnn-tfjs-node-"));
test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const T = 4, B = 2, I = 3;
const x = Float32Array.from({ length: B * T * I }, (_, i) => Math.cos(0.9 * i));

/** A batch-first GRU's outputs for x (the layout predict() takes and gives). */
function forward(layer: GRU): Float32Array {
  return layer.forward(x, { seqLen: T, batch: B }).output;
}

test("saveTfjsFolder → loadTfjsFolder: the model's outputs; a failed save keeps the previous pair", async () => {
  const folder = join(dir, "model");
  const first = new GRU({ inputSize: I, hiddenSize: 5, batchFirst: true });
  const second = new GRU({ inputSize: I, hiddenSize: 6, batchFirst: true }); // another size: another model.json
  try {
    await saveTfjsFolder(folder, first);
    const want = forward(first);
    const loaded = await loadTfjsFolder(folder);
    try {
      const got = loaded.predict({ data: x, shape: [B, T, I] });
      assert.equal(got.shape, [B, T, 5]);
      for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got.data[i] - want[i]) <= 1e-6, `output[${i}]: ${got.data[i]} vs ${want[i]}`);
    } finally {
      loaded.dispose();
    }
    // one file cannot be replaced (a directory stands in its way): the other must keep the previous save's bytes
    for (const [blocked, other] of [["model.json", "weights.bin"], ["weights.bin", "model.json"]]) {
      await saveTfjsFolder(folder, first);
      const kept = await readFile(join(folder, other));
      await rm(join(folder, blocked));
      await mkdir(join(folder, blocked));
      try {
        await saveTfjsFolder(folder, second);
        assert.unreachable("saved");
      } catch (e) {
        assert.match((e as Error).message, new RegExp(`^Cannot write .*${blocked.replace(".", "\\.")}: it is a directory$`));
      }
      assert.equal(await readFile(join(folder, other)), kept, `${other} is the previous save's`);
      assert.equal((await readdir(folder)).sort(), ["model.json", "weights.bin"], "no temp files left behind");
      await rm(join(folder, blocked), { recursive: true });
    }
  } finally {
    first.dispose();
    second.dispose();
  }
});

test.run();
