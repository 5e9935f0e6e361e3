// Models and checkpoints as bytes, in every runtime (files by path: model-files.ts, Node only). Our container
// (format.ts) holds the configuration, the vocabulary and the weights; checkpoints add the optimizer state,
// step counts and the generators' states. Safetensors carries the same weights under PyTorch's names, both ways.

import { LanguageModel } from "../lm/model.js";
import { configOptions, type LanguageModelConfig, type LanguageModelOptions } from "../lm/config.js";
import { Vocabulary } from "../text/vocab.js";
import type { Trainer, TrainerState } from "../train/trainer.js";
import { checkKnownKeys, checkObject, describe } from "../errors.js";
import { checkFiniteTensors, checkOptimizerState } from "./checks.js";
import { parseMetadataJson } from "./json.js";
import { checkModelTensors, groupSizes } from "./lm-checks.js";
import { decodeModelFile, encodeModelFile, looksLikeModelFile, type ModelFile } from "./format.js";
import { decodeSafetensors, encodeSafetensors, looksLikeSafetensors } from "./safetensors.js";
import { modelNamedTensors, modelTensors, readQuantizedTensors, readSafetensorsWeights } from "./quantized.js";
import { quantizeModules } from "../quant/quantize.js";
import type { StoredWeight } from "../quant/weights.js";

export interface TextModel {
  lm: LanguageModel;
  /** null when the file has none (a bare safetensors export from PyTorch). */
  vocab: Vocabulary | null;
}

export interface Checkpoint extends TextModel {
  trainer: TrainerState;
  /** Whatever the writer stored to resume with the same settings (the CLI keeps its options here). */
  settings: Record<string, unknown>;
}

export interface DecodeOptions {
  /**
   * Load weights (and optimizer state) holding NaN or ±Infinity. Off by default: such a file makes every
   * output NaN, so it is refused with the name of the first tensor that has one.
   */
  allowNonFinite?: boolean;
}

const OPTIMIZER_PREFIX = "optimizer/";

// --------------------------------------------------------------------------------------------- bytes ----

export async function encodeModel(lm: LanguageModel, vocab: Vocabulary | null = null): Promise<Uint8Array> {
  return encodeModelFile(modelFile(lm, vocab, "model"));
}

/** Reads a model file, a checkpoint (its model part) or a safetensors file (see decodeSafetensorsModel). */
export async function decodeModel(bytes: Uint8Array, source = "the model data", options: DecodeOptions = {}): Promise<TextModel> {
  const allowNonFinite = checkDecodeOptions("decodeModel", options);
  if (looksLikeSafetensors(bytes) && !looksLikeModelFile(bytes)) return decodeSafetensorsModel(bytes, source, { allowNonFinite });
  const file = await decodeModelFile(bytes, source);
  refuseTaskModel(file, source);
  const model = Object.fromEntries(Object.entries(file.tensors).filter(([name]) => !name.startsWith(OPTIMIZER_PREFIX)));
  const { tensors: weights, shapes, stored } = readQuantizedTensors(model, file.shapes, file.weights, source);
  const config = checkModelTensors(file.config, shapes, source);
  const vocab = buildVocab(file.vocab, config, source);
  checkFiniteTensors(weights, source, allowNonFinite);
  return { lm: buildModel(config, weights, source, file.weights, stored), vocab };
}

export async function encodeCheckpoint(lm: LanguageModel, vocab: Vocabulary | null, trainer: Trainer, settings: Record<string, unknown> = {}): Promise<Uint8Array> {
  if (lm.weightType !== "f32") throw new Error(`encodeCheckpoint: the model's weights are ${lm.weightType}; a checkpoint resumes training, which quantized models do not (save it with encodeModel)`);
  const state = trainer.saveState();
  const file = modelFile(lm, vocab, "checkpoint");
  for (const [name, data] of Object.entries(state.optimizer)) {
    file.tensors[OPTIMIZER_PREFIX + name] = data;
    file.shapes[OPTIMIZER_PREFIX + name] = [data.length];
  }
  const { optimizer: _, ...numbers } = state;
  file.training = { ...numbers, settings };
  return encodeModelFile(file);
}

/**
 * Reads a checkpoint. Everything is checked before the model is built: the configuration against the
 * weights, the vocabulary against the configuration, the optimizer state against the model and its
 * recorded optimizer, the counters and generator states.
 */
