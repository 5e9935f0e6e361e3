// "wasm-rnn/onnx" in Chromium, two ways an app loads it: a plain page with an import map (onnx-plain.html: the
// entry, and "protobufjs/minimal.js" mapped to protobufjs's prebuilt browser file) and a page built with Vite
// (bundle-onnx-app/: bare imports, protobufjs bundled from its CommonJS sources). Both run an exporter's file
// (torch_lm_lstm_2l.onnx) on its stored inputs: PyTorch's outputs within |Δ| ≤ 1e-4 + 1e-3·|ref|, and on the
// simd build Node's floats bit for bit. Prints the Vite bundle's gzip size.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CHROMIUM_NEED, REPO_ROOT, RESULTS_DIR, browserTest, missingPrerequisite, pageResult, withBrowser, type Session } from "./harness.js";
import { bundleSizes, viteBuild } from "./vite-build.js";
import { worstRatio } from "../helpers/golden.js";
import { initForTests } from "../helpers/setup.js";
import { loadOnnx } from "../../src/onnx/index.js";

const APP = join(REPO_ROOT, "test/browser/bundle-onnx-app");
const OUT = join(RESULTS_DIR, "vite-onnx");
const NAME = "torch_lm_lstm_2l";
const FIXTURE = join(REPO_ROOT, "test/fixtures/interop/onnx", NAME);
const missing = missingPrerequisite([CHROMIUM_NEED]);
/** Minified JavaScript of a page that imports only wasm-rnn/onnx (library + protobufjs): 45.5 KB at issue 14 (61.3 KB while the entry also exported exportOnnx / liftOnnx, now "wasm-rnn/onnx/export"). */
const VITE_JS_BUDGET = 50 * 1024;

interface Stored { dtype: "float32" | "int64" | "int32"; shape: number[]; data: number[] }
interface PageResult {
  status: string; error?: string; build: string; exports: string[]; kernelNodes: string[];
  outputs: Record<string, { shape: number[]; data: number[] }>; timings: { loadMs: number; runMs: number };
}

const ref = JSON.parse(readFileSync(`${FIXTURE}.json`, "utf8")) as { inputs: Record<string, Stored>; outputs: Record<string, Stored> };

/** Node's outputs for the same file and inputs, on the simd build. */
async function inNode(): Promise<Record<string, number[]>> {
  assert.is(await initForTests(), "simd", "the browser tests compare with Node on the simd build");
  const model = await loadOnnx(new Uint8Array(readFileSync(`${FIXTURE}.onnx`)));
  try {
    const feeds = Object.fromEntries(Object.entries(ref.inputs).map(([k, t]) => [k, {
      data: t.dtype === "float32" ? Float32Array.from(t.data) : t.dtype === "int32" ? Int32Array.from(t.data) : BigInt64Array.from(t.data.map(BigInt)),
      shape: t.shape,
    }]));
    return Object.fromEntries(Object.entries(model.run(feeds)).map(([k, v]) => [k, Array.from(v.data as ArrayLike<number>, Number)]));
  } finally {
    model.dispose();
  }
}


const openOnnxPage = (s: Session, page: string, query: string) => pageResult<PageResult>(s, `${page}${query}`, "__onnx");

function check(what: string, r: PageResult, node: Record<string, number[]>): string {
  for (const name of ["loadOnnx", "init", "OnnxModel"]) assert.ok(r.exports.includes(name), `${what}: no export ${name}`);
  assert.ok(r.kernelNodes.some((n) => /\(LSTM\)$/.test(n)), `${what}: the LSTM node is not on the kernels`);
  let worst = 0;
  for (const [key, want] of Object.entries(ref.outputs)) {
    const got = r.outputs[key];
    assert.ok(got, `${what}: no output ${key}`);
    assert.equal(got.shape, want.shape, `${what}: shape of ${key}`);
    const { ratio, index } = worstRatio(got.data, want.data);
    assert.ok(ratio <= 1, `${what}: ${key}[${index}] = ${got.data[index]}, PyTorch ${want.data[index]} (${ratio.toFixed(2)}× tolerance)`);
    worst = Math.max(worst, ratio);
    if (r.build === "simd") assert.equal(got.data, node[key], `${what}: ${key} differs from Node's (simd) bit for bit`);
  }
  return `${what}, ${r.build}: ${NAME}.onnx within ${(worst * 100).toFixed(3)}% of tolerance${r.build === "simd" ? ", bit-identical to Node" : ""}; load ${r.timings.loadMs.toFixed(1)} ms, run ${r.timings.runMs.toFixed(1)} ms`;
}

const { assets } = await viteBuild(APP, OUT, { "wasm-rnn/onnx": join(REPO_ROOT, "dist/src/onnx/index.js") });

test("Vite bundles wasm-rnn/onnx with protobufjs: no Node built-in, no eval; its gzip size", () => {
  const size = bundleSizes(OUT, assets), kb = (n: number) => (n / 1024).toFixed(1);
  assert.ok(size.jsGzip <= VITE_JS_BUDGET, `the Vite bundle of wasm-rnn/onnx is ${kb(size.jsGzip)} KB gzip of JavaScript, over the ${VITE_JS_BUDGET / 1024} KB budget`);
  console.log(`  Vite bundle of wasm-rnn/onnx: ${size.chunks} JS chunk(s) ${kb(size.jsGzip)} KB gzip (+ relaxed wasm ${kb(size.wasmGzip)} KB gzip = ${kb(size.jsGzip + size.wasmGzip)} KB); raw ${kb(size.jsRaw)} KB`);
});

browserTest(test, missing, "plain page with an import map (protobufjs's prebuilt browser file): default build, then simd bit-identical to Node", async () => {
  const node = await inNode();
  for (const query of ["", "?build=simd"]) {
    await withBrowser({ root: REPO_ROOT, timeoutMs: 40_000 }, async (s) => {
      const r = await openOnnxPage(s, "/test/browser/onnx-plain.html", query);
      assert.is(r.build, query ? "simd" : "relaxed");
      assert.ok(s.server.requests.some((q) => q.path === "/node_modules/protobufjs/dist/minimal/protobuf.min.js"), "the import map's protobufjs file is loaded");
      assert.ok(s.server.requests.every((q) => !q.path.startsWith("/node_modules/protobufjs/src/")), "no CommonJS source is fetched");
      console.log(`  ${check("plain page + import map", r, node)}`);
    });
  }
});

browserTest(test, missing, "Vite-bundled page: default build, then simd bit-identical to Node", async () => {
  const node = await inNode();
  for (const query of ["", "?build=simd"]) {
    await withBrowser({ root: REPO_ROOT, timeoutMs: 40_000 }, async (s) => {
      const r = await openOnnxPage(s, "/test-results/vite-onnx/index.html", query);
      assert.is(r.build, query ? "simd" : "relaxed");
      assert.ok(s.server.requests.every((q) => !q.path.startsWith("/node_modules/")), "everything comes from the bundle");
      console.log(`  ${check("Vite bundle", r, node)}`);
    });
  }
});

test.run();
