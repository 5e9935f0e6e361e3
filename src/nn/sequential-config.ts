// The configuration of a Sequential model: a list of named modules, checked as a whole (names, types, and
// that each module's input width is the previous one's output width), without allocating anything.

import { checkBoolean, checkKnownKeys, checkObject, checkPositiveInt, describe } from "../errors.js";
import { resolveConfig, type CellType, type LayerConfig, type RecurrentActivation } from "./recurrent-config.js";
import type { PoolMode } from "./pool.js";
import { ParamLayout } from "./recurrent-params.js";

export type ModuleConfig =
  | { name: string; type: "Embedding"; numEmbeddings: number; embeddingDim: number }
  | {
    name: string; type: "RNN" | "GRU" | "LSTM"; inputSize: number; hiddenSize: number; numLayers?: number;
    bidirectional?: boolean; bias?: boolean; nonlinearity?: "tanh" | "relu"; resetAfter?: boolean; dropout?: number;
    recurrentActivation?: RecurrentActivation;
  }
  | { name: string; type: "Pool"; mode: PoolMode }
  | { name: string; type: "Linear"; inFeatures: number; outFeatures: number; bias?: boolean }
  | { name: string; type: "Dropout"; p: number };

/** A checked module: its configuration with defaults, and the widths around it. */
export type Stage =
  | { kind: "embedding"; name: string; numEmbeddings: number; embeddingDim: number; inFeatures: number; outFeatures: number; rows: "steps" }
  | { kind: "recurrent"; name: string; layer: LayerConfig; inFeatures: number; outFeatures: number; rows: "steps" }
  | { kind: "pool"; name: string; mode: PoolMode; directions: 1 | 2; inFeatures: number; outFeatures: number; rows: "sequences" }
  | { kind: "linear"; name: string; bias: boolean; inFeatures: number; outFeatures: number; rows: "steps" | "sequences" }
  | { kind: "dropout"; name: string; p: number; inFeatures: number; outFeatures: number; rows: "steps" | "sequences" };

export interface SequentialPlan {
  stages: Stage[];
  /** Token ids (an Embedding first) or features. */
  inputKind: "tokens" | "features";
  /** Features per step, or the vocabulary size for token ids. */
  inputSize: number;
  /** Output per sequence (after a Pool) or per step. */
  outputKind: "pooled" | "sequence";
  outFeatures: number;
}

