// Every ONNX model of test/fixtures/interop/onnx (made by torch.onnx.export and onnx.helper; see the README
// there) loads and reproduces its expected outputs within |got − want| ≤ 1e-4 + 1e-3·|want|. Prints each
// model's worst error as a fraction of that tolerance.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { initForTests } from "../helpers/setup.js";
import { loadOnnx, type OnnxInput } from "../../src/onnx/index.js";
import { runtime } from "../../src/init.js";

const build = await initForTests();
console.log(`  wasm build: ${build}`);

const DIR = join(resolve(dirname(fileURLToPath(import.meta.url)), "../../.."), "test/fixtures/interop/onnx");
const names = readdirSync(DIR).filter((f) => f.endsWith(".onnx")).map((f) => f.slice(0, -5)).sort();

interface Stored { dtype: "float32" | "int64" | "int32"; shape: number[]; data: number[] }

function feed(t: Stored): OnnxInput {
  const data = t.dtype === "float32" ? Float32Array.from(t.data) : t.dtype === "int32" ? Int32Array.from(t.data) : BigInt64Array.from(t.data.map(BigInt));
  return { data, shape: t.shape };
}

test("the fixtures are all there", () => {
  assert.ok(names.length >= 6, `expected the ONNX fixtures, found ${names.join(", ")}`);
});

for (const name of names) {
  test(`${name}: loads and reproduces its expected outputs`, async () => {
    const ref = JSON.parse(readFileSync(join(DIR, `${name}.json`), "utf8")) as { inputs: Record<string, Stored>; outputs: Record<string, Stored> };
    const inUse = runtime().heap.bytesInUse;
    const model = await loadOnnx(new Uint8Array(readFileSync(join(DIR, `${name}.onnx`))));
    // the recurrent nodes, and the products by a constant weight (nn.Linear), run on the kernels
    const onKernels = model.kernelNodes().map((n) => n.replace(/.*\((\w+)\)$/, "$1"));
    for (const op of ["LSTM", "GRU", "RNN", "MatMul", "Gemm"]) assert.is(onKernels.filter((o) => o === op).length, model.operators()[op] ?? 0, `${name}: ${op} nodes on the kernels`);
    try {
      const feeds = Object.fromEntries(Object.entries(ref.inputs).map(([k, v]) => [k, feed(v)]));
      const got = model.run(feeds);
      let worst = 0;
      for (const [key, want] of Object.entries(ref.outputs)) {
        const out = got[key];
        assert.ok(out, `${name}: no output "${key}" (got ${Object.keys(got).join(", ")})`);
        assert.equal(out.shape, want.shape, `${name}: shape of ${key}`);
        for (let i = 0; i < want.data.length; i++) {
          const tol = 1e-4 + 1e-3 * Math.abs(want.data[i]);
          const err = Math.abs(out.data[i] - want.data[i]);
          worst = Math.max(worst, err / tol);
          if (!(err <= tol)) assert.unreachable(`${name} ${key}[${i}]: got ${out.data[i]}, want ${want.data[i]} (|Δ| ${err.toExponential(2)} > ${tol.toExponential(2)})`);
        }
      }
      console.log(`  ${name.padEnd(28)} worst |Δ| = ${(100 * worst).toFixed(2)}% of the tolerance (${Object.keys(model.operators()).join(", ")})`);
    } finally {
      model.dispose();
    }
    assert.is(runtime().heap.bytesInUse, inUse, `${name}: dispose() gives all wasm memory back`);
  });
}

test.run();
