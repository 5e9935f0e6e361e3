// The values that flow through an ONNX graph here: float tensors as Float32Array, integer tensors (int64,
// int32, bool) as Float64Array holding exact integers (every shape, index and token id fits in 2^53).

export type DType = "float32" | "int64" | "int32" | "bool";

export interface Tensor {
  dtype: DType;
  shape: number[];
  data: Float32Array | Float64Array;
}

/** The largest tensor the interpreter makes (1 GiB of float32). */
export const MAX_ELEMENTS = 2 ** 28;

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function tensor(dtype: DType, shape: number[], data?: Float32Array | Float64Array): Tensor {
  const n = sizeOf(shape);
  if (!(n <= MAX_ELEMENTS)) throw new RangeError(`a tensor of shape [${shape.join(", ")}] would have ${n} elements, more than this importer takes (2^28)`);
  const d = data ?? (dtype === "float32" ? new Float32Array(n) : new Float64Array(n));
  if (d.length !== n) throw new RangeError(`a tensor of shape [${shape.join(", ")}] needs ${n} values, got ${d.length}`);
  return { dtype, shape, data: d };
}

/** Row-major strides of `shape`. */
export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
  return s;
}

export const shapeText = (shape: readonly number[]): string => `[${shape.join(", ")}]`;

const short = (s: string): string => (s.length > 80 ? `${s.slice(0, 77)}...` : s);
/** A name from the file, quoted for a message: escaped (no line breaks) and shortened. */
export const q = (s: string): string => JSON.stringify(short(String(s)));
/** The same without the quotes (operator types). */
export const bare = (s: string): string => q(s).slice(1, -1);
