// Shared by the edge tests (deno, bun, workerd, worker-example): installs test/edge's runtimes on first use,
// packs the library as npm would publish it and unpacks it into a temporary app folder (node_modules/wasm-rnn,
// next to the runtime scripts of test/edge/runtimes), picks some PyTorch golden cases, and saves a small trained
// language model whose generation Node computes on the "simd" build. For "wasm-rnn/tasks" it adds the task
// golden files and a small trained task model file (test/helpers/task-fixture.ts), with Node's results on the
// simd build. For "wasm-rnn/onnx" and "wasm-rnn/tfjs" it copies an ONNX file and the TensorFlow.js fixtures
// (test/fixtures/interop) into the app, with Node's outputs on the simd build. Every test file shares the one fixture.

import * as assert from "uvu/assert";
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { init, LanguageModel, Trainer, Vocabulary, encodeModel, decodeModel, generateText, type GenerateOptions } from "../../src/index.js";
import { GOLDEN_DIR, worstRatio, type GoldenCase } from "../helpers/golden.js";
import { taskFixture, type TaskFixture, type TaskJobResult } from "../helpers/task-fixture.js";
import { loadOnnx } from "../../src/onnx/index.js";
import * as tfjsEntry from "../../src/tfjs/index.js";
import * as tfjsNodeEntry from "../../src/tfjs/node.js";

/** The repository (this file runs as dist/test/edge/setup.js). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const EDGE_DIR = path.join(ROOT, "test/edge");
export const CI = process.env.CI === "true";

/** test/edge/install.mjs (plain JavaScript, shared with examples/worker/dev.mjs). */
export interface Install {
  ensureInstalled(options?: { log?: (line: string) => void }): boolean;
  denoBinary(): { path: string | null; why?: string; package?: string };
  bunBinary(): { path: string | null; why?: string; package?: string };
  loadMiniflare(): Promise<{ miniflare: any; why?: string; version?: string; workerdVersion?: string }>;
  VERSIONS: Record<string, string>;
}

/** One golden case's forward results, or a generation, as a runtime reports them (runtimes/job.mjs). */
export interface RuntimeResult {
  runtime: string;
  build: string;
  how: string;
  entry: string;
  supported: string[];
  golden: { name: string; output?: number[]; logits?: number[]; loss?: number[]; hN: number[]; cN?: number[] }[];
  generated: { text: string; pieces: number; modelBytes: number } | null;
  timings: Record<string, number>;
}

/** A tensor as the ONNX interop fixtures store it (test/fixtures/interop/onnx/*.json). */
export interface StoredTensor { dtype: "float32" | "int64" | "int32"; shape: number[]; data: number[] }

/** What a runtime's "wasm-rnn/onnx" script reports (runtimes/*-onnx.mjs with onnx-job.mjs). */
export interface OnnxRuntimeResult {
  runtime: string;
  build: string;
  exports: string[];
  kernelNodes: string[];
  outputs: Record<string, { shape: number[]; data: number[] }>;
  timings: Record<string, number>;
}

/** What a runtime's "wasm-rnn/tfjs" script reports (runtimes/*-tfjs.mjs with tfjs-job.mjs): outputs by "<fixture> via <way>". */
export interface TfjsRuntimeResult {
  runtime: string;
  build: string;
  exports: string[];
  /** The loaded model's layers by output key (none for a round trip). */
  layers: Record<string, string[]>;
  outputs: Record<string, { shape: number[]; data: number[] }>;
  timings: Record<string, number>;
}

/** What a runtime's "wasm-rnn/tasks" script reports (runtimes/*-tasks.mjs with task-job.mjs). */
export interface TaskRuntimeResult extends TaskJobResult {
  runtime: string;
  build: string;
  how: string;
  entry: string;
  exports: string[];
}

