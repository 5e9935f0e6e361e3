// Deno (npm's `deno` package): the packed wasm-rnn imported by name from node_modules (its "deno" export
// condition), the wasm loaded by init()'s default URL and by fetch() of the file URL; golden forward results
// and a generation identical to Node's from the same model file and seed. Then "wasm-rnn/tasks" alone (its "deno"
// condition, its own init()): every task golden file's forward, loss and gradients within PyTorch tolerance
// (relaxed and simd) and bit-identical to Node (simd), and a task model file read with loadTaskModel classifying
// with Node's probabilities bit for bit. "wasm-rnn/onnx" runs a torch.onnx.export LM, and "wasm-rnn/tfjs" (the
// Node entry, through its "deno" condition) four TensorFlow.js models loaded by loadTfjs, loadTfjsFolder and
// loadTfjsUrl (a file URL), one also written by saveTfjsFolder and read back: tfjs's outputs within tolerance,
// Node's bit for bit on simd.

import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  edgeFixture, runtimeAvailable, runScript, checkGolden, describeRun, describeTaskRun, checkTasksExports, taskJob, checkOnnx, checkTfjs, FILE_WAYS, SAVED,
  type Fixture, type OnnxRuntimeResult, type TfjsRuntimeResult, type RuntimeResult, type TaskRuntimeResult,
} from "./setup.js";
import { checkTaskResults } from "../helpers/task-fixture.js";

let fx: Fixture;
let deno: string | null = null;
let problem: string | null | undefined;

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
fx = await edgeFixture();
const found = fx.install.denoBinary();
deno = found.path;
problem = fx.installProblem ?? found.why;

async function runDeno<R = RuntimeResult>(name: string, job: Record<string, unknown>, script = "deno.mjs", flags: string[] = []): Promise<{ r: R; ms: number }> {
  const started = performance.now();
  const r = await runScript<R>(deno!, ["run", "--allow-read", ...flags, "--no-lock", script, fx.jobFile(name, job)], {
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

test('Deno: "wasm-rnn/tasks" alone, its init() by default: the relaxed build, every task golden file (forward, loss, backward) within PyTorch tolerance', async () => {
  if (!runtimeAvailable("Deno", problem)) return;
  const { r, ms } = await runDeno<TaskRuntimeResult>("deno-tasks-default", taskJob(fx, { classify: false }), "deno-tasks.mjs");
  describeTaskRun('Deno, "wasm-rnn/tasks" default init()', r, ms);
  assert.is(r.build, "relaxed");
  assert.match(r.entry, /with loadTaskModel/, "the deno condition of ./tasks gives the entry with the file helpers");
  checkTasksExports("Deno", r, fx, { fileHelpers: true });
  console.log(`  Deno, relaxed: ${checkTaskResults("Deno (relaxed)", r, fx.tasks, { bitIdentical: false, classify: false })}`);
});

test('Deno: "wasm-rnn/tasks" alone, simd: task golden results bit-identical to Node; a task model file (loadTaskModel(path)) classifies with Node\'s probabilities bit for bit', async () => {
  if (!runtimeAvailable("Deno", problem)) return;
  const { r, ms } = await runDeno<TaskRuntimeResult>("deno-tasks-simd", taskJob(fx, { build: "simd", classify: true }), "deno-tasks.mjs");
  describeTaskRun('Deno, "wasm-rnn/tasks" init({ build: "simd" })', r, ms);
  assert.is(r.build, "simd");
  assert.match(r.how, /loadTaskModel\(path\)/);
  console.log(`  Deno, simd: ${checkTaskResults("Deno (simd)", r, fx.tasks, { bitIdentical: true, classify: true })}`);
});

test('Deno: "wasm-rnn/onnx" (its "deno" condition, protobufjs from node_modules) runs a torch.onnx.export LM: PyTorch\'s outputs within tolerance, relaxed and simd (bit-identical to Node)', async () => {
  if (!runtimeAvailable("Deno", problem)) return;
  for (const build of [undefined, "simd"]) {
    const { r } = await runDeno<OnnxRuntimeResult>(`deno-onnx-${build ?? "default"}`, { onnxPath: fx.onnx.path, inputs: fx.onnx.inputs, build }, "deno-onnx.mjs");
    assert.is(r.build, build ?? "relaxed");
    console.log(`  ${checkOnnx("Deno", r, fx)}`);
  }
});

test('Deno: "wasm-rnn/tfjs" (its "deno" condition: the Node entry) runs TensorFlow.js models loaded by loadTfjs (bytes), loadTfjsFolder and loadTfjsUrl (file URL), and one written by saveTfjsFolder: tfjs\'s outputs within tolerance, relaxed and simd (bit-identical to Node)', async () => {
  if (!runtimeAvailable("Deno", problem)) return;
  for (const build of [undefined, "simd"]) {
    const roundTrip = { name: fx.tfjs.models[0].name, dir: `${fx.app}/tfjs-saved-deno-${build ?? "default"}` };
    const { r, ms } = await runDeno<TfjsRuntimeResult>(`deno-tfjs-${build ?? "default"}`, { dir: fx.tfjs.dir, models: fx.tfjs.models, build, roundTrip }, "deno-tfjs.mjs", [`--allow-write=${roundTrip.dir}`]);
    assert.is(r.build, build ?? "relaxed");
    console.log(`  ${checkTfjs("Deno", r, fx, { folderFunctions: true, ways: FILE_WAYS, extra: [`${roundTrip.name} via ${SAVED}`] })}; whole run ${ms.toFixed(0)} ms`);
  }
});

test.run();
