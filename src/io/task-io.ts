// Task models and their checkpoints as bytes, in every runtime (by path: task-files.ts). The container is the
// language models' (format.ts: version, checksum, clear errors); the header's config is the module list
// ({ architecture: "sequential", modules, seed }) and its "task" field holds the rest of a TaskModel (labels,
// normalizers, window, settings). Weights are named by module path, as PyTorch names a module's children,
// so safetensors moves them both ways.

import { checkKnownKeys, checkObject, describe } from "../errors.js";
import { Sequential } from "../nn/sequential.js";
import { resolveSequential, sequentialShapes, type ModuleConfig, type SequentialPlan } from "../nn/sequential-config.js";
import { Vocabulary } from "../text/vocab.js";
import { Normalizer } from "../data/normalize.js";
import { TaskModel, type TaskModelInfo } from "../tasks/task-model.js";
import type { TaskTrainer, TaskTrainerState } from "../train/task-trainer.js";
import { checkFiniteTensors, checkOptimizerState, checkTensorShapes } from "./checks.js";
import { parseMetadataJson } from "./json.js";
import { decodeModelFile, encodeModelFile, looksLikeModelFile, type ModelFile } from "./format.js";
import { decodeSafetensors, encodeSafetensors, looksLikeSafetensors } from "./safetensors.js";
import { formatBytes } from "../../bindings/index.js";
import { modelNamedTensors, modelTensors, readQuantizedTensors, readSafetensorsWeights } from "./quantized.js";
import { quantizeModules } from "../quant/quantize.js";
import type { StoredWeight } from "../quant/weights.js";

export interface TaskCheckpoint {
  model: TaskModel;
  /** For TaskTrainer.restoreState, after building a trainer on the model with the same options. */
  trainer: TaskTrainerState;
  /** Whatever the writer stored to resume with the same settings (the CLI keeps its options here). */
  settings: Record<string, unknown>;
}

export interface TaskDecodeOptions {
  /** Load weights (and optimizer state) holding NaN or ±Infinity (refused by default). */
  allowNonFinite?: boolean;
}

export interface TaskSafetensorsOptions extends TaskDecodeOptions {
  /** The modules, when the file has no wasm-rnn metadata (weights saved by PyTorch). */
  modules?: readonly ModuleConfig[];
  /** The task information, when the file has none (default: { task: "classify" } for a pooled model, else "tag"). */
  task?: Omit<TaskModelInfo, "vocab" | "normalizer" | "targetNormalizer"> & { vocab?: Vocabulary | null; normalizer?: Normalizer | null; targetNormalizer?: Normalizer | null };
}

const OPTIMIZER_PREFIX = "optimizer/";
const BEST_PREFIX = "best/";

// --------------------------------------------------------------------------------------------- model ----

export async function encodeTaskModel(model: TaskModel): Promise<Uint8Array> {
  return encodeModelFile(taskFile(model, "model"));
}

/** Reads a task model file or checkpoint (its model part), or a task model's safetensors. */
export async function decodeTaskModel(bytes: Uint8Array, source = "the task model data", options: TaskDecodeOptions = {}): Promise<TaskModel> {
  const allowNonFinite = checkOptions("decodeTaskModel", options, ["allowNonFinite"]).allowNonFinite;
  if (looksLikeSafetensors(bytes) && !looksLikeModelFile(bytes)) return decodeTaskSafetensors(bytes, source, { allowNonFinite });
  const file = await decodeModelFile(bytes, source);
  const { weights, shapes, stored } = splitTensors(file, source);
  const plan = checkTaskFile(file, shapes, source);
  checkFiniteTensors(weights, source, allowNonFinite);
  return buildTaskModel(plan.modules, plan.seed, weights, infoOf(file.task!, file.vocab, source), source, file.weights, stored);
}

// ---------------------------------------------------------------------------------------- checkpoint ----

export async function encodeTaskCheckpoint(model: TaskModel, trainer: TaskTrainer, settings: Record<string, unknown> = {}): Promise<Uint8Array> {
  if (trainer.model !== model.model) throw new TypeError("encodeTaskCheckpoint: the trainer trains a different model");
  if (model.weightType !== "f32") throw new Error(`encodeTaskCheckpoint: the model's weights are ${model.weightType}; a checkpoint resumes training, which quantized models do not (save it with encodeTaskModel)`);
  const state = trainer.saveState();
  const file = taskFile(model, "checkpoint");
  for (const [name, data] of Object.entries(state.optimizer)) {
    file.tensors[OPTIMIZER_PREFIX + name] = data;
    file.shapes[OPTIMIZER_PREFIX + name] = [data.length];
  }
  const groups = model.model.parameterGroups().map((g) => g.name);
  if (state.early) {
    state.early.weights.forEach((w, i) => {
      file.tensors[BEST_PREFIX + groups[i]] = w;
      file.shapes[BEST_PREFIX + groups[i]] = [w.length];
    });
  }
  const { optimizer: _o, early, ...numbers } = state;
  file.training = { ...numbers, early: early ? { best: finiteOrNull(early.best), bestEpoch: early.bestEpoch, patienceLeft: early.patienceLeft } : null, settings };
  return encodeModelFile(file);
}

