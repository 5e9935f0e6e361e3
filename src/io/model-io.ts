// Models and checkpoints as bytes, in every runtime (files by path: model-files.ts, Node only). Our container
// (format.ts) holds the configuration, the vocabulary and the weights; checkpoints add the optimizer state,
// step counts and the generators' states. Safetensors carries the same weights under PyTorch's names, both ways.

import { LanguageModel } from "../lm/model.js";
import type { LanguageModelOptions } from "../lm/config.js";
import { Vocabulary } from "../text/vocab.js";
import type { Trainer, TrainerState } from "../train/trainer.js";
import { describe } from "../errors.js";
import { decodeModelFile, encodeModelFile, looksLikeModelFile, type ModelFile } from "./format.js";
import { decodeSafetensors, encodeSafetensors, looksLikeSafetensors, type NamedTensor } from "./safetensors.js";

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

const OPTIMIZER_PREFIX = "optimizer/";

// --------------------------------------------------------------------------------------------- bytes ----

export async function encodeModel(lm: LanguageModel, vocab: Vocabulary | null = null): Promise<Uint8Array> {
  return encodeModelFile(modelFile(lm, vocab, "model"));
}

/** Reads a model file, a checkpoint (its model part) or a safetensors file (see decodeSafetensorsModel). */
export async function decodeModel(bytes: Uint8Array, source = "the model data"): Promise<TextModel> {
  if (looksLikeSafetensors(bytes) && !looksLikeModelFile(bytes)) return decodeSafetensorsModel(bytes, source);
  const file = await decodeModelFile(bytes, source);
  const weights = Object.fromEntries(Object.entries(file.tensors).filter(([name]) => !name.startsWith(OPTIMIZER_PREFIX)));
  return { lm: buildModel(file.config, weights, source), vocab: buildVocab(file.vocab, source) };
}

export async function encodeCheckpoint(lm: LanguageModel, vocab: Vocabulary | null, trainer: Trainer, settings: Record<string, unknown> = {}): Promise<Uint8Array> {
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

export async function decodeCheckpoint(bytes: Uint8Array, source = "the checkpoint"): Promise<Checkpoint> {
  const file = await decodeModelFile(bytes, source);
  if (file.kind !== "checkpoint" || !file.training) throw new Error(`${source} is a model file, not a checkpoint: it has no training state to resume from`);
  const weights: Record<string, Float32Array> = {}, optimizer: Record<string, Float32Array> = {};
  for (const [name, data] of Object.entries(file.tensors)) {
    if (name.startsWith(OPTIMIZER_PREFIX)) optimizer[name.slice(OPTIMIZER_PREFIX.length)] = data;
    else weights[name] = data;
  }
  const t = file.training as Record<string, unknown>;
  const ints = (key: string) => {
    const v = t[key];
    if (!Number.isInteger(v) || (v as number) < 0) throw new Error(`${source} is corrupt: training.${key} must be a non-negative integer, got ${describe(v)}`);
    return v as number;
  };
  const words = (key: string) => {
    const v = t[key];
    if (!Array.isArray(v) || v.length !== 4 || !v.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32)) throw new Error(`${source} is corrupt: training.${key} must be 4 u32 words`);
    return v as number[];
  };
  const lr = t.lr;
  if (typeof lr !== "number" || !(lr > 0)) throw new Error(`${source} is corrupt: training.lr must be a number > 0, got ${describe(lr)}`);
  const trainer: TrainerState = {
    epoch: ints("epoch"), step: ints("step"), lr, batchRandom: words("batchRandom"), dropoutRandom: words("dropoutRandom"), optimizer,
  };
  const settings = typeof t.settings === "object" && t.settings !== null ? (t.settings as Record<string, unknown>) : {};
  return { lm: buildModel(file.config, weights, source), vocab: buildVocab(file.vocab, source), trainer, settings };
}

/** The weights under PyTorch's names, F32; the configuration and vocabulary ride along in the metadata. */
export function encodeSafetensorsModel(lm: LanguageModel, vocab: Vocabulary | null = null): Uint8Array {
  const shapes = lm.parameterShapes();
  const tensors: Record<string, NamedTensor> = {};
  for (const [name, data] of Object.entries(lm.torchParams())) tensors[name] = { shape: shapes[name], data };
  const metadata: Record<string, string> = { format: "wasm-rnn", config: JSON.stringify(lm.options()) };
  if (vocab) metadata.vocab = JSON.stringify(vocab.toJSON());
  return encodeSafetensors(tensors, metadata);
}

/**
 * Reads weights named as in PyTorch ("embedding.weight", "rnn.weight_ih_l0", …, "fc.weight", "fc.bias").
 * The configuration comes from our metadata when present, else it is inferred from the shapes; `config`
 * overrides either (e.g. { nonlinearity: "relu" }, or resetAfter: false, which shapes cannot tell).
 */
export function decodeSafetensorsModel(
  bytes: Uint8Array, source = "the safetensors data", overrides: { config?: Partial<LanguageModelOptions>; vocab?: Vocabulary } = {},
): TextModel {
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  const shapes = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.shape]));
  let config: Record<string, unknown>;
  if (metadata.config) {
    try {
      config = JSON.parse(metadata.config);
    } catch {
      throw new Error(`${source} has unreadable metadata: "config" is not JSON`);
    }
  } else config = { ...inferConfig(shapes, source) };
  config = { ...config, ...overrides.config };
  const weights = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.data]));
  let vocab = overrides.vocab ?? null;
  if (!vocab && metadata.vocab) {
    try {
      vocab = buildVocab(JSON.parse(metadata.vocab), source);
    } catch (e) {
      throw new Error(`${source} has unreadable metadata: "vocab": ${(e as Error).message}`);
    }
  }
  return { lm: buildModel(config, weights, source), vocab };
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

function modelFile(lm: LanguageModel, vocab: Vocabulary | null, kind: ModelFile["kind"]): ModelFile {
  return { kind, config: { ...lm.options() }, vocab: vocab ? { ...vocab.toJSON() } : null, tensors: lm.torchParams(), shapes: lm.parameterShapes() };
}

function buildModel(config: Record<string, unknown>, weights: Record<string, Float32Array>, source: string): LanguageModel {
  let lm: LanguageModel;
  try {
    lm = new LanguageModel(config as unknown as LanguageModelOptions);
  } catch (e) {
    throw new Error(`${source} has an invalid model configuration: ${(e as Error).message}`, { cause: e });
  }
  try {
    lm.loadTorchParams(weights);
  } catch (e) {
    lm.dispose();
    throw new Error(`${source} does not match its configuration: ${(e as Error).message}`, { cause: e });
  }
  return lm;
}

function buildVocab(json: unknown, source: string): Vocabulary | null {
  if (json === null || json === undefined) return null;
  try {
    return Vocabulary.fromJSON(json);
  } catch (e) {
    throw new Error(`${source} has an invalid vocabulary: ${(e as Error).message}`, { cause: e });
  }
}
