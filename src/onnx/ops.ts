// The glue operators that exporters write around the recurrent nodes, interpreted in TypeScript on the
// tensors of tensor.ts (shapes, indices and small products; the recurrent nodes run on the wasm kernels).
// Each takes the node, its input tensors (undefined for an omitted optional input) and the opset, and returns
// its outputs; anything it does not implement is refused naming the node, the operator and the attribute.

import type { AttributeValue, OnnxNode } from "./model.js";
import { bare, q, shapeText, sizeOf, strides, tensor, type DType, type Tensor } from "./tensor.js";

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

/**
 * Reads `src` with element `index` mapping: out[i] = src[map(i)], a gather over flat positions. With `rows`, the
 * caller promises that the last axis maps to consecutive positions of src, so whole rows are copied at once
 * (the embedding lookups, slices and splits of exporters' glue: one copy per row, not one call per element).
 */
function gatherFlat(src: Tensor, shape: number[], index: (out: number[]) => number, rows = false): Tensor {
  const out = tensor(src.dtype, shape);
  const n = out.data.length, rank = shape.length, pos = new Array<number>(rank).fill(0);
  const len = rank > 0 ? shape[rank - 1] : 0;
  if (rows && len >= 4) {
    for (let at = 0; at < n; at += len) {
      const k = index(pos);
      out.data.set(src.data.subarray(k, k + len), at);
      for (let d = rank - 2; d >= 0; d--) {
        if (++pos[d] < shape[d]) break;
        pos[d] = 0;
      }
    }
    return out;
  }
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
  }, perm[rank - 1] === rank - 1);
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

/** Whether `part` broadcasts onto `shape` by repeating whole: its shape without leading 1s is a suffix of `shape`. */
function isSuffix(part: number[], shape: number[]): boolean {
  let start = 0;
  while (start < part.length && part[start] === 1) start++;
  const rest = part.length - start;
  if (rest > shape.length) return false;
  for (let k = 0; k < rest; k++) if (part[start + k] !== shape[shape.length - rest + k]) return false;
  return true;
}

