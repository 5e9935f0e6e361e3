// quantize(model, { weights: "int8" | "f16" }): a copy of a layer, language model or task model for inference
// with its weight matrices stored as int8 (per-row scales; int8 products, see assembly/quant.ts) or f16.
// Biases stay f32; gates, cell states and the softmax are computed in f32 as before.

import { checkKnownKeys, checkObject, describe } from "../errors.js";
import type { Parameter } from "../nn/module.js";
import { weightMatrices, type ModuleWeights, type StoredWeight, type WeightType } from "./weights.js";

export interface QuantizeOptions {
  /** "int8": per-row symmetric int8 weights, activations quantized per row on the fly; "f16": half-precision weights. */
  weights: "int8" | "f16";
}

/** A module whose weight matrices can be stored quantized (Embedding, Linear, Recurrent). */
export interface QuantizableModule {
  readonly weights: ModuleWeights;
  parameters(): readonly Parameter[];
  quantizeWeights(type: "int8" | "f16", stored?: ReadonlyMap<string, StoredWeight>): void;
}

/** Anything quantize() takes: it makes its own quantized copy. */
export interface Quantizable<M> {
  readonly weightType: WeightType;
  quantize(options: QuantizeOptions): M;
}

/** Returns a quantized copy of `model` (the model itself is unchanged); see QuantizeOptions. */
export function quantize<M extends Quantizable<M>>(model: M, options: QuantizeOptions): M {
  if (model === null || typeof model !== "object" || typeof (model as Partial<Quantizable<M>>).quantize !== "function") {
    throw new TypeError(`quantize: expected a layer (RNN, GRU, LSTM), a LanguageModel, a Sequential or a TaskModel, got ${describe(model)}`);
  }
  return model.quantize(options);
}

/** The checked weight type of quantize()'s options. */
export function checkQuantizeOptions(what: string, options: unknown, current: WeightType): "int8" | "f16" {
  const o = checkObject(`${what}(options)`, options, '{ weights: "int8" | "f16" }');
  checkKnownKeys(what, o, ["weights"]);
  if (o.weights !== "int8" && o.weights !== "f16") throw new TypeError(`${what}: weights must be "int8" or "f16", got ${describe(o.weights)}`);
  if (current !== "f32") throw new Error(`${what}: the model is already ${current}; quantize the f32 model it came from`);
  return o.weights;
}

/** Quantizes every module of a freshly built copy (stored: a file's weights by full name). */
export function quantizeModules(modules: readonly QuantizableModule[], type: "int8" | "f16", stored?: ReadonlyMap<string, StoredWeight>): void {
  for (const m of modules) m.quantizeWeights(type, stored);
}

/** The weight type of a model's modules ("f32" when it has none). */
export function weightTypeOf(modules: readonly QuantizableModule[]): WeightType {
  return modules.find((m) => m.weights.type !== "f32")?.weights.type ?? "f32";
}

/** Every quantized weight of a model by full name (for files), or null for an f32 model. */
export function storedWeightsOf(modules: readonly QuantizableModule[]): Map<string, StoredWeight> | null {
  if (weightTypeOf(modules) === "f32") return null;
  const out = new Map<string, StoredWeight>();
  for (const m of modules) for (const [name, w] of m.weights.stored(weightMatrices(m.parameters())) ?? []) out.set(name, w);
  return out;
}

/** Builds a copy with `make`, gives it `params` and quantizes its modules; a failure disposes the copy. */
export function quantizedCopy<M extends { dispose(): void; loadTorchParams(p: Record<string, Float32Array>): void; eval(): unknown }>(
  make: () => M, params: Record<string, Float32Array>, modules: (copy: M) => readonly QuantizableModule[], type: "int8" | "f16",
  stored?: ReadonlyMap<string, StoredWeight>,
): M {
  const copy = make();
  try {
    copy.loadTorchParams(params);
    quantizeModules(modules(copy), type, stored);
    copy.eval();
    return copy;
  } catch (e) {
    copy.dispose();
    throw e;
  }
}