export interface Fixture {
  install: Install;
  /** Why the runtimes are not there (install failed), or null. */
  installProblem: string | null;
  /** The temporary app: package.json, node_modules/wasm-rnn (packed), the runtime scripts, model.wrnn, jobs. */
  app: string;
  packageDir: string;
  modelPath: string;
  modelBytes: Uint8Array;
  golden: GoldenCase[];
  generate: { prefix: string; length: number; options: GenerateOptions };
  /** Node's generation from the model file on the simd build. */
  expectedText: string;
  /** "wasm-rnn/tasks": the task golden files, a task model file (and its path in the app), Node's results. */
  tasks: TaskFixture;
  taskModelPath: string;
  /** "wasm-rnn/onnx": an exporter's file (test/fixtures/interop/onnx), its path in the app, its stored inputs and
   * expected outputs, and Node's outputs on the simd build. */
  onnx: { name: string; path: string; bytes: Uint8Array; inputs: Record<string, StoredTensor>; expected: Record<string, StoredTensor>; node: Record<string, Float32Array | number[]> };
  /** "wasm-rnn/tfjs": the TensorFlow.js fixtures (test/fixtures/interop/tfjs) copied to `dir`/<name>/ in the app,
   * each with its input and tfjs's output (expected.json), Node's layers and output on the simd build; the names
   * the universal entry exports and the folder functions only the Node entry adds. */
  tfjs: {
    dir: string;
    models: { name: string; input: StoredTensor }[];
    expected: Record<string, StoredTensor>;
    node: Record<string, { layers: string[]; data: number[] }>;
    exports: string[];
    folderFunctions: string[];
  };
  /** Writes a job file for deno.mjs / bun.mjs and returns its path. */
  jobFile(name: string, job: Record<string, unknown>): string;
}

/** Small but varied: every cell, both GRU variants, bidirectional, 2 layers, lengths, saturation, an lm. */
const GOLDEN_NAMES = [
  "lstm_bidir_2l_i2_h7_t7_b3_len",
  "lstm_sat_2l_i6_h13_t12_b2",
  "gru_ra_sat_i6_h9_t12_b2",
  "gru_rb_bidir_2l_i2_h9_t5_b3_len",
  "rnn_tanh_sat_bidir_i11_h17_t10_b3_len",
  "rnn_relu_i11_h9_t6_b2",
  "lm_gru_ra_2l_v11_e8_h16_t10_b3",
];

const TEXT = `the wind came over the hill and the rain came after it. the miller shut the door and the dog lay down
by the fire. in the morning the river was high and brown, and the children went down to the water to watch the
branches go by. the old boat was still tied to the post, and the heron stood on one leg in the reeds as if nothing
had happened at all. by noon the sun was out, the roads were drying, and the miller went back to his wheel.`;

let fixture: Promise<Fixture> | undefined;

export function edgeFixture(): Promise<Fixture> {
  return (fixture ??= makeFixture());
}

