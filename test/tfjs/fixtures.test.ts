// The TensorFlow.js fixtures (test/fixtures/interop/tfjs: model.json + weights.bin as tfjs 4.22's
// model.save() wrote them, and its model.predict() output): each loads, through every way in, and
// reproduces tfjs within |Δ| ≤ 1e-4 + 1e-3·|ref|.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { init } from "../../src/index.js";
import { loadTfjs, loadTfjsFolder, loadTfjsUrl } from "../../src/tfjs/node.js";
import { fromF16Bits, toF16Bits } from "../../src/quant/f16.js";

await init();

const DIR = join(resolve(dirname(fileURLToPath(import.meta.url)), "../../.."), "test/fixtures/interop/tfjs");
interface Stored { dtype: string; shape: number[]; data: number[] }
interface Expected { name: string; note: string; inputs: { input: Stored }; outputs: { output: Stored } }

const fixtures = readdirSync(DIR).filter((d) => !d.includes(".")).sort();
// ours, written by tfjs 4.22 with test/fixtures/interop/tfjs-extra/generate.mjs
const EXTRA = join(DIR, "../tfjs-extra");
const extra = readdirSync(EXTRA).filter((d) => !d.includes(".")).sort();

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

async function rejects(f: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await f();
  } catch (e) {
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`resolved; expected ${pattern}`);
}

test("there are the four shared fixtures and three of ours (a Functional model, masks with gaps, Masking)", () => {
  assert.equal(fixtures, ["tfjs_classifier_bilstm", "tfjs_gru_sigmoid_seq", "tfjs_lm_lstm_hardsigmoid", "tfjs_simplernn_last_dense"]);
  assert.equal(extra, ["tfjs_functional_gru", "tfjs_masked_gaps", "tfjs_masking_lstm"]);
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

test("several shards (folder and URL), a shard outside the folder, a missing file, an HTTP error", async () => {
  const name = "tfjs_lm_lstm_hardsigmoid";
  const ref = JSON.parse(readFileSync(join(DIR, name, "expected.json"), "utf8")) as Expected;
  const input = { data: Int32Array.from(ref.inputs.input.data), shape: ref.inputs.input.shape };
  const json = JSON.parse(readFileSync(join(DIR, name, "model.json"), "utf8")) as { weightsManifest: { paths: string[] }[] };
  const bytes = readFileSync(join(DIR, name, "weights.bin"));
  const tmp = mkdtempSync(join(tmpdir(), "wasm-rnn-tfjs-"));
  try {
    json.weightsManifest[0].paths = ["group1-shard1of2.bin", "group1-shard2of2.bin"];
    writeFileSync(join(tmp, "model.json"), JSON.stringify(json));
    writeFileSync(join(tmp, "group1-shard1of2.bin"), bytes.subarray(0, 1000));
    writeFileSync(join(tmp, "group1-shard2of2.bin"), bytes.subarray(1000));
    const fromFolder = await loadTfjsFolder(tmp);
    const fetch = async (url: string) => (existsSync(fileURLToPath(url)) ? new Response(readFileSync(fileURLToPath(url))) : new Response("no", { status: 404 }));
    const fromUrl = await loadTfjsUrl(pathToFileURL(join(tmp, "model.json")), { fetch });
    for (const m of [fromFolder, fromUrl]) {
      closeTo(m.predict(input).data, ref.outputs.output.data, "two shards");
      m.dispose();
    }
    rmSync(join(tmp, "group1-shard2of2.bin"));
    await rejects(() => loadTfjsFolder(tmp), /loadTfjsFolder: cannot read weights file .*group1-shard2of2\.bin: no such file/);
    await rejects(() => loadTfjsUrl(pathToFileURL(join(tmp, "model.json")), { fetch }), /loadTfjs: fetching weights shard .*group1-shard2of2\.bin gave HTTP 404/);
    json.weightsManifest[0].paths = ["../escape.bin"];
    writeFileSync(join(tmp, "model.json"), JSON.stringify(json));
    await rejects(() => loadTfjsFolder(tmp), /names the weights file "\.\.\/escape\.bin", which is outside its folder/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test("weights quantized by tensorflowjs_converter (uint8, uint16 with min and scale; float16) load as tfjs dequantizes them", async () => {
  const name = "tfjs_simplernn_last_dense";
  const ref = JSON.parse(readFileSync(join(DIR, name, "expected.json"), "utf8")) as Expected;
  const input = { data: Float32Array.from(ref.inputs.input.data), shape: ref.inputs.input.shape };
  const f32 = new Float32Array(new Uint8Array(readFileSync(join(DIR, name, "weights.bin"))).slice().buffer);
  for (const dtype of ["uint8", "uint16", "float16"] as const) {
    const json = JSON.parse(readFileSync(join(DIR, name, "model.json"), "utf8")) as { weightsManifest: { weights: { shape: number[]; quantization?: unknown }[] }[] };
    const parts: Uint8Array[] = [], dequantized: number[] = [];
    let o = 0;
    for (const w of json.weightsManifest[0].weights) {
      const n = w.shape.reduce((a, b) => a * b, 1), v = f32.subarray(o, (o += n));
      if (dtype === "float16") {
        const h = Uint16Array.from(v, (x) => toF16Bits(x));
        parts.push(new Uint8Array(h.buffer));
        dequantized.push(...Array.from(h, fromF16Bits));
        w.quantization = { dtype };
      } else {
        const min = Math.min(...v), levels = dtype === "uint8" ? 255 : 65535, scale = (Math.max(...v) - min) / levels || 1;
        const q = Array.from(v, (x) => Math.round((x - min) / scale));
        parts.push(dtype === "uint8" ? Uint8Array.from(q) : new Uint8Array(Uint16Array.from(q).buffer));
        dequantized.push(...q.map((x) => Math.fround(x * scale + min)));
        w.quantization = { dtype, min, scale };
      }
    }
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (bytes.set(p, at), at + p.length), 0);
    const quantized = await loadTfjs(json, bytes);
    const plain = await loadTfjs(readFileSync(join(DIR, name, "model.json"), "utf8"), new Uint8Array(Float32Array.from(dequantized).buffer));
    try {
      assert.equal(quantized.predict(input).data, plain.predict(input).data, `${dtype}: the same as float32 weights of the dequantized values`);
      assert.not.equal(quantized.predict(input).data, new Float32Array(ref.outputs.output.data), `${dtype}: quantization changed something`);
    } finally {
      quantized.dispose();
      plain.dispose();
    }
  }
});

test.run();
