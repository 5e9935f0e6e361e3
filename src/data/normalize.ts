// Per-feature standardisation, z = (x − mean) / std, as scikit-learn's StandardScaler: fitted on the training
// split only (statistics that saw the validation or test data would leak them into training), then stored
// with the model (toJSON) so predictions are made on, and mapped back from, the same scale.

import { checkPositiveInt, describe } from "../errors.js";

export interface NormalizerJSON {
  features: number;
  mean: number[];
  std: number[];
}

export class Normalizer {
  private constructor(readonly features: number, readonly mean: Float64Array, readonly std: Float64Array) {}

  /**
   * Mean and population standard deviation (ddof 0, StandardScaler's) of each feature of `values`
   * ([rows · features], row-major), in float64. A constant feature has std 0; it gets 1 instead (as
   * StandardScaler does), so it maps to 0 rather than to NaN.
   */
  static fit(values: Float32Array, features: number): Normalizer {
    checkPositiveInt("features", features);
    checkValues("Normalizer.fit", values, features);
    const rows = values.length / features;
    if (rows === 0) throw new RangeError("Normalizer.fit: values is empty; it needs at least one row");
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new RangeError(`Normalizer.fit: values[${bad}] (row ${Math.floor(bad / features)}, feature ${bad % features}) must be finite, got ${values[bad]}`);
    const mean = new Float64Array(features), std = new Float64Array(features);
    for (let i = 0; i < values.length; i++) mean[i % features] += values[i];
    for (let f = 0; f < features; f++) mean[f] /= rows;
    // two passes: the sum of squared deviations, not E[x²] − E[x]², which cancels badly for large means
    for (let i = 0; i < values.length; i++) std[i % features] += (values[i] - mean[i % features]) ** 2;
    for (let f = 0; f < features; f++) std[f] = Math.sqrt(std[f] / rows) || 1;
    return new Normalizer(features, mean, std);
  }

  /**
   * (x − mean) / std into a new array. `values` is [rows · features], or [rows · columns.length] when
   * `columns` names the features its columns are (e.g. the target features of a forecast).
   */
  transform(values: Float32Array, columns?: readonly number[]): Float32Array {
    return this.map("transform", values, columns, (x, f) => (x - this.mean[f]) / this.std[f]);
  }

  /** x · std + mean into a new array: back to the original scale (same layouts as transform). */
  inverse(values: Float32Array, columns?: readonly number[]): Float32Array {
    return this.map("inverse", values, columns, (z, f) => z * this.std[f] + this.mean[f]);
  }

  toJSON(): NormalizerJSON {
    return { features: this.features, mean: Array.from(this.mean), std: Array.from(this.std) };
  }

  static fromJSON(json: unknown): Normalizer {
    const j = json as NormalizerJSON;
    const shape = "{ features: number, mean: number[], std: number[] }";
    if (typeof j !== "object" || j === null || !Array.isArray(j.mean) || !Array.isArray(j.std)) {
      throw new TypeError(`normalizer JSON must be ${shape}, got ${describe(json)}`);
    }
    checkPositiveInt("normalizer JSON features", j.features);
    for (const key of ["mean", "std"] as const) {
      const a = j[key];
      if (a.length !== j.features) throw new RangeError(`normalizer JSON: ${key} must have ${j.features} values (one per feature), got ${a.length}`);
      const bad = a.findIndex((v) => typeof v !== "number" || !Number.isFinite(v) || (key === "std" && v <= 0));
      if (bad >= 0) throw new RangeError(`normalizer JSON: ${key}[${bad}] must be a ${key === "std" ? "positive " : ""}finite number, got ${describe(a[bad])}`);
    }
    return new Normalizer(j.features, Float64Array.from(j.mean), Float64Array.from(j.std));
  }

  private map(what: string, values: Float32Array, columns: readonly number[] | undefined, f: (x: number, feature: number) => number): Float32Array {
    const cols = columns === undefined ? null : this.checkColumns(what, columns);
    const width = cols ? cols.length : this.features;
    checkValues(`Normalizer.${what}`, values, width);
    const out = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const c = i % width;
      out[i] = f(values[i], cols ? cols[c] : c);
    }
    return out;
  }

  private checkColumns(what: string, columns: readonly number[]): readonly number[] {
    if (!Array.isArray(columns) || columns.length === 0) throw new TypeError(`Normalizer.${what}: columns must be a non-empty array of feature indices, got ${describe(columns)}`);
    const bad = columns.findIndex((c) => !Number.isInteger(c) || c < 0 || c >= this.features);
    if (bad >= 0) throw new RangeError(`Normalizer.${what}: columns[${bad}] must be a feature index in [0, ${this.features}), got ${describe(columns[bad])}`);
    return columns;
  }
}

function checkValues(what: string, values: unknown, width: number): void {
  if (!(values instanceof Float32Array)) throw new TypeError(`${what}: values must be a Float32Array of [rows · ${width}], got ${describe(values)}`);
  if (values.length % width !== 0) throw new RangeError(`${what}: values has ${values.length} numbers, not a multiple of the ${width} features per row`);
}
