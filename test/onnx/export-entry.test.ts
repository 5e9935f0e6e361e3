// The "wasm-rnn/onnx/export" subpath: Node resolves it by the package's own name to exportOnnx and liftOnnx,
// "wasm-rnn/onnx" no longer carries them (that is why the subpath exists), and the three entries share one
// core: a layer made with "wasm-rnn", written by exportOnnx, runs under "wasm-rnn/onnx"'s loadOnnx and lifts
// back with liftOnnx to the same outputs bit for bit.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { exports: Record<string, { types: string; default: string }> };

test("./onnx/export names built files", () => {
  const entry = pkg.exports["./onnx/export"];
  assert.ok(entry, "package.json exports ./onnx/export");
  for (const file of [entry.default, entry.types]) assert.ok(existsSync(join(ROOT, file)), `${file} is built`);
});

test('import("wasm-rnn/onnx/export") gives exportOnnx and liftOnnx; "wasm-rnn/onnx" gives neither', async () => {
  const out = await import("wasm-rnn/onnx/export" as string) as Record<string, unknown>;
  assert.equal(Object.keys(out).sort(), ["exportOnnx", "liftOnnx"]);
  const onnx = await import("wasm-rnn/onnx" as string) as Record<string, unknown>;
  assert.not.ok("exportOnnx" in onnx || "liftOnnx" in onnx, `wasm-rnn/onnx exports ${Object.keys(onnx).join(", ")}`);
});

test("a GRU from wasm-rnn → exportOnnx → loadOnnx and liftOnnx: same outputs, one core", async () => {
  const core = await import("wasm-rnn" as string) as typeof import("../../src/node.js");
  const onnx = await import("wasm-rnn/onnx" as string) as typeof import("../../src/onnx/index.js");
  const out = await import("wasm-rnn/onnx/export" as string) as typeof import("../../src/onnx/export-entry.js");
  await core.init();
  const layer = new core.GRU({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true });
  const T = 5, B = 2, x = Float32Array.from({ length: T * B * 3 }, (_, i) => Math.sin(i * 0.7));
  const want = layer.forward(x, { seqLen: T, batch: B }).output;
  const bytes = out.exportOnnx(layer);
  const loaded = await onnx.loadOnnx(bytes);
  const lifted = out.liftOnnx(bytes);
  try {
    const ran = loaded.run({ x: { data: x, shape: [T, B, 3] } }).output;
    assert.equal(ran.shape, [T, B, 8]);
    assert.equal(Array.from(ran.data), Array.from(want), "loadOnnx of the export");
    assert.is(lifted.kind, "layer");
    if (lifted.kind !== "layer") return;
    assert.equal(Array.from(lifted.layer.forward(x, { seqLen: T, batch: B }).output), Array.from(want), "liftOnnx of the export");
  } finally {
    layer.dispose();
    loaded.dispose();
    if (lifted.kind === "layer") lifted.layer.dispose();
  }
});

test.run();
