// The package in Chromium from a plain <script type="module"> (test/browser/plain.html: no bundler, no import
// map), served by a static server with application/wasm. Layer forward + backward on every "layer" golden file:
// the simd build gives the same floats as in Node, bit for bit, and all are within the golden tolerance of
// PyTorch; the default init() picks relaxed SIMD; init({ threads: 2 }) works on a cross-origin-isolated page
// and changes no bit.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { CHROMIUM_NEED, REPO_ROOT, browserTest, floatsFromBase64, missingPrerequisite, withBrowser, type Session } from "./harness.js";
import {
  assertGolden, assertNoProblems, assertSameBits, BATCH1, cases, inNode, names, openChecksPage, pageGolden, pageLarge, type PageInfo,
} from "./compare.js";

const openPlain = (s: Session, query: string): Promise<PageInfo> => openChecksPage(s, "/test/browser/plain.html", query);
const missing = missingPrerequisite([CHROMIUM_NEED]);

test("layer golden fixtures are there", () => {
  assert.ok(cases.length >= 20, `expected the layer fixtures, found ${cases.length}`);
});

browserTest(test, missing, "plain <script type=module>, simd build: loads, streams the wasm, golden forward + backward bit-identical to Node and within PyTorch tolerance", async () => {
  const node = await inNode();
  await withBrowser({ root: REPO_ROOT, timeoutMs: 40_000 }, async (s) => {
    const info = await openPlain(s, "?build=simd");
    assert.is(info.build, "simd");
    assert.is(info.threads, 1);
    for (const name of ["init", "RNN", "GRU", "LSTM", "LanguageModel", "Trainer", "Vocabulary", "generate", "supportedBuilds"]) {
      assert.ok(info.exports.includes(name), `export ${name} missing in the browser entry`);
    }
    const wasm = s.server.requests.filter((r) => r.path.endsWith(".wasm"));
    assert.equal(wasm.map((r) => r.path), ["/build/rnn.simd.wasm"], "the page fetches exactly the simd wasm, next to the entry");
    assert.is(wasm[0].type, "application/wasm");
    assert.ok(s.server.requests.every((r) => !r.path.startsWith("/node_modules/")), "no bare-import resolution through node_modules");
    const streamed = await s.page.evaluate(() => (window as unknown as { __streamingCompiles: number }).__streamingCompiles);
    assert.is(streamed, 1, "the wasm is compiled with WebAssembly.instantiateStreaming");

    const golden = await pageGolden(s);
    assert.equal(Object.keys(golden).sort(), [...names].sort());
    for (const name of names) assertSameBits(`${name} (simd)`, golden[name], node.golden[name]);
    const worst = assertGolden("simd in Chromium", golden);

    const large = await pageLarge(s);
    assertSameBits("large LSTM (simd, 1 thread)", large.arrays, node.large);
    console.log(`  simd in Chromium: ${names.length} layer files bit-identical to Node, worst ${(worst * 100).toFixed(2)}% of tolerance; large LSTM fwd+bwd ${large.ms.toFixed(0)} ms`);
    assertNoProblems(s);
  });
});

browserTest(test, missing, "plain page, default init(): Chromium gets the relaxed build, golden within PyTorch tolerance", async () => {
  const node = await inNode();
  await withBrowser({ root: REPO_ROOT, timeoutMs: 40_000 }, async (s) => {
    const info = await openPlain(s, "");
    assert.equal(info.supported, ["relaxed", "simd", "scalar"], "Chromium validates relaxed SIMD");
    assert.is(info.build, "relaxed", "default init() takes the best build");
    assert.equal(s.server.requests.filter((r) => r.path.endsWith(".wasm")).map((r) => r.path), ["/build/rnn.relaxed.wasm"]);
    const golden = await pageGolden(s);
    const worst = assertGolden("relaxed in Chromium", golden);
    // relaxed_madd may fuse, so no bit-for-bit claim; just how far it is from simd
    let maxDiff = 0;
    for (const name of names) {
      for (const key of Object.keys(golden[name])) {
        const a = floatsFromBase64(golden[name][key]), b = floatsFromBase64(node.golden[name][key]);
        for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      }
    }
    console.log(`  relaxed in Chromium: worst ${(worst * 100).toFixed(2)}% of tolerance, max |relaxed − simd| ${maxDiff.toExponential(2)}`);
    assertNoProblems(s);
  });
});

browserTest(test, missing, "plain page, cross-origin isolated, init({ threads: 2 }): module Web Worker pool, results bit-identical to one thread in Node", async () => {
  const node = await inNode();
  await withBrowser({ root: REPO_ROOT, isolated: true, timeoutMs: 40_000 }, async (s) => {
    const info = await openPlain(s, "?build=simd&threads=2");
    assert.ok(info.crossOriginIsolated, "COOP/COEP make the page cross-origin isolated");
    assert.is(info.build, "simd");
    assert.is(info.threads, 2);
    assert.ok(s.server.requests.some((r) => r.path === "/build/rnn.simd-threads.wasm"), "the shared-memory build is loaded");
    assert.ok(s.server.requests.some((r) => r.path === "/dist/bindings/worker.js"), "the worker module is loaded");
    const large = await pageLarge(s);
    assertSameBits("large LSTM (simd, 2 threads)", large.arrays, node.large);
    assertSameBits("batch-1 LSTM (simd, 2 threads: split GEMVs)", (await pageLarge(s, BATCH1)).arrays, node.batch1);
    const golden = await pageGolden(s);
    for (const name of names) assertSameBits(`${name} (simd, 2 threads)`, golden[name], node.golden[name]);
    console.log(`  2 threads in Chromium: large LSTM fwd+bwd ${large.ms.toFixed(0)} ms, bit-identical to Node's single thread`);
    assertNoProblems(s);
  });
});

test.run();
