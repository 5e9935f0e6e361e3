// workerd (Cloudflare's runtime, through miniflare from npm): a module worker that imports the packed wasm-rnn
// by name, resolved through its "workerd" export condition to the entry that imports the wasm builds as
// modules (workerd has no filesystem and compiles no wasm from bytes). The model arrives as a Data module.
// Two workers, two isolates: one with init()'s choice, one forced to the simd build for the comparison with Node.
// Two more import only "wasm-rnn/tasks" (the "workerd" condition of its "./tasks" export, whose init() brings
// the same bundled wasm modules): every task golden file's forward, loss and gradients within PyTorch
// tolerance (relaxed and simd) and bit-identical to Node (simd), and a task model file (a Data module) decoded
// and classifying with Node's probabilities bit for bit. Two import "wasm-rnn/onnx" (a torch.onnx.export LM as
// a Data module), two "wasm-rnn/tfjs" (its "workerd" condition: no folder functions): four TensorFlow.js models
// as Data modules to loadTfjs and fetched by loadTfjsUrl from workerd's disk service (the worker's outbound
// fetch), tfjs's outputs within tolerance and Node's bit for bit on simd.

import { test } from "uvu";
import * as assert from "uvu/assert";
import path from "node:path";
import { pathToFileURL } from "node:url";
import {
  edgeFixture, runtimeAvailable, checkGolden, describeRun, describeTaskRun, checkTasksExports, taskJob, checkOnnx, checkTfjs, ROOT,
  type Fixture, type OnnxRuntimeResult, type TfjsRuntimeResult, type RuntimeResult, type TaskRuntimeResult,
} from "./setup.js";
import { checkTaskResults } from "../helpers/task-fixture.js";

interface Modules {
  workerModules(o: { entry: string; packageDir: string; data?: Record<string, Uint8Array> }): unknown[];
  MODULES_ROOT: string;
}

let fx: Fixture;
let problem: string | null | undefined;
let mf: any;
let startMs = 0;

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await (async () => {
  fx = await edgeFixture();
  const { miniflare, why, version, workerdVersion } = await fx.install.loadMiniflare();
  problem = fx.installProblem ?? why;
  if (!miniflare) return;
  const { workerModules, MODULES_ROOT } = (await import(pathToFileURL(path.join(ROOT, "examples/worker/modules.mjs")).href)) as Modules;
  const modules = workerModules({ entry: path.join(fx.app, "workerd.mjs"), packageDir: fx.packageDir, data: { "./model.wrnn": fx.modelBytes } });
  const taskModules = workerModules({ entry: path.join(fx.app, "workerd-tasks.mjs"), packageDir: fx.packageDir, data: { "./task-model.wrnn": fx.tasks.modelBytes } });
  const onnxModules = workerModules({ entry: path.join(fx.app, "workerd-onnx.mjs"), packageDir: fx.packageDir, data: { "./model.onnx": fx.onnx.bytes } });
  // the tfjs fixtures' files (copied into fx.app/tfjs) are Data modules of the worker's folder, read from there
  const tfjsModules = workerModules({ entry: path.join(fx.app, "workerd-tfjs.mjs"), packageDir: fx.packageDir });
  const worker = (name: string, mods: unknown[], bindings: Record<string, string>, more: Record<string, unknown> = {}) => ({ name, modules: mods, modulesRoot: MODULES_ROOT, compatibilityDate: "2026-04-01", bindings, ...more });
  // the worker's outbound fetch() goes to workerd's disk service on the fixtures' folder: loadTfjsUrl's default fetch
  const tfjsFiles = { outboundService: { disk: { path: fx.tfjs.dir } } };
  const started = performance.now();
  mf = new miniflare.Miniflare({
    workers: [
      worker("auto", modules, {}), worker("simd", modules, { WASM_RNN_BUILD: "simd" }),
      worker("tasks-auto", taskModules, {}), worker("tasks-simd", taskModules, { WASM_RNN_BUILD: "simd" }),
      worker("onnx-auto", onnxModules, {}), worker("onnx-simd", onnxModules, { WASM_RNN_BUILD: "simd" }),
      worker("tfjs-auto", tfjsModules, {}, tfjsFiles), worker("tfjs-simd", tfjsModules, { WASM_RNN_BUILD: "simd" }, tfjsFiles),
    ],
    cf: false, host: "127.0.0.1", port: 0,
  });
  await mf.ready;
  startMs = performance.now() - started;
  console.log(`  miniflare ${version} (workerd ${workerdVersion}) started in ${startMs.toFixed(0)} ms, ${modules.length} modules per worker ("wasm-rnn/tasks" workers: ${taskModules.length}, "wasm-rnn/onnx" workers: ${onnxModules.length}, "wasm-rnn/tfjs" workers: ${tfjsModules.length})`);
})();

test.after(async () => {
  await mf?.dispose();
});