export async function decodeCheckpoint(bytes: Uint8Array, source = "the checkpoint", options: DecodeOptions = {}): Promise<Checkpoint> {
  const allowNonFinite = checkDecodeOptions("decodeCheckpoint", options);
  const file = await decodeModelFile(bytes, source);
  refuseTaskModel(file, source);
  if (file.kind !== "checkpoint" || !file.training) throw new Error(`${source} is a model file, not a checkpoint: it has no training state to resume from`);
  const weights: Record<string, Float32Array> = {}, shapes: Record<string, number[]> = {}, optimizer: Record<string, Float32Array> = {};
  // a checkpoint holds f32 only: anything else is refused here, naming the tensor
  for (const [name, data] of Object.entries(readQuantizedTensors(file.tensors, file.shapes, undefined, source).tensors)) {
    if (name.startsWith(OPTIMIZER_PREFIX)) {
      setOwn(optimizer, name.slice(OPTIMIZER_PREFIX.length), data);
    } else {
      setOwn(weights, name, data);
      setOwn(shapes, name, file.shapes[name]);
    }
  }
  const config = checkModelTensors(file.config, shapes, source);
  const vocab = buildVocab(file.vocab, config, source);
  const t = file.training as Record<string, unknown>;
  const optimizerOptions = checkOptimizerState(optimizer, t.optimizerOptions, groupSizes(config), source);
  checkFiniteTensors(weights, source, allowNonFinite);
  checkFiniteTensors(optimizer, source, allowNonFinite, "optimizer state");
  const ints = (key: string) => {
    const v = t[key];
    if (!Number.isSafeInteger(v) || (v as number) < 0) throw new Error(`${source} is corrupt: training.${key} must be a non-negative integer, got ${describe(v)}`);
    return v as number;
  };
  const words = (key: string) => {
    const v = t[key];
    if (!Array.isArray(v) || v.length !== 4 || !v.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32)) throw new Error(`${source} is corrupt: training.${key} must be 4 u32 words`);
    return v as number[];
  };
  const lr = t.lr;
  if (typeof lr !== "number" || !(lr > 0) || !Number.isFinite(lr)) throw new Error(`${source} is corrupt: training.lr must be a finite number > 0, got ${describe(lr)}`);
  const trainer: TrainerState = {
    epoch: ints("epoch"), step: ints("step"), lr, batchRandom: words("batchRandom"), dropoutRandom: words("dropoutRandom"), optimizer,
    ...(optimizerOptions ? { optimizerOptions } : {}),
  };
  if (t.settings !== undefined && (typeof t.settings !== "object" || t.settings === null || Array.isArray(t.settings))) {
    throw new Error(`${source} is corrupt: training.settings must be an object, got ${describe(t.settings)}`);
  }
  const settings = (t.settings ?? {}) as Record<string, unknown>;
  return { lm: buildModel(config, weights, source), vocab, trainer, settings };
}

/** The weights under PyTorch's names, F32; the configuration and vocabulary ride along in the metadata. */
export function encodeSafetensorsModel(lm: LanguageModel, vocab: Vocabulary | null = null): Uint8Array {
  const tensors = modelNamedTensors(lm);
  const metadata: Record<string, string> = { format: "wasm-rnn", config: JSON.stringify(lm.options()) };
  if (lm.weightType !== "f32") metadata.weights = lm.weightType;
  if (vocab) metadata.vocab = JSON.stringify(vocab.toJSON());
  return encodeSafetensors(tensors, metadata);
}

/**
 * Reads weights named as in PyTorch ("embedding.weight", "rnn.weight_ih_l0", …, "fc.weight", "fc.bias").
 * The configuration comes from our metadata when present, else it is inferred from the shapes; `config`
 * overrides either (e.g. { nonlinearity: "relu" }, or resetAfter: false, which shapes cannot tell).
 */
export function decodeSafetensorsModel(
  bytes: Uint8Array, source = "the safetensors data",
  overrides: { config?: Partial<LanguageModelOptions>; vocab?: Vocabulary; allowNonFinite?: boolean } = {},
): TextModel {
  const decoded = decodeSafetensors(bytes, source), metadata = decoded.metadata;
  if (metadata.architecture === "sequential") throw new Error(`${source} holds a task model (a Sequential), not a language model: load it with decodeTaskSafetensors from "wasm-rnn/tasks"`);
  const q = readSafetensorsWeights(decoded.tensors, metadata, source), type = q.type;
  const shapes = q.shapes;
  const parse = (key: string): unknown => parseMetadataJson(metadata, key, source);
  let config: Record<string, unknown>;
  if (metadata.config) {
    const parsed = parse("config");
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error(`${source} has unreadable metadata: "config" must be a JSON object, got ${describe(parsed)}`);
    config = parsed as Record<string, unknown>;
  } else config = { ...inferConfig(shapes, source) };
  const resolved = checkModelTensors({ ...config, ...overrides.config }, shapes, source);
  const weights = q.tensors;
  let vocab = overrides.vocab ?? null;
  if (vocab && vocab.size !== resolved.vocabSize) throw new Error(`the vocabulary has ${vocab.size} tokens but ${source} has ${resolved.vocabSize} outputs`);
  if (!vocab && metadata.vocab) vocab = buildVocab(parse("vocab"), resolved, source);
  checkFiniteTensors(weights, source, overrides.allowNonFinite ?? false);
  return { lm: buildModel(resolved, weights, source, type, q.stored), vocab };
}

