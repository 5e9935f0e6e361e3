// A module's weights after quantize(): which type they are stored as, and for int8 the matrices themselves.
//
// The f32 parameter buffer keeps the values the quantized weights stand for (scale·q for int8, the f16 values
// for f16), so torchParams() returns what the model computes with and biases stay where they were. Int8 layers
// also pack the int8 matrices for the int8 products; those packs are made from the matrices kept here (never
// re-quantized from f32), so a model that is saved and loaded computes the same bits.

import type { Parameter } from "../nn/module.js";
import { dequantizeRowsInt8, quantizeRowsInt8, type Int8Rows } from "./int8.js";
import { fromF16Array, toF16Array } from "./f16.js";

export type WeightType = "f32" | "int8" | "f16";

/** A quantized tensor as files hold it: int8 rows with scales, or f16 bits. */
export type StoredWeight = { type: "int8"; rows: Int8Rows } | { type: "f16"; bits: Uint16Array };

export class ModuleWeights {
  type: WeightType = "f32";
  /** int8 matrices by full parameter name. */
  readonly int8 = new Map<string, Int8Rows>();
  /** The parameter buffer's version the int8 matrices match (a later write makes them stale). */
  private version = -1;

  /**
   * Quantizes `weights` (parameters of one group) to `type`, or takes their stored form (`stored`, by full
   * name: from a file); writes the values they stand for into the parameter buffer.
   */
  apply(type: "int8" | "f16", weights: readonly Parameter[], stored?: ReadonlyMap<string, StoredWeight>): void {
    if (this.type !== "f32") throw new Error(`the weights are already ${this.type}; quantize the f32 model instead`);
    const values = new Map<string, Float32Array>();
    const int8 = new Map<string, Int8Rows>();
    for (const p of weights) {
      const [rows, cols] = matrixShape(p);
      const given = stored?.get(p.name);
      if (type === "int8") {
        if (given && given.type !== "int8") throw new Error(`${p.name}: stored as ${given.type}, expected int8`);
        const m = given ? given.rows : quantizeRowsInt8(p.group.params.copyOut(p.offset, p.length), rows, cols, p.name);
        if (m.rows !== rows || m.cols !== cols) throw new Error(`${p.name}: stored int8 weights are ${m.rows}×${m.cols}, expected ${rows}×${cols}`);
        int8.set(p.name, m);
        values.set(p.name, dequantizeRowsInt8(m));
      } else {
        if (given && given.type !== "f16") throw new Error(`${p.name}: stored as ${given.type}, expected f16`);
        const bits = given ? given.bits : toF16Array(p.group.params.copyOut(p.offset, p.length), p.name);
        if (bits.length !== p.length) throw new Error(`${p.name}: ${bits.length} stored f16 values, expected ${p.length}`);
        values.set(p.name, fromF16Array(bits));
      }
    }
    // everything is computed before anything is written: a failure leaves the module as it was
    for (const p of weights) p.group.params.write(values.get(p.name)!, p.offset);
    for (const [name, m] of int8) this.int8.set(name, m);
    this.type = type;
    this.version = weights.length > 0 ? weights[0].group.params.version : -1;
  }

  /** The int8 matrix of `name`, checked to still match the parameters (`version`: the buffer's now). */
  int8Of(name: string, version: number, path: string): Int8Rows {
    if (version !== this.version) throw new Error(`${path || "the model"}: its weights were changed after it was quantized to int8; quantize the f32 model again`);
    const m = this.int8.get(name);
    if (!m) throw new Error(`${path || "the model"}: no int8 weights for ${name}`);
    return m;
  }

  /** The stored form of `weights` (for files), or null for f32. */
  stored(weights: readonly Parameter[]): Map<string, StoredWeight> | null {
    if (this.type === "f32") return null;
    const out = new Map<string, StoredWeight>();
    for (const p of weights) {
      if (this.type === "int8") out.set(p.name, { type: "int8", rows: this.int8Of(p.name, p.group.params.version, p.name) });
      else out.set(p.name, { type: "f16", bits: toF16Array(p.group.params.copyOut(p.offset, p.length), p.name) });
    }
    return out;
  }

  /** Throws for training on quantized weights. */
  assertTrainable(what: string): void {
    if (this.type !== "f32") throw new Error(`${what}: the model's weights are quantized (${this.type}), which is for inference only; train the f32 model`);
  }
}

/** Throws unless every weight's rows (K of the int8 product) are at most `maxK` wide, naming the first that is not. */
export function checkInt8Width(weights: readonly Parameter[], maxK: number): void {
  const wide = weights.find((p) => matrixShape(p)[1] > maxK);
  if (wide) throw new RangeError(`cannot quantize ${wide.name} to int8: its rows have ${matrixShape(wide)[1]} inputs, more than the ${maxK} the int8 products take (use f16)`);
}

/** [rows, cols] of a weight matrix (an embedding table, a Linear or recurrent weight). */
export function matrixShape(p: Parameter): [number, number] {
  if (p.shape.length !== 2) throw new Error(`${p.name}: only matrices are quantized, this one is [${p.shape.join(", ")}]`);
  return [p.shape[0], p.shape[1]];
}

/** The parameters of a module that quantize() stores as int8/f16: the weight matrices (not biases). */
export function weightMatrices(parameters: readonly Parameter[]): Parameter[] {
  return parameters.filter((p) => p.shape.length === 2 && /(^|\.)weight(_[a-z]+_l\d+(_reverse)?)?$/.test(p.name));
}