async function runWorker<R = RuntimeResult>(name: string, job: Record<string, unknown>): Promise<{ r: R; ms: number }> {
  const started = performance.now();
  const worker = await mf.getWorker(name);
  const response = await worker.fetch("http://edge.test/", { method: "POST", body: JSON.stringify(job) });
  const text = await response.text();
  assert.is(response.status, 200, `workerd ${name}: ${text}`);
  return { r: JSON.parse(text) as R, ms: performance.now() - started };
}

test("workerd: the wasm module import, init()'s own choice of build, PyTorch's forward results", async () => {
  if (!runtimeAvailable("workerd (miniflare)", problem)) return;
  const { r, ms } = await runWorker("auto", { golden: fx.golden });
  describeRun("workerd, default init()", r, ms);
  assert.match(r.entry, /^workerd entry/);
  assert.match(r.how, /compiling wasm from bytes: refused/, "workerd refuses wasm from bytes: the module import is the only way");
  assert.equal(r.supported, ["relaxed", "simd", "scalar"]);
  assert.is(r.build, "relaxed");
  checkGolden("workerd", r, fx.golden);
});

test("workerd: the simd build; the model (a Data module) generates exactly Node's text", async () => {
  if (!runtimeAvailable("workerd (miniflare)", problem)) return;
  const { r, ms } = await runWorker("simd", { golden: fx.golden, generate: fx.generate });
  describeRun("workerd, init({ build: \"simd\" })", r, ms);
  assert.is(r.build, "simd");
  checkGolden("workerd", r, fx.golden);
  assert.is(r.generated!.modelBytes, fx.modelBytes.length);
  assert.is(r.generated!.text, fx.expectedText, "workerd's generation differs from Node's");
});

test('workerd: "wasm-rnn/tasks" alone, its init() by default: the relaxed build, every task golden file (forward, loss, backward) within PyTorch tolerance', async () => {
  if (!runtimeAvailable("workerd (miniflare)", problem)) return;
  const { r, ms } = await runWorker<TaskRuntimeResult>("tasks-auto", taskJob(fx, { classify: false }));
  describeTaskRun('workerd, "wasm-rnn/tasks" default init()', r, ms);
  assert.is(r.build, "relaxed");
  assert.match(r.entry, /^tasks universal entry/, "the workerd condition of ./tasks gives the entry without file helpers");
  checkTasksExports("workerd", r, fx, { fileHelpers: false });
  console.log(`  workerd, relaxed: ${checkTaskResults("workerd (relaxed)", r, fx.tasks, { bitIdentical: false, classify: false })}`);
});

test('workerd: "wasm-rnn/tasks" alone, simd: task golden results bit-identical to Node; the task model file (a Data module) classifies with Node\'s probabilities bit for bit', async () => {
  if (!runtimeAvailable("workerd (miniflare)", problem)) return;
  const { r, ms } = await runWorker<TaskRuntimeResult>("tasks-simd", { golden: fx.tasks.inputs, inputs: fx.tasks.texts });
  describeTaskRun('workerd, "wasm-rnn/tasks" init({ build: "simd" })', r, ms);
  assert.is(r.build, "simd");
  console.log(`  workerd, simd: ${checkTaskResults("workerd (simd)", r, fx.tasks, { bitIdentical: true, classify: true })}`);
});

test('workerd: "wasm-rnn/onnx" (its "workerd" condition; protobufjs as its prebuilt browser file) runs a torch.onnx.export LM: PyTorch\'s outputs within tolerance, relaxed and simd (bit-identical to Node)', async () => {
  if (!runtimeAvailable("workerd (miniflare)", problem)) return;
  for (const [name, build] of [["onnx-auto", "relaxed"], ["onnx-simd", "simd"]]) {
    const { r } = await runWorker<OnnxRuntimeResult>(name, { inputs: fx.onnx.inputs });
    assert.is(r.build, build);
    console.log(`  ${checkOnnx("workerd", r, fx)}`);
  }
});

test('workerd: "wasm-rnn/tfjs" (its "workerd" condition: no folder functions) runs TensorFlow.js models bundled as Data modules (loadTfjs) and fetched (loadTfjsUrl): tfjs\'s outputs within tolerance, relaxed and simd (bit-identical to Node)', async () => {
  if (!runtimeAvailable("workerd (miniflare)", problem)) return;
  for (const [name, build] of [["tfjs-auto", "relaxed"], ["tfjs-simd", "simd"]]) {
    const { r, ms } = await runWorker<TfjsRuntimeResult>(name, { models: fx.tfjs.models, baseUrl: "http://tfjs.test/" });
    assert.is(r.build, build);
    console.log(`  ${checkTfjs("workerd", r, fx, { folderFunctions: false, ways: ["loadTfjs(Data modules)", "loadTfjsUrl(fetch)"] })}; whole request ${ms.toFixed(0)} ms`);
  }
});

test.run();