async function makeFixture(): Promise<Fixture> {
  const install = (await import(pathToFileURL(path.join(EDGE_DIR, "install.mjs")).href)) as Install;
  let installProblem: string | null = null;
  try {
    install.ensureInstalled();
  } catch (e) {
    installProblem = (e as Error).message;
  }

  const { build } = await init({ build: "simd" });
  assert.is(build, "simd", "the edge suite compares with Node on the simd build");

  const app = mkdtempSync(path.join(tmpdir(), "wasm-rnn-edge-"));
  process.on("exit", () => rmSync(app, { recursive: true, force: true }));

  // the package as npm publishes it ("files" of package.json), unpacked where an app's dependency would be
  const t0 = performance.now();
  const pack = spawnSync(process.platform === "win32" ? "npm.cmd" : "npm", ["pack", "--pack-destination", app, "--ignore-scripts", "--json", "--silent"], { cwd: ROOT, encoding: "utf8", shell: process.platform === "win32" });
  assert.is(pack.status, 0, `npm pack failed: ${pack.stderr}`);
  const tarball = path.join(app, (JSON.parse(pack.stdout) as { filename: string }[])[0].filename);
  const packageDir = path.join(app, "node_modules/wasm-rnn");
  mkdirSync(packageDir, { recursive: true });
  const untar = spawnSync("tar", ["-xzf", tarball, "-C", packageDir, "--strip-components=1"], { encoding: "utf8" });
  assert.is(untar.status, 0, `tar failed: ${untar.stderr}`);
  rmSync(tarball);
  // its dependencies, as npm would install them next to it (only "wasm-rnn/onnx" loads one: protobufjs)
  for (const dep of ["protobufjs", "long"]) cpSync(path.join(ROOT, "node_modules", dep), path.join(app, "node_modules", dep), { recursive: true });
  writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "edge-app", private: true, type: "module", dependencies: { "wasm-rnn": "*" } }, null, 2));
  for (const f of readdirSync(path.join(EDGE_DIR, "runtimes"))) copyFileSync(path.join(EDGE_DIR, "runtimes", f), path.join(app, f));
  console.log(`  packed and unpacked wasm-rnn into ${app} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

  const golden = GOLDEN_NAMES.map((name) => {
    const g = JSON.parse(readFileSync(new URL(`${name}.json`, GOLDEN_DIR), "utf8")) as GoldenCase;
    // the runtimes need the inputs only
    const { grads: _g, dOutput: _d, dh_n: _h, dc_n: _c, ...inputs } = g;
    return inputs as GoldenCase;
  });

  // a small seeded LSTM, trained a little so that it writes something like the text
  const vocab = Vocabulary.build(TEXT, { level: "char" });
  const lm = new LanguageModel({ vocabSize: vocab.size, cell: "lstm", hiddenSize: 48, numLayers: 2, embedSize: 16, seed: 3 });
  const trainer = new Trainer(lm, vocab.encode(TEXT), { batchSize: 4, seqLen: 16, optimizer: { name: "adam", lr: 0.01 }, clip: 1, seed: 3 });
  let perplexity = NaN;
  for (let epoch = 0; epoch < 30; epoch++) perplexity = trainer.trainEpoch().perplexity; // ~0.1 s
  const modelBytes = await encodeModel(lm, vocab);
  const modelPath = path.join(app, "model.wrnn");
  writeFileSync(modelPath, modelBytes);
  const generate = { prefix: "the ", length: 120, options: { temperature: 0.8, topK: 10, topP: 0.95, seed: 7 } };
  const inMemory = generateText(lm, vocab, generate.prefix, generate.length, generate.options);
  lm.dispose();
  const loaded = await decodeModel(readFileSync(modelPath), modelPath);
  const expectedText = generateText(loaded.lm, loaded.vocab!, generate.prefix, generate.length, generate.options);
  loaded.lm.dispose();
  assert.is(expectedText, inMemory, "the saved model generates what the trained one did");
  console.log(`  model: LSTM 48×2, vocabulary ${vocab.size}, trained to perplexity ${perplexity.toFixed(2)}, ${modelBytes.length} bytes; Node (simd) generates ${JSON.stringify(expectedText.slice(0, 60))}…`);

  const tasks = await taskFixture();
  const taskModelPath = path.join(app, "task-model.wrnn");
  writeFileSync(taskModelPath, tasks.modelBytes);

  const onnx = await onnxFixture(app);
  const tfjs = await tfjsFixture(app);

  return {
    install, installProblem, app, packageDir, modelPath, modelBytes, golden, generate, expectedText, tasks, taskModelPath, onnx, tfjs,
    jobFile(name, job) {
      const file = path.join(app, `${name}.json`);
      writeFileSync(file, JSON.stringify(job));
      return file;
    },
  };
}

/** The ONNX file the runtimes load: an LM from torch.onnx.export (Gather, LSTM, MatMul, glue). */
const ONNX_NAME = "torch_lm_lstm_2l";

async function onnxFixture(app: string): Promise<Fixture["onnx"]> {
  const dir = path.join(ROOT, "test/fixtures/interop/onnx");
  const bytes = new Uint8Array(readFileSync(path.join(dir, `${ONNX_NAME}.onnx`)));
  const ref = JSON.parse(readFileSync(path.join(dir, `${ONNX_NAME}.json`), "utf8")) as { inputs: Record<string, StoredTensor>; outputs: Record<string, StoredTensor> };
  const file = path.join(app, "model.onnx");
  writeFileSync(file, bytes);
  const model = await loadOnnx(bytes);
  try {
    const feeds = Object.fromEntries(Object.entries(ref.inputs).map(([k, t]) => [k, {
      data: t.dtype === "float32" ? Float32Array.from(t.data) : t.dtype === "int32" ? Int32Array.from(t.data) : BigInt64Array.from(t.data.map(BigInt)),
      shape: t.shape,
    }]));
    const node = Object.fromEntries(Object.entries(model.run(feeds)).map(([k, v]) => [k, Array.from(v.data as ArrayLike<number>, Number)]));
    return { name: ONNX_NAME, path: file, bytes, inputs: ref.inputs, expected: ref.outputs, node };
  } finally {
    model.dispose();
  }
}

/**
 * A runtime's "wasm-rnn/onnx" results: every expected output within |Δ| ≤ 1e-4 + 1e-3·|ref| of PyTorch's (the
 * fixture's JSON), the recurrent node and the products on the kernels, and, on the simd build, Node's floats bit
 * for bit. Returns a line to print.
 */
export function checkOnnx(runtime: string, r: OnnxRuntimeResult, fx: Fixture): string {
  for (const name of ["loadOnnx", "init", "OnnxModel"]) assert.ok(r.exports.includes(name), `${runtime}: "wasm-rnn/onnx" lacks ${name}`);
  assert.ok(r.kernelNodes.some((n) => /\(LSTM\)$/.test(n)), `${runtime}: the LSTM node is not on the kernels (${r.kernelNodes.join(", ")})`);
  let worst = 0, where = "";
  for (const [key, want] of Object.entries(fx.onnx.expected)) {
    const got = r.outputs[key];
    assert.ok(got, `${runtime}: no output "${key}" (got ${Object.keys(r.outputs).join(", ")})`);
    assert.equal(got.shape, want.shape, `${runtime}: shape of ${key}`);
    const { ratio, index } = worstRatio(got.data, want.data);
    assert.ok(ratio <= 1, `${runtime} ${fx.onnx.name}: ${key}[${index}] = ${got.data[index]}, PyTorch ${want.data[index]} (${ratio.toFixed(2)}× tolerance)`);
    if (ratio > worst) { worst = ratio; where = key; }
    if (r.build === "simd") assert.equal(got.data, Array.from(fx.onnx.node[key]), `${runtime}: ${key} differs from Node's (simd) bit for bit`);
  }
  return `${runtime}, ${r.build} build: ${fx.onnx.name}.onnx via "wasm-rnn/onnx" (${r.kernelNodes.length} nodes on the kernels), worst ${(worst * 100).toFixed(3)}% of tolerance (${where})${r.build === "simd" ? ", bit-identical to Node" : ""}; load ${r.timings.loadMs.toFixed(1)} ms, run ${r.timings.runMs.toFixed(1)} ms`;
}

