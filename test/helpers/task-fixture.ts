// What the edge and browser tests check "wasm-rnn/tasks" with, and what Node computes to compare: the task
// golden files (test/fixtures/golden/tasks), a small text classifier trained here and saved with
// encodeTaskModel, and Node's results (simd build) from test/edge/runtimes/task-job.mjs, the very code the
// runtimes run. A runtime's results must be within the golden tolerance of PyTorch and, on the simd build,
// identical to Node's bit for bit.

import * as assert from "uvu/assert";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Sequential } from "../../src/index.js";
import { runtime } from "../../src/init.js";
import * as tasks from "../../src/tasks/index.js";
import { TaskModel, TaskTrainer, encodeTaskModel, textClassificationDataset } from "../../src/tasks/index.js";
import { worstRatio } from "./golden.js";

/** The repository (this file runs as dist/test/helpers/task-fixture.js). */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const TASK_GOLDEN_DIR = path.join(ROOT, "test/fixtures/golden/tasks");
export const TASK_JOB = path.join(ROOT, "test/edge/runtimes/task-job.mjs");

interface Tensor { shape: number[]; data: number[] }
export interface TaskGoldenCase {
  name: string; task: "classify" | "tag" | "regress"; modules: unknown[]; loss: { type: string };
  seqLen: number; batch: number; lengths: number[] | null; params: Record<string, Tensor>;
  tokens?: Tensor; x?: Tensor; target: Tensor; output: Tensor; lossValue: number; grads: Record<string, Tensor>;
}

/** base64 of float32 bytes, by name ("output", "grad x", "grad <param>"), and the loss. */
export interface TaskGoldenResult { arrays: Record<string, string>; loss: number }
export interface Classified {
  task: string;
  labels: string[];
  results: { label: string; classId: number; probabilities: string }[];
}
/** What runTaskJob returns (task-job.mjs). */
export interface TaskJobResult {
  golden: Record<string, TaskGoldenResult>;
  classified: Classified | null;
  timings: Record<string, number>;
}

interface TaskJobModule {
  runTaskJob(lib: unknown, job: { golden: unknown[]; inputs?: string[] }, model: Uint8Array | null): Promise<TaskJobResult>;
  describeTasksEntry(lib: unknown): { exports: string[]; entry: string };
}

export interface TaskFixture {
  /** Every task golden file, with PyTorch's results. */
  cases: TaskGoldenCase[];
  /** The same files with their inputs only (what a runtime is given). */
  inputs: Omit<TaskGoldenCase, "output" | "lossValue" | "grads">[];
  /** A task model file (classify: 3 topics, character-level, GRU), and what to classify with it. */
  modelBytes: Uint8Array;
  texts: string[];
  /** Node's results on the simd build (the same job, the same code). */
  node: TaskJobResult;
  /** The names Node's "wasm-rnn/tasks" exports. */
  exports: string[];
}

const RECORDS: [string, string][] = [
  ["weather", "rain and wind"], ["weather", "sunny and warm"], ["weather", "snow at night"], ["weather", "cloudy skies"],
  ["weather", "a cold front"], ["weather", "storm warning"], ["weather", "light drizzle"], ["weather", "fog in the morning"],
  ["food", "bread and butter"], ["food", "hot soup"], ["food", "apple pie"], ["food", "rice with beans"],
  ["food", "fresh salad"], ["food", "cheese on toast"], ["food", "a bowl of pasta"], ["food", "fried eggs"],
  ["sport", "the team won"], ["sport", "a late goal"], ["sport", "match point"], ["sport", "running a marathon"],
  ["sport", "the final whistle"], ["sport", "a home run"], ["sport", "penalty kick"], ["sport", "swimming laps"],
];
/** Seen and unseen texts, of different lengths (so predict batches them with padding), one with unknown characters. */
const TEXTS = ["rain and wind", "a bowl of soup", "the team scored a goal", "snow", "Wind & rain!", "toast"];

let fixture: Promise<TaskFixture> | undefined;

