// More glue for the interpreter: the operators exportOnnx writes to pool over each sequence's valid steps
// (Range, Less, ReduceSum, ReduceMean, ReduceMax), in the conventions of ops.ts (integers and booleans held
// as exact numbers in Float64Array).

import type { OnnxNode } from "./model.js";
import { attr, nodeError, type Op, type OpInputs } from "./ops.js";
import { sizeOf, tensor, type Tensor } from "./tensor.js";

function input(node: OnnxNode, inputs: OpInputs, i: number): Tensor {
  const t = inputs[i];
  if (!t) throw nodeError(node, `needs input ${i}`);
  return t;
}

/** Reduces x over `axes` (all when none) with f, starting from `init`; `finish` maps (sum, count). */
function reduce(init: number, f: (acc: number, x: number) => number, finish: (acc: number, n: number) => number): Op {
  return (node, inputs, opset) => {
    const x = input(node, inputs, 0), rank = x.shape.length;
    // ReduceSum takes its axes as an input from opset 13, the others from opset 18
    const fromInput = node.opType === "ReduceSum" ? opset >= 13 : opset >= 18;
    const given = fromInput ? (inputs[1] ? Array.from(inputs[1].data) : []) : (attr(node, "axes", [] as number[]) as number[]);
    const noop = fromInput && (attr(node, "noop_with_empty_axes", 0) as number) === 1;
    if (given.length === 0 && noop) return [x];
    const axes = new Set((given.length === 0 ? [...Array(rank).keys()] : given).map((a) => {
      if (a < -rank || a >= rank) throw nodeError(node, `has axis ${a}, out of range for rank ${rank}`);
      return a < 0 ? a + rank : a;
    }));
    const keep = (attr(node, "keepdims", 1) as number) === 1;
    const kept = x.shape.map((d, i) => (axes.has(i) ? 1 : d));
    const n = sizeOf(x.shape.filter((_, i) => axes.has(i)));
    const acc = new Float64Array(sizeOf(kept)).fill(init);
    const pos = new Array<number>(rank).fill(0), st = kept.map((_, i) => sizeOf(kept.slice(i + 1)));
    for (let i = 0; i < x.data.length; i++) {
      let k = 0;
      for (let d = 0; d < rank; d++) if (!axes.has(d)) k += pos[d] * st[d];
      acc[k] = f(acc[k], x.data[i]);
      for (let d = rank - 1; d >= 0; d--) {
        if (++pos[d] < x.shape[d]) break;
        pos[d] = 0;
      }
    }
    const out = tensor(x.dtype, keep ? kept : x.shape.filter((_, i) => !axes.has(i)));
    for (let i = 0; i < acc.length; i++) out.data[i] = finish(acc[i], n);
    return [out];
  };
}

export const REDUCE_OPS: Record<string, Op> = {
  Range: (node, inputs) => {
    const [start, limit, delta] = [0, 1, 2].map((i) => {
      const t = input(node, inputs, i);
      if (t.data.length !== 1) throw nodeError(node, `needs scalar start, limit and delta, got input ${i} of ${t.data.length} values`);
      return t;
    });
    const s = start.data[0], l = limit.data[0], d = delta.data[0];
    if (d === 0) throw nodeError(node, "has delta 0");
    const n = Math.max(Math.ceil((l - s) / d), 0);
    const out = tensor(start.dtype, [n]);
    for (let i = 0; i < n; i++) out.data[i] = s + i * d;
    return [out];
  },
  Less: (node, inputs) => {
    const a = input(node, inputs, 0), b = input(node, inputs, 1);
    // broadcasting as the other binary operators: Where over a constant 1 / 0 does the indexing
    const shape: number[] = [];
    const rank = Math.max(a.shape.length, b.shape.length);
    for (let i = 0; i < rank; i++) {
      const x = a.shape[a.shape.length - rank + i] ?? 1, y = b.shape[b.shape.length - rank + i] ?? 1;
      if (x !== y && x !== 1 && y !== 1) throw nodeError(node, `cannot broadcast [${a.shape.join(", ")}] with [${b.shape.join(", ")}]`);
      shape.push(x === 1 ? y : x);
    }
    const out = tensor("bool", shape);
    const index = (t: Tensor) => {
      const off = rank - t.shape.length, st = t.shape.map((_, i) => sizeOf(t.shape.slice(i + 1)));
      return (pos: number[]) => t.shape.reduce((k, d, i) => k + (d === 1 ? 0 : pos[i + off] * st[i]), 0);
    };
    const ia = index(a), ib = index(b), pos = new Array<number>(rank).fill(0);
    for (let i = 0; i < out.data.length; i++) {
      out.data[i] = a.data[ia(pos)] < b.data[ib(pos)] ? 1 : 0;
      for (let d = rank - 1; d >= 0; d--) {
        if (++pos[d] < shape[d]) break;
        pos[d] = 0;
      }
    }
    return [out];
  },
  ReduceSum: reduce(0, (a, x) => a + x, (a) => a),
  ReduceMean: reduce(0, (a, x) => a + x, (a, n) => a / n),
  ReduceMax: reduce(-Infinity, (a, x) => (x > a || Number.isNaN(x) ? x : a), (a) => a),
};
