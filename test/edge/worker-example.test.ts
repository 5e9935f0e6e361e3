// examples/worker in workerd (miniflare), as its dev script runs it, with the packed package and the test's
// model file as its model.wrnn: POST /generate streams exactly the text Node generates with the same seed
// (simd build), GET / describes the model, and bad requests get 400 / 405 with a reason.

import { test } from "uvu";
import * as assert from "uvu/assert";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { edgeFixture, runtimeAvailable, ROOT, type Fixture } from "./setup.js";

let fx: Fixture;
let problem: string | null | undefined;
let mf: any;
let url: URL;

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await (async () => {
  fx = await edgeFixture();
  const { miniflare, why } = await fx.install.loadMiniflare();
  problem = fx.installProblem ?? why;
  if (!miniflare) return;
  const dev = await import(pathToFileURL(path.join(ROOT, "examples/worker/dev.mjs")).href);
  const started = performance.now();
  ({ mf, url } = await dev.startWorker({ model: fx.modelBytes, packageDir: fx.packageDir, build: "simd" }));
  console.log(`  examples/worker started in ${(performance.now() - started).toFixed(0)} ms on ${url.href}`);
})();

test.after(async () => {
  await mf?.dispose();
});

test("POST /generate streams Node's generation for the same model, seed and build", async () => {
  if (!runtimeAvailable("workerd (miniflare)", problem)) return;
  const { prefix, length, options } = fx.generate;
  const started = performance.now();
  const response = await fetch(new URL("/generate", url), { method: "POST", body: JSON.stringify({ prefix, length, ...options }) });
  assert.is(response.status, 200);
  assert.is(response.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.is(response.headers.get("x-wasm-rnn-build"), "simd");
  // a stream: no length known in advance (HTTP/1.1 chunked); how many reads it takes depends on timing
  assert.is(response.headers.get("content-length"), null);
  assert.is(response.headers.get("transfer-encoding"), "chunked");
  let text = "", chunks = 0;
  const decoder = new TextDecoder();
  const reader = response.body!.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    text += decoder.decode(read.value, { stream: true });
    chunks++;
  }
  text += decoder.decode();
  console.log(`  POST /generate over HTTP: ${length} tokens in ${chunks} read${chunks > 1 ? "s" : ""}, ${(performance.now() - started).toFixed(0)} ms: ${JSON.stringify(text.slice(0, 50))}…`);
  assert.is(text, fx.expectedText, "the worker's generation differs from Node's");
});

test("GET / describes the model; wrong method, bad JSON and bad options get a reason", async () => {
  if (!runtimeAvailable("workerd (miniflare)", problem)) return;
  const info = await (await mf.dispatchFetch(new URL("/", url))).json();
  assert.is(info.model.cell, "lstm");
  assert.is(info.model.hiddenSize, 48);
  assert.is(info.build, "simd");
  const post = (body: string) => mf.dispatchFetch(new URL("/generate", url), { method: "POST", body });
  let r = await mf.dispatchFetch(new URL("/generate", url));
  assert.is(r.status, 405);
  assert.is(r.headers.get("allow"), "POST");
  await r.arrayBuffer();
  r = await post("{");
  assert.is(r.status, 400);
  assert.match((await r.json()).error, /must be JSON/);
  r = await post(JSON.stringify({ prefix: "the ", length: 0 }));
  assert.is(r.status, 400);
  assert.match((await r.json()).error, /length must be an integer in \[1, 2000\], got 0/);
  r = await post(JSON.stringify({ prefix: "the ", length: 5, topP: 2 }));
  assert.is(r.status, 400);
  assert.match((await r.json()).error, /topP must be in \(0, 1\], got 2/);
  r = await mf.dispatchFetch(new URL("/nowhere", url));
  assert.is(r.status, 404);
  await r.arrayBuffer();
});

test.run();