/** Built once per process; needs init() done with the simd build (Node is the reference). */
export function taskFixture(): Promise<TaskFixture> {
  return (fixture ??= makeTaskFixture());
}

export async function loadTaskJob(): Promise<TaskJobModule> {
  return (await import(pathToFileURL(TASK_JOB).href)) as TaskJobModule;
}

async function makeTaskFixture(): Promise<TaskFixture> {
  assert.is(runtime().build, "simd", "the task fixture compares with Node on the simd build");
  const started = performance.now();
  const cases = readdirSync(TASK_GOLDEN_DIR).filter((f) => f.endsWith(".json")).sort()
    .map((f) => ({ name: f.replace(/\.json$/, ""), ...JSON.parse(readFileSync(path.join(TASK_GOLDEN_DIR, f), "utf8")) }) as TaskGoldenCase);
  assert.ok(cases.length >= 6 && new Set(cases.map((c) => c.task)).size === 3, "the task golden files (classify, tag, regress) are there");
  const inputs = cases.map(({ output: _o, lossValue: _l, grads: _g, ...rest }) => rest);

  // a small character-level topic classifier, trained a little (~0.1 s) so its probabilities are not uniform
  const { dataset, vocab, labels } = textClassificationDataset(RECORDS.map(([label, text]) => ({ text, label })), { level: "char" });
  const model = Sequential.fromConfig([
    { name: "embedding", type: "Embedding", numEmbeddings: vocab.size, embeddingDim: 8 },
    { name: "rnn", type: "GRU", inputSize: 8, hiddenSize: 12, bidirectional: true },
    { name: "pool", type: "Pool", mode: "max" },
    { name: "fc", type: "Linear", inFeatures: 24, outFeatures: labels.length },
  ], { seed: 1 });
  const trainer = new TaskTrainer(model, dataset, { batchSize: 8, optimizer: { name: "adam", lr: 0.02 }, clip: 1, seed: 1 });
  for (let epoch = 0; epoch < 15; epoch++) trainer.trainEpoch();
  const classifier = new TaskModel(model, { task: "classify", labels, vocab });
  const modelBytes = await encodeTaskModel(classifier);
  const inMemory = classifier.classify(TEXTS);
  classifier.dispose();

  const job = await loadTaskJob();
  const node = await job.runTaskJob(tasks, { golden: inputs, inputs: TEXTS }, modelBytes);
  // the decoded file classifies as the trained model did
  node.classified!.results.forEach((r, i) => {
    assert.is(r.probabilities, Buffer.from(inMemory[i].probabilities.buffer, inMemory[i].probabilities.byteOffset, inMemory[i].probabilities.byteLength).toString("base64"), `the saved classifier's probabilities for ${JSON.stringify(TEXTS[i])}`);
  });
  // Node's own results are within the golden tolerance (the checks below then hold for Node too)
  checkTaskGolden("Node", node, cases);
  const summary = node.classified!.results.map((r, i) => `${JSON.stringify(TEXTS[i])} → ${r.label} ${Math.max(...floats(r.probabilities)).toFixed(2)}`).join(", ");
  console.log(`  task model: GRU 12×2 topic classifier (${labels.join("/")}), vocabulary ${vocab.size}, ${modelBytes.length} bytes; Node (simd): ${summary}; fixture ${(performance.now() - started).toFixed(0)} ms`);
  return { cases, inputs, modelBytes, texts: TEXTS, node, exports: job.describeTasksEntry(tasks).exports };
}

