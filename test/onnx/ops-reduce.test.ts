// The operators the importer gained for exportOnnx's pooling (Range, Less, ReduceSum, ReduceMean, ReduceMax),
// against hand-computed values, and a lift that fails giving back the memory its layers took.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { initForTests } from "../helpers/setup.js";
import { OPS } from "../../src/onnx/ops.js";
import type { OnnxNode } from "../../src/onnx/model.js";
import { tensor, type Tensor } from "../../src/onnx/tensor.js";
import { runtime } from "../../src/init.js";
import { exportOnnx, liftOnnx } from "../../src/onnx/index.js";
import { decodeOnnx } from "../../src/onnx/model.js";
import { liftGraph } from "../../src/onnx/lift.js";
import { GRU } from "../../src/index.js";

await initForTests();

const node = (op: string, attrs: Record<string, number | number[]> = {}): OnnxNode => ({ name: op, opType: op, domain: "", inputs: [], outputs: [], attributes: new Map(Object.entries(attrs)) });
const f32 = (shape: number[], data: number[]) => tensor("float32", shape, Float32Array.from(data));
const i64 = (shape: number[], data: number[]) => tensor("int64", shape, Float64Array.from(data));
const run = (op: string, inputs: (Tensor | undefined)[], attrs = {}, opset = 14) => OPS[op](node(op, attrs), inputs, opset)[0];
const plain = (t: Tensor) => ({ shape: t.shape, data: Array.from(t.data), dtype: t.dtype });

const x = f32([2, 3], [1, -2, 3, 4, NaN, -6]);

test("ReduceSum: axes as an input (opset 13+), keepdims, all axes, noop_with_empty_axes", () => {
  assert.equal(plain(run("ReduceSum", [f32([2, 3], [1, 2, 3, 4, 5, 6]), i64([1], [0])], { keepdims: 0 })), { shape: [3], data: [5, 7, 9], dtype: "float32" });
  assert.equal(plain(run("ReduceSum", [f32([2, 3], [1, 2, 3, 4, 5, 6]), i64([1], [-1])])), { shape: [2, 1], data: [6, 15], dtype: "float32" });
  assert.equal(plain(run("ReduceSum", [f32([2, 3], [1, 2, 3, 4, 5, 6])], { keepdims: 0 })), { shape: [], data: [21], dtype: "float32" });
  assert.equal(run("ReduceSum", [x, i64([0], [])], { noop_with_empty_axes: 1 }).data, x.data);
  assert.throws(() => run("ReduceSum", [x, i64([1], [2])]), /has axis 2, out of range for rank 2/);
});

test("ReduceMean and ReduceMax: axes as an attribute (opset 14); the maximum keeps NaN", () => {
  assert.equal(plain(run("ReduceMean", [f32([2, 2], [1, 2, 4, 8])], { axes: [0], keepdims: 0 })), { shape: [2], data: [2.5, 5], dtype: "float32" });
  const m = run("ReduceMax", [x], { axes: [1], keepdims: 0 });
  assert.equal(m.shape, [2]);
  assert.is(m.data[0], 3);
  assert.ok(Number.isNaN(m.data[1]));
  assert.equal(plain(run("ReduceMax", [f32([2, 2], [-5, -1, -3, -7]), i64([1], [0])], { keepdims: 0 }, 18)), { shape: [2], data: [-3, -1], dtype: "float32" });
});

test("Range and Less", () => {
  assert.equal(plain(run("Range", [i64([], [0]), i64([], [4]), i64([], [1])])), { shape: [4], data: [0, 1, 2, 3], dtype: "int64" });
  assert.equal(plain(run("Range", [i64([], [5]), i64([], [0]), i64([], [-2])])), { shape: [3], data: [5, 3, 1], dtype: "int64" });
  assert.equal(run("Range", [i64([], [3]), i64([], [1]), i64([], [1])]).shape, [0]);
  assert.throws(() => run("Range", [i64([], [0]), i64([], [4]), i64([], [0])]), /has delta 0/);
  // [3, 1] < [1, 2] → [3, 2]
  assert.equal(plain(run("Less", [i64([3, 1], [0, 1, 2]), i64([1, 2], [1, 3])])), { shape: [3, 2], data: [1, 1, 0, 1, 0, 1], dtype: "bool" });
  assert.throws(() => run("Less", [i64([2], [0, 1]), i64([3], [0, 1, 2])]), /cannot broadcast \[2\] with \[3\]/);
});

test("a lift that is refused gives back the memory of the layers it built", () => {
  const layer = new GRU({ inputSize: 3, hiddenSize: 4, numLayers: 2 });
  const bytes = exportOnnx(layer);
  layer.dispose();
  const graph = decodeOnnx(bytes);
  graph.nodes.find((n) => n.outputs[0] === "output")!.opType = "Softplus";
  const heap = runtime().heap, before = heap.bytesInUse;
  assert.throws(() => liftGraph(graph), /^liftOnnx: node "Identity_\d+" \(Softplus\) on the step outputs of recurrent does not map/);
  assert.is(heap.bytesInUse, before);
  // and a working lift, disposed, too
  const lifted = liftOnnx(bytes);
  assert.ok(heap.bytesInUse > before);
  if (lifted.kind === "layer") lifted.layer.dispose();
  assert.is(heap.bytesInUse, before);
});

test.run();