function binary(f: (x: number, y: number) => number, intResult?: (x: number, y: number) => number): Op {
  return (node, inputs) => {
    const a = need(node, inputs, 0), b = need(node, inputs, 1);
    const shape = broadcastShape(node, a.shape, b.shape);
    const isInt = a.dtype !== "float32";
    const out = tensor(a.dtype, shape);
    const g = isInt && intResult ? intResult : f;
    // the common cases (same shapes, a bias or a scalar on one side) by flat position, modulo the repeated side
    const n = out.data.length, ad = a.data, bd = b.data;
    if (ad.length === n && isSuffix(b.shape, shape)) {
      const nb = bd.length;
      for (let i = 0; i < n; i++) out.data[i] = g(ad[i], bd[i % nb]);
      return [out];
    }
    if (bd.length === n && isSuffix(a.shape, shape)) {
      const na = ad.length;
      for (let i = 0; i < n; i++) out.data[i] = g(ad[i % na], bd[i]);
      return [out];
    }
    const ia = broadcastIndex(a.shape, shape), ib = broadcastIndex(b.shape, shape);
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

/** Elementwise comparison or logic over broadcast inputs: a bool tensor. */
function predicate(f: (x: number, y: number) => boolean): Op {
  const g = binary((x, y) => (f(x, y) ? 1 : 0));
  return (node, inputs, opset) => [{ ...g(node, inputs, opset)[0], dtype: "bool" }];
}

/** Max, Min, Sum, Mean: any number of inputs (1 or more), broadcast together. */
function variadic(f: (x: number, y: number) => number, mean = false): Op {
  const pair = binary(f);
  return (node, inputs, opset) => {
    const parts = inputs.filter((t): t is Tensor => t !== undefined);
    if (parts.length === 0) throw nodeError(node, "has no inputs");
    let acc = parts[0];
    for (const t of parts.slice(1)) acc = pair(node, [acc, t], opset)[0];
    if (parts.length === 1) acc = { ...acc, data: acc.data.slice() };
    if (mean) for (let k = 0; k < acc.data.length; k++) acc.data[k] /= parts.length;
    return [acc];
  };
}

/** The value of an optional scalar input (Clip's min and max from opset 11), or `fallback`. */
const scalarOr = (t: Tensor | undefined, fallback: number): number => (t && t.data.length > 0 ? t.data[0] : fallback);

/** The axes a reduction runs over: the attribute before `inputFrom`, the second input from it; all when none. */
function reduceAxes(node: OnnxNode, inputs: OpInputs, opset: number, inputFrom: number, rank: number): number[] | null {
  const given = opset >= inputFrom ? (inputs[1] ? ints(inputs[1]) : undefined) : (node.attributes.get("axes") as number[] | undefined);
  if (!given || given.length === 0) {
    // noop_with_empty_axes (with the axes input): no axes means no reduction at all
    return opset >= inputFrom && (attr(node, "noop_with_empty_axes", 0) as number) === 1 ? null : [...Array(rank).keys()];
  }
  const axes = given.map((a) => axisOf(node, a, rank));
  if (new Set(axes).size !== axes.length) throw nodeError(node, `has the axes [${given.join(", ")}], which repeat an axis`);
  return axes;
}

/**
 * ReduceSum / Mean / Max / Min / Prod / L2 / LogSumExp: `init`, `step` and `end` fold one output element's inputs.
 * `inputFrom` is the opset from which axes come as an input (13 for ReduceSum, 18 for the others).
 */
function reduceOp(inputFrom: number, init: number, step: (acc: number, x: number) => number, end: (acc: number, n: number) => number = (a) => a): Op {
  return (node, inputs, opset) => {
    const x = need(node, inputs, 0), rank = x.shape.length;
    const axes = reduceAxes(node, inputs, opset, inputFrom, rank);
    if (axes === null) return [x];
    const keep = (attr(node, "keepdims", 1) as number) === 1;
    const kept = x.shape.map((d, k) => (axes.includes(k) ? 1 : d));
    const out = tensor(x.dtype, kept);
    if (x.data.length === 0) out.data.fill(end(init, 0));
    else {
      const acc = new Float64Array(out.data.length).fill(init);
      const index = broadcastIndex(kept, x.shape);
      const pos = new Array<number>(rank).fill(0);
      for (let k = 0; k < x.data.length; k++) {
        const o = index(pos);
        acc[o] = step(acc[o], x.data[k]);
        for (let d = rank - 1; d >= 0; d--) {
          if (++pos[d] < x.shape[d]) break;
          pos[d] = 0;
        }
      }
      const n = x.data.length / out.data.length;
      for (let k = 0; k < acc.length; k++) out.data[k] = end(acc[k], n);
    }
    return [keep ? out : reshapeTo(out, x.shape.filter((_, k) => !axes.includes(k)))];
  };
}

/** ArgMax / ArgMin along one axis (int64), the first index of the extreme or with select_last_index the last. */
function argOp(better: (x: number, best: number) => boolean): Op {
  return (node, inputs) => {
    const x = need(node, inputs, 0), rank = x.shape.length;
    const axis = axisOf(node, attr(node, "axis", 0) as number, rank);
    const keep = (attr(node, "keepdims", 1) as number) === 1, last = (attr(node, "select_last_index", 0) as number) === 1;
    const len = x.shape[axis];
    if (len === 0) throw nodeError(node, `cannot take an arg-extreme over axis ${axis} of ${shapeText(x.shape)}: it is empty`);
    const outer = sizeOf(x.shape.slice(0, axis)), inner = sizeOf(x.shape.slice(axis + 1));
    const kept = x.shape.map((d, k) => (k === axis ? 1 : d));
    const out = tensor("int64", kept);
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < inner; k++) {
        const base = o * len * inner + k;
        let best = 0;
        for (let j = 1; j < len; j++) {
          const v = x.data[base + j * inner], b = x.data[base + best * inner];
          if (better(v, b) || (last && v === b)) best = j;
        }
        out.data[o * inner + k] = best;
      }
    }
    return [keep ? out : reshapeTo(out, x.shape.filter((_, k) => k !== axis))];
  };
}

