// Gates with Keras's hard sigmoid (a layer config's recurrentActivation "hardSigmoid", which another branch
// adds to the layers): exportStack writes ONNX's HardSigmoid (alpha 0.2, beta 0.5) for the gates, and
// onnxruntime-web computes what a float64 reference of the cell with clip(0.2·x + 0.5, 0, 1) gates computes.
// The reference is first checked with the sigmoid against our layer's forward(), so it is the same cell.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { initForTests } from "../helpers/setup.js";
import { GRU, LSTM } from "../../src/index.js";
import { GraphBuilder } from "../../src/onnx/builder.js";
import { exportStack, type StackConfig } from "../../src/onnx/export-recurrent.js";
import { close, noise, runOrt } from "../helpers/onnx-check.js";

await initForTests();

const T = 4, B = 2, I = 3, H = 5;
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const hard = (x: number) => Math.min(1, Math.max(0, 0.2 * x + 0.5));

/** One layer, time-major x [T, B, I] → [T, B, D·H], PyTorch's gate order and parameter names. */
function reference(c: StackConfig, p: Record<string, Float32Array>, x: Float32Array, gate: (x: number) => number): Float64Array {
  const D = c.bidirectional ? 2 : 1, out = new Float64Array(T * B * D * H);
  const dot = (W: Float32Array, row: number, v: ArrayLike<number>, n: number) => { let s = 0; for (let k = 0; k < n; k++) s += W[row * n + k] * v[k]; return s; };
  for (let d = 0; d < D; d++) {
    const s = `_l0${d === 1 ? "_reverse" : ""}`;
    const Wi = p[`weight_ih${s}`], Wh = p[`weight_hh${s}`], bi = p[`bias_ih${s}`], bh = p[`bias_hh${s}`];
    for (let b = 0; b < B; b++) {
      let h = new Float64Array(H), cell = new Float64Array(H);
      for (let k = 0; k < T; k++) {
        const t = d === 0 ? k : T - 1 - k, xt = x.subarray((t * B + b) * I, (t * B + b + 1) * I);
        const gi = (r: number) => dot(Wi, r, xt, I) + bi[r], gh = (r: number) => dot(Wh, r, h, H) + bh[r];
        const next = new Float64Array(H), nextC = new Float64Array(H);
        for (let j = 0; j < H; j++) {
          if (c.cell === "lstm") {
            const i = gate(gi(j) + gh(j)), f = gate(gi(H + j) + gh(H + j)), g = Math.tanh(gi(2 * H + j) + gh(2 * H + j)), o = gate(gi(3 * H + j) + gh(3 * H + j));
            nextC[j] = f * cell[j] + i * g;
            next[j] = o * Math.tanh(nextC[j]);
          } else {
            const r = gate(gi(j) + gh(j)), z = gate(gi(H + j) + gh(H + j));
            let n: number;
            if (c.resetAfter) n = Math.tanh(gi(2 * H + j) + r * gh(2 * H + j));
            else {
              let s2 = bh[2 * H + j];
              for (let m = 0; m < H; m++) s2 += Wh[(2 * H + j) * H + m] * gate(gi(m) + gh(m)) * h[m];
              n = Math.tanh(gi(2 * H + j) + s2);
            }
            next[j] = (1 - z) * n + z * h[j];
          }
        }
        h = next;
        cell = nextC;
        out.set(h, ((t * B + b) * D + d) * H);
      }
    }
  }
  return out;
}

const CASES: [string, StackConfig][] = [
  ["LSTM", { cell: "lstm", inputSize: I, hiddenSize: H, numLayers: 1, bidirectional: false, bias: true, nonlinearity: "tanh", resetAfter: true }],
  ["LSTM bidirectional", { cell: "lstm", inputSize: I, hiddenSize: H, numLayers: 1, bidirectional: true, bias: true, nonlinearity: "tanh", resetAfter: true }],
  ["GRU reset-after, bidirectional", { cell: "gru", inputSize: I, hiddenSize: H, numLayers: 1, bidirectional: true, bias: true, nonlinearity: "tanh", resetAfter: true }],
  ["GRU reset-before", { cell: "gru", inputSize: I, hiddenSize: H, numLayers: 1, bidirectional: false, bias: true, nonlinearity: "tanh", resetAfter: false }],
];

for (const [label, c] of CASES) {
  test(`${label}: HardSigmoid gates in onnxruntime-web match the hard-sigmoid cell`, async () => {
    const options = { inputSize: I, hiddenSize: H, bidirectional: c.bidirectional, seed: 3, ...(c.cell === "gru" ? { resetAfter: c.resetAfter } : {}) };
    const layer = c.cell === "lstm" ? new LSTM(options) : new GRU(options);
    try {
      const x = noise(T * B * I, 21), params = layer.torchParams();
      close(`${label} reference with sigmoid gates`, reference(c, params, x, sigmoid), layer.eval().forward(x, { seqLen: T, batch: B }).output);
      const g = new GraphBuilder();
      const out = exportStack(g, "", { ...c, recurrentActivation: "hardSigmoid" } as StackConfig, params, { x: g.input("x", "float32", ["seq", "batch", I]) });
      g.output(out.y, "output", "float32", ["seq", "batch", (c.bidirectional ? 2 : 1) * H]);
      const got = (await runOrt(g.encode("hard", ""), { x: { dtype: "float32", shape: [T, B, I], data: x } })).output.data;
      const want = reference(c, params, x, hard);
      close(`${label} HardSigmoid`, got, want);
      // and it is not the sigmoid cell
      assert.ok(want.some((v, i) => Math.abs(v - reference(c, params, x, sigmoid)[i]) > 1e-2), "the gates make a difference");
    } finally {
      layer.dispose();
    }
  });
}

test("a recurrentActivation with no ONNX form is refused", () => {
  const g = new GraphBuilder();
  assert.throws(() => exportStack(g, "", { ...CASES[0][1], recurrentActivation: "relu" } as StackConfig, {}, { x: "x" }), /exportOnnx: recurrentActivation "relu" has no ONNX form here: expected "sigmoid" or "hardSigmoid"/);
});

test.run();
