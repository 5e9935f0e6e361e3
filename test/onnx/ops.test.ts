// The glue operators against hand-worked results: the forms that differ between opsets (Squeeze / Unsqueeze
// axes as an attribute before 13 and an input from 13, Slice's attributes before 10, Softmax's flattening
// before 13), negative indices and steps, broadcasting, and products by computed values.

import { test } from "uvu";
import * as assert from "uvu/assert";
import type { OnnxNode } from "../../src/onnx/model.js";
import { OPS } from "../../src/onnx/ops.js";
import { tensor, type Tensor } from "../../src/onnx/tensor.js";

const n = (opType: string, attributes: Record<string, unknown> = {}): OnnxNode =>
  ({ name: `${opType.toLowerCase()}_1`, opType, domain: "", inputs: ["a", "b", "c", "d", "e"], outputs: ["y"], attributes: new Map(Object.entries(attributes)) as OnnxNode["attributes"] });
const f = (shape: number[], values: number[]) => tensor("float32", shape, Float32Array.from(values));
const i = (values: number[]) => tensor("int64", [values.length], Float64Array.from(values));
const run = (op: string, inputs: (Tensor | undefined)[], attrs: Record<string, unknown> = {}, opset = 14) => OPS[op](n(op, attrs), inputs, opset)[0];
const plain = (t: Tensor) => ({ shape: t.shape, data: Array.from(t.data, (v) => Math.round(v * 1e6) / 1e6) });

const x23 = f([2, 3], [1, 2, 3, 4, 5, 6]);

test("Gather: an axis, negative indices, a scalar index drops the axis", () => {
  assert.equal(plain(run("Gather", [x23, i([-1, 0])], { axis: 1 })), { shape: [2, 2], data: [3, 1, 6, 4] });
  assert.equal(plain(run("Gather", [x23, tensor("int64", [], Float64Array.of(-1))], { axis: 0 })), { shape: [3], data: [4, 5, 6] });
  assert.throws(() => run("Gather", [x23, i([3])], { axis: 1 }), /node "gather_1" \(Gather\) has index 3, out of range/);
});

test("Transpose, Reshape (0 and -1), Flatten, Concat", () => {
  assert.equal(plain(run("Transpose", [x23])), { shape: [3, 2], data: [1, 4, 2, 5, 3, 6] });
  assert.equal(run("Reshape", [x23, i([0, -1, 1])]).shape, [2, 3, 1]);
  assert.equal(run("Flatten", [f([2, 1, 3], [1, 2, 3, 4, 5, 6])], { axis: 2 }).shape, [2, 3]);
  assert.equal(plain(run("Concat", [x23, f([2, 1], [7, 8])], { axis: -1 })), { shape: [2, 4], data: [1, 2, 3, 7, 4, 5, 6, 8] });
});

test("Squeeze / Unsqueeze: axes as an attribute before opset 13, as an input from 13", () => {
  const x = f([1, 3, 1], [1, 2, 3]);
  assert.equal(run("Squeeze", [x], { axes: [0] }, 11).shape, [3, 1]);
  assert.equal(run("Squeeze", [x, i([-1])], {}, 13).shape, [1, 3]);
  assert.equal(run("Squeeze", [x], {}, 13).shape, [3]);
  assert.equal(run("Unsqueeze", [x23], { axes: [0, 3] }, 11).shape, [1, 2, 3, 1]);
  assert.equal(run("Unsqueeze", [x23, i([-1])], {}, 13).shape, [2, 3, 1]);
});

test("Slice: attributes before opset 10; inputs with axes, negative steps and INT64_MAX ends from 10", () => {
  assert.equal(plain(run("Slice", [x23], { starts: [1], ends: [3], axes: [1] }, 9)), { shape: [2, 2], data: [2, 3, 5, 6] });
  assert.equal(plain(run("Slice", [x23, i([-1]), i([Number.MIN_SAFE_INTEGER]), i([1]), i([-1])])), { shape: [2, 3], data: [3, 2, 1, 6, 5, 4] });
  assert.equal(plain(run("Slice", [x23, i([1]), i([Number.MAX_SAFE_INTEGER])])), { shape: [1, 3], data: [4, 5, 6] });
});

test("Shape with start and end, ConstantOfShape, Expand, Cast", () => {
  assert.equal(plain(run("Shape", [f([2, 3, 4], new Array(24).fill(0))], { start: -2 })), { shape: [2], data: [3, 4] });
  assert.equal(plain(run("ConstantOfShape", [i([2, 1])], { value: f([1], [7]) })), { shape: [2, 1], data: [7, 7] });
  assert.equal(plain(run("Expand", [f([3, 1], [1, 2, 3]), i([2, 3, 2])])).shape, [2, 3, 2]);
  const c = run("Cast", [f([2], [1.7, -1.7])], { to: 7 });
  assert.equal([c.dtype, Array.from(c.data)], ["int64", [1, -1]]);
  assert.throws(() => run("Cast", [x23], { to: 10 }), /node "cast_1" \(Cast\) attribute "to" = 10 is not supported/);
});

test("Softmax: over the flattened tail before opset 13, over one axis from 13", () => {
  const x = f([1, 2, 2], [0, 0, 0, 0]);
  assert.equal(plain(run("Softmax", [x], {}, 11)).data, [0.25, 0.25, 0.25, 0.25]);
  assert.equal(plain(run("Softmax", [x], {}, 13)).data, [0.5, 0.5, 0.5, 0.5]);
  const l = run("LogSoftmax", [f([2], [0, Math.log(3)])], {}, 13);
  assert.ok(Math.abs(l.data[0] - Math.log(0.25)) < 1e-6 && Math.abs(l.data[1] - Math.log(0.75)) < 1e-6);
});

test("broadcasting elementwise ops, MatMul of computed values (batched and 1-D), Gemm with alpha, beta, transposes", () => {
  assert.equal(plain(run("Add", [x23, f([3], [10, 20, 30])])).data, [11, 22, 33, 14, 25, 36]);
  assert.equal(plain(run("Mul", [x23, f([2, 1], [2, 3])])).data, [2, 4, 6, 12, 15, 18]);
  assert.throws(() => run("Add", [x23, f([2], [1, 2])]), /cannot broadcast \[2, 3\] with \[2\]/);
  assert.equal(plain(run("MatMul", [x23, f([3], [1, 0, -1])])), { shape: [2], data: [-2, -2] });
  const batched = run("MatMul", [f([2, 1, 2], [1, 2, 3, 4]), f([2, 2], [1, 0, 0, 1])]);
  assert.equal(plain(batched), { shape: [2, 1, 2], data: [1, 2, 3, 4] });
  const g = run("Gemm", [f([3, 2], [1, 4, 2, 5, 3, 6]), f([2, 3], [1, 0, 0, 0, 1, 0]), f([1], [1])], { transA: 1, transB: 1, alpha: 2, beta: 0.5 });
  assert.equal(plain(g), { shape: [2, 2], data: [2.5, 4.5, 8.5, 10.5] });
});

test.run();
