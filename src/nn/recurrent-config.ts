// Layer options: defaults, validation, and the derived sizes every other file uses.

import { checkBoolean, checkKnownKeys, checkObject, checkPositiveInt, describe } from "../errors.js";

export type CellType = "rnn" | "gru" | "lstm";

export interface RecurrentOptions {
  inputSize: number;
  hiddenSize: number;
  numLayers?: number;
  bidirectional?: boolean;
  bias?: boolean;
  /** Inputs and outputs as [B, T, F] instead of [T, B, F]. */
  batchFirst?: boolean;
  /** Seed of the default initialisation, uniform(−1/√H, 1/√H) as in PyTorch, and of dropout. Default 0. */
  seed?: number;
  /** Dropout on the outputs of every layer but the last, while training (as PyTorch). Default 0. */
  dropout?: number;
}

export interface RNNOptions extends RecurrentOptions {
  nonlinearity?: "tanh" | "relu";
}

/**
 * The activation of the σ gates (GRU r, z; LSTM i, f, o): "sigmoid" (default, PyTorch's) or "hardSigmoid",
 * clip(0.2·x + 0.5, 0, 1) (Keras / TensorFlow.js's default recurrent_activation, ONNX HardSigmoid α 0.2, β 0.5).
 */
export type RecurrentActivation = "sigmoid" | "hardSigmoid";

export interface GRUOptions extends RecurrentOptions {
  /** true: PyTorch/cuDNN candidate tanh(W_in x + b_in + r⊙(W_hn h + b_hn)); false: textbook tanh(W_in x + b_in + W_hn(r⊙h) + b_hn). */
  resetAfter?: boolean;
  recurrentActivation?: RecurrentActivation;
}

export interface LSTMOptions extends RecurrentOptions {
  recurrentActivation?: RecurrentActivation;
}

export interface LayerConfig {
  cell: CellType;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  bias: boolean;
  batchFirst: boolean;
  seed: number;
  dropout: number;
  nonlinearity: "tanh" | "relu";
  resetAfter: boolean;
  /** GRU and LSTM: the σ gates' activation ("sigmoid" for RNN). */
  recurrentActivation: RecurrentActivation;
}

const COMMON = ["inputSize", "hiddenSize", "numLayers", "bidirectional", "bias", "batchFirst", "seed", "dropout"] as const;
const EXTRA: Record<CellType, readonly string[]> = {
  rnn: ["nonlinearity"], gru: ["resetAfter", "recurrentActivation"], lstm: ["recurrentActivation"],
};

/** Number of gate blocks G: rows of W_ih / W_hh are G·H. */
export function gateCount(cell: CellType): number {
  return cell === "rnn" ? 1 : cell === "gru" ? 3 : 4;
}

export function resolveConfig(cell: CellType, className: string, input: unknown): LayerConfig {
  const o = checkObject(`new ${className}(options)`, input);
  checkKnownKeys(`new ${className}(options)`, o, [...COMMON, ...EXTRA[cell]]);
  const where = (key: string) => `${className} option ${key}`;
  if (o.inputSize === undefined || o.hiddenSize === undefined) {
    throw new TypeError(`new ${className}(options): inputSize and hiddenSize are required, got ${JSON.stringify(o)}`);
  }
  const nonlinearity = o.nonlinearity ?? "tanh";
  if (nonlinearity !== "tanh" && nonlinearity !== "relu") {
    throw new TypeError(`${where("nonlinearity")} must be "tanh" or "relu", got ${describe(nonlinearity)}`);
  }
  const recurrentActivation = o.recurrentActivation ?? "sigmoid";
  if (recurrentActivation !== "sigmoid" && recurrentActivation !== "hardSigmoid") {
    throw new TypeError(`${where("recurrentActivation")} must be "sigmoid" or "hardSigmoid", got ${describe(recurrentActivation)}`);
  }
  const seed = o.seed ?? 0;
  if (typeof seed !== "number" || !Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`${where("seed")} must be a non-negative safe integer, got ${describe(seed)}`);
  }
  const dropout = o.dropout ?? 0;
  if (typeof dropout !== "number" || !(dropout >= 0 && dropout < 1)) {
    throw new RangeError(`${where("dropout")} must be a probability in [0, 1), got ${describe(dropout)}`);
  }
  return {
    cell,
    inputSize: checkPositiveInt(where("inputSize"), o.inputSize),
    hiddenSize: checkPositiveInt(where("hiddenSize"), o.hiddenSize),
    numLayers: checkPositiveInt(where("numLayers"), o.numLayers ?? 1, 1024),
    bidirectional: checkBoolean(where("bidirectional"), o.bidirectional ?? false),
    bias: checkBoolean(where("bias"), o.bias ?? true),
    batchFirst: checkBoolean(where("batchFirst"), o.batchFirst ?? false),
    seed,
    dropout,
    nonlinearity,
    resetAfter: checkBoolean(where("resetAfter"), o.resetAfter ?? true),
    recurrentActivation,
  };
}

/** Options that rebuild a layer of `c` (only the keys its cell takes). */
export function layerOptions(c: LayerConfig): Record<string, unknown> {
  const o: Record<string, unknown> = {
    inputSize: c.inputSize, hiddenSize: c.hiddenSize, numLayers: c.numLayers, bidirectional: c.bidirectional,
    bias: c.bias, batchFirst: c.batchFirst, seed: c.seed, dropout: c.dropout,
  };
  if (c.cell === "rnn") o.nonlinearity = c.nonlinearity;
  if (c.cell === "gru") o.resetAfter = c.resetAfter;
  // only when not the default, so that configurations (and files) of σ-gated layers read as they always did
  if (c.recurrentActivation !== "sigmoid") o.recurrentActivation = c.recurrentActivation;
  return o;
}

/** "inputSize 64, hiddenSize 256, numLayers 2": the sizes that decide a layer's memory, for messages. */
export function sizesText(c: Pick<LayerConfig, "inputSize" | "hiddenSize" | "numLayers" | "bidirectional">): string {
  return `inputSize ${c.inputSize}, hiddenSize ${c.hiddenSize}, numLayers ${c.numLayers}${c.bidirectional ? ", bidirectional" : ""}`;
}
