// ONNX's own backend conformance cases for LSTM, GRU and RNN (onnx 1.12, written by
// test/fixtures/onnx-conformance/make.py): every weight — W, R, B, P — is a graph input given at run time,
// as in ONNX's tests. Each case reproduces its expected outputs within |got − want| ≤ 1e-4 + 1e-3·|want|;
// a second run with the same weights reuses the layer, new weights rebuild it, and dispose() frees it.
// extra_*: cases of ours computed by ONNX's reference code (make.py says why).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { initForTests } from "../helpers/setup.js";
import { loadOnnx, type OnnxInput } from "../../src/onnx/index.js";
import { runtime } from "../../src/init.js";
import { model, node, valueInfo } from "../helpers/onnx-build.js";

const build = await initForTests();
console.log(`  wasm build: ${build}`);

const DIR = join(resolve(dirname(fileURLToPath(import.meta.url)), "../../.."), "test/fixtures/onnx-conformance");
const names = readdirSync(DIR).filter((f) => f.endsWith(".onnx")).map((f) => f.slice(0, -5)).sort();

interface Stored { dtype: "float32" | "int64" | "int32"; shape: number[]; data: number[] }
interface Case { inputs: Record<string, Stored>; outputs: Record<string, Stored> }

function feed(t: Stored): OnnxInput {
  const data = t.dtype === "float32" ? Float32Array.from(t.data) : t.dtype === "int32" ? Int32Array.from(t.data) : BigInt64Array.from(t.data.map(BigInt));
  return { data, shape: t.shape };
}

const read = (name: string) => JSON.parse(readFileSync(join(DIR, `${name}.json`), "utf8")) as Case;
const feeds = (c: Case) => Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, feed(v)]));

/** The worst |Δ| as a fraction of the tolerance; fails past it. */
function compare(name: string, got: Record<string, { data: Float32Array; shape: number[] }>, want: Case["outputs"]): number {
  let worst = 0;
  for (const [key, w] of Object.entries(want)) {
    const out = got[key];
    assert.ok(out, `${name}: no output "${key}" (got ${Object.keys(got).join(", ")})`);
    assert.equal(out.shape, w.shape, `${name}: shape of ${key}`);
    for (let i = 0; i < w.data.length; i++) {
      const tol = 1e-4 + 1e-3 * Math.abs(w.data[i]), err = Math.abs(out.data[i] - w.data[i]);
      worst = Math.max(worst, err / tol);
      if (!(err <= tol)) assert.unreachable(`${name} ${key}[${i}]: got ${out.data[i]}, want ${w.data[i]} (|Δ| ${err.toExponential(2)} > ${tol.toExponential(2)})`);
    }
  }
  return worst;
}

test("ONNX's 12 cases are there: LSTM, GRU and RNN, with their weights as graph inputs", () => {
  const onnx = names.filter((n) => n.startsWith("test_"));
  assert.is(onnx.length, 12, onnx.join(", "));
  for (const op of ["lstm", "gru", "rnn"]) assert.is(onnx.filter((n) => n.includes(op)).length, 4, op);
  for (const n of ["test_lstm_with_peepholes", "test_lstm_batchwise", "test_gru_seq_length", "test_rnn_seq_length"]) assert.ok(names.includes(n), n);
});

for (const name of names) {
  test(`${name}: reproduces ONNX's expected outputs`, async () => {
    const ref = read(name);
    const inUse = runtime().heap.bytesInUse;
    const model = await loadOnnx(new Uint8Array(readFileSync(join(DIR, `${name}.onnx`))));
    try {
      assert.ok(["W", "R"].every((w) => model.inputs.some((i) => i.name === w)), `${name}: W and R are graph inputs`);
      assert.is(model.kernelNodes().length, 1, `${name}: the node runs on the kernels`);
      const worst = compare(name, model.run(feeds(ref)), ref.outputs);
      // the same weights again (new arrays, same values): the layer is kept, the outputs are the same bits
      const bytes = runtime().heap.bytesInUse;
      const again = model.run(feeds(ref));
      assert.is(runtime().heap.bytesInUse, bytes, `${name}: a second run with the same weights builds nothing`);
      compare(name, again, ref.outputs);
      console.log(`  ${name.padEnd(34)} worst |Δ| = ${(100 * worst).toFixed(2)}% of the tolerance`);
    } finally {
      model.dispose();
    }
    assert.is(runtime().heap.bytesInUse, inUse, `${name}: dispose() gives all wasm memory back`);
  });
}

test("new weights at run time rebuild the layer (the old one is freed); changed values in the same array are noticed", async () => {
  const name = "test_lstm_with_initial_bias", ref = read(name);
  const model = await loadOnnx(new Uint8Array(readFileSync(join(DIR, `${name}.onnx`))));
  try {
    const f = feeds(ref);
    const first = model.run(f).Y_h.data.slice();
    const bytes = runtime().heap.bytesInUse;
    // scaled W in place: a different model, same array object
    const W = f.W.data as Float32Array;
    for (let i = 0; i < W.length; i++) W[i] *= 2;
    const second = model.run(f).Y_h.data.slice();
    assert.ok(second.some((v, i) => Math.abs(v - first[i]) > 1e-4), "doubled W changes the outputs");
    assert.is(runtime().heap.bytesInUse, bytes, "the replaced layer was freed (same sizes, same memory)");
    // back to the original values: the original outputs, bit for bit
    for (let i = 0; i < W.length; i++) W[i] /= 2;
    assert.equal([...model.run(f).Y_h.data], [...first]);
    // a bad weight at run time is refused naming the node, and the model still runs afterwards
    assert.throws(() => model.run({ ...f, W: { data: new Float32Array(5), shape: [1, 1, 5] } }), /OnnxModel\.run: (input "W" has shape|node ".*" \(LSTM\) has W)/);
    assert.equal([...model.run(f).Y_h.data], [...first]);
  } finally {
    model.dispose();
  }
});

test("unsupported attributes of a node with run-time weights are refused at load, naming node, operator and attribute", async () => {
  const gru = model({
    nodes: [node("GRU", ["X", "W", "R"], ["", "Y_h"], { hidden_size: 5, clip: { float: 1 } }, "g")],
    initializers: [],
    inputs: [valueInfo("X", 1, [1, 3, 2]), valueInfo("W", 1, [1, 15, 2]), valueInfo("R", 1, [1, 15, 5])],
    outputs: [valueInfo("Y_h", 1, [])],
  });
  const inUse = runtime().heap.bytesInUse;
  try {
    (await loadOnnx(gru)).dispose();
    assert.unreachable("accepted a clip attribute");
  } catch (e) {
    assert.match((e as Error).message, /^loadOnnx: node "g" \(GRU\) attribute "clip" = 1 is not supported/);
  }
  assert.is(runtime().heap.bytesInUse, inUse);
});

test.run();