const CAST_TO: Record<number, DType> = { 1: "float32", 11: "float32", 6: "int32", 7: "int64", 9: "bool" };

const TABLE: Record<string, Op> = {
  Identity: (node, inputs) => [need(node, inputs, 0)],
  // inference: the input unchanged, and the optional mask output all true; training_mode (opset 12+) refused
  Dropout: (node, inputs) => {
    const x = need(node, inputs, 0), training = inputs[2];
    if (training && training.data[0]) throw nodeError(node, "has training_mode = true, which is not supported: this importer runs inference");
    const mask = tensor("bool", x.shape.slice());
    mask.data.fill(1);
    return [x, mask];
  },
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
    }, axis < x.shape.length - 1)];
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
    }, step[rank - 1] === 1)];
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
    const last = x.shape.length - 1;
    return [gatherFlat(x, shape, broadcastIndex(x.shape, shape), last >= 0 && x.shape[last] === shape[shape.length - 1])];
  },
  Split: (node, inputs, opset) => {
    const x = need(node, inputs, 0), rank = x.shape.length;
    const axis = axisOf(node, attr(node, "axis", 0) as number, rank), dim = x.shape[axis];
    // the sizes: the attribute before opset 13, the second input from 13; else equal parts, one per output
    // (from opset 18 num_outputs parts of ceil(dim / n), the last one smaller)
    const given = opset >= 13 ? (inputs[1] ? ints(inputs[1]) : undefined) : (node.attributes.get("split") as number[] | undefined);
    let sizes: number[];
    if (given && given.length > 0) sizes = given;
    else {
      const n = opset >= 18 ? (attr(node, "num_outputs", node.outputs.length) as number) : node.outputs.length;
      if (!(n >= 1)) throw nodeError(node, `cannot split into ${n} parts`);
      const part = opset >= 18 ? Math.ceil(dim / n) : dim / n;
      if (!Number.isInteger(part)) throw nodeError(node, `cannot split axis ${axis} of ${shapeText(x.shape)} into ${n} equal parts`);
      sizes = Array.from({ length: n }, (_, k) => Math.max(0, Math.min(part, dim - k * part)));
    }
    if (sizes.some((v) => v < 0) || sizes.reduce((a, b) => a + b, 0) !== dim) throw nodeError(node, `has split sizes [${sizes.join(", ")}], which do not add up to ${dim} (axis ${axis} of ${shapeText(x.shape)})`);
    if (sizes.length !== node.outputs.length) throw nodeError(node, `has ${sizes.length} split sizes for ${node.outputs.length} outputs`);
    const st = strides(x.shape);
    let at = 0;
    return sizes.map((size) => {
      const begin = at, shape = x.shape.slice();
      shape[axis] = size;
      at += size;
      return gatherFlat(x, shape, (pos) => {
        let k = 0;
        for (let d = 0; d < rank; d++) k += (d === axis ? pos[d] + begin : pos[d]) * st[d];
        return k;
      }, axis < rank - 1);
    });
  },
  Tile: (node, inputs) => {
    const x = need(node, inputs, 0), repeats = ints(need(node, inputs, 1));
    if (repeats.length !== x.shape.length || repeats.some((r) => !(r >= 0))) throw nodeError(node, `has repeats [${repeats.join(", ")}], expected ${x.shape.length} counts ≥ 0 for ${shapeText(x.shape)}`);
    const st = strides(x.shape);
    return [gatherFlat(x, x.shape.map((d, k) => d * repeats[k]), (pos) => {
      let k = 0;
      for (let d = 0; d < pos.length; d++) k += (pos[d] % x.shape[d]) * st[d];
      return k;
    })];
  },
  Range: (node, inputs) => {
    const start = need(node, inputs, 0), limit = need(node, inputs, 1), delta = need(node, inputs, 2);
    const [a, b, d] = [start, limit, delta].map((t) => t.data[0]);
    if (d === 0) throw nodeError(node, "has a delta of 0");
    const n = Math.max(Math.ceil((b - a) / d), 0);
    const out = tensor(start.dtype, [n]);
    for (let k = 0; k < n; k++) out.data[k] = a + k * d;
    return [out];
  },
  Clip: (node, inputs, opset) => {
    const x = need(node, inputs, 0);
    // bounds: attributes before opset 11, optional inputs from 11
    const lo = opset >= 11 ? scalarOr(inputs[1], -Infinity) : (attr(node, "min", -Infinity) as number);
    const hi = opset >= 11 ? scalarOr(inputs[2], Infinity) : (attr(node, "max", Infinity) as number);
    return unary((v) => Math.min(Math.max(v, lo), hi))(node, [x], opset);
  },
  ReduceSum: reduceOp(13, 0, (a, x) => a + x),
  ReduceMean: reduceOp(18, 0, (a, x) => a + x, (a, n) => a / n),
  ReduceMax: reduceOp(18, -Infinity, (a, x) => (x > a || Number.isNaN(x) ? x : a)),
  ReduceMin: reduceOp(18, Infinity, (a, x) => (x < a || Number.isNaN(x) ? x : a)),
  ReduceProd: reduceOp(18, 1, (a, x) => a * x),
  ReduceL2: reduceOp(18, 0, (a, x) => a + x * x, (a) => Math.sqrt(a)),
  ReduceLogSumExp: reduceOp(18, 0, (a, x) => a + Math.exp(x), (a) => Math.log(a)),
  ArgMax: argOp((x, best) => x > best),
  ArgMin: argOp((x, best) => x < best),
  Less: predicate((x, y) => x < y),
  LessOrEqual: predicate((x, y) => x <= y),
  Greater: predicate((x, y) => x > y),
  GreaterOrEqual: predicate((x, y) => x >= y),
  And: predicate((x, y) => x !== 0 && y !== 0),
  Or: predicate((x, y) => x !== 0 || y !== 0),
  Xor: predicate((x, y) => (x !== 0) !== (y !== 0)),
  Not: (node, inputs, opset) => [{ ...unary((x) => (x === 0 ? 1 : 0))(node, inputs, opset)[0], dtype: "bool" }],
  Max: variadic((x, y) => (Number.isNaN(x) || x > y ? x : y)),
  Min: variadic((x, y) => (Number.isNaN(x) || x < y ? x : y)),
  Sum: variadic((x, y) => x + y),
  Mean: variadic((x, y) => x + y, true),
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
  LeakyRelu: (node, inputs, opset) => {
    const alpha = attr(node, "alpha", 0.01) as number;
    return unary((x) => (x < 0 ? alpha * x : x))(node, inputs, opset);
  },
  Softplus: unary((x) => (x > 20 ? x : Math.log1p(Math.exp(x)))),
  HardSigmoid: (node, inputs, opset) => {
    const alpha = attr(node, "alpha", 0.2) as number, beta = attr(node, "beta", 0.5) as number;
    return unary((x) => Math.min(1, Math.max(0, alpha * x + beta)))(node, inputs, opset);
  },
  Elu: (node, inputs, opset) => {
    const alpha = attr(node, "alpha", 1) as number;
    return unary((x) => (x < 0 ? alpha * Math.expm1(x) : x))(node, inputs, opset);
  },
  Sign: unary(Math.sign),
  // round half to even, as ONNX (and NumPy) do
  Round: unary((x) => {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  }),
  Abs: unary(Math.abs),
  Reciprocal: unary((x) => 1 / x),
  Floor: unary(Math.floor),
  Ceil: unary(Math.ceil),
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
};

// no prototype: an operator named "constructor" or "toString" in a file is unknown, not Object's
export const OPS: Record<string, Op> = Object.assign(Object.create(null) as Record<string, Op>, TABLE);
