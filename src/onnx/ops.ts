// The glue operators that exporters write around the recurrent nodes, interpreted in TypeScript on the
// tensors of tensor.ts (shapes, indices and small products; the recurrent nodes run on the wasm kernels).
// Each takes the node, its input tensors (undefined for an omitted optional input) and the opset, and returns
// its outputs; anything it does not implement is refused naming the node, the operator and the attribute.

import type { AttributeValue, OnnxNode } from "./model.js";
import { bare, q, shapeText, sizeOf, strides, tensor, type DType, type Tensor } from "./tensor.js";
import { REDUCE_OPS } from "./ops-reduce.js";

export type OpInputs = (Tensor | undefined)[];
export type Op = (node: OnnxNode, inputs: OpInputs, opset: number) => Tensor[];

/** An error about a node: `node "name" (Op) …`; the phase that meets it (loadOnnx, OnnxModel.run) prefixes itself. */
export function nodeError(node: OnnxNode, what: string): RangeError {
  return new RangeError(`node ${q(node.name)} (${bare(node.opType)}) ${what}`);
}

/** `e` with its message prefixed by the phase, once (the class kept); a non-Error becomes an Error. */
export function prefixed(prefix: string, e: unknown): Error {
  if (!(e instanceof Error)) return new Error(`${prefix}: ${String(e)}`);
  // the library's own error classes (a WasmMemoryError, …) are kept as they are: callers may test for them
  if (e.message.startsWith(prefix) || ![Error, TypeError, RangeError].includes(e.constructor as ErrorConstructor)) return e;
  const Class = e instanceof TypeError ? TypeError : e instanceof RangeError ? RangeError : Error;
  return new Class(`${prefix}: ${e.message}`);
}

export function attr<T extends AttributeValue>(node: OnnxNode, name: string, fallback: T): T {
  const v = node.attributes.get(name);
  if (v === undefined) return fallback;
  if (typeof v === "bigint") throw nodeError(node, `attribute ${q(name)} is ${v}, out of range`);
  return v as T;
}

/** Refuses an attribute this implementation does not honour when it is set to anything but `allowed`. */
export function refuseAttr(node: OnnxNode, name: string, allowed: (v: AttributeValue) => boolean, why: string): void {
  const v = node.attributes.get(name);
  if (v !== undefined && !allowed(v)) throw nodeError(node, `attribute ${q(name)} = ${JSON.stringify(typeof v === "bigint" ? String(v) : v)} is not supported: ${why}`);
}

function need(node: OnnxNode, inputs: OpInputs, i: number): Tensor {
  const t = inputs[i];
  if (!t) throw nodeError(node, `needs input ${i}${node.inputs[i] ? ` (${q(node.inputs[i])})` : ""}`);
  return t;
}

