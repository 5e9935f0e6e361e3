// The values that flow through an ONNX graph here: float tensors as Float32Array, integer tensors (int64,
// int32, bool) as Float64Array holding exact integers (every shape, index and token id fits in 2^53).

export type DType = "float32" | "int64" | "int32" | "bool";

export interface Tensor {
  dtype: DType;
  shape: number[];
  data: Float32Array | Float64Array;
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function tensor(dtype: DType, shape: number[], data?: Float32Array | Float64Array): Tensor {
  const n = sizeOf(shape);
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
