// Runs an ONNX file in onnxruntime-web (Node, wasm backend, one thread) and in our loadOnnx, and compares
// outputs with the interop tolerance |Δ| ≤ 1e-4 + 1e-3·|ref|.

import * as assert from "uvu/assert";
import * as ort from "onnxruntime-web";
import { loadOnnx } from "../../src/onnx/index.js";

ort.env.wasm.numThreads = 1;
ort.env.logLevel = "error";

export interface Feed {
  dtype: "float32" | "int64" | "int32";
  shape: number[];
  data: ArrayLike<number>;
}

export type Feeds = Record<string, Feed>;

const typed = (f: Feed) => (f.dtype === "float32" ? Float32Array.from(f.data) : f.dtype === "int32" ? Int32Array.from(f.data) : BigInt64Array.from(Array.from(f.data, (v) => BigInt(v))));

/** Every output of `bytes` run by ONNX Runtime, as float32 with its shape. */
export async function runOrt(bytes: Uint8Array, feeds: Feeds): Promise<Record<string, { data: Float32Array; shape: number[] }>> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
  try {
    const inputs: Record<string, ort.Tensor> = {};
    for (const [k, f] of Object.entries(feeds)) inputs[k] = new ort.Tensor(f.dtype, typed(f), f.shape);
    const out = await session.run(inputs);
    const result: Record<string, { data: Float32Array; shape: number[] }> = {};
    for (const [k, t] of Object.entries(out)) result[k] = { data: Float32Array.from(t.data as Float32Array), shape: [...t.dims] };
    return result;
  } finally {
    await session.release();
  }
}

/** Every output of `bytes` run by our importer. */
export async function runOurs(bytes: Uint8Array, feeds: Feeds): Promise<Record<string, { data: Float32Array; shape: number[] }>> {
  const m = await loadOnnx(bytes);
  try {
    const inputs: Record<string, { data: Float32Array | Int32Array | BigInt64Array; shape: number[] }> = {};
    for (const [k, f] of Object.entries(feeds)) inputs[k] = { data: typed(f), shape: f.shape };
    return m.run(inputs);
  } finally {
    m.dispose();
  }
}

export function close(what: string, got: ArrayLike<number>, want: ArrayLike<number>): number {
  assert.is(got.length, want.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]), tol = 1e-4 + 1e-3 * Math.abs(want[i]);
    if (!(d <= tol)) assert.unreachable(`${what}[${i}]: got ${got[i]}, expected ${want[i]} (|Δ| ${d} > ${tol})`);
    worst = Math.max(worst, d / tol);
  }
  return worst;
}

/** Runs `bytes` in ONNX Runtime and our importer; each named output must match `want` (and its shape, if given). */
export async function checkBoth(label: string, bytes: Uint8Array, feeds: Feeds, want: Record<string, { data: ArrayLike<number>; shape?: number[] }>): Promise<void> {
  for (const [engine, run] of [["onnxruntime-web", runOrt], ["loadOnnx", runOurs]] as const) {
    const out = await run(bytes, feeds);
    for (const [name, w] of Object.entries(want)) {
      assert.ok(out[name], `${label} (${engine}): output ${name} exists (got ${Object.keys(out).join(", ")})`);
      if (w.shape) assert.equal(out[name].shape, w.shape, `${label} (${engine}): shape of ${name}`);
      close(`${label} (${engine}) ${name}`, out[name].data, w.data);
    }
  }
}

/** Deterministic values in [-1, 1). */
export function noise(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}
