// Recurrent nodes: gate orders and directions checked against each other (a reverse node is the backward
// half of a bidirectional one; an LSTM's gate blocks permuted give another LSTM's outputs), and every
// attribute it does not honour refused naming the node, the operator and the attribute.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { initForTests } from "../helpers/setup.js";
import { loadOnnx } from "../../src/onnx/index.js";
import { floats, model, node, recurrentModel, values, valueInfo, type Attr } from "../helpers/onnx-build.js";
import { decodeMessage, encodeMessage, type Message } from "../../src/onnx/proto.js";

await initForTests();

const T = 5, B = 3, I = 4, H = 6;
const X = values(T * B * I, 99);
const run = async (bytes: Uint8Array, feeds: Record<string, { data: Float32Array | Int32Array; shape: number[] }> = {}) => {
  const m = await loadOnnx(bytes);
  try {
    return m.run({ X: { data: X, shape: [T, B, I] }, ...feeds });
  } finally {
    m.dispose();
  }
};

async function refuses(bytes: Uint8Array, pattern: RegExp): Promise<void> {
  try {
    (await loadOnnx(bytes)).dispose();
  } catch (e) {
    const m = (e as Error).message;
    assert.ok(!m.includes("\n") && m.startsWith("loadOnnx: "), `not one sentence from loadOnnx: ${m}`);
    assert.match(m, pattern);
    return;
  }
  assert.unreachable(`accepted, expected ${pattern}`);
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => {
  assert.is(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > 1e-6) assert.unreachable(`${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

for (const op of ["LSTM", "GRU", "RNN"] as const) {
  test(`${op}: direction "reverse" is the backward half of "bidirectional", with and without sequence_lens`, async () => {
    const G = op === "LSTM" ? 4 : op === "GRU" ? 3 : 1;
    const W = values(2 * G * H * I, 1), R = values(2 * G * H * H, 2), Bias = values(2 * 2 * G * H, 3);
    const half = (a: Float32Array) => a.subarray(a.length / 2);
    const lbr: Record<string, Attr> = op === "GRU" ? { linear_before_reset: 1 } : {};
    for (const lens of [undefined, Int32Array.of(5, 2, 4)]) {
      const extra = lens ? ["sequence_lens"] : [];
      const feeds: Record<string, { data: Int32Array; shape: number[] }> = lens ? { sequence_lens: { data: lens, shape: [B] } } : {};
      const bi = await run(addLens(recurrentModel(op, { T, B, I, H, D: 2, weights: { W, R, Bias }, attrs: { direction: "bidirectional", ...lbr }, extraInputs: extra }), !!lens), feeds);
      const rev = await run(addLens(recurrentModel(op, { T, B, I, H, D: 1, weights: { W: half(W), R: half(R), Bias: half(Bias) }, attrs: { direction: "reverse", ...lbr }, extraInputs: extra }), !!lens), feeds);
      assert.equal(bi.Y.shape, [T, 2, B, H]);
      assert.equal(rev.Y.shape, [T, 1, B, H]);
      const biBack = new Float32Array(T * B * H);
      for (let t = 0; t < T; t++) biBack.set(bi.Y.data.subarray((t * 2 + 1) * B * H, (t * 2 + 2) * B * H), t * B * H);
      close(rev.Y.data, biBack, `${op} Y`);
      close(rev.Y_h.data, bi.Y_h.data.subarray(B * H), `${op} Y_h`);
      if (lens) for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) if (t >= lens[b]) close(rev.Y.data.subarray((t * B + b) * H, (t * B + b + 1) * H), new Float32Array(H), `padding Y[${t}, 0, ${b}]`);
    }
  });
}

/** Declares the sequence_lens input (int32 [B]) the node takes. */
function addLens(bytes: Uint8Array, on: boolean): Uint8Array {
  if (!on) return bytes;
  return patchInputs(bytes);
}

function patchInputs(bytes: Uint8Array): Uint8Array {
  const m = decodeMessage("ModelProto", bytes);
  ((m.graph as Message).input as Message[]).push(valueInfo("sequence_lens", 6, [B]));
  return encodeMessage("ModelProto", m);
}

test("LSTM: ONNX gate order i, o, f, c — swapping the o and f blocks of W, R, B is a different model", async () => {
  const G = 4, W = values(G * H * I, 5), R = values(G * H * H, 6), Bias = values(2 * G * H, 7);
  const swap = (a: Float32Array, rows: number) => {
    const out = a.slice(), block = H * rows;
    for (const base of [0, ...(a.length > G * block ? [G * block] : [])]) {
      out.set(a.subarray(base + 2 * block, base + 3 * block), base + block);
      out.set(a.subarray(base + block, base + 2 * block), base + 2 * block);
    }
    return out;
  };
  const a = await run(recurrentModel("LSTM", { T, B, I, H, weights: { W, R, Bias } }));
  const b = await run(recurrentModel("LSTM", { T, B, I, H, weights: { W: swap(W, I), R: swap(R, H), Bias: swap(Bias, 1) } }));
  assert.ok(a.Y.data.some((v, i) => Math.abs(v - b.Y.data[i]) > 1e-3), "the o and f blocks must matter");
});

test("GRU: linear_before_reset 0 and 1 are different forms", async () => {
  const a = await run(recurrentModel("GRU", { T, B, I, H, attrs: { linear_before_reset: 0 } }));
  const b = await run(recurrentModel("GRU", { T, B, I, H, attrs: { linear_before_reset: 1 } }));
  assert.ok(a.Y.data.some((v, i) => Math.abs(v - b.Y.data[i]) > 1e-4));
});

test("layout 1 (batch-major X, Y, states) is layout 0 with the first axes swapped", async () => {
  const swap = (a: Float32Array, n0: number, n1: number, w: number) => {
    const out = new Float32Array(a.length);
    for (let i = 0; i < n0; i++) for (let j = 0; j < n1; j++) out.set(a.subarray((i * n1 + j) * w, (i * n1 + j + 1) * w), (j * n0 + i) * w);
    return out;
  };
  const D = 2, h0 = values(D * B * H, 41), c0 = values(D * B * H, 42);
  const feeds0 = { initial_h: { data: h0, shape: [D, B, H] }, initial_c: { data: c0, shape: [D, B, H] } };
  const extra = ["", "initial_h", "initial_c"];
  const withStates = (bytes: Uint8Array, dims: number[]) => {
    const m = decodeMessage("ModelProto", bytes);
    ((m.graph as Message).input as Message[]).push(valueInfo("initial_h", 1, dims), valueInfo("initial_c", 1, dims));
    return encodeMessage("ModelProto", m);
  };
  const a = await run(withStates(recurrentModel("LSTM", { T, B, I, H, D, seed: 8, attrs: { direction: "bidirectional" }, extraInputs: extra }), [D, B, H]), feeds0);
  const mB = await loadOnnx(withStates(recurrentModel("LSTM", { T, B, I, H, D, seed: 8, attrs: { direction: "bidirectional", layout: 1 }, extraInputs: extra }), [B, D, H]));
  try {
    const b = mB.run({ X: { data: swap(X, T, B, I), shape: [B, T, I] }, initial_h: { data: swap(h0, D, B, H), shape: [B, D, H] }, initial_c: { data: swap(c0, D, B, H), shape: [B, D, H] } });
    assert.equal(b.Y.shape, [B, T, D, H]);
    assert.equal(b.Y_h.shape, [B, D, H]);
    close(b.Y.data, yBatchMajor(a.Y.data), "Y");
    close(b.Y_h.data, swap(a.Y_h.data, D, B, H), "Y_h");
    close(b.Y_c.data, swap(a.Y_c.data, D, B, H), "Y_c");
  } finally {
    mB.dispose();
  }
  function yBatchMajor(y: Float32Array): Float32Array {
    const out = new Float32Array(y.length);
    for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) for (let b = 0; b < B; b++) out.set(y.subarray(((t * D + d) * B + b) * H, ((t * D + d) * B + b + 1) * H), ((b * T + t) * D + d) * H);
    return out;
  }
});

test("refuses clip, non-default activations, input_forget, layout 2, peepholes, naming node, operator and attribute", async () => {
  await refuses(recurrentModel("LSTM", { T, B, I, H, attrs: { clip: { float: 3 } } }), /node "rec" \(LSTM\) attribute "clip" = 3 is not supported/);
  await refuses(recurrentModel("GRU", { T, B, I, H, attrs: { activations: ["HardSigmoid", "Relu"] } }), /node "rec" \(GRU\) attribute "activations" = \["HardSigmoid","Relu"\] is not supported/);
  await refuses(recurrentModel("LSTM", { T, B, I, H, attrs: { input_forget: 1 } }), /node "rec" \(LSTM\) attribute "input_forget" = 1 is not supported/);
  await refuses(recurrentModel("RNN", { T, B, I, H, attrs: { layout: 2 } }), /node "rec" \(RNN\) attribute "layout" = 2 is not supported/);
  await refuses(recurrentModel("RNN", { T, B, I, H, attrs: { activations: ["Sigmoid"] } }), /node "rec" \(RNN\) attribute "activations" = \["Sigmoid"\] is not supported: expected Tanh or Relu/);
  await refuses(recurrentModel("LSTM", { T, B, I, H, attrs: { activation_alpha: { floats: [0.1] } } }), /attribute "activation_alpha"/);
  await refuses(recurrentModel("LSTM", { T, B, I, H, extraInputs: ["", "", "", "P"], extraInitializers: [floats("P", [1, 3 * H], new Float32Array(3 * H))] }), /node "rec" \(LSTM\) input "P" \(peepholes/);
  await refuses(recurrentModel("GRU", { T, B, I, H, attrs: { direction: "sideways" } }), /attribute "direction" = "sideways"/);
  await refuses(recurrentModel("GRU", { T, B, I, H, attrs: { hidden_size: 7 } }), /attribute "hidden_size" = 7 does not match/);
});

test("the default activations written out, and RNN Relu, are accepted", async () => {
  const relu = await run(recurrentModel("RNN", { T, B, I, H, attrs: { activations: ["Relu"] } }));
  assert.ok(relu.Y.data.every((v) => v >= 0));
  await run(recurrentModel("LSTM", { T, B, I, H, D: 2, attrs: { direction: "bidirectional", activations: ["Sigmoid", "Tanh", "Tanh", "Sigmoid", "Tanh", "Tanh"] } }));
});

test("HardSigmoid gates (α 0.2, β 0.5, given or not) are accepted for GRU and LSTM; other HardSigmoid parameters and mixed directions are refused", async () => {
  for (const [op, rest] of [["GRU", ["Tanh"]], ["LSTM", ["Tanh", "Tanh"]]] as const) {
    const acts = ["HardSigmoid", ...rest, "HardSigmoid", ...rest];
    const bi = { direction: "bidirectional", activations: acts };
    const hard = await run(recurrentModel(op, { T, B, I, H, D: 2, attrs: bi }));
    const restated = await run(recurrentModel(op, { T, B, I, H, D: 2, attrs: { ...bi, activation_alpha: { floats: [0.2, 0.2] }, activation_beta: { floats: [0.5, 0.5] } } }));
    const plain = await run(recurrentModel(op, { T, B, I, H, D: 2, attrs: { direction: "bidirectional" } }));
    close(restated.Y.data, hard.Y.data, `${op} restated α, β`);
    assert.ok(hard.Y.data.some((v, i) => Math.abs(v - plain.Y.data[i]) > 1e-3), `${op}: HardSigmoid gates change the outputs`);
    await refuses(recurrentModel(op, { T, B, I, H, D: 2, attrs: { ...bi, activation_alpha: { floats: [0.3, 0.2] } } }), new RegExp(`node "rec" \\(${op}\\) attribute "activation_alpha" = \\[0\\.3`));
    await refuses(recurrentModel(op, { T, B, I, H, D: 2, attrs: { ...bi, activation_beta: { floats: [0.5] } } }), /attribute "activation_beta" = \[0\.5\] is not supported: HardSigmoid gates need beta 0\.5 \(one value per HardSigmoid, 2 here\)/);
    const mixed = ["HardSigmoid", ...rest, "Sigmoid", ...rest];
    await refuses(recurrentModel(op, { T, B, I, H, D: 2, attrs: { direction: "bidirectional", activations: mixed } }), new RegExp(`node "rec" \\(${op}\\) attribute "activations" = .* is not supported`));
  }
  await refuses(recurrentModel("RNN", { T, B, I, H, attrs: { activations: ["HardSigmoid"] } }), /node "rec" \(RNN\) attribute "activations"/);
});

test("refuses sequence_lens outside [1, T] when run, naming the node", async () => {
  const m = await loadOnnx(addLens(recurrentModel("GRU", { T, B, I, H, extraInputs: ["sequence_lens"] }), true));
  try {
    assert.throws(() => m.run({ X: { data: X, shape: [T, B, I] }, sequence_lens: { data: Int32Array.of(5, 0, 2), shape: [B] } }), /^OnnxModel.run: node "rec" \(GRU\) has sequence_lens\[1\] = 0, expected an integer in \[1, 5\]/);
  } finally {
    m.dispose();
  }
});

test("refuses an unsupported operator and a foreign domain, naming the node", async () => {
  const one = (n: Message) => model({ nodes: [n], initializers: [floats("w", [2], [1, 2])], inputs: [valueInfo("X", 1, [2])], outputs: [valueInfo("y", 1, [2])] });
  await refuses(one(node("Loop", ["X"], ["y"], {}, "loop_3")), /node "loop_3" \(Loop\) is not a supported operator/);
  await refuses(one({ ...node("Add", ["X", "w"], ["y"], {}, "add_1"), domain: "com.microsoft" }), /node "add_1" \(Add\) is in domain "com.microsoft"/);
  await refuses(one(node("Add", ["X", "nothing"], ["y"], {}, "add_2")), /node "add_2" \(Add\) needs "nothing", which no node, input or initializer provides/);
});

test.run();
