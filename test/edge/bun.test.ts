// Bun (npm's `bun` package, its binary from @oven/bun-<platform>): the packed wasm-rnn imported by name from
// node_modules (its "bun" export condition), the wasm loaded by init()'s default URL and by Bun.file() handed
// over as a Response (streaming compile); golden forward results and a generation identical to Node's from the
// same model file and seed. Then "wasm-rnn/tasks" alone (its "bun" condition, its own init()): every task golden
// file's forward, loss and gradients within PyTorch tolerance (relaxed and simd) and bit-identical to Node
// (simd), and a task model file's bytes (Bun.file) decoded and classifying with Node's probabilities bit for bit.
// "wasm-rnn/onnx" runs a torch.onnx.export LM, and "wasm-rnn/tfjs" (the Node entry, through its "bun"
// condition) four TensorFlow.js models loaded by loadTfjs, loadTfjsFolder and loadTfjsUrl (a file URL), one also
// written by saveTfjsFolder and read back: tfjs's outputs within tolerance, Node's bit for bit on simd.

import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  edgeFixture, runtimeAvailable, runScript, checkGolden, describeRun, describeTaskRun, checkTasksExports, taskJob, checkOnnx, checkTfjs, FILE_WAYS, SAVED,
  type Fixture, type OnnxRuntimeResult, type TfjsRuntimeResult, type RuntimeResult, type TaskRuntimeResult,
} from "./setup.js";
import { checkTaskResults } from "../helpers/task-fixture.js";

let fx: Fixture;
let bun: string | null = null;
let problem: string | null | undefined;

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
fx = await edgeFixture();
const found = fx.install.bunBinary();
bun = found.path;
problem = fx.installProblem ?? found.why;

async function runBun<R = RuntimeResult>(name: string, job: Record<string, unknown>, script = "bun.mjs"): Promise<{ r: R; ms: number }> {
  const started = performance.now();
  const r = await runScript<R>(bun!, ["--no-install", script, fx.jobFile(name, job)], { cwd: fx.app, env: { BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0" } });
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

test('Bun: "wasm-rnn/tasks" alone, its init() by default: the relaxed build, every task golden file (forward, loss, backward) within PyTorch tolerance', async () => {
  if (!runtimeAvailable("Bun", problem)) return;
  const { r, ms } = await runBun<TaskRuntimeResult>("bun-tasks-default", taskJob(fx, { classify: false }), "bun-tasks.mjs");
  describeTaskRun('Bun, "wasm-rnn/tasks" default init()', r, ms);
  assert.is(r.build, "relaxed");
  assert.match(r.entry, /with loadTaskModel/, "the bun condition of ./tasks gives the entry with the file helpers");
  checkTasksExports("Bun", r, fx, { fileHelpers: true });
  console.log(`  Bun, relaxed: ${checkTaskResults("Bun (relaxed)", r, fx.tasks, { bitIdentical: false, classify: false })}`);
});

test('Bun: "wasm-rnn/tasks" alone, simd: task golden results bit-identical to Node; a task model file (Bun.file() bytes to decodeTaskModel) classifies with Node\'s probabilities bit for bit', async () => {
  if (!runtimeAvailable("Bun", problem)) return;
  const { r, ms } = await runBun<TaskRuntimeResult>("bun-tasks-simd", taskJob(fx, { build: "simd", classify: true }), "bun-tasks.mjs");
  describeTaskRun('Bun, "wasm-rnn/tasks" init({ build: "simd" })', r, ms);
  assert.is(r.build, "simd");
  assert.match(r.how, /Bun\.file\(\) to decodeTaskModel/);
  console.log(`  Bun, simd: ${checkTaskResults("Bun (simd)", r, fx.tasks, { bitIdentical: true, classify: true })}`);
});

test('Bun: "wasm-rnn/onnx" (its "bun" condition, protobufjs from node_modules) runs a torch.onnx.export LM: PyTorch\'s outputs within tolerance, relaxed and simd (bit-identical to Node)', async () => {
  if (!runtimeAvailable("Bun", problem)) return;
  for (const build of [undefined, "simd"]) {
    const { r } = await runBun<OnnxRuntimeResult>(`bun-onnx-${build ?? "default"}`, { onnxPath: fx.onnx.path, inputs: fx.onnx.inputs, build }, "bun-onnx.mjs");
    assert.is(r.build, build ?? "relaxed");
    console.log(`  ${checkOnnx("Bun", r, fx)}`);
  }
});

test('Bun: "wasm-rnn/tfjs" (its "bun" condition: the Node entry) runs TensorFlow.js models loaded by loadTfjs (bytes), loadTfjsFolder and loadTfjsUrl (file URL), and one written by saveTfjsFolder: tfjs\'s outputs within tolerance, relaxed and simd (bit-identical to Node)', async () => {
  if (!runtimeAvailable("Bun", problem)) return;
  for (const build of [undefined, "simd"]) {
    const roundTrip = { name: fx.tfjs.models[0].name, dir: `${fx.app}/tfjs-saved-bun-${build ?? "default"}` };
    const { r, ms } = await runBun<TfjsRuntimeResult>(`bun-tfjs-${build ?? "default"}`, { dir: fx.tfjs.dir, models: fx.tfjs.models, build, roundTrip }, "bun-tfjs.mjs");
    assert.is(r.build, build ?? "relaxed");
    console.log(`  ${checkTfjs("Bun", r, fx, { folderFunctions: true, ways: FILE_WAYS, extra: [`${roundTrip.name} via ${SAVED}`] })}; whole run ${ms.toFixed(0)} ms`);
  }
});

test.run();
