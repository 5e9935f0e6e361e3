// The model decoder refuses in one sentence what it cannot read: bytes that are not ONNX, truncated files,
// opsets outside 9–20, tensor types it does not take, external data; and reads both tensor encodings.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeOnnx } from "../../src/onnx/model.js";
import { floats, int64s, model, node, valueInfo } from "../helpers/onnx-build.js";

const DIR = join(resolve(dirname(fileURLToPath(import.meta.url)), "../../.."), "test/fixtures/interop/onnx");
const fixture = (name: string) => new Uint8Array(readFileSync(join(DIR, `${name}.onnx`)));

const identity = (opset: number, init = [floats("w", [2], [1, 2])]) => model({
  nodes: [node("Add", ["x", "w"], ["y"])], initializers: init, inputs: [valueInfo("x", 1, [2])], outputs: [valueInfo("y", 1, [2])], opset,
});

function refuses(bytes: Uint8Array, pattern: RegExp): void {
  try {
    decodeOnnx(bytes);
  } catch (e) {
    const m = (e as Error).message;
    assert.ok(!m.includes("\n") && m.startsWith("loadOnnx: "), `not one sentence: ${m}`);
    assert.match(m, pattern);
    return;
  }
  assert.unreachable(`accepted, expected ${pattern}`);
}

test("reads a fixture: opset, nodes, initializers, inputs with symbolic dimensions", () => {
  const g = decodeOnnx(fixture("torch_lm_lstm_2l"));
  assert.is(g.opset, 14);
  assert.ok(g.nodes.some((n) => n.opType === "LSTM"));
  assert.equal(g.inputs.map((i) => i.name), ["tokens", "h0", "c0"]);
  assert.is(g.inputs[0].dtype, "int64");
});

test("float initializers in raw_data and in float_data read alike; int64_data too", () => {
  const a = decodeOnnx(identity(14, [floats("w", [2], [1.5, -2], true)])).initializers.get("w")!;
  const b = decodeOnnx(identity(14, [floats("w", [2], [1.5, -2], false)])).initializers.get("w")!;
  assert.equal(Array.from(a.data), [1.5, -2]);
  assert.equal(Array.from(b.data), [1.5, -2]);
  const c = decodeOnnx(identity(14, [int64s("w", [3], [1, -1, 2 ** 40])])).initializers.get("w")!;
  assert.equal([c.dtype, Array.from(c.data)], ["int64", [1, -1, 2 ** 40]]);
});

test("refuses bytes that are not ONNX, and empty bytes", () => {
  refuses(new TextEncoder().encode('{"not": "onnx"}'), /not an ONNX model/);
  refuses(new Uint8Array(0), /not an ONNX model: the bytes are empty/);
  refuses(Uint8Array.of(0x08, 0x07), /not an ONNX model .*no graph/);
  assert.throws(() => decodeOnnx("model.onnx" as unknown as Uint8Array), /expected the model's bytes as a Uint8Array/);
});

test("refuses a truncated file", () => {
  const bytes = fixture("torch_gru_bidir_2l");
  for (const cut of [1, 17, bytes.length >> 1, bytes.length - 3]) refuses(bytes.subarray(0, cut), /truncated or damaged|not an ONNX model/);
});

test("refuses opsets outside 9–20", () => {
  refuses(identity(8), /opset 8 is not supported: expected 9 to 20/);
  refuses(identity(21), /opset 21 is not supported: expected 9 to 20/);
  decodeOnnx(identity(9));
  decodeOnnx(identity(20));
});

test("refuses tensor types it does not take, and external data", () => {
  refuses(identity(14, [{ name: "w", dims: [2], data_type: 10, raw_data: new Uint8Array(4) }]), /initializer "w" has data type FLOAT16, which is not supported/);
  refuses(identity(14, [{ name: "w", dims: [2], data_type: 8, string_data: [] }]), /initializer "w" has data type STRING/);
  refuses(identity(14, [{ name: "w", dims: [2], data_type: 1, data_location: 1 }]), /initializer "w" keeps its data in an external file/);
  refuses(identity(14, [{ name: "w", dims: [3], data_type: 1, raw_data: new Uint8Array(8) }]), /raw_data has 8 bytes, expected 12/);
});

test.run();
