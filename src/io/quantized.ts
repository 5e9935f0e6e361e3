// A quantized model's weights in files. Each weight matrix of an int8 model is an I8 tensor under its PyTorch
// name with its per-row scales beside it as `${name}_scale` (F32 [rows], as ONNX names them); an f16 model's
// are F16 tensors. Biases and everything else stay F32. Reading gives back the f32 values the model computes
// with (what torchParams() returns) and, for int8, the matrices themselves, so a loaded model packs exactly
// the int8 weights that were saved.

import type { FileTensor } from "./format.js";
import type { DecodedTensor, NamedTensor } from "./safetensors.js";
import { describe } from "../errors.js";
import { storedWeightsOf, type QuantizableModule } from "../quant/quantize.js";
import { dequantizeRowsInt8, type Int8Rows } from "../quant/int8.js";
import { fromF16Array } from "../quant/f16.js";
import type { StoredWeight } from "../quant/weights.js";

export const SCALE_SUFFIX = "_scale";

/** A model as its files see it: its parameters and, when quantized, its modules' stored weights. */
export interface SavedModel {
  torchParams(): Record<string, Float32Array>;
  parameterShapes(): Record<string, number[]>;
  quantizableModules(): QuantizableModule[];
}

/** The tensors (and shapes) a file holds for `model`, its quantized weights in their own dtype. */
export function modelTensors(model: SavedModel): { tensors: Record<string, FileTensor>; shapes: Record<string, number[]> } {
  return quantizedTensors(model.torchParams(), model.parameterShapes(), storedWeightsOf(model.quantizableModules()));
}

/** modelTensors as safetensors' named tensors. */
export function modelNamedTensors(model: SavedModel): Record<string, NamedTensor> {
  const { tensors, shapes } = modelTensors(model);
  return Object.fromEntries(Object.entries(tensors).map(([name, data]) => [name, { shape: shapes[name], data }]));
}

/**
 * A safetensors file's weights back (see readQuantizedTensors) with its "weights" metadata; F16 tensors arrive
 * widened already, so only int8 matrices are stored.
 */
export function readSafetensorsWeights(tensors: Record<string, DecodedTensor>, metadata: Record<string, string>, source: string) {
  const type = weightsMetadata(metadata, source);
  const data = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.data]));
  const shapes = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.shape]));
  return { ...readQuantizedTensors(data, shapes, type === "int8" ? "int8" : undefined, source), type };
}

function quantizedTensors(
  params: Record<string, Float32Array>, shapes: Record<string, number[]>, stored: ReadonlyMap<string, StoredWeight> | null,
): { tensors: Record<string, FileTensor>; shapes: Record<string, number[]> } {
  if (!stored) return { tensors: params, shapes };
  const tensors: Record<string, FileTensor> = {}, outShapes: Record<string, number[]> = {};
  for (const [name, values] of Object.entries(params)) {
    const w = stored.get(name);
    outShapes[name] = shapes[name];
    if (!w) tensors[name] = values;
    else if (w.type === "f16") tensors[name] = w.bits;
    else {
      tensors[name] = w.rows.q;
      tensors[name + SCALE_SUFFIX] = w.rows.scales;
      outShapes[name + SCALE_SUFFIX] = [w.rows.rows];
    }
  }
  return { tensors, shapes: outShapes };
}

/**
 * Reads a file's tensors back: F32 as they are, F16 widened, I8 dequantized with their `_scale` tensors
 * (which are then dropped from the result). Refuses I8 or F16 tensors in a file that says its weights are f32
 * (`weights` undefined) or the other type, int8 weights without scales, and scales that are not finite and ≥ 0.
 */
export function readQuantizedTensors(
  tensors: Record<string, FileTensor>, shapes: Record<string, number[]>, weights: "int8" | "f16" | undefined, source: string,
): { tensors: Record<string, Float32Array>; shapes: Record<string, number[]>; stored: Map<string, StoredWeight> | null } {
  const out: Record<string, Float32Array> = {}, outShapes: Record<string, number[]> = {};
  const stored = weights === undefined ? null : new Map<string, StoredWeight>();
  for (const [name, t] of Object.entries(tensors)) {
    if (t instanceof Float32Array) {
      if (weights === "int8" && name.endsWith(SCALE_SUFFIX) && tensors[name.slice(0, -SCALE_SUFFIX.length)] instanceof Int8Array) continue;
      setOwn(out, name, t);
      setOwn(outShapes, name, shapes[name]);
      continue;
    }
    const kind = t instanceof Int8Array ? "int8" : "f16";
    if (weights !== kind) throw new Error(`${source} is corrupt: tensor "${name}" is ${kind === "int8" ? "I8" : "F16"} but the file says its weights are ${weights ?? "f32"}`);
    const shape = shapes[name];
    if (t instanceof Uint16Array) {
      setOwn(out, name, fromF16Array(t));
    } else {
      if (shape.length !== 2) throw new Error(`${source} is corrupt: int8 tensor "${name}" has shape [${shape.join(", ")}], not a matrix`);
      const scaleName = name + SCALE_SUFFIX, s = tensors[scaleName];
      if (!(s instanceof Float32Array) || s.length !== shape[0]) throw new Error(`${source} is corrupt: int8 tensor "${name}" needs F32 scales "${scaleName}" of ${shape[0]} values, ${s ? `got ${s.length} ${s.constructor.name} values` : "which is missing"}`);
      const bad = s.findIndex((v) => !(v >= 0 && Number.isFinite(v)));
      if (bad >= 0) throw new Error(`${source} is corrupt: "${scaleName}" holds ${s[bad]} at row ${bad} (scales are finite and ≥ 0)`);
      if (t.includes(-128)) throw new Error(`${source} is corrupt: int8 tensor "${name}" holds −128 (wasm-rnn's int8 weights are in [−127, 127])`);
      const rows: Int8Rows = { q: t, scales: s, rows: shape[0], cols: shape[1] };
      stored!.set(name, { type: "int8", rows });
      setOwn(out, name, dequantizeRowsInt8(rows));
    }
    setOwn(outShapes, name, shape);
  }
  return { tensors: out, shapes: outShapes, stored };
}

/** A safetensors file's "weights" metadata: "int8" or "f16" for a quantized wasm-rnn model, else undefined. */
export function weightsMetadata(metadata: Record<string, string>, source: string): "int8" | "f16" | undefined {
  const w = metadata.weights;
  if (w === undefined) return undefined;
  if (w !== "int8" && w !== "f16") throw new Error(`${source} has unreadable metadata: "weights" must be "int8" or "f16", got ${describe(w)}`);
  return w;
}

function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