/** Reads a task checkpoint; everything is checked against the model before the model is built. */
export async function decodeTaskCheckpoint(bytes: Uint8Array, source = "the task checkpoint", options: TaskDecodeOptions = {}): Promise<TaskCheckpoint> {
  const allowNonFinite = checkOptions("decodeTaskCheckpoint", options, ["allowNonFinite"]).allowNonFinite;
  const file = await decodeModelFile(bytes, source);
  if (file.kind !== "checkpoint" || !file.training) throw new Error(`${source} is a model file, not a checkpoint: it has no training state to resume from`);
  if (file.weights !== undefined) throw new Error(`${source} is corrupt: a checkpoint cannot hold ${file.weights} weights (quantized models do not train)`);
  const { weights, shapes, optimizer, best } = splitTensors(file, source);
  const plan = checkTaskFile(file, shapes, source);
  const t = file.training;
  const groupShapes = groupSizes(plan.plan);
  const optimizerOptions = checkOptimizerState(optimizer, t.optimizerOptions, groupShapes, source);
  const corrupt = (problem: string) => new Error(`${source} is corrupt: ${problem}`);
  const ints = (key: string) => {
    const v = t[key];
    if (!Number.isSafeInteger(v) || (v as number) < 0) throw corrupt(`training.${key} must be a non-negative integer, got ${describe(v)}`);
    return v as number;
  };
  const words = (v: unknown, what: string) => {
    if (!Array.isArray(v) || v.length !== 4 || !v.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32)) throw corrupt(`${what} must be 4 u32 words`);
    return v as number[];
  };
  const lr = t.lr;
  if (typeof lr !== "number" || !(lr > 0) || !Number.isFinite(lr)) throw corrupt(`training.lr must be a finite number > 0, got ${describe(lr)}`);
  const randomCount = (plan.plan.stages.some((s) => s.kind === "dropout") ? 1 : 0) + plan.plan.stages.filter((s) => s.kind === "recurrent").length;
  if (!Array.isArray(t.randoms) || t.randoms.length !== randomCount) throw corrupt(`training.randoms must hold ${randomCount} generator states (one per recurrent module, one for Dropout modules), got ${describe(t.randoms)}`);
  const randoms = t.randoms.map((r, i) => words(r, `training.randoms[${i}]`));
  let early: TaskTrainerState["early"] = null;
  if (t.early !== null && t.early !== undefined) {
    const e = checkObject(`${source}: training.early`, t.early);
    if (!(e.best === null || typeof e.best === "number")) throw corrupt(`training.early.best must be a number, got ${describe(e.best)}`);
    for (const k of ["bestEpoch", "patienceLeft"]) if (!Number.isSafeInteger(e[k]) || (e[k] as number) < 0) throw corrupt(`training.early.${k} must be a non-negative integer, got ${describe(e[k])}`);
    const weightsOf = [...groupShapes.entries()].map(([group, size]) => {
      const w = best[group];
      if (!w || w.length !== size) throw corrupt(`the best weights of "${group}" must be ${size} values, got ${w ? w.length : "none"}`);
      return w;
    });
    const extra = Object.keys(best).find((g) => !groupShapes.has(g));
    if (extra !== undefined) throw corrupt(`best weights "${extra}" name no module of this model`);
    early = { best: (e.best as number | null) ?? NaN, bestEpoch: e.bestEpoch as number, patienceLeft: e.patienceLeft as number, weights: weightsOf };
  } else if (Object.keys(best).length > 0) throw corrupt("it has best weights but no early-stopping record");
  if (t.settings !== undefined && (typeof t.settings !== "object" || t.settings === null || Array.isArray(t.settings))) throw corrupt(`training.settings must be an object, got ${describe(t.settings)}`);
  checkFiniteTensors(weights, source, allowNonFinite);
  checkFiniteTensors(optimizer, source, allowNonFinite, "optimizer state");
  checkFiniteTensors(best, source, allowNonFinite, "best weights");
  const trainer: TaskTrainerState = {
    epoch: ints("epoch"), step: ints("step"), lr, batchRandom: words(t.batchRandom, "training.batchRandom"), randoms, optimizer, early,
    ...(optimizerOptions ? { optimizerOptions } : {}),
  };
  const model = buildTaskModel(plan.modules, plan.seed, weights, infoOf(file.task!, file.vocab, source), source);
  return { model, trainer, settings: (t.settings ?? {}) as Record<string, unknown> };
}