/**
 * The TensorFlow.js models the runtimes load (test/fixtures/interop/tfjs, saved by tfjs 4.22): between them every
 * cell kernel (LSTM with tfjs's hard_sigmoid gates, a Bidirectional LSTM, a reset-before GRU, a SimpleRNN), token
 * and feature inputs, per-step and last-step outputs, Dense on the GEMM with softmax. runtimes/workerd-tfjs.mjs
 * bundles the same four.
 */
const TFJS_NAMES = ["tfjs_lm_lstm_hardsigmoid", "tfjs_classifier_bilstm", "tfjs_gru_sigmoid_seq", "tfjs_simplernn_last_dense"];

async function tfjsFixture(app: string): Promise<Fixture["tfjs"]> {
  const from = path.join(ROOT, "test/fixtures/interop/tfjs");
  const dir = path.join(app, "tfjs");
  const models: Fixture["tfjs"]["models"] = [];
  const expected: Fixture["tfjs"]["expected"] = {};
  const node: Fixture["tfjs"]["node"] = {};
  for (const name of TFJS_NAMES) {
    mkdirSync(path.join(dir, name), { recursive: true });
    for (const f of ["model.json", "weights.bin"]) copyFileSync(path.join(from, name, f), path.join(dir, name, f));
    const ref = JSON.parse(readFileSync(path.join(from, name, "expected.json"), "utf8")) as { inputs: { input: StoredTensor }; outputs: { output: StoredTensor } };
    models.push({ name, input: ref.inputs.input });
    expected[name] = ref.outputs.output;
    const model = await tfjsEntry.loadTfjs(readFileSync(path.join(from, name, "model.json")), new Uint8Array(readFileSync(path.join(from, name, "weights.bin"))));
    try {
      const x = ref.inputs.input;
      const y = model.predict({ data: x.dtype === "int32" ? Int32Array.from(x.data) : Float32Array.from(x.data), shape: x.shape });
      assert.equal(y.shape, ref.outputs.output.shape, `Node: shape of ${name}'s output`);
      node[name] = { layers: [...model.layers], data: Array.from(y.data) };
    } finally {
      model.dispose();
    }
  }
  assert.is((await tfjsEntry.init()).build, "simd", "Node's tfjs outputs are the simd build's");
  const exports = Object.keys(tfjsEntry).sort();
  return { dir, models, expected, node, exports, folderFunctions: Object.keys(tfjsNodeEntry).filter((n) => !exports.includes(n)).sort() };
}

/** The ways runtimes/tfjs-job.mjs folderWays loads each model in Deno and Bun, and its round trip's label. */
export const FILE_WAYS = ["loadTfjs(bytes)", "loadTfjsFolder", "loadTfjsUrl(file URL)"];
export const SAVED = "saveTfjsFolder → loadTfjsFolder";

