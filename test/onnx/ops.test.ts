// The glue operators against hand-worked results: the forms that differ between opsets (Squeeze / Unsqueeze
// axes as an attribute before 13 and an input from 13, Slice's attributes before 10, Softmax's flattening
// before 13), negative indices and steps, broadcasting, and products by computed values. Then the rest of what
// tf2onnx and torch.onnx.export write: Split (sizes as an attribute before 13, an input from 13, num_outputs
// from 18), the reductions (axes as an attribute, as an input from 13 for ReduceSum and from 18 for the others,
// noop_with_empty_axes), ArgMax/ArgMin, Clip (attributes before 11, inputs from 11), comparisons and logic,
// Range, Tile, variadic Max/Min/Sum/Mean, Dropout's mask, activations; unknown operators stay refused.

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

const b = (t: Tensor) => ({ dtype: t.dtype, shape: t.shape, data: Array.from(t.data) });
const nOut = (op: string, outputs: number, attrs: Record<string, unknown> = {}): OnnxNode => ({ ...n(op, attrs), outputs: Array.from({ length: outputs }, (_, k) => `y${k}`) });

test("Split: sizes as an attribute before opset 13, as an input from 13, equal parts, num_outputs from 18", () => {
  const x = f([2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const at11 = OPS.Split(nOut("Split", 2, { axis: 1, split: [2, 3] }), [x], 11).map(plain);
  assert.equal(at11, [{ shape: [2, 2], data: [1, 2, 6, 7] }, { shape: [2, 3], data: [3, 4, 5, 8, 9, 10] }]);
  const at13 = OPS.Split(nOut("Split", 2, { axis: -1 }), [x, i([4, 1])], 13).map(plain);
  assert.equal(at13, [{ shape: [2, 4], data: [1, 2, 3, 4, 6, 7, 8, 9] }, { shape: [2, 1], data: [5, 10] }]);
  const rows = OPS.Split(nOut("Split", 2), [x], 13).map(plain);
  assert.equal(rows, [{ shape: [1, 5], data: [1, 2, 3, 4, 5] }, { shape: [1, 5], data: [6, 7, 8, 9, 10] }]);
  const at18 = OPS.Split(nOut("Split", 3, { axis: 1, num_outputs: 3 }), [x], 18).map((t) => t.shape);
  assert.equal(at18, [[2, 2], [2, 2], [2, 1]], "ceil(5 / 3) = 2, the last part smaller");
  assert.throws(() => OPS.Split(nOut("Split", 2, { axis: 1 }), [x], 13), /node "split_1" \(Split\) cannot split axis 1 of \[2, 5\] into 2 equal parts/);
  assert.throws(() => OPS.Split(nOut("Split", 2, { axis: 1 }), [x, i([2, 2])], 13), /has split sizes \[2, 2\], which do not add up to 5/);
});

test("ReduceSum / Mean / Max / Min / Prod / L2 / LogSumExp: axes attribute, axes input (ReduceSum 13, others 18), keepdims, noop_with_empty_axes", () => {
  assert.equal(plain(run("ReduceSum", [x23], { axes: [1], keepdims: 0 }, 11)), { shape: [2], data: [6, 15] });
  assert.equal(plain(run("ReduceSum", [x23, i([0])], {}, 13)), { shape: [1, 3], data: [5, 7, 9] });
  assert.equal(plain(run("ReduceSum", [x23], { keepdims: 0 }, 13)), { shape: [], data: [21] }, "no axes: all of them");
  assert.equal(plain(run("ReduceSum", [x23, i([])], { noop_with_empty_axes: 1 }, 13)), plain(x23), "empty axes with noop_with_empty_axes: the input");
  assert.equal(plain(run("ReduceMean", [x23], { axes: [-1] }, 13)), { shape: [2, 1], data: [2, 5] }, "opset 13: axes still an attribute");
  assert.equal(plain(run("ReduceMean", [x23, i([0, 1])], { keepdims: 0 }, 18)), { shape: [], data: [3.5] });
  assert.equal(plain(run("ReduceMax", [f([2, 2], [1, -5, 7, 2])], { axes: [0] }, 11)), { shape: [1, 2], data: [7, 2] });
  assert.equal(plain(run("ReduceMin", [f([2, 2], [1, -5, 7, 2]), i([1])], { keepdims: 0 }, 18)), { shape: [2], data: [-5, 2] });
  assert.equal(plain(run("ReduceProd", [x23], { axes: [1], keepdims: 0 }, 13)).data, [6, 120]);
  assert.equal(plain(run("ReduceL2", [f([2], [3, 4])], { keepdims: 0 }, 13)).data, [5]);
  assert.equal(plain(run("ReduceLogSumExp", [f([2], [0, 0])], { keepdims: 0 }, 13)).data, [Math.round(Math.log(2) * 1e6) / 1e6]);
  assert.ok(Number.isNaN(run("ReduceMax", [f([3], [1, NaN, 2])], { keepdims: 0 }, 13).data[0]), "NaN propagates");
  assert.throws(() => run("ReduceSum", [x23, i([1, -1])], {}, 13), /node "reducesum_1" \(ReduceSum\) has the axes \[1, -1\], which repeat an axis/);
  assert.throws(() => run("ReduceMean", [x23], { axes: [2] }, 13), /has axis 2, out of range for rank 2/);
});

test("ArgMax / ArgMin: axis, keepdims, ties to the first index or with select_last_index the last; int64 out", () => {
  const x = f([2, 3], [1, 9, 9, 4, 0, 0]);
  assert.equal(b(run("ArgMax", [x], { axis: 1 })), { dtype: "int64", shape: [2, 1], data: [1, 0] });
  assert.equal(b(run("ArgMax", [x], { axis: 1, keepdims: 0, select_last_index: 1 })), { dtype: "int64", shape: [2], data: [2, 0] });
  assert.equal(b(run("ArgMin", [x], { axis: -1, keepdims: 0 })), { dtype: "int64", shape: [2], data: [0, 1] });
  assert.equal(b(run("ArgMin", [x], { keepdims: 0, select_last_index: 1 })), { dtype: "int64", shape: [3], data: [0, 1, 1] });
});

test("Clip: min/max attributes before opset 11, optional inputs from 11; Relu, LeakyRelu, Softplus, Tanh, Sigmoid, Abs, Floor, Ceil, Reciprocal, HardSigmoid, Elu, Sign, Round", () => {
  const x = f([4], [-2, -0.5, 0.5, 3]);
  assert.equal(plain(run("Clip", [x], { min: -1, max: 1 }, 6)).data, [-1, -0.5, 0.5, 1]);
  assert.equal(plain(run("Clip", [x, f([], [0]), undefined], {}, 11)).data, [0, 0, 0.5, 3], "min only");
  assert.equal(plain(run("Clip", [x, undefined, f([], [0])], {}, 13)).data, [-2, -0.5, 0, 0], "max only");
  assert.equal(plain(run("Clip", [x], {}, 13)).data, [-2, -0.5, 0.5, 3], "no bounds: unchanged");
  assert.equal(plain(run("Relu", [x])).data, [0, 0, 0.5, 3]);
  assert.equal(plain(run("LeakyRelu", [x], { alpha: 0.1 })).data, [-0.2, -0.05, 0.5, 3]);
  assert.equal(plain(run("LeakyRelu", [x])).data, [-0.02, -0.005, 0.5, 3], "alpha defaults to 0.01");
  assert.equal(plain(run("Softplus", [f([2], [0, 30])])).data, [Math.round(Math.log(2) * 1e6) / 1e6, 30]);
  assert.equal(plain(run("Tanh", [f([1], [0.5])])).data, [Math.round(Math.tanh(0.5) * 1e6) / 1e6]);
  assert.equal(plain(run("Sigmoid", [f([2], [0, Math.log(3)])])).data, [0.5, 0.75]);
  assert.equal(plain(run("Abs", [x])).data, [2, 0.5, 0.5, 3]);
  assert.equal(plain(run("Floor", [x])).data, [-2, -1, 0, 3]);
  assert.equal(plain(run("Ceil", [x])).data, [-2, -0, 1, 3]);
  assert.equal(plain(run("Reciprocal", [x])).data, [-0.5, -2, 2, 1 / 3].map((v) => Math.round(v * 1e6) / 1e6));
  assert.equal(plain(run("HardSigmoid", [f([3], [-3, 0, 1])])).data, [0, 0.5, 0.7], "clip(0.2·x + 0.5, 0, 1)");
  assert.equal(plain(run("HardSigmoid", [f([1], [1])], { alpha: 0.5, beta: 0 })).data, [0.5]);
  assert.equal(plain(run("Elu", [f([2], [-1, 2])], { alpha: 2 })).data, [Math.round(2 * (Math.exp(-1) - 1) * 1e6) / 1e6, 2]);
  assert.equal(plain(run("Sign", [f([3], [-2, 0, 0.1])])).data, [-1, 0, 1]);
  assert.equal(plain(run("Round", [f([7], [0.5, 1.5, 2.5, -0.5, -1.5, 2.4, -2.6])])).data, [0, 2, 2, -0, -2, 2, -3], "half to even");
});

test("Less / Greater / LessOrEqual / GreaterOrEqual / Equal, Not / And / Or / Xor: bool, broadcast; Where picks by them", () => {
  const x = f([3], [1, 2, 3]), two = f([], [2]);
  assert.equal(b(run("Less", [x, two])), { dtype: "bool", shape: [3], data: [1, 0, 0] });
  assert.equal(b(run("Greater", [x, two])).data, [0, 0, 1]);
  assert.equal(b(run("LessOrEqual", [x, two])).data, [1, 1, 0]);
  assert.equal(b(run("GreaterOrEqual", [x, two])).data, [0, 1, 1]);
  const eq = run("Equal", [i([1, 2, 3]), tensor("int64", [], Float64Array.of(2))]);
  assert.equal(b(eq), { dtype: "bool", shape: [3], data: [0, 1, 0] });
  assert.equal(b(run("Not", [eq])), { dtype: "bool", shape: [3], data: [1, 0, 1] });
  const p = tensor("bool", [4], Float64Array.of(0, 0, 1, 1)), q = tensor("bool", [4], Float64Array.of(0, 1, 0, 1));
  assert.equal(b(run("And", [p, q])).data, [0, 0, 0, 1]);
  assert.equal(b(run("Or", [p, q])).data, [0, 1, 1, 1]);
  assert.equal(b(run("Xor", [p, q])).data, [0, 1, 1, 0]);
  assert.equal(plain(run("Where", [run("Less", [x, two]), x, f([], [0])])).data, [1, 0, 0]);
});

test("Range (float and int64, empty), Tile, Sub/Div (int64 truncates), variadic Max/Min/Sum/Mean", () => {
  const s = (v: number) => tensor("int64", [], Float64Array.of(v));
  assert.equal(b(run("Range", [s(3), s(11), s(3)])), { dtype: "int64", shape: [3], data: [3, 6, 9] });
  assert.equal(plain(run("Range", [f([], [1]), f([], [0]), f([], [-0.25])])).data, [1, 0.75, 0.5, 0.25]);
  assert.equal(run("Range", [f([], [5]), f([], [1]), f([], [1])]).shape, [0]);
  assert.throws(() => run("Range", [f([], [0]), f([], [1]), f([], [0])]), /has a delta of 0/);
  assert.equal(plain(run("Tile", [f([1, 2], [1, 2]), i([2, 2])])), { shape: [2, 4], data: [1, 2, 1, 2, 1, 2, 1, 2] });
  assert.throws(() => run("Tile", [x23, i([2])]), /has repeats \[2\], expected 2 counts/);
  assert.equal(plain(run("Sub", [x23, f([1], [1])])).data, [0, 1, 2, 3, 4, 5]);
  assert.equal(b(run("Div", [i([7, -7]), i([2, 2])])).data, [3, -3]);
  assert.equal(plain(run("Max", [f([3], [1, 5, 2]), f([1], [3]), f([3], [0, 0, 4])])).data, [3, 5, 4]);
  assert.equal(plain(run("Min", [f([3], [1, 5, 2]), f([1], [3])])).data, [1, 3, 2]);
  assert.equal(plain(run("Sum", [f([2], [1, 2]), f([2], [3, 4]), f([1], [10])])).data, [14, 16]);
  assert.equal(plain(run("Mean", [f([2], [1, 2]), f([2], [3, 6])])).data, [2, 4]);
  const one = f([2], [1, 2]);
  const same = run("Max", [one]);
  same.data[0] = 9;
  assert.is(one.data[0], 1, "a single input is copied, not shared");
});

test("Dropout (inference): the input and an all-true mask; training_mode true refused; Identity, Flatten, LogSoftmax", () => {
  const [y, mask] = OPS.Dropout(nOut("Dropout", 2), [x23, f([], [0.5]), tensor("bool", [], Float64Array.of(0))], 13);
  assert.equal(plain(y), plain(x23));
  assert.equal(b(mask), { dtype: "bool", shape: [2, 3], data: [1, 1, 1, 1, 1, 1] });
  assert.throws(() => run("Dropout", [x23, undefined, tensor("bool", [], Float64Array.of(1))], {}, 13), /node "dropout_1" \(Dropout\) has training_mode = true, which is not supported/);
  assert.is(run("Identity", [x23]), x23);
  assert.equal(run("Flatten", [f([2, 1, 3], new Array(6).fill(0))]).shape, [2, 3], "axis defaults to 1");
  const ls = run("LogSoftmax", [f([2], [0, 0])], {}, 13);
  assert.equal(plain(ls).data, [-0.693147, -0.693147]);
});

test("rows of 4 or more are copied whole (Gather, Slice, Split, Transpose, Expand) and biases added by flat position: the same values as element by element", () => {
  const emb = f([3, 4], [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23]);
  assert.equal(plain(run("Gather", [emb, tensor("int64", [2, 1], Float64Array.of(2, -3))], { axis: 0 })), { shape: [2, 1, 4], data: [20, 21, 22, 23, 0, 1, 2, 3] });
  assert.equal(plain(run("Gather", [emb, i([3, 0])], { axis: 1 })), { shape: [3, 2], data: [3, 0, 13, 10, 23, 20] }, "the last axis: element by element");
  const x = f([2, 6], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.equal(plain(run("Slice", [x, i([1, 1]), i([2, 6]), i([0, 1])])), { shape: [1, 5], data: [7, 8, 9, 10, 11] });
  assert.equal(plain(run("Slice", [x, i([5]), i([0]), i([1]), i([-1])])), { shape: [2, 5], data: [5, 4, 3, 2, 1, 11, 10, 9, 8, 7] }, "a negative step on the last axis");
  const parts = OPS.Split(nOut("Split", 2), [f([2, 1, 4], [1, 2, 3, 4, 5, 6, 7, 8])], 13).map(plain);
  assert.equal(parts, [{ shape: [1, 1, 4], data: [1, 2, 3, 4] }, { shape: [1, 1, 4], data: [5, 6, 7, 8] }]);
  const y = f([2, 2, 4], Array.from({ length: 16 }, (_, k) => k));
  assert.equal(plain(run("Transpose", [y], { perm: [1, 0, 2] })).data, [0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15]);
  assert.equal(plain(run("Expand", [f([1, 4], [1, 2, 3, 4]), i([2, 1, 4])])), { shape: [2, 1, 4], data: [1, 2, 3, 4, 1, 2, 3, 4] });
  assert.equal(plain(run("Add", [x, f([1, 6], [0, 100, 200, 300, 400, 500])])).data, [0, 101, 202, 303, 404, 505, 6, 107, 208, 309, 410, 511]);
  assert.equal(plain(run("Sub", [f([], [1]), x])).data, [1, 0, -1, -2, -3, -4, -5, -6, -7, -8, -9, -10], "a scalar on the left");
  assert.equal(plain(run("Mul", [f([2, 1], [1, -1]), f([1, 6], [1, 2, 3, 4, 5, 6])])).data, [1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6], "both sides broadcast");
});

test("the operator table has no prototype: an operator named like an Object method is unknown", () => {
  for (const name of ["constructor", "toString", "hasOwnProperty", "__proto__"]) assert.is(OPS[name], undefined, name);
  assert.is(OPS.Erf, undefined, "Erf is not implemented (refused by the runner)");
});

test.run();
