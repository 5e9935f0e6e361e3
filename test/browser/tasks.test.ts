// "wasm-rnn/tasks" alone in Chromium, from a plain <script type="module"> (plain-tasks.html: the file the
// package's "./tasks" export names for browsers) and from an app Vite builds with a bare "wasm-rnn/tasks"
// import (bundle-tasks-app/, resolved through the package's exports). On the simd build each page runs every
// task golden file (forward, loss, backward: within PyTorch tolerance and bit-identical to Node) and decodes a
// task model file made in Node (encodeTaskModel) to classify some texts, with Node's probabilities bit for bit.
// The computation is test/edge/runtimes/task-job.mjs, the code the edge runtimes and Node run.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { init } from "../../src/index.js";
import { checkTaskResults, taskFixture, type TaskFixture, type TaskJobResult } from "../helpers/task-fixture.js";
import { CHROMIUM_NEED, REPO_ROOT, RESULTS_DIR, browserTest, missingPrerequisite, resultsPath, withBrowser, type Session } from "./harness.js";
import { viteBuild } from "./vite-build.js";
import { assertNoProblems, openChecksPage, type PageInfo } from "./compare.js";

const APP = join(REPO_ROOT, "test/browser/bundle-tasks-app");
const OUT = join(RESULTS_DIR, "vite-tasks");
const PLAIN = "/test/browser/plain-tasks.html";
const BUNDLED = "/test-results/vite-tasks/index.html";
const MODEL_URL = "/test-results/task-model.wrnn";
const missing = missingPrerequisite([CHROMIUM_NEED]);

// the package's own word on where "wasm-rnn/tasks" is for a browser
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
const BROWSER_ENTRY = "/" + String(pkg.exports["./tasks"].browser.default).replace(/^\.\//, "");

let fx: TaskFixture;
/** Node's results (simd) and the model file the pages fetch; once. */
async function node(): Promise<TaskFixture> {
  if (fx) return fx;
  const { build } = await init({ build: "simd" });
  assert.is(build, "simd", "Node side must run the simd build");
  fx = await taskFixture();
  writeFileSync(resultsPath("task-model.wrnn"), fx.modelBytes);
  return fx;
}

/** Builds the app with Vite's API, as `vite build` would: no alias, "wasm-rnn/tasks" goes through the package's exports. */

async function pageTasks(s: Session, f: TaskFixture): Promise<TaskJobResult> {
  const names = f.cases.map((c) => c.name);
  return s.page.evaluate(([n, url, texts]) => (window as unknown as { __plain: { runTasks(n: string[], u: string, t: string[]): Promise<TaskJobResult> } }).__plain.runTasks(n, url, texts), [names, MODEL_URL, f.texts] as [string[], string, string[]]);
}

function checkEntry(where: string, info: PageInfo & { entry?: string; exports: string[] }, f: TaskFixture): void {
  assert.match(info.entry ?? "", /^tasks universal entry/, `${where}: the browser gets the universal tasks entry`);
  const missingNames = f.exports.filter((n) => !info.exports.includes(n));
  assert.equal(missingNames, [], `${where}: "wasm-rnn/tasks" lacks ${missingNames.join(", ")}`);
}

browserTest(test, missing, "plain <script type=module> of the tasks entry alone, simd: task golden files bit-identical to Node and within PyTorch tolerance; a task model file classifies with Node's probabilities bit for bit", async () => {
  const f = await node();
  assert.is(BROWSER_ENTRY, "/dist/src/tasks/index.js", "plain-tasks.html imports the file the browser condition of \"./tasks\" names; update the page with package.json");
  await withBrowser({ root: REPO_ROOT, timeoutMs: 40_000 }, async (s) => {
    const started = performance.now();
    const info = await openChecksPage(s, PLAIN, "?build=simd");
    assert.is(info.build, "simd");
    checkEntry("plain tasks page", info, f);
    assert.ok(s.server.requests.some((r) => r.path === BROWSER_ENTRY), `the page loads ${BROWSER_ENTRY}`);
    assert.ok(!s.server.requests.some((r) => r.path === "/dist/src/index.js"), "the tasks entry does not load the main entry");
    const wasm = s.server.requests.filter((r) => r.path.endsWith(".wasm"));
    assert.equal(wasm.map((r) => r.path), ["/build/rnn.simd.wasm"], "the tasks entry's init() fetches exactly the simd wasm of the package");
    assert.is(wasm[0].type, "application/wasm");
    const streamed = await s.page.evaluate(() => (window as unknown as { __streamingCompiles: number }).__streamingCompiles);
    assert.is(streamed, 1, "the wasm is compiled with WebAssembly.instantiateStreaming");
    const r = await pageTasks(s, f);
    console.log(`  tasks in Chromium (plain page, simd): ${checkTaskResults("Chromium plain tasks page (simd)", r, f, { bitIdentical: true, classify: true })}; page ${(performance.now() - started).toFixed(0)} ms`);
    assertNoProblems(s);
  });
});

browserTest(test, missing, "Vite-built app importing \"wasm-rnn/tasks\" (through the package's exports), simd: task golden files bit-identical to Node; a task model file classifies with Node's probabilities bit for bit", async () => {
  const f = await node();
  const { assets, ms } = await viteBuild(APP, OUT);
  for (const build of ["relaxed", "simd"]) {
    assert.ok(assets.some((a) => new RegExp(`^rnn\\.${build}-[\\w-]+\\.wasm$`).test(a)), `no asset for rnn.${build}.wasm in ${assets.join(", ")}`);
  }
  for (const a of assets.filter((x) => x.endsWith(".js"))) {
    const code = readFileSync(join(OUT, "assets", a), "utf8");
    assert.not.match(code, /from\s*["']node:|require\(["']node:/, `${a} imports a Node built-in: Vite took a Node entry of "wasm-rnn/tasks"`);
  }
  await withBrowser({ root: REPO_ROOT, timeoutMs: 40_000 }, async (s) => {
    const started = performance.now();
    const info = await openChecksPage(s, BUNDLED, "?build=simd");
    assert.is(info.build, "simd");
    checkEntry("Vite tasks app", info, f);
    const wasm = s.server.requests.filter((r) => r.path.endsWith(".wasm"));
    assert.is(wasm.length, 1, "one wasm fetched");
    assert.match(wasm[0].path, /^\/test-results\/vite-tasks\/assets\/rnn\.simd-[\w-]+\.wasm$/);
    const r = await pageTasks(s, f);
    console.log(`  tasks in Chromium (Vite app, simd): ${checkTaskResults("Chromium Vite tasks app (simd)", r, f, { bitIdentical: true, classify: true })}; Vite build ${ms.toFixed(0)} ms, page ${(performance.now() - started).toFixed(0)} ms`);
    assertNoProblems(s);
  });
});

test.run();