/**
 * A runtime's "wasm-rnn/tfjs" results: the entry's names (the folder functions exactly where `folderFunctions`),
 * every fixture loaded each of `ways` (the labels of its script) with Node's layers, every output within
 * |Δ| ≤ 1e-4 + 1e-3·|ref| of TensorFlow.js's own (expected.json) and, on the simd build, Node's floats bit for
 * bit. `extra`: more labels the script reports for some fixture (a round trip), checked the same way. Returns a
 * line to print.
 */
export function checkTfjs(runtime: string, r: TfjsRuntimeResult, fx: Fixture, { folderFunctions, ways, extra = [] }: { folderFunctions: boolean; ways: string[]; extra?: string[] }): string {
  const { tfjs } = fx;
  assert.ok(tfjs.folderFunctions.length > 0, "Node's entry has folder functions");
  const missing = (folderFunctions ? [...tfjs.exports, ...tfjs.folderFunctions] : tfjs.exports).filter((n) => !r.exports.includes(n));
  assert.equal(missing, [], `${runtime}: "wasm-rnn/tfjs" lacks ${missing.join(", ")}`);
  if (!folderFunctions) assert.equal(tfjs.folderFunctions.filter((n) => r.exports.includes(n)), [], `${runtime}: "wasm-rnn/tfjs" should be the universal entry, without the folder functions`);
  const wanted = tfjs.models.flatMap(({ name }) => ways.map((way) => `${name} via ${way}`)).concat(extra);
  assert.equal(Object.keys(r.outputs).sort(), wanted.sort(), `${runtime}: the outputs reported`);
  let worst = 0, where = "";
  for (const [key, got] of Object.entries(r.outputs)) {
    const name = key.slice(0, key.indexOf(" via "));
    const want = tfjs.expected[name];
    if (!extra.includes(key)) assert.equal(r.layers[key], tfjs.node[name].layers, `${runtime}: the layers of ${key}`);
    assert.equal(got.shape, want.shape, `${runtime}: shape of ${key}`);
    const { ratio, index } = worstRatio(got.data, want.data);
    assert.ok(ratio <= 1, `${runtime} ${key}: output[${index}] = ${got.data[index]}, TensorFlow.js ${want.data[index]} (${ratio.toFixed(2)}× tolerance)`);
    if (ratio > worst) { worst = ratio; where = key; }
    if (r.build === "simd") assert.equal(got.data, tfjs.node[name].data, `${runtime}: ${key} differs from Node's (simd) bit for bit`);
  }
  const n = Object.keys(r.outputs).length;
  const entry = `${r.exports.length} names, ${folderFunctions ? "with" : "without"} ${tfjs.folderFunctions.join(" / ")}`;
  const also = extra.map((e) => ` and ${e}`).join("");
  return `${runtime}, ${r.build} build: "wasm-rnn/tfjs" (${entry}); ${tfjs.models.length} TensorFlow.js models loaded by ${ways.join(", ")}${also}: ${n} outputs, worst ${(worst * 100).toFixed(3)}% of tolerance (${where})${r.build === "simd" ? ", bit-identical to Node" : ""}; load ${r.timings.loadMs.toFixed(1)} ms, predict ${r.timings.runMs.toFixed(1)} ms in all`;
}

/**
 * Whether a runtime can be tested: true, or (its binary missing) fails the test under CI=true and otherwise
 * prints why it is skipped and returns false.
 */
export function runtimeAvailable(name: string, problem: string | null | undefined): boolean {
  if (!problem) return true;
  if (CI) assert.unreachable(`${name} is not available (${problem}); CI needs it (npm ci --prefix test/edge --ignore-scripts)`);
  console.log(`  SKIPPED ${name}: ${problem} (set CI=true to make this a failure)`);
  return false;
}

/** Runs a runtime's script; resolves with the RESULT line's JSON, or rejects with the output. */
export function runScript<R = RuntimeResult>(command: string, args: string[], options: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<R> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, NO_COLOR: "1", ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", (e) => { clearTimeout(timer); reject(e); });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split("\n").find((l) => l.startsWith("WASM_RNN_EDGE_RESULT "));
      if (code !== 0 || !line) {
        reject(new Error(`${path.basename(command)} ${args.join(" ")} exited ${code ?? signal}\n${stdout}\n${stderr}`.trim()));
      } else {
        resolve(JSON.parse(line.slice("WASM_RNN_EDGE_RESULT ".length)) as R);
      }
    });
  });
}

