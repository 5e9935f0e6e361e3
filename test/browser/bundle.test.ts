// The package through a bundler: test/browser/bundle-app imports "wasm-rnn" and is built with Vite's API (as
// `vite build` would), then run in Chromium. Vite must emit the wasm builds as assets and the thread-pool
// worker as its own module chunk (not inlined), and the bundled page must compute what Node computes: the
// simd build bit for bit, with 1 and 2 threads.

import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CHROMIUM_NEED, REPO_ROOT, RESULTS_DIR, browserTest, missingPrerequisite, withBrowser, type Session } from "./harness.js";
import { viteBuild } from "./vite-build.js";
import {
  assertGolden, assertNoProblems, assertSameBits, BATCH1, inNode, names, openChecksPage, pageGolden, pageLarge, type PageInfo,
} from "./compare.js";

const APP = join(REPO_ROOT, "test/browser/bundle-app");
const OUT = join(RESULTS_DIR, "vite-bundle");
const PAGE = "/test-results/vite-bundle/index.html";
const missing = missingPrerequisite([CHROMIUM_NEED]);

/** Builds the app once per run (about a second). */
const { assets } = await viteBuild(APP, OUT, { "wasm-rnn": join(REPO_ROOT, "dist/src/index.js") });
const openBundled = (s: Session, query: string): Promise<PageInfo> => openChecksPage(s, PAGE, query);

test("Vite bundles it: the five wasm builds as assets, the pool worker as its own module chunk, nothing inlined", () => {
  for (const build of ["relaxed", "simd", "scalar", "relaxed-threads", "simd-threads"]) {
    assert.ok(assets.some((f) => new RegExp(`^rnn\\.${build}-[\\w-]+\\.wasm$`).test(f)), `no asset for rnn.${build}.wasm in ${assets.join(", ")}`);
  }
  const scripts = assets.filter((f) => f.endsWith(".js"));
  const workers = scripts.filter((f) => f.startsWith("worker-"));
  assert.is(workers.length, 1, `expected one worker chunk, got ${scripts.join(", ")}`);
  for (const f of scripts) {
    const code = readFileSync(join(OUT, "assets", f), "utf8");
    assert.not.match(code, /data:(text|application)\/javascript/, `${f} inlines a script as a data: URL`);
    assert.not.match(code, /from\s*["']node:|require\(["']node:/, `${f} imports a Node built-in`);
  }
  const main = scripts.filter((f) => !workers.includes(f));
  const gzip = main.reduce((sum, f) => sum + gzipSync(readFileSync(join(OUT, "assets", f))).length, 0);
  const wasm = statSync(join(OUT, "assets", assets.find((f) => f.startsWith("rnn.relaxed-") && !f.includes("threads"))!)).size;
  console.log(`  Vite bundle: ${main.length} JS chunk(s) ${(gzip / 1024).toFixed(1)} KB gzip, worker chunk ${workers[0]}, relaxed wasm ${(wasm / 1024).toFixed(1)} KB`);
});

browserTest(test, missing, "Vite-bundled page, default init(): relaxed build, golden forward + backward within PyTorch tolerance", async () => {
  await withBrowser({ root: REPO_ROOT, timeoutMs: 40_000 }, async (s) => {
    const info = await openBundled(s, "");
    assert.is(info.build, "relaxed");
    const wasm = s.server.requests.filter((r) => r.path.endsWith(".wasm"));
    assert.is(wasm.length, 1, "one wasm fetched");
    assert.match(wasm[0].path, /^\/test-results\/vite-bundle\/assets\/rnn\.relaxed-[\w-]+\.wasm$/);
    const worst = assertGolden("relaxed, Vite bundle", await pageGolden(s));
    console.log(`  Vite bundle, relaxed: worst ${(worst * 100).toFixed(2)}% of tolerance`);
    assertNoProblems(s);
  });
});

browserTest(test, missing, "Vite-bundled page, cross-origin isolated, simd with 2 threads: the bundled worker runs, results bit-identical to Node", async () => {
  const node = await inNode();
  await withBrowser({ root: REPO_ROOT, isolated: true, timeoutMs: 40_000 }, async (s) => {
    const info = await openBundled(s, "?build=simd&threads=2");
    assert.ok(info.crossOriginIsolated);
    assert.is(info.threads, 2);
    assert.ok(s.server.requests.some((r) => /\/assets\/worker-[\w-]+\.js$/.test(r.path)), "the pool worker chunk is loaded");
    assert.ok(s.server.requests.some((r) => /\/assets\/rnn\.simd-threads-[\w-]+\.wasm$/.test(r.path)), "the shared-memory build is loaded");
    const large = await pageLarge(s);
    assertSameBits("large LSTM (Vite bundle, simd, 2 threads)", large.arrays, node.large);
    assertSameBits("batch-1 LSTM (Vite bundle, simd, 2 threads: split GEMVs)", (await pageLarge(s, BATCH1)).arrays, node.batch1);
    const golden = await pageGolden(s);
    for (const name of names) assertSameBits(`${name} (Vite bundle, simd, 2 threads)`, golden[name], node.golden[name]);
    console.log(`  Vite bundle, 2 threads: large LSTM fwd+bwd ${large.ms.toFixed(0)} ms, ${names.length} layer files bit-identical to Node`);
    assertNoProblems(s);
  });
});

test.run();