const ints = (t: Tensor): number[] => Array.from(t.data);
const axisOf = (node: OnnxNode, axis: number, rank: number): number => {
  if (axis < -rank || axis >= rank) throw nodeError(node, `has axis ${axis}, out of range for rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
};

/** Reads `src` with element `index` mapping: out[i] = src[map(i)], a gather over flat positions. */
function gatherFlat(src: Tensor, shape: number[], index: (out: number[]) => number): Tensor {
  const out = tensor(src.dtype, shape);
  const n = out.data.length, rank = shape.length, pos = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    out.data[i] = src.data[index(pos)];
    for (let d = rank - 1; d >= 0; d--) {
      if (++pos[d] < shape[d]) break;
      pos[d] = 0;
    }
  }
  return out;
}

/** out = x with its axes in the order `perm` (a valid permutation of x's rank). */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const st = strides(x.shape), rank = perm.length;
  return gatherFlat(x, perm.map((p) => x.shape[p]), (pos) => {
    let k = 0;
    for (let d = 0; d < rank; d++) k += pos[d] * st[perm[d]];
    return k;
  });
}

function broadcastShape(node: OnnxNode, a: number[], b: number[]): number[] {
  const rank = Math.max(a.length, b.length), out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1, y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw nodeError(node, `cannot broadcast ${shapeText(a)} with ${shapeText(b)}`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

function broadcastIndex(shape: number[], outShape: number[]): (pos: number[]) => number {
  const st = strides(shape), off = outShape.length - shape.length;
  return (pos) => {
    let k = 0;
    for (let d = 0; d < shape.length; d++) if (shape[d] !== 1) k += pos[d + off] * st[d];
    return k;
  };
}

function binary(f: (x: number, y: number) => number, intResult?: (x: number, y: number) => number): Op {
  return (node, inputs) => {
    const a = need(node, inputs, 0), b = need(node, inputs, 1);
    const shape = broadcastShape(node, a.shape, b.shape);
    const ia = broadcastIndex(a.shape, shape), ib = broadcastIndex(b.shape, shape);
    const isInt = a.dtype !== "float32";
    const out = tensor(a.dtype, shape);
    const g = isInt && intResult ? intResult : f;
    const rank = shape.length, pos = new Array<number>(rank).fill(0);
    for (let i = 0; i < out.data.length; i++) {
      out.data[i] = g(a.data[ia(pos)], b.data[ib(pos)]);
      for (let d = rank - 1; d >= 0; d--) {
        if (++pos[d] < shape[d]) break;
        pos[d] = 0;
      }
    }
    return [out];
  };
}

function unary(f: (x: number) => number): Op {
  return (node, inputs) => {
    const a = need(node, inputs, 0);
    const out = tensor(a.dtype, a.shape.slice());
    for (let i = 0; i < a.data.length; i++) out.data[i] = f(a.data[i]);
    return [out];
  };
}

const reshapeTo = (t: Tensor, shape: number[]): Tensor => ({ dtype: t.dtype, shape, data: t.data });

function softmaxOp(log: boolean): Op {
  return (node, inputs, opset) => {
    const x = need(node, inputs, 0);
    const rank = x.shape.length;
    const axis = axisOf(node, attr(node, "axis", opset >= 13 ? -1 : 1) as number, rank);
    // opset < 13 normalises over the flattened [prod(shape[:axis]), prod(shape[axis:])]; 13+ over one axis
    const outer = sizeOf(x.shape.slice(0, axis));
    const len = opset >= 13 ? x.shape[axis] : sizeOf(x.shape.slice(axis));
    const inner = opset >= 13 ? sizeOf(x.shape.slice(axis + 1)) : 1;
    const out = tensor("float32", x.shape.slice());
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < inner; k++) {
        const base = o * len * inner + k;
        let max = -Infinity;
        for (let j = 0; j < len; j++) max = Math.max(max, x.data[base + j * inner]);
        let sum = 0;
        for (let j = 0; j < len; j++) sum += Math.exp(x.data[base + j * inner] - max);
        const logSum = Math.log(sum);
        for (let j = 0; j < len; j++) {
          const z = x.data[base + j * inner] - max;
          out.data[base + j * inner] = log ? z - logSum : Math.exp(z - logSum);
        }
      }
    }
    return [out];
  };
}

/** C[M, N] (+)= A[M, K]·B[K, N] in float64 accumulation (transposes by strides). */
function matmul2d(a: ArrayLike<number>, aOff: number, b: ArrayLike<number>, bOff: number, out: Float32Array, outOff: number,
  M: number, K: number, N: number, transA = false, transB = false, alpha = 1): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        s += a[aOff + (transA ? k * M + i : i * K + k)] * b[bOff + (transB ? j * K + k : k * N + j)];
      }
      out[outOff + i * N + j] += alpha * s;
    }
  }
}

const CAST_TO: Record<number, DType> = { 1: "float32", 11: "float32", 6: "int32", 7: "int64", 9: "bool" };

export const OPS: Record<string, Op> = {
  Identity: (node, inputs) => [need(node, inputs, 0)],
  Dropout: (node, inputs) => [need(node, inputs, 0)],
  Constant: (node) => {
    const keys = [...node.attributes.keys()];
    if (keys.length !== 1) throw nodeError(node, `must have exactly one value attribute, has ${keys.join(", ") || "none"}`);
    const v = node.attributes.get(keys[0])!;
    switch (keys[0]) {
      case "value": return [v as Tensor];
      case "value_float": return [tensor("float32", [], Float32Array.of(v as number))];
      case "value_floats": return [tensor("float32", [(v as number[]).length], Float32Array.from(v as number[]))];
      case "value_int": return [tensor("int64", [], Float64Array.of(Number(v)))];
      case "value_ints": return [tensor("int64", [(v as number[]).length], Float64Array.from(v as number[]))];
    }
    throw nodeError(node, `attribute ${q(keys[0])} is not supported: expected value, value_float(s) or value_int(s)`);
  },
  Shape: (node, inputs) => {
    const s = need(node, inputs, 0).shape;
    const rank = s.length;
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
    const start = clamp(attr(node, "start", 0) as number), end = clamp(attr(node, "end", rank) as number);
    const dims = s.slice(start, Math.max(start, end));
    return [tensor("int64", [dims.length], Float64Array.from(dims))];
  },
  Size: (node, inputs) => [tensor("int64", [], Float64Array.of(need(node, inputs, 0).data.length))],
  Cast: (node, inputs) => {
    const x = need(node, inputs, 0), to = attr(node, "to", 1) as number;
    const dtype = CAST_TO[to];
    if (!dtype) throw nodeError(node, `attribute "to" = ${to} is not supported: expected FLOAT, DOUBLE, INT32, INT64 or BOOL`);
    const out = tensor(dtype, x.shape.slice());
    for (let i = 0; i < x.data.length; i++) {
      const v = x.data[i];
      out.data[i] = dtype === "float32" ? v : dtype === "bool" ? (v !== 0 ? 1 : 0) : Math.trunc(v);
    }
    return [out];
  },
  Gather: (node, inputs) => {
    const x = need(node, inputs, 0), idx = need(node, inputs, 1);
    const axis = axisOf(node, attr(node, "axis", 0) as number, x.shape.length);
    const dim = x.shape[axis];
    const indices = Array.from(idx.data, (v) => {
      if (v < -dim || v >= dim) throw nodeError(node, `has index ${v}, out of range for dimension ${dim} of ${shapeText(x.shape)}`);
      return v < 0 ? v + dim : v;
    });
    const outShape = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
    const st = strides(x.shape), ir = idx.shape.length;
    return [gatherFlat(x, outShape, (pos) => {
      let k = 0;
      for (let d = 0; d < axis; d++) k += pos[d] * st[d];
      let flat = 0;
      for (let d = 0; d < ir; d++) flat = flat * idx.shape[d] + pos[axis + d];
      k += indices[flat] * st[axis];
      for (let d = axis + 1; d < x.shape.length; d++) k += pos[d - 1 + ir] * st[d];
      return k;
    })];
  },
  Transpose: (node, inputs) => {
    const x = need(node, inputs, 0), rank = x.shape.length;
    const perm = attr(node, "perm", [...Array(rank).keys()].reverse()) as number[];
    if (perm.length !== rank || new Set(perm).size !== rank || perm.some((p) => p < 0 || p >= rank)) throw nodeError(node, `attribute "perm" = [${perm.join(", ")}] is not a permutation of rank ${rank}`);
    return [permute(x, perm)];
  },
  Reshape: (node, inputs) => {
    const x = need(node, inputs, 0), spec = ints(need(node, inputs, 1));
    const allowZero = (attr(node, "allowzero", 0) as number) === 1;
    const shape = spec.map((v, i) => (v === 0 && !allowZero ? x.shape[i] : v));
    const known = shape.filter((v) => v !== -1).reduce((a, b) => a * b, 1);
    const free = shape.filter((v) => v === -1).length;
    if (free > 1 || shape.some((v) => v < -1 || v === undefined)) throw nodeError(node, `has shape [${spec.join(", ")}], which is not a valid target for ${shapeText(x.shape)}`);
    const resolved = shape.map((v) => (v === -1 ? (known === 0 ? 0 : x.data.length / known) : v));
    if (sizeOf(resolved) !== x.data.length || resolved.some((v) => !Number.isInteger(v))) throw nodeError(node, `cannot reshape ${shapeText(x.shape)} to [${spec.join(", ")}]`);
    return [reshapeTo(x, resolved)];
  },
  Flatten: (node, inputs) => {
    const x = need(node, inputs, 0);
    const axis = attr(node, "axis", 1) as number, a = axis < 0 ? axis + x.shape.length : axis;
    return [reshapeTo(x, [sizeOf(x.shape.slice(0, a)), sizeOf(x.shape.slice(a))])];
  },
  Squeeze: (node, inputs, opset) => {
    const x = need(node, inputs, 0), rank = x.shape.length;
    const given = opset >= 13 ? (inputs[1] ? ints(inputs[1]) : undefined) : (node.attributes.get("axes") as number[] | undefined);
    const axes = given ? given.map((a) => axisOf(node, a, rank)) : x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
    for (const a of axes) if (x.shape[a] !== 1) throw nodeError(node, `cannot squeeze axis ${a} of ${shapeText(x.shape)}: its size is not 1`);
    return [reshapeTo(x, x.shape.filter((_, i) => !axes.includes(i)))];
  },
  Unsqueeze: (node, inputs, opset) => {
    const x = need(node, inputs, 0);
    const given = opset >= 13 ? ints(need(node, inputs, 1)) : (attr(node, "axes", [] as number[]) as number[]);
    const rank = x.shape.length + given.length;
    const axes = given.map((a) => axisOf(node, a, rank));
    const shape: number[] = [];
    let k = 0;
    for (let i = 0; i < rank; i++) shape.push(axes.includes(i) ? 1 : x.shape[k++]);
    return [reshapeTo(x, shape)];
  },
  Concat: (node, inputs) => {
    const parts = inputs.filter((t): t is Tensor => t !== undefined);
    if (parts.length === 0) throw nodeError(node, "has no inputs");
    const rank = parts[0].shape.length, axis = axisOf(node, attr(node, "axis", 0) as number, rank);
    for (const p of parts) {
      if (p.shape.length !== rank || p.shape.some((d, i) => i !== axis && d !== parts[0].shape[i])) throw nodeError(node, `cannot concatenate ${parts.map((q) => shapeText(q.shape)).join(" and ")} on axis ${axis}`);
    }
    const shape = parts[0].shape.slice();
    shape[axis] = parts.reduce((n, p) => n + p.shape[axis], 0);
    const out = tensor(parts[0].dtype, shape);
    const outer = sizeOf(shape.slice(0, axis)), inner = sizeOf(shape.slice(axis + 1));
    let at = 0;
    for (let o = 0; o < outer; o++) {
      for (const p of parts) {
        const n = p.shape[axis] * inner;
        out.data.set(p.data.subarray(o * n, (o + 1) * n), at);
        at += n;
      }
    }
    return [out];
  },
  Slice: (node, inputs, opset) => {
    const x = need(node, inputs, 0), rank = x.shape.length;
    let starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined;
    if (opset < 10) {
      starts = attr(node, "starts", [] as number[]) as number[];
      ends = attr(node, "ends", [] as number[]) as number[];
      axes = node.attributes.get("axes") as number[] | undefined;
    } else {
      starts = ints(need(node, inputs, 1));
      ends = ints(need(node, inputs, 2));
      axes = inputs[3] ? ints(inputs[3]) : undefined;
      steps = inputs[4] ? ints(inputs[4]) : undefined;
    }
    const ax = (axes ?? starts.map((_, i) => i)).map((a) => axisOf(node, a, rank));
    const begin = new Array<number>(rank).fill(0), step = new Array<number>(rank).fill(1), shape = x.shape.slice();
    ax.forEach((a, i) => {
      const dim = x.shape[a], s = steps?.[i] ?? 1;
      if (s === 0) throw nodeError(node, "has a step of 0");
      const norm = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + dim : v, lo), hi);
      const b = s > 0 ? norm(starts[i], 0, dim) : norm(starts[i], -1, dim - 1);
      const e = s > 0 ? norm(ends[i], 0, dim) : norm(ends[i], -1, dim - 1);
      begin[a] = b;
      step[a] = s;
      shape[a] = Math.max(0, Math.ceil((e - b) / s));
    });
    const st = strides(x.shape);
    return [gatherFlat(x, shape, (pos) => {
      let k = 0;
      for (let d = 0; d < rank; d++) k += (begin[d] + pos[d] * step[d]) * st[d];
      return k;
    })];
  },
  ConstantOfShape: (node, inputs) => {
    const shape = ints(need(node, inputs, 0));
    const value = node.attributes.get("value") as Tensor | undefined;
    const out = tensor(value?.dtype ?? "float32", shape);
    out.data.fill(value ? value.data[0] : 0);
    return [out];
  },
  Expand: (node, inputs) => {
    const x = need(node, inputs, 0), target = ints(need(node, inputs, 1));
    const shape = broadcastShape(node, x.shape, target);
    return [gatherFlat(x, shape, broadcastIndex(x.shape, shape))];
  },
  Add: binary((x, y) => x + y),
  Sub: binary((x, y) => x - y),
  Mul: binary((x, y) => x * y),
  Div: binary((x, y) => x / y, (x, y) => Math.trunc(x / y)),
  Pow: binary((x, y) => Math.pow(x, y)),
  Equal: (node, inputs, opset) => {
    const [t] = binary((x, y) => (x === y ? 1 : 0))(node, inputs, opset);
    return [{ ...t, dtype: "bool" }];
  },
  Where: (node, inputs) => {
    const c = need(node, inputs, 0), x = need(node, inputs, 1), y = need(node, inputs, 2);
    const shape = broadcastShape(node, broadcastShape(node, c.shape, x.shape), y.shape);
    const ic = broadcastIndex(c.shape, shape), ix = broadcastIndex(x.shape, shape), iy = broadcastIndex(y.shape, shape);
    const out = tensor(x.dtype, shape);
    const rank = shape.length, pos = new Array<number>(rank).fill(0);
    for (let i = 0; i < out.data.length; i++) {
      out.data[i] = c.data[ic(pos)] ? x.data[ix(pos)] : y.data[iy(pos)];
      for (let d = rank - 1; d >= 0; d--) {
        if (++pos[d] < shape[d]) break;
        pos[d] = 0;
      }
    }
    return [out];
  },
  Neg: unary((x) => -x),
  Exp: unary(Math.exp),
  Log: unary(Math.log),
  Sqrt: unary(Math.sqrt),
  Tanh: unary(Math.tanh),
  Sigmoid: unary((x) => 1 / (1 + Math.exp(-x))),
  Relu: unary((x) => Math.max(0, x)),
  Softmax: softmaxOp(false),
  LogSoftmax: softmaxOp(true),
  MatMul: (node, inputs) => {
    const a = need(node, inputs, 0), b = need(node, inputs, 1);
    if (a.shape.length < 1 || b.shape.length < 1) throw nodeError(node, "needs inputs of rank 1 or more");
    const as = a.shape.length === 1 ? [1, a.shape[0]] : a.shape, bs = b.shape.length === 1 ? [b.shape[0], 1] : b.shape;
    const M = as[as.length - 2], K = as[as.length - 1], N = bs[bs.length - 1];
    if (bs[bs.length - 2] !== K) throw nodeError(node, `cannot multiply ${shapeText(a.shape)} by ${shapeText(b.shape)}`);
    const batchA = as.slice(0, -2), batchB = bs.slice(0, -2);
    const batch = broadcastShape(node, batchA, batchB);
    const ia = broadcastIndex(batchA, batch), ib = broadcastIndex(batchB, batch);
    const nb = sizeOf(batch), out = new Float32Array(nb * M * N);
    const pos = new Array<number>(batch.length).fill(0);
    for (let i = 0; i < nb; i++) {
      matmul2d(a.data, ia(pos) * M * K, b.data, ib(pos) * K * N, out, i * M * N, M, K, N);
      for (let d = batch.length - 1; d >= 0; d--) {
        if (++pos[d] < batch[d]) break;
        pos[d] = 0;
      }
    }
    const shape = [...batch, ...(a.shape.length === 1 ? [] : [M]), ...(b.shape.length === 1 ? [] : [N])];
    return [tensor("float32", shape, out)];
  },
  Gemm: (node, inputs) => {
    const a = need(node, inputs, 0), b = need(node, inputs, 1), c = inputs[2];
    const transA = (attr(node, "transA", 0) as number) === 1, transB = (attr(node, "transB", 0) as number) === 1;
    const alpha = attr(node, "alpha", 1) as number, beta = attr(node, "beta", 1) as number;
    if (a.shape.length !== 2 || b.shape.length !== 2) throw nodeError(node, `needs 2-D inputs, got ${shapeText(a.shape)} and ${shapeText(b.shape)}`);
    const M = transA ? a.shape[1] : a.shape[0], K = transA ? a.shape[0] : a.shape[1];
    const N = transB ? b.shape[0] : b.shape[1], Kb = transB ? b.shape[1] : b.shape[0];
    if (K !== Kb) throw nodeError(node, `cannot multiply ${shapeText(a.shape)} by ${shapeText(b.shape)} (transA ${Number(transA)}, transB ${Number(transB)})`);
    const out = new Float32Array(M * N);
    if (c) {
      const shape = broadcastShape(node, c.shape, [M, N]);
      if (shape[0] !== M || shape[1] !== N) throw nodeError(node, `cannot broadcast C ${shapeText(c.shape)} to [${M}, ${N}]`);
      const ic = broadcastIndex(c.shape, [M, N]);
      for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) out[i * N + j] = beta * c.data[ic([i, j])];
    }
    matmul2d(a.data, 0, b.data, 0, out, 0, M, K, N, transA, transB, alpha);
    return [tensor("float32", [M, N], out)];
  },
  // what exportOnnx writes for pooling (ops-reduce.ts)
  ...REDUCE_OPS,
};
