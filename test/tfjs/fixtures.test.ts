// The TensorFlow.js fixtures (test/fixtures/interop/tfjs: model.json + weights.bin as tfjs 4.22's
// model.save() wrote them, and its model.predict() output): each loads, through every way in, and
// reproduces tfjs within |Δ| ≤ 1e-4 + 1e-3·|ref|.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { init } from "../../src/index.js";
import { loadTfjs, loadTfjsFolder, loadTfjsUrl } from "../../src/tfjs/node.js";

await init();

const DIR = join(resolve(dirname(fileURLToPath(import.meta.url)), "../../.."), "test/fixtures/interop/tfjs");
interface Stored { dtype: string; shape: number[]; data: number[] }
interface Expected { name: string; note: string; inputs: { input: Stored }; outputs: { output: Stored } }

const fixtures = readdirSync(DIR).filter((d) => !d.includes(".")).sort();
// ours, written by tfjs 4.22 with test/fixtures/interop/tfjs-extra/generate.mjs
const EXTRA = join(DIR, "../tfjs-extra");
const extra = readdirSync(EXTRA).filter((d) => !d.includes("."));

export function closeTo(got: Float32Array, want: readonly number[], what: string): number {
  assert.is(got.length, want.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const tol = 1e-4 + 1e-3 * Math.abs(want[i]);
    const d = Math.abs(got[i] - want[i]);
    worst = Math.max(worst, d / tol);
    if (!(d <= tol)) assert.unreachable(`${what}[${i}]: got ${got[i]}, expected ${want[i]} (|Δ| ${d} > ${tol})`);
  }
  return worst;
}

test("there are the four shared fixtures and the Functional one of ours", () => {
  assert.equal(fixtures, ["tfjs_classifier_bilstm", "tfjs_gru_sigmoid_seq", "tfjs_lm_lstm_hardsigmoid", "tfjs_simplernn_last_dense"]);
  assert.equal(extra, ["tfjs_functional_gru"]);
});

test("a Functional model that branches is refused, naming the layer", async () => {
  const m = JSON.parse(readFileSync(join(EXTRA, "tfjs_functional_gru", "model.json"), "utf8"));
  m.modelTopology.config.layers[3].inbound_nodes = [[["embedding_Embedding1", 0, 0, {}]]];
  try {
    await loadTfjs(m, new Uint8Array(readFileSync(join(EXTRA, "tfjs_functional_gru", "weights.bin"))));
    assert.unreachable("loaded");
  } catch (e) {
    assert.match((e as Error).message, /Functional layer 3 "dropout_Dropout1" does not take exactly the output of the layer before it \("gru_GRU1"\)/);
  }
});

for (const [dir, name] of [...fixtures.map((f) => [DIR, f]), ...extra.map((f) => [EXTRA, f])]) {
  test(`${name}: loadTfjs reproduces tfjs's predict()`, async () => {
    const ref = JSON.parse(readFileSync(join(dir, name, "expected.json"), "utf8")) as Expected;
    const json = readFileSync(join(dir, name, "model.json"), "utf8");
    const weights = new Uint8Array(readFileSync(join(dir, name, "weights.bin")));
    const model = await loadTfjs(json, weights);
    try {
      const input = ref.inputs.input;
      const data = input.dtype === "int32" ? Int32Array.from(input.data) : Float32Array.from(input.data);
      const out = model.predict({ data, shape: input.shape });
      assert.equal(out.shape, ref.outputs.output.shape);
      const worst = closeTo(out.data, ref.outputs.output.data, name);
      console.log(`  ${name}: worst element ${(100 * worst).toFixed(2)}% of the tolerance`);
    } finally {
      model.dispose();
    }
  });
}

test("loadTfjsFolder and loadTfjsUrl (with a fetch of the folder) load the same model", async () => {
  const name = "tfjs_classifier_bilstm";
  const ref = JSON.parse(readFileSync(join(DIR, name, "expected.json"), "utf8")) as Expected;
  const input = { data: Int32Array.from(ref.inputs.input.data), shape: ref.inputs.input.shape };
  const fetched: string[] = [];
  const fetch = async (url: string) => {
    fetched.push(url);
    const path = fileURLToPath(url);
    return new Response(readFileSync(path));
  };
  const base = new URL(`file://${join(DIR, name)}/model.json`);
  for (const model of [await loadTfjsFolder(join(DIR, name)), await loadTfjsFolder(join(DIR, name, "model.json")), await loadTfjsUrl(base, { fetch })]) {
    try {
      closeTo(model.predict(input).data, ref.outputs.output.data, name);
    } finally {
      model.dispose();
    }
  }
  assert.equal(fetched.map((u) => u.split("/").slice(-1)[0]), ["model.json", "weights.bin"]);
});

test.run();
