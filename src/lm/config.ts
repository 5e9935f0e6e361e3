// LanguageModel options: defaults and validation.

import { checkBoolean, checkKnownKeys, checkObject, checkPositiveInt, describe } from "../errors.js";
import type { CellType } from "../nn/recurrent-config.js";
import { ParamLayout } from "../nn/recurrent-params.js";

export interface LanguageModelOptions {
  vocabSize: number;
  cell: CellType;
  hiddenSize: number;
  numLayers?: number;
  /** Embedding width; absent (or null): one-hot inputs (the recurrent layer's input size is then vocabSize). */
  embedSize?: number | null;
  bidirectional?: boolean;
  bias?: boolean;
  /** RNN only: "tanh" (default) or "relu". */
  nonlinearity?: "tanh" | "relu";
  /** GRU only: PyTorch's form (true, default) or the textbook's (false). */
  resetAfter?: boolean;
  /** Dropout between recurrent layers while training (PyTorch's nn.RNN dropout). Default 0. */
  dropout?: number;
  seed?: number;
}

export type LanguageModelConfig = Required<Omit<LanguageModelOptions, "embedSize">> & { embedSize: number | null };

const KEYS = ["vocabSize", "cell", "hiddenSize", "numLayers", "embedSize", "bidirectional", "bias", "nonlinearity", "resetAfter", "dropout", "seed"];

export function resolveLanguageModelConfig(input: unknown): LanguageModelConfig {
  const o = checkObject("new LanguageModel(options)", input);
  checkKnownKeys("new LanguageModel(options)", o, KEYS);
  const where = (key: string) => `LanguageModel option ${key}`;
  if (o.cell !== "rnn" && o.cell !== "gru" && o.cell !== "lstm") {
    throw new TypeError(`${where("cell")} must be "rnn", "gru" or "lstm", got ${describe(o.cell)}`);
  }
  if (o.nonlinearity !== undefined && o.cell !== "rnn") throw new TypeError(`${where("nonlinearity")} is for cell "rnn" only`);
  if (o.resetAfter !== undefined && o.cell !== "gru") throw new TypeError(`${where("resetAfter")} is for cell "gru" only`);
  const nonlinearity = o.nonlinearity ?? "tanh";
  if (nonlinearity !== "tanh" && nonlinearity !== "relu") throw new TypeError(`${where("nonlinearity")} must be "tanh" or "relu", got ${describe(nonlinearity)}`);
  const dropout = o.dropout ?? 0;
  if (typeof dropout !== "number" || !(dropout >= 0 && dropout < 1)) throw new RangeError(`${where("dropout")} must be a probability in [0, 1), got ${describe(dropout)}`);
  const seed = o.seed ?? 0;
  if (typeof seed !== "number" || !Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`${where("seed")} must be a non-negative safe integer, got ${describe(seed)}`);
  return {
    vocabSize: checkPositiveInt(where("vocabSize"), o.vocabSize),
    cell: o.cell,
    hiddenSize: checkPositiveInt(where("hiddenSize"), o.hiddenSize),
    numLayers: checkPositiveInt(where("numLayers"), o.numLayers ?? 1, 1024),
    embedSize: o.embedSize === undefined || o.embedSize === null ? null : checkPositiveInt(where("embedSize"), o.embedSize),
    bidirectional: checkBoolean(where("bidirectional"), o.bidirectional ?? false),
    bias: checkBoolean(where("bias"), o.bias ?? true),
    nonlinearity,
    resetAfter: checkBoolean(where("resetAfter"), o.resetAfter ?? true),
    dropout,
    seed,
  };
}

/**
 * The parameters a model of this configuration has, by PyTorch name and shape (embedding.weight, rnn.*, fc.*),
 * in the model's order, computed without allocating anything: decoders compare a file's tensors with it
 * before a model is built, so a header cannot make us allocate more than its tensors hold.
 */
export function languageModelShapes(c: LanguageModelConfig): Record<string, number[]> {
  const V = c.vocabSize, D = c.bidirectional ? 2 : 1;
  const shapes: Record<string, number[]> = {};
  if (c.embedSize !== null) shapes["embedding.weight"] = [V, c.embedSize];
  const layout = new ParamLayout({
    cell: c.cell, inputSize: c.embedSize ?? V, hiddenSize: c.hiddenSize, numLayers: c.numLayers, bidirectional: c.bidirectional,
    bias: c.bias, batchFirst: false, seed: c.seed, dropout: c.dropout, nonlinearity: c.nonlinearity, resetAfter: c.resetAfter, recurrentActivation: "sigmoid",
  });
  for (const e of layout.entries) shapes[`rnn.${e.name}`] = e.shape;
  shapes["fc.weight"] = [V, D * c.hiddenSize];
  shapes["fc.bias"] = [V];
  return shapes;
}

/** The options that rebuild a resolved configuration (only the keys that apply to its cell). */
export function configOptions(c: LanguageModelConfig): LanguageModelOptions {
  const { embedSize, nonlinearity, resetAfter, ...rest } = c;
  return {
    ...rest,
    ...(embedSize !== null ? { embedSize } : {}),
    ...(rest.cell === "rnn" ? { nonlinearity } : {}),
    ...(rest.cell === "gru" ? { resetAfter } : {}),
  };
}
