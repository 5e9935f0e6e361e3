// Helpers of the file-format tests: bit-exact comparisons, error expectations, and files assembled by hand
// from the formats' descriptions (not only by our own encoders).

import * as assert from "uvu/assert";
export { rejects, throwsWith } from "../helpers/errors.js";
import { createHash } from "node:crypto";
import { FORMAT_VERSION, type ModelFile } from "../../src/io/format.js";
/** Bit-exact comparison, so NaN, -0 and denormals count. */
/** Same type, length and bits (f32 compared as bit patterns, so NaN payloads and −0 count). */
export function sameBits(got: Float32Array | Int8Array | Uint16Array, want: Float32Array | Int8Array | Uint16Array, what: string): void {
  assert.instance(got, want.constructor, `${what} is a ${want.constructor.name}`);
  assert.is(got.length, want.length, `${what} length`);
  const a = got instanceof Float32Array ? new Uint32Array(got.buffer, got.byteOffset, got.length) : got;
  const b = want instanceof Float32Array ? new Uint32Array(want.buffer, want.byteOffset, want.length) : want;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) assert.unreachable(`${what}[${i}]: got ${got[i]}, want ${want[i]}`);
}

export function sameModel(got: ModelFile, want: ModelFile): void {
  assert.is(got.kind, want.kind);
  assert.equal(got.config, want.config);
  assert.equal(got.vocab, want.vocab);
  assert.equal(got.training, want.training);
  assert.equal(Object.keys(got.tensors), Object.keys(want.tensors), "tensor order");
  assert.equal(got.shapes, want.shapes);
  for (const name of Object.keys(want.tensors)) sameBits(got.tensors[name], want.tensors[name], name);
}

export function seq(n: number, f: (i: number) => number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => f(i));
}

export function sample(): ModelFile {
  return {
    kind: "model",
    config: { cell: "lstm", hiddenSize: 4, numLayers: 1, dropout: 0.25, tied: false, extra: null, list: [1, "a", { b: 2 }] },
    vocab: { type: "char", tokens: ["<unk>", "a", "b", "c", "d"] },
    tensors: {
      "embedding.weight": seq(15, (i) => i / 7 - 1),
      "rnn.weight_ih_l0": seq(48, (i) => Math.sin(i)),
      "rnn.bias_ih_l0": seq(7, (i) => i), // 28 bytes: the next tensor must still land 16-aligned
      scalar: new Float32Array([Math.PI]),
      empty: new Float32Array(0),
      special: new Float32Array([NaN, -0, Infinity, -Infinity, 1e-45, 3.4028234663852886e38, -1.1754943508222875e-38, 1]),
    },
    shapes: {
      "embedding.weight": [5, 3],
      "rnn.weight_ih_l0": [16, 3],
      "rnn.bias_ih_l0": [7],
      scalar: [],
      empty: [0, 4],
      special: [2, 2, 2],
    },
  };
}

export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(bytes).digest());
}

/** A wasm-rnn file assembled by hand from the layout, with a valid checksum, to test the header checks. */
export function assemble(header: unknown, data: Uint8Array = new Uint8Array(0), version = FORMAT_VERSION): Uint8Array {
  const json = Buffer.from(typeof header === "string" ? header : JSON.stringify(header));
  const dataStart = Math.ceil((16 + json.length) / 16) * 16;
  const out = new Uint8Array(dataStart + data.length + 32);
  out.set(Buffer.from("WASMRNN\0", "latin1"));
  const view = new DataView(out.buffer);
  view.setUint32(8, version, true);
  view.setUint32(12, json.length, true);
  out.set(json, 16);
  out.set(data, dataStart);
  out.set(sha256(out.subarray(0, out.length - 32)), out.length - 32);
  return out;
}

export function validHeader(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: "model", createdBy: "hand", config: {}, vocab: null, dataBytes: 16,
    tensors: [{ name: "w", shape: [2, 2], offset: 0, length: 16 }],
    ...overrides,
  };
}

export function f32le(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  values.forEach((v, i) => new DataView(out.buffer).setFloat32(i * 4, v, true));
  return out;
}

/** A safetensors file from a header (object or literal JSON text) and a data buffer, per the spec. */
export function safetensorsBytes(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = Buffer.from(typeof header === "string" ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}