const RECURRENT: Record<string, CellType> = { RNN: "rnn", GRU: "gru", LSTM: "lstm" };
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks a module list; every message names the module (by index and name) and what was expected. */
export function resolveSequential(input: unknown, seed: number): SequentialPlan {
  if (!Array.isArray(input) || input.length === 0) {
    throw new TypeError(`Sequential.fromConfig: modules must be a non-empty array of { name, type, … }, got ${describe(input)}`);
  }
  const stages: Stage[] = [];
  const names = new Set<string>();
  let width = 0, rows = "steps" as "steps" | "sequences", directions = 1 as 1 | 2;
  let inputKind = "features" as "tokens" | "features", inputSize = 0;
  input.forEach((raw, i) => {
    const o = checkObject(`Sequential module ${i}`, raw, "{ name, type, … }");
    const name = o.name;
    if (typeof name !== "string" || !NAME.test(name)) throw new TypeError(`Sequential module ${i}: name must be an identifier (letters, digits, _), got ${describe(name)}`);
    if (names.has(name)) throw new TypeError(`Sequential module ${i}: the name "${name}" is used twice`);
    names.add(name);
    const where = `Sequential module ${i} ("${name}", ${String(o.type)})`;
    /** The width this module's input must have (the first module sets it). */
    const takes = (field: string, value: unknown): number => {
      const n = checkPositiveInt(`${where}: ${field}`, value);
      if (i > 0 && n !== width) throw new RangeError(`${where}: ${field} must be ${width}, the output width of the module before it, got ${n}`);
      if (i === 0) inputSize = n;
      return n;
    };
    switch (o.type) {
      case "Embedding": {
        checkKnownKeys(where, o, ["name", "type", "numEmbeddings", "embeddingDim"]);
        if (i !== 0) throw new TypeError(`${where}: an Embedding takes token ids, so it must be the first module`);
        const numEmbeddings = checkPositiveInt(`${where}: numEmbeddings`, o.numEmbeddings);
        const embeddingDim = checkPositiveInt(`${where}: embeddingDim`, o.embeddingDim);
        inputKind = "tokens";
        inputSize = numEmbeddings;
        stages.push({ kind: "embedding", name, numEmbeddings, embeddingDim, inFeatures: numEmbeddings, outFeatures: embeddingDim, rows: "steps" });
        width = embeddingDim;
        directions = 1;
        break;
      }
      case "RNN": case "GRU": case "LSTM": {
        const type = o.type;
        if (rows === "sequences") throw new TypeError(`${where}: a recurrent module needs steps, but a Pool before it made one row per sequence`);
        // not batchFirst or seed: a Sequential is time-major, and seeds each module from its own seed
        checkKnownKeys(where, o, [
          "name", "type", "inputSize", "hiddenSize", "numLayers", "bidirectional", "bias", "nonlinearity", "resetAfter", "dropout",
          ...(type === "RNN" ? [] : ["recurrentActivation"]),
        ]);
        const { name: _n, type: _t, ...options } = o;
        const inFeatures = takes("inputSize", options.inputSize);
        const layer = resolveConfig(RECURRENT[type as string], where, { ...options, seed: seed + 1000 * i });
        stages.push({ kind: "recurrent", name, layer, inFeatures, outFeatures: (layer.bidirectional ? 2 : 1) * layer.hiddenSize, rows: "steps" });
        width = (layer.bidirectional ? 2 : 1) * layer.hiddenSize;
        directions = layer.bidirectional ? 2 : 1;
        break;
      }
      case "Pool": {
        checkKnownKeys(where, o, ["name", "type", "mode"]);
        if (i === 0) throw new TypeError(`${where}: a Pool needs step outputs before it`);
        if (rows === "sequences") throw new TypeError(`${where}: only one Pool: the rows are already one per sequence`);
        if (o.mode !== "last" && o.mode !== "mean" && o.mode !== "max") throw new TypeError(`${where}: mode must be "last", "mean" or "max", got ${describe(o.mode)}`);
        stages.push({ kind: "pool", name, mode: o.mode, directions, inFeatures: width, outFeatures: width, rows: "sequences" });
        rows = "sequences";
        break;
      }
      case "Linear": {
        checkKnownKeys(where, o, ["name", "type", "inFeatures", "outFeatures", "bias"]);
        const inFeatures = takes("inFeatures", o.inFeatures);
        const outFeatures = checkPositiveInt(`${where}: outFeatures`, o.outFeatures);
        const bias = o.bias === undefined ? true : checkBoolean(`${where}: bias`, o.bias);
        stages.push({ kind: "linear", name, bias, inFeatures, outFeatures, rows });
        width = outFeatures;
        directions = 1;
        break;
      }
      case "Dropout": {
        checkKnownKeys(where, o, ["name", "type", "p"]);
        if (i === 0) throw new TypeError(`${where}: a Dropout needs a module before it`);
        const p = o.p;
        if (typeof p !== "number" || !(p >= 0 && p < 1)) throw new RangeError(`${where}: p must be a probability in [0, 1), got ${describe(p)}`);
        stages.push({ kind: "dropout", name, p, inFeatures: width, outFeatures: width, rows });
        break;
      }
      default:
        throw new TypeError(`${where}: type must be one of Embedding, RNN, GRU, LSTM, Pool, Linear, Dropout, got ${describe(o.type)}`);
    }
  });
  return { stages, inputKind, inputSize, outputKind: rows === "sequences" ? "pooled" : "sequence", outFeatures: width };
}

/** The configuration a stage was made from, as Sequential.fromConfig takes it (for files). */
export function stageConfig(s: Stage): ModuleConfig {
  switch (s.kind) {
    case "embedding": return { name: s.name, type: "Embedding", numEmbeddings: s.numEmbeddings, embeddingDim: s.embeddingDim };
    case "recurrent": {
      const l = s.layer;
      const type = l.cell === "rnn" ? "RNN" : l.cell === "gru" ? "GRU" : "LSTM";
      return {
        name: s.name, type, inputSize: l.inputSize, hiddenSize: l.hiddenSize, numLayers: l.numLayers, bidirectional: l.bidirectional,
        bias: l.bias, dropout: l.dropout, ...(l.cell === "rnn" ? { nonlinearity: l.nonlinearity } : {}), ...(l.cell === "gru" ? { resetAfter: l.resetAfter } : {}),
        // only when not the default: files of σ-gated models stay as they were (and readable by older versions)
        ...(l.recurrentActivation !== "sigmoid" ? { recurrentActivation: l.recurrentActivation } : {}),
      };
    }
    case "pool": return { name: s.name, type: "Pool", mode: s.mode };
    case "linear": return { name: s.name, type: "Linear", inFeatures: s.inFeatures, outFeatures: s.outFeatures, bias: s.bias };
    case "dropout": return { name: s.name, type: "Dropout", p: s.p };
  }
}

/** Every parameter's shape by full name ("embedding.weight", "rnn.weight_ih_l0", "fc.bias"), without allocating. */
export function sequentialShapes(plan: SequentialPlan): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const s of plan.stages) {
    if (s.kind === "embedding") shapes[`${s.name}.weight`] = [s.numEmbeddings, s.embeddingDim];
    else if (s.kind === "recurrent") for (const e of new ParamLayout(s.layer).entries) shapes[`${s.name}.${e.name}`] = e.shape;
    else if (s.kind === "linear") {
      shapes[`${s.name}.weight`] = [s.outFeatures, s.inFeatures];
      if (s.bias) shapes[`${s.name}.bias`] = [s.outFeatures];
    }
  }
  return shapes;
}
