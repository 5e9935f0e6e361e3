// Deno (npm's `deno` package): the packed wasm-rnn imported by name from node_modules (its "deno" export
// condition), the wasm loaded by init()'s default URL and by fetch() of the file URL; golden forward results
// and a generation identical to Node's from the same model file and seed.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { edgeFixture, runtimeAvailable, runScript, checkGolden, describeRun, type Fixture, type RuntimeResult } from "./setup.js";

let fx: Fixture;
let deno: string | null = null;
let problem: string | null | undefined;

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
fx = await edgeFixture();
const found = fx.install.denoBinary();
deno = found.path;
problem = fx.installProblem ?? found.why;

async function runDeno(name: string, job: Record<string, unknown>): Promise<{ r: RuntimeResult; ms: number }> {
  const started = performance.now();
  const r = await runScript(deno!, ["run", "--allow-read", "--no-lock", "deno.mjs", fx.jobFile(name, job)], {
    cwd: fx.app, env: { DENO_DIR: `${fx.app}/.deno`, DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" },
  });
  return { r, ms: performance.now() - started };
}

test("Deno: init() picks the relaxed-SIMD build without flags and reproduces PyTorch's forward results", async () => {
  if (!runtimeAvailable("Deno", problem)) return;
  const { r, ms } = await runDeno("deno-default", { load: "default", golden: fx.golden });
  describeRun("Deno, default init()", r, ms);
  assert.ok(r.runtime.startsWith(`deno ${fx.install.VERSIONS.deno}`), r.runtime);
  assert.equal(r.supported, ["relaxed", "simd", "scalar"]);
  assert.is(r.build, "relaxed");
  assert.match(r.entry, /with loadModel/, "the deno condition gives the entry with the file helpers");
  checkGolden("Deno", r, fx.golden);
});

test("Deno: the simd build fetched from its file URL; the saved model generates exactly Node's text", async () => {
  if (!runtimeAvailable("Deno", problem)) return;
  const { r, ms } = await runDeno("deno-fetch", { load: "native", build: "simd", golden: fx.golden, modelPath: fx.modelPath, generate: fx.generate });
  describeRun("Deno, fetch(file URL)", r, ms);
  assert.is(r.build, "simd");
  assert.match(r.how, /^fetch\(/);
  checkGolden("Deno", r, fx.golden);
  assert.is(r.generated!.modelBytes, fx.modelBytes.length);
  assert.is(r.generated!.text, fx.expectedText, "Deno's generation differs from Node's");
});

test.run();
