// exportOnnx of RNN / GRU / LSTM layers: every option (layers, directions, bias, nonlinearity, GRU form,
// batchFirst, lengths, initial states), run by onnxruntime-web and by our loadOnnx against the layer's own
// forward(). Our layer's output is [T, B, D·H] (batchFirst [B, T, D·H]); the exported graph turns ONNX's
// Y [T, D, B, H] into that layout, so the outputs compare element for element. hN is [L·D, B, H] in both.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { initForTests } from "../helpers/setup.js";
import { GRU, LSTM, RNN } from "../../src/index.js";
import { exportOnnx } from "../../src/onnx/export-entry.js";
import { checkBoth, noise, type Feeds } from "../helpers/onnx-check.js";
import { decodeOnnx } from "../../src/onnx/model.js";

await initForTests();

const T = 5, B = 3, I = 4, H = 6;

type Options = { numLayers?: number; bidirectional?: boolean; bias?: boolean; nonlinearity?: "tanh" | "relu"; resetAfter?: boolean; batchFirst?: boolean };
const CASES: [string, "rnn" | "gru" | "lstm", Options][] = [
  ["RNN tanh", "rnn", {}],
  ["RNN relu, 2 layers, bidirectional", "rnn", { nonlinearity: "relu", numLayers: 2, bidirectional: true }],
  ["RNN without bias", "rnn", { bias: false }],
  ["GRU reset-after", "gru", {}],
  ["GRU reset-before, bidirectional", "gru", { resetAfter: false, bidirectional: true }],
  ["GRU 3 layers, no bias, batchFirst", "gru", { numLayers: 3, bias: false, batchFirst: true }],
  ["LSTM", "lstm", {}],
  ["LSTM 2 layers, bidirectional, batchFirst", "lstm", { numLayers: 2, bidirectional: true, batchFirst: true }],
  ["LSTM no bias", "lstm", { bias: false }],
];

function make(cell: "rnn" | "gru" | "lstm", o: Options, seed: number) {
  const options = { inputSize: I, hiddenSize: H, seed, ...o };
  return cell === "rnn" ? new RNN(options) : cell === "gru" ? new GRU(options) : new LSTM(options);
}

for (const [label, cell, o] of CASES) {
  for (const variant of ["plain", "states and lengths"] as const) {
    test(`${label} (${variant}): onnxruntime-web and loadOnnx reproduce forward()`, async () => {
      const layer = make(cell, o, 7).eval();
      try {
        const L = o.numLayers ?? 1, D = o.bidirectional ? 2 : 1;
        const x = noise(T * B * I, 11);
        const xShape = o.batchFirst ? [B, T, I] : [T, B, I];
        const feeds: Feeds = { x: { dtype: "float32", shape: xShape, data: x } };
        const fwd: Parameters<typeof layer.forward>[1] = { seqLen: T, batch: B };
        if (variant !== "plain") {
          const h0 = noise(L * D * B * H, 3), c0 = noise(L * D * B * H, 5), lengths = [T, 2, 4];
          Object.assign(fwd, { h0, lengths, ...(cell === "lstm" ? { c0 } : {}) });
          feeds.h0 = { dtype: "float32", shape: [L * D, B, H], data: h0 };
          if (cell === "lstm") feeds.c0 = { dtype: "float32", shape: [L * D, B, H], data: c0 };
          feeds.sequence_lens = { dtype: "int32", shape: [B], data: lengths };
        }
        const want = layer.forward(x, fwd);
        const bytes = exportOnnx(layer, { states: variant !== "plain", sequenceLens: variant !== "plain" });
        const graph = decodeOnnx(bytes);
        assert.is(graph.opset, 14);
        assert.is(graph.nodes.filter((n) => n.opType === cell.toUpperCase()).length, L, "one recurrent node per layer");
        const outShape = o.batchFirst ? [B, T, D * H] : [T, B, D * H];
        await checkBoth(label, bytes, feeds, {
          output: { data: want.output, shape: outShape },
          hN: { data: want.hN, shape: [L * D, B, H] },
          ...(want.cN ? { cN: { data: want.cN, shape: [L * D, B, H] } } : {}),
        });
      } finally {
        layer.dispose();
      }
    });
  }
}

test("a disposed layer and unknown options are refused", () => {
  const layer = new GRU({ inputSize: 2, hiddenSize: 3 });
  assert.throws(() => exportOnnx(layer, { state: true } as never), /exportOnnx.*state/);
  layer.dispose();
  assert.throws(() => exportOnnx(layer), /exportOnnx: the layer was disposed/);
  assert.throws(() => exportOnnx({} as never), /exportOnnx: expected an RNN \/ GRU \/ LSTM layer, a LanguageModel, a Sequential or a TaskModel/);
});

test.run();