/** The LanguageModel options that PyTorch-named weight shapes imply (RNN cells default to tanh, GRU to reset-after). */
export function inferConfig(shapes: Record<string, number[]>, source = "the weights"): LanguageModelOptions {
  const need = (name: string) => {
    const s = shapes[name];
    if (!s) throw new Error(`${source} does not look like a wasm-rnn / PyTorch language model: "${name}" is missing (expected embedding.weight?, rnn.weight_ih_l0, rnn.weight_hh_l0, …, fc.weight, fc.bias)`);
    return s;
  };
  const [GH, H] = need("rnn.weight_hh_l0");
  const gates = GH / H;
  if (![1, 3, 4].includes(gates)) throw new Error(`${source}: rnn.weight_hh_l0 has shape [${GH}, ${H}]; rows must be 1, 3 or 4 times the hidden size`);
  const [V] = need("fc.weight");
  let numLayers = 0;
  while (shapes[`rnn.weight_ih_l${numLayers}`]) numLayers++;
  const options: LanguageModelOptions = {
    vocabSize: V,
    cell: gates === 1 ? "rnn" : gates === 3 ? "gru" : "lstm",
    hiddenSize: H,
    numLayers,
    bidirectional: "rnn.weight_ih_l0_reverse" in shapes,
    bias: "rnn.bias_ih_l0" in shapes,
  };
  if (shapes["embedding.weight"]) options.embedSize = shapes["embedding.weight"][1];
  return options;
}

// ---------------------------------------------------------------------------------------- internals ----

/** A task model's file (task-io.ts) gets a sentence that says where to load it, not a configuration error. */
function refuseTaskModel(file: ModelFile, source: string): void {
  if (file.task !== undefined) {
    const task = typeof file.task.task === "string" ? `${file.task.task} ` : "";
    throw new Error(`${source} is a ${task}task model (a Sequential), not a language model: load it with loadTaskModel / decodeTaskModel from "wasm-rnn/tasks" (CLI: wasm-rnn predict)`);
  }
}

function modelFile(lm: LanguageModel, vocab: Vocabulary | null, kind: ModelFile["kind"]): ModelFile {
  const { tensors, shapes } = modelTensors(lm);
  const file: ModelFile = { kind, config: { ...lm.options() }, vocab: vocab ? { ...vocab.toJSON() } : null, tensors, shapes };
  if (lm.weightType !== "f32") file.weights = lm.weightType;
  return file;
}

/**
 * Builds the model of a checked configuration (see checkModelTensors) and loads its checked weights; a
 * quantized file's model is quantized as it was saved (int8: from the stored matrices, not re-quantized).
 */
function buildModel(
  config: LanguageModelConfig, weights: Record<string, Float32Array>, source: string,
  type?: "int8" | "f16", stored?: ReadonlyMap<string, StoredWeight> | null,
): LanguageModel {
  let lm: LanguageModel;
  try {
    lm = new LanguageModel(configOptions(config));
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`, { cause: e });
  }
  try {
    lm.loadTorchParams(weights);
    if (type) {
      quantizeModules(lm.quantizableModules(), type, stored ?? undefined);
      lm.eval();
    }
  } catch (e) {
    lm.dispose();
    throw new Error(`${source} does not match its configuration: ${(e as Error).message}`, { cause: e });
  }
  return lm;
}

/** The stored vocabulary, which must have one token per model output. */
function buildVocab(json: unknown, config: LanguageModelConfig, source: string): Vocabulary | null {
  if (json === null || json === undefined) return null;
  let vocab: Vocabulary;
  try {
    vocab = Vocabulary.fromJSON(json);
  } catch (e) {
    throw new Error(`${source} has an invalid vocabulary: ${(e as Error).message}`, { cause: e });
  }
  if (vocab.size !== config.vocabSize) {
    throw new Error(`${source} is inconsistent: its vocabulary has ${vocab.size} tokens but its model has vocabSize ${config.vocabSize}`);
  }
  return vocab;
}

function checkDecodeOptions(what: string, options: unknown): boolean {
  const o = checkObject(`${what}(bytes, source, options)`, options);
  checkKnownKeys(what, o, ["allowNonFinite"]);
  const allow = o.allowNonFinite ?? false;
  if (typeof allow !== "boolean") throw new TypeError(`${what}: allowNonFinite must be true or false, got ${describe(allow)}`);
  return allow;
}

/** Sets an own property even for names like "__proto__". */
function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
