// "wasm-rnn/tfjs" in Chromium, two ways an app loads it: a plain page (tfjs-plain.html: the entry as a module
// script; it has no dependencies) and a page built with Vite (bundle-tfjs-app/: a bare import). Both load six
// TensorFlow.js models by URL with loadTfjsUrl (the four shared fixtures: every cell kernel, tokens and
// features; two of ours with masks anywhere in a row) and predict their stored inputs: tfjs's outputs within
// |Δ| ≤ 1e-4 + 1e-3·|ref|, and on the simd build Node's floats bit for bit. Prints the Vite bundle's gzip size.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CHROMIUM_NEED, REPO_ROOT, RESULTS_DIR, browserTest, missingPrerequisite, pageResult, withBrowser, type Session } from "./harness.js";
import { bundleSizes, viteBuild } from "./vite-build.js";
import { worstRatio } from "../helpers/golden.js";
import { initForTests } from "../helpers/setup.js";
import { loadTfjsFolder } from "../../src/tfjs/node.js";

const APP = join(REPO_ROOT, "test/browser/bundle-tfjs-app");
const OUT = join(RESULTS_DIR, "vite-tfjs");
const missing = missingPrerequisite([CHROMIUM_NEED]);
/** Minified JavaScript of a page that imports only wasm-rnn/tfjs: 30.9 KB at issue 14 (47.1 KB while the entry also had exportTfjs and toWasmRnnModel, now "wasm-rnn/tfjs/export"). */
const VITE_JS_BUDGET = 35 * 1024;

interface Stored { dtype: "float32" | "int32"; shape: number[]; data: number[] }
interface Ran { layers: string[]; shape: number[]; data: number[] }
interface PageResult { status: string; error?: string; build: string; exports: string[]; models: Record<string, Ran>; timings: { loadMs: number; runMs: number } }

/** The shared fixtures (every cell kernel, tokens and features) and two of ours with masks anywhere in a row. */
const MODELS = [
  ["tfjs", "tfjs_lm_lstm_hardsigmoid"], ["tfjs", "tfjs_classifier_bilstm"], ["tfjs", "tfjs_gru_sigmoid_seq"],
  ["tfjs", "tfjs_simplernn_last_dense"], ["tfjs-extra", "tfjs_masked_gaps"], ["tfjs-extra", "tfjs_masking_lstm"],
];
const fixtures = MODELS.map(([dir, name]) => {
  const folder = join(REPO_ROOT, "test/fixtures/interop", dir, name);
  const ref = JSON.parse(readFileSync(join(folder, "expected.json"), "utf8")) as { inputs: { input: Stored }; outputs: { output: Stored } };
  return { name, folder, input: ref.inputs.input, expected: ref.outputs.output };
});

/** Node's layers and outputs for the same files and inputs, on the simd build. */
async function inNode(): Promise<Record<string, Ran>> {
  assert.is(await initForTests(), "simd", "the browser tests compare with Node on the simd build");
  const out: Record<string, Ran> = {};
  for (const f of fixtures) {
    const model = await loadTfjsFolder(f.folder);
    try {
      const y = model.predict({ data: f.input.dtype === "int32" ? Int32Array.from(f.input.data) : Float32Array.from(f.input.data), shape: f.input.shape });
      out[f.name] = { layers: [...model.layers], shape: y.shape, data: Array.from(y.data) };
    } finally {
      model.dispose();
    }
  }
  return out;
}

async function openTfjsPage(s: Session, page: string, query: string): Promise<PageResult> {
  const r = await pageResult<PageResult>(s, `${page}${query}`, "__tfjs");
  // every file came by URL from the fixture folders, as an app fetches its model
  for (const f of fixtures) {
    const dir = f.folder.slice(REPO_ROOT.length - 1);
    for (const file of ["model.json", "weights.bin"]) assert.ok(s.server.requests.some((q) => q.path === `${dir}/${file}`), `${dir}/${file} was not fetched`);
  }
  return r;
}

function check(what: string, r: PageResult, node: Record<string, Ran>): string {
  assert.equal(r.exports, ["TfjsModel", "init", "loadTfjs", "loadTfjsUrl"], `${what}: the browser entry's names (no folder functions: a Node entry was bundled; no exportTfjs: "wasm-rnn/tfjs/export")`);
  let worst = 0, where = "";
  for (const f of fixtures) {
    const got = r.models[f.name];
    assert.ok(got, `${what}: no result for ${f.name}`);
    assert.equal(got.layers, node[f.name].layers, `${what}: ${f.name}'s layers`);
    assert.equal(got.shape, f.expected.shape, `${what}: shape of ${f.name}'s output`);
    const { ratio, index } = worstRatio(got.data, f.expected.data);
    assert.ok(ratio <= 1, `${what}: ${f.name}[${index}] = ${got.data[index]}, TensorFlow.js ${f.expected.data[index]} (${ratio.toFixed(2)}× tolerance)`);
    if (ratio > worst) { worst = ratio; where = f.name; }
    if (r.build === "simd") assert.equal(got.data, node[f.name].data, `${what}: ${f.name} differs from Node's (simd) bit for bit`);
  }
  return `${what}, ${r.build}: ${fixtures.length} models by loadTfjsUrl within ${(worst * 100).toFixed(3)}% of tolerance (${where})${r.build === "simd" ? ", bit-identical to Node" : ""}; load ${r.timings.loadMs.toFixed(1)} ms, predict ${r.timings.runMs.toFixed(1)} ms in all`;
}

const { assets } = await viteBuild(APP, OUT, { "wasm-rnn/tfjs": join(REPO_ROOT, "dist/src/tfjs/index.js") });

test("Vite bundles wasm-rnn/tfjs: no Node built-in, no eval; its gzip size", () => {
  const size = bundleSizes(OUT, assets), kb = (n: number) => (n / 1024).toFixed(1);
  assert.ok(size.jsGzip <= VITE_JS_BUDGET, `the Vite bundle of wasm-rnn/tfjs is ${kb(size.jsGzip)} KB gzip of JavaScript, over the ${VITE_JS_BUDGET / 1024} KB budget`);
  console.log(`  Vite bundle of wasm-rnn/tfjs: ${size.chunks} JS chunk(s) ${kb(size.jsGzip)} KB gzip (+ relaxed wasm ${kb(size.wasmGzip)} KB gzip = ${kb(size.jsGzip + size.wasmGzip)} KB); raw ${kb(size.jsRaw)} KB`);
});

for (const [label, page] of [["plain page", "/test/browser/tfjs-plain.html"], ["Vite bundle", "/test-results/vite-tfjs/index.html"]]) {
  browserTest(test, missing, `${label}: loadTfjsUrl of six models, default build, then simd bit-identical to Node`, async () => {
    const node = await inNode();
    const models = `models=${MODELS.map((m) => m.join("/")).join(",")}`;
    for (const build of ["", "simd"]) {
      await withBrowser({ root: REPO_ROOT, timeoutMs: 40_000 }, async (s) => {
        const r = await openTfjsPage(s, page, `?${models}${build ? `&build=${build}` : ""}`);
        assert.is(r.build, build || "relaxed");
        if (page.includes("vite")) assert.ok(s.server.requests.every((q) => !q.path.startsWith("/dist/")), "everything comes from the bundle");
        console.log(`  ${check(label, r, node)}`);
      });
    }
  });
}

test.run();