// --------------------------------------------------------------------------------------- safetensors ----

/** The weights under their module paths, F32; modules, task information and vocabulary in the metadata. */
export function encodeTaskSafetensors(model: TaskModel): Uint8Array {
  const m = model.model;
  const tensors = modelNamedTensors(m);
  const metadata: Record<string, string> = {
    format: "wasm-rnn", architecture: "sequential",
    modules: JSON.stringify(m.modules), seed: String(m.seed), task: JSON.stringify(model.infoJSON()),
  };
  if (m.weightType !== "f32") metadata.weights = m.weightType;
  if (model.vocab) metadata.vocab = JSON.stringify(model.vocab.toJSON());
  return encodeSafetensors(tensors, metadata);
}

/**
 * Reads weights named by module path ("embedding.weight", "rnn.weight_ih_l0", "fc.bias", as a PyTorch
 * module with those children saves them). The modules and task come from our metadata, or from `options`
 * for a file PyTorch wrote (shapes alone cannot tell a Pool's mode or a GRU's reset placement).
 */
export function decodeTaskSafetensors(bytes: Uint8Array, source = "the safetensors data", options: TaskSafetensorsOptions = {}): TaskModel {
  const o = checkOptions("decodeTaskSafetensors", options, ["allowNonFinite", "modules", "task"]);
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  const parse = (key: string): unknown => parseMetadataJson(metadata, key, source);
  if (metadata.format === "wasm-rnn" && metadata.architecture !== "sequential") {
    throw new Error(`${source} holds a wasm-rnn language model, not a task model: load it with decodeSafetensorsModel from "wasm-rnn"`);
  }
  const modules = o.modules ?? (metadata.modules !== undefined ? parse("modules") : undefined);
  if (modules === undefined) throw new Error(`${source} has no wasm-rnn metadata: pass { modules } (the Sequential's module list) to say what model the weights belong to`);
  const seed = metadata.seed !== undefined && /^\d+$/.test(metadata.seed) ? Number(metadata.seed) : 0;
  const q = readSafetensorsWeights(tensors, metadata, source), type = q.type;
  const shapes = q.shapes;
  const plan = checkModules(modules, seed, shapes, source);
  const weights = q.tensors;
  checkFiniteTensors(weights, source, o.allowNonFinite);
  let info: TaskModelInfo;
  if (o.task !== undefined) info = o.task as TaskModelInfo;
  else if (metadata.task !== undefined) info = infoOf(parse("task"), metadata.vocab !== undefined ? parse("vocab") : null, source);
  else info = { task: plan.plan.outputKind === "pooled" ? "classify" : "tag" };
  return buildTaskModel(plan.modules, seed, weights, info, source, type, q.stored);
}

// ---------------------------------------------------------------------------------------- internals ----

function taskFile(model: TaskModel, kind: ModelFile["kind"]): ModelFile {
  if (!(model instanceof TaskModel)) throw new TypeError(`expected a TaskModel, got ${describe(model)}`);
  const m = model.model;
  return {
    kind, config: { architecture: "sequential", modules: JSON.parse(JSON.stringify(m.modules)), seed: m.seed },
    vocab: model.vocab ? { ...model.vocab.toJSON() } : null, task: model.infoJSON(),
    ...modelTensors(m),
    ...(m.weightType !== "f32" ? { weights: m.weightType } : {}),
  };
}

/** A file's weights (dequantized, with the int8 matrices in `stored`), optimizer state and best weights. */
function splitTensors(file: ModelFile, source: string) {
  const q = readQuantizedTensors(file.tensors, file.shapes, file.weights, source);
  const weights: Record<string, Float32Array> = {}, shapes: Record<string, number[]> = {};
  const optimizer: Record<string, Float32Array> = {}, best: Record<string, Float32Array> = {};
  for (const [name, data] of Object.entries(q.tensors)) {
    if (name.startsWith(OPTIMIZER_PREFIX)) setOwn(optimizer, name.slice(OPTIMIZER_PREFIX.length), data);
    else if (name.startsWith(BEST_PREFIX)) setOwn(best, name.slice(BEST_PREFIX.length), data);
    else {
      setOwn(weights, name, data);
      setOwn(shapes, name, q.shapes[name]);
    }
  }
  return { weights, shapes, optimizer, best, stored: q.stored };
}