/** Checks a runtime's golden forward results against PyTorch: |got − ref| ≤ 1e-4 + 1e-3·|ref|. */
export function checkGolden(runtime: string, result: RuntimeResult, cases: GoldenCase[]): void {
  assert.is(result.golden.length, cases.length, `${runtime}: one result per golden case`);
  let worst = 0, where = "";
  for (const [i, g] of cases.entries()) {
    const got = result.golden[i];
    assert.is(got.name, g.name);
    const checks: [string, number[] | undefined, number[] | undefined][] = [
      ["output", got.output, g.output?.data],
      ["logits", got.logits, g.logits?.data],
      ["loss", got.loss, g.loss === undefined ? undefined : [g.loss]],
      ["h_n", got.hN, g.h_n.data],
      ["c_n", got.cN, g.c_n?.data],
    ];
    for (const [what, value, want] of checks) {
      if (want === undefined) continue;
      assert.ok(value, `${runtime} ${g.name}: ${what} missing`);
      const { ratio, index } = worstRatio(value!, want);
      assert.ok(ratio <= 1, `${runtime} ${g.name}: ${what}[${index}] = ${value![index]}, PyTorch ${want[index]} (${ratio.toFixed(2)}× tolerance)`);
      if (ratio > worst) { worst = ratio; where = `${g.name} ${what}`; }
    }
  }
  console.log(`  ${runtime}, ${result.build} build: ${cases.length} golden cases, worst ${(worst * 100).toFixed(3)}% of tolerance (${where})`);
}

/** One line on how a runtime loaded the wasm and how long things took. */
export function describeRun(label: string, r: RuntimeResult, wallMs: number): void {
  const t = r.timings;
  const f = (v: number | undefined) => (v === undefined ? "–" : `${v.toFixed(1)} ms`);
  console.log(`  ${label}: ${r.runtime}; supported ${r.supported.join(", ")}; ${r.entry}`);
  console.log(`    wasm: ${r.how}`);
  const clock = r.runtime.startsWith("workerd") ? " (workerd's clock is coarse inside a request: it moves only at I/O)" : "";
  console.log(`    init ${f(t.initMs)}, golden ${f(t.goldenMs)}${r.generated ? `, decode ${f(t.decodeMs)}, generate ${r.generated.pieces} tokens ${f(t.generateMs)}` : ""}; whole run ${wallMs.toFixed(0)} ms${clock}`);
}

/** The job of a runtime's "wasm-rnn/tasks" script: every task golden file (inputs only), and with `classify` the model to classify with. */
export function taskJob(fx: Fixture, options: { build?: string; classify: boolean }): Record<string, unknown> {
  return {
    ...(options.build ? { build: options.build } : {}),
    golden: fx.tasks.inputs,
    ...(options.classify ? { modelPath: fx.taskModelPath, inputs: fx.tasks.texts } : {}),
  };
}

/** One line on how a runtime loaded "wasm-rnn/tasks" and how long things took. */
export function describeTaskRun(label: string, r: TaskRuntimeResult, wallMs: number): void {
  const t = r.timings;
  const f = (v: number | undefined) => (v === undefined ? "–" : `${v.toFixed(1)} ms`);
  console.log(`  ${label}: ${r.runtime}; ${r.entry}; ${r.build} build`);
  console.log(`    ${r.how}`);
  console.log(`    init ${f(t.initMs)}, task golden ${f(t.goldenMs)}${r.classified ? `, decode + classify ${f(t.classifyMs)}` : ""}; whole run ${wallMs.toFixed(0)} ms`);
}

/**
 * What a runtime's tasks entry must export: the names of the universal "wasm-rnn/tasks", and the file helpers
 * exactly where the export condition gives the Node entry (Deno, Bun).
 */
export function checkTasksExports(runtime: string, r: TaskRuntimeResult, fx: Fixture, { fileHelpers }: { fileHelpers: boolean }): void {
  const nodeOnly = ["loadTaskCheckpoint", "loadTaskModel", "saveTaskCheckpoint", "saveTaskModel"];
  const universal = fx.tasks.exports.filter((n) => !nodeOnly.includes(n));
  const missing = (fileHelpers ? [...universal, ...nodeOnly] : universal).filter((n) => !r.exports.includes(n));
  assert.equal(missing, [], `${runtime}: "wasm-rnn/tasks" lacks ${missing.join(", ")}`);
  if (!fileHelpers) assert.equal(nodeOnly.filter((n) => r.exports.includes(n)), [], `${runtime}: "wasm-rnn/tasks" should be the universal entry, without the file helpers`);
}
