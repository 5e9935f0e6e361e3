// Bun (npm's `bun` package, its binary from @oven/bun-<platform>): the packed wasm-rnn imported by name from
// node_modules (its "bun" export condition), the wasm loaded by init()'s default URL and by Bun.file() handed
// over as a Response (streaming compile); golden forward results and a generation identical to Node's from the
// same model file and seed.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { edgeFixture, runtimeAvailable, runScript, checkGolden, describeRun, type Fixture, type RuntimeResult } from "./setup.js";

let fx: Fixture;
let bun: string | null = null;
let problem: string | null | undefined;

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
fx = await edgeFixture();
const found = fx.install.bunBinary();
bun = found.path;
problem = fx.installProblem ?? found.why;

async function runBun(name: string, job: Record<string, unknown>): Promise<{ r: RuntimeResult; ms: number }> {
  const started = performance.now();
  const r = await runScript(bun!, ["--no-install", "bun.mjs", fx.jobFile(name, job)], { cwd: fx.app, env: { BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0" } });
  return { r, ms: performance.now() - started };
}

test("Bun: init() picks the relaxed-SIMD build without flags and reproduces PyTorch's forward results", async () => {
  if (!runtimeAvailable("Bun", problem)) return;
  const { r, ms } = await runBun("bun-default", { load: "default", golden: fx.golden });
  describeRun("Bun, default init()", r, ms);
  assert.ok(r.runtime.startsWith(`bun ${fx.install.VERSIONS.bun}`), r.runtime);
  assert.equal(r.supported, ["relaxed", "simd", "scalar"]);
  assert.is(r.build, "relaxed");
  assert.match(r.entry, /with loadModel/, "the bun condition gives the entry with the file helpers");
  checkGolden("Bun", r, fx.golden);
});

test("Bun: the simd build from Bun.file() (streaming compile); the saved model generates exactly Node's text", async () => {
  if (!runtimeAvailable("Bun", problem)) return;
  const { r, ms } = await runBun("bun-file", { load: "native", build: "simd", golden: fx.golden, modelPath: fx.modelPath, generate: fx.generate });
  describeRun("Bun, Bun.file()", r, ms);
  assert.is(r.build, "simd");
  assert.match(r.how, /application\/wasm: streaming compile/);
  checkGolden("Bun", r, fx.golden);
  assert.is(r.generated!.modelBytes, fx.modelBytes.length);
  assert.is(r.generated!.text, fx.expectedText, "Bun's generation differs from Node's");
});

test.run();