export function floats(b64: string): Float32Array {
  const bytes = Buffer.from(b64, "base64");
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

function reference(g: TaskGoldenCase, key: string): number[] {
  return key === "output" ? g.output.data : g.grads[key.slice("grad ".length)].data;
}

/** Every task golden result within |got − ref| ≤ 1e-4 + 1e-3·|ref| of PyTorch (output, loss, gradients); the worst ratio. */
export function checkTaskGolden(where: string, got: TaskJobResult, cases: TaskGoldenCase[]): { worst: number; at: string } {
  let worst = 0, at = "";
  for (const g of cases) {
    const r = got.golden[g.name];
    assert.ok(r, `${where}: no result for the task golden file ${g.name}`);
    const expected = ["output", ...(g.x ? ["grad x"] : []), ...Object.keys(g.params).map((n) => `grad ${n}`)];
    assert.equal(Object.keys(r.arrays).sort(), expected.sort(), `${where} ${g.name}: result names`);
    const checks: [string, ArrayLike<number>, number[]][] = [["loss", [r.loss], [g.lossValue]], ...expected.map((k): [string, ArrayLike<number>, number[]] => [k, floats(r.arrays[k]), reference(g, k)])];
    for (const [what, value, want] of checks) {
      assert.is(value.length, want.length, `${where} ${g.name}: ${what} has ${value.length} values, PyTorch ${want.length}`);
      const { ratio, index } = worstRatio(value, want);
      assert.ok(ratio <= 1, `${where} ${g.name}: ${what}[${index}] = ${value[index]}, PyTorch ${want[index]} (${ratio.toFixed(2)}× the tolerance 1e-4 + 1e-3·|ref|)`);
      if (ratio > worst) { worst = ratio; at = `${g.name} ${what}`; }
    }
  }
  return { worst, at };
}

/** Fails on the first value whose bits differ from Node's, naming it. */
function sameBits(where: string, got: string, want: string): void {
  if (got === want) return;
  const a = floats(got), b = floats(want);
  assert.is(a.length, b.length, `${where}: ${a.length} values, Node ${b.length}`);
  const ai = new Uint32Array(a.buffer), bi = new Uint32Array(b.buffer);
  const i = ai.findIndex((v, j) => v !== bi[j]);
  assert.unreachable(`${where}[${i}] = ${a[i]} (0x${ai[i].toString(16)}), Node ${b[i]} (0x${bi[i].toString(16)}): not bit-identical`);
}

/**
 * A runtime's task results against PyTorch (golden tolerance) and, with `bitIdentical` (the simd build),
 * against Node's bit for bit: every golden array and loss; with `classify`, the decoded classifier's labels (and,
 * bit-identical, its probabilities).
 * Returns a one-line summary.
 */
export function checkTaskResults(where: string, got: TaskJobResult, fx: TaskFixture, { bitIdentical, classify }: { bitIdentical: boolean; classify: boolean }): string {
  const { worst, at } = checkTaskGolden(where, got, fx.cases);
  if (bitIdentical) {
    for (const g of fx.cases) {
      const r = got.golden[g.name], n = fx.node.golden[g.name];
      for (const key of Object.keys(n.arrays)) sameBits(`${where} ${g.name}: ${key}`, r.arrays[key], n.arrays[key]);
      assert.ok(Object.is(r.loss, n.loss), `${where} ${g.name}: loss ${r.loss}, Node ${n.loss}: not bit-identical`);
    }
  }
  let classified = "";
  if (classify) {
    const c = got.classified;
    assert.ok(c, `${where}: the task model file was not classified`);
    assert.is(c!.task, "classify", `${where}: the decoded task model's task`);
    assert.equal(c!.labels, fx.node.classified!.labels, `${where}: the decoded task model's labels`);
    assert.is(c!.results.length, fx.texts.length, `${where}: one classification per input`);
    fx.node.classified!.results.forEach((n, i) => {
      const r = c!.results[i], text = JSON.stringify(fx.texts[i]);
      if (bitIdentical) sameBits(`${where}: classify(${text}) probabilities`, r.probabilities, n.probabilities);
      assert.is(r.label, n.label, `${where}: classify(${text}) is ${r.label}, Node says ${n.label}`);
      assert.is(r.classId, n.classId, `${where}: classify(${text}) class id`);
    });
    classified = `; classified ${fx.texts.length} texts from the decoded task model file${bitIdentical ? ", probabilities bit-identical to Node's" : ""}`;
  }
  return `${fx.cases.length} task golden files (fwd + loss + bwd) worst ${(worst * 100).toFixed(3)}% of tolerance (${at})${bitIdentical ? ", bit-identical to Node" : ""}${classified}`;
}