/** A task file's configuration, checked against its tensors before anything is built. */
function checkTaskFile(file: ModelFile, shapes: Record<string, number[]>, source: string) {
  if (file.task === undefined) {
    throw new Error(`${source} is a language model file, not a task model: load it with loadModel / decodeModel from "wasm-rnn" (CLI: wasm-rnn generate)`);
  }
  const c = file.config;
  if (c.architecture !== "sequential") throw new Error(`${source} has an invalid model configuration: architecture must be "sequential", got ${describe(c.architecture)}`);
  const seed = c.seed ?? 0;
  if (!Number.isSafeInteger(seed) || (seed as number) < 0 || (seed as number) > 2 ** 40) throw new Error(`${source} has an invalid model configuration: seed must be an integer in [0, 2^40], got ${describe(seed)}`);
  return checkModules(c.modules, seed as number, shapes, source);
}

function checkModules(modules: unknown, seed: number, shapes: Record<string, number[]>, source: string) {
  let plan: SequentialPlan;
  try {
    plan = resolveSequential(modules, seed);
  } catch (e) {
    throw new Error(`${source} has an invalid model configuration: ${(e as Error).message}`, { cause: e });
  }
  const expected = sequentialShapes(plan);
  const parameters = Object.values(expected).reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
  checkTensorShapes(expected, shapes, source, `its modules (${plan.stages.map((s) => s.name).join(" → ")}) imply ${parameters.toLocaleString("en-US")} parameters (${formatBytes(parameters * 4)})`);
  return { plan, modules: modules as ModuleConfig[], seed };
}

/** Parameters per optimizer group (module), in the model's order. */
function groupSizes(plan: SequentialPlan): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const [name, shape] of Object.entries(sequentialShapes(plan))) {
    const group = name.slice(0, name.indexOf("."));
    sizes.set(group, (sizes.get(group) ?? 0) + shape.reduce((a, b) => a * b, 1));
  }
  return sizes;
}

/** The TaskModel information of a file's "task" field and vocabulary (checked again by TaskModel). */
function infoOf(task: unknown, vocab: unknown, source: string): TaskModelInfo {
  const bad = (what: string, e: unknown) => new Error(`${source} has an invalid ${what}: ${(e as Error).message}`, { cause: e });
  const t = task as Record<string, unknown>;
  if (typeof t !== "object" || t === null || Array.isArray(t)) throw new Error(`${source} has an invalid task record: ${describe(task)}`);
  const info: Record<string, unknown> = { ...t };
  for (const key of ["normalizer", "targetNormalizer"]) {
    if (t[key] === null || t[key] === undefined) continue;
    try {
      info[key] = Normalizer.fromJSON(t[key]);
    } catch (e) {
      throw bad(key, e);
    }
  }
  if (vocab !== null && vocab !== undefined) {
    try {
      info.vocab = Vocabulary.fromJSON(vocab);
    } catch (e) {
      throw bad("vocabulary", e);
    }
  }
  return info as unknown as TaskModelInfo;
}

/** Builds the checked model, loads the weights, and attaches the task; any failure frees the model. */
function buildTaskModel(
  modules: readonly ModuleConfig[], seed: number, weights: Record<string, Float32Array>, info: TaskModelInfo, source: string,
  type?: "int8" | "f16", stored?: ReadonlyMap<string, StoredWeight> | null,
): TaskModel {
  let model: Sequential;
  try {
    model = Sequential.fromConfig(modules, { seed });
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`, { cause: e });
  }
  try {
    model.loadTorchParams(weights);
    if (type) {
      quantizeModules(model.quantizableModules(), type, stored ?? undefined);
      model.eval();
    }
    return new TaskModel(model, info);
  } catch (e) {
    model.dispose();
    throw new Error(`${source} is inconsistent: ${(e as Error).message}`, { cause: e });
  }
}

function checkOptions(what: string, options: unknown, keys: string[]) {
  const o = checkObject(`${what}(bytes, source, options)`, options);
  checkKnownKeys(what, o, keys);
  const allow = o.allowNonFinite ?? false;
  if (typeof allow !== "boolean") throw new TypeError(`${what}: allowNonFinite must be true or false, got ${describe(allow)}`);
  return { ...o, allowNonFinite: allow } as { allowNonFinite: boolean; modules?: ModuleConfig[]; task?: TaskModelInfo };
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** Sets an own property even for names like "__proto__". */
function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
