// safetensors (src/io/safetensors.ts), checked against bytes assembled straight from the spec, not only
// against our own encoder.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { encodeModelFile } from "../../src/io/format.js";
import { decodeSafetensors, encodeSafetensors, looksLikeSafetensors, type NamedTensor } from "../../src/io/safetensors.js";
import { sameBits, throwsWith, seq, sample, f32le, safetensorsBytes } from "./format-helpers.js";

test("safetensors: round trip with metadata, order, scalars and empty tensors; the bytes follow the spec", () => {
  const tensors: Record<string, NamedTensor> = {
    "rnn.weight_hh_l0": { shape: [4, 2], data: seq(8, (i) => i - 3.5) },
    "a.bias": { shape: [3], data: new Float32Array([NaN, -0, 1e-45]) },
    scalar: { shape: [], data: new Float32Array([7]) },
    empty: { shape: [0, 2], data: new Float32Array(0) },
    "名前": { shape: [1], data: new Float32Array([2]) },
  };
  const metadata = { format: "pt", note: "日本語 ✓" };
  const bytes = encodeSafetensors(tensors, metadata);
  assert.ok(looksLikeSafetensors(bytes));

  const decoded = decodeSafetensors(bytes, "w.safetensors");
  assert.equal(decoded.metadata, metadata);
  assert.equal(Object.keys(decoded.tensors), Object.keys(tensors));
  for (const [name, t] of Object.entries(tensors)) {
    assert.equal(decoded.tensors[name].shape, t.shape);
    sameBits(decoded.tensors[name].data, t.data, name);
  }

  // Read back by the spec alone.
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.is(n % 8, 0, "header padded to 8 bytes");
  const text = Buffer.from(bytes.subarray(8, 8 + n)).toString("utf8");
  assert.match(text, /^\{.*\} *$/);
  const header = JSON.parse(text);
  assert.equal(header.__metadata__, metadata);
  assert.equal(header["rnn.weight_hh_l0"], { dtype: "F32", shape: [4, 2], data_offsets: [0, 32] });
  assert.equal(header["a.bias"].data_offsets, [32, 44]);
  assert.equal(header.scalar.data_offsets, [44, 48]);
  assert.equal(header.empty.data_offsets, [48, 48]);
  assert.is(bytes.length, 8 + n + 52);
  assert.is(new DataView(bytes.buffer).getFloat32(8 + n + 44, true), 7);

  const bare = decodeSafetensors(encodeSafetensors({}));
  assert.equal(bare, { tensors: {}, metadata: {} });
});

test("safetensors: a file assembled from the spec by hand, with F16, BF16, F64 and a space-padded header", () => {
  // Buffer layout (bytes): half F16 [2,5] @ 0..20, brain BF16 [3] @ 20..26, double F64 [2,1] @ 26..42,
  // single F32 [] @ 42..46, empty F32 [0,3] @ 46..46. The header lists them in another order.
  const data = new Uint8Array(46);
  const v = new DataView(data.buffer);
  [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x3555].forEach((h, i) => v.setUint16(2 * i, h, true));
  [0x3f80, 0xc020, 0x4049].forEach((h, i) => v.setUint16(20 + 2 * i, h, true));
  v.setFloat64(26, 0.1, true);
  v.setFloat64(34, -1e-3, true);
  v.setFloat32(42, 42.5, true);
  const header =
    '{"single":{"dtype":"F32","shape":[],"data_offsets":[42,46]},\n' +
    ' "__metadata__": {"format": "pt"},\n' +
    ' "double": {"dtype": "F64", "shape": [2, 1], "data_offsets": [26, 42]},\n' +
    ' "half": {"dtype": "F16", "shape": [2, 5], "data_offsets": [0, 20]},\n' +
    ' "empty": {"dtype": "F32", "shape": [0, 3], "data_offsets": [46, 46]},\n' +
    ' "brain": {"dtype": "BF16", "shape": [3], "data_offsets": [20, 26]}}';
  // Padding with spaces to 8k+3 bytes also puts the buffer at an odd offset: no alignment may be assumed.
  const padded = header + " ".repeat(((3 - header.length) % 8 + 8) % 8 + 8);
  assert.is(padded.length % 8, 3);
  const bytes = safetensorsBytes(padded, data);

  const { tensors, metadata } = decodeSafetensors(bytes, "hand.safetensors");
  assert.equal(metadata, { format: "pt" });
  assert.equal(Object.keys(tensors), ["single", "double", "half", "empty", "brain"], "header order");
  assert.equal(tensors.half.shape, [2, 5]);
  sameBits(tensors.half.data, new Float32Array([1, -2, 0.5, 65504, 2 ** -24, -0, Infinity, -Infinity, NaN, 0.333251953125]), "half");
  sameBits(tensors.brain.data, new Float32Array([1, -2.5, 3.140625]), "brain");
  sameBits(tensors.double.data, new Float32Array([0.1, -1e-3]), "double");
  assert.equal(tensors.double.shape, [2, 1]);
  sameBits(tensors.single.data, new Float32Array([42.5]), "single");
  assert.equal(tensors.single.shape, []);
  assert.is(tensors.empty.data.length, 0);
  assert.equal(tensors.empty.shape, [0, 3]);
});

test("safetensors: decoded tensors are copies", () => {
  const bytes = Buffer.from(encodeSafetensors({ w: { shape: [3], data: new Float32Array([1, 2, 3]) } }));
  const { tensors } = decodeSafetensors(bytes);
  bytes.fill(0);
  sameBits(tensors.w.data, new Float32Array([1, 2, 3]), "w");
});

test("safetensors: truncated, foreign and corrupt files are named and explained", async () => {
  const good = encodeSafetensors({ a: { shape: [2], data: new Float32Array([1, 2]) }, b: { shape: [1], data: new Float32Array([3]) } }, { k: "v" });
  for (let n = 0; n < good.length; n++) {
    throwsWith(() => decodeSafetensors(good.subarray(0, n), "t.safetensors"), Error, /^t\.safetensors is truncated/);
  }
  const ours = await encodeModelFile(sample());
  throwsWith(() => decodeSafetensors(ours, "m.wrnn"), Error, /^m\.wrnn is a wasm-rnn model file, not safetensors: load it with decodeModelFile$/);
  throwsWith(() => decodeSafetensors(Buffer.from("this is a text file, not tensors")), Error, /^the safetensors data is not a safetensors file/);
  throwsWith(() => decodeSafetensors(safetensorsBytes("[1, 2]")), Error, /not a safetensors file: its header does not start with '\{'/);
  throwsWith(() => decodeSafetensors(safetensorsBytes("{oops")), Error, /has a corrupt header: the JSON does not parse/);
  throwsWith(() => decodeSafetensors(new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0xff])), Error, /not valid UTF-8/);
  throwsWith(() => decodeSafetensors("x" as never), TypeError, /bytes must be a Uint8Array/);

  const four = f32le([1, 2, 3, 4]);
  const t = (dtype: string, shape: number[], offsets: unknown) => ({ dtype, shape, data_offsets: offsets });
  const cases: [unknown, Uint8Array, RegExp][] = [
    [{ ids: t("I64", [2], [0, 16]) }, new Uint8Array(16), /has tensor "ids" of dtype I64, which wasm-rnn cannot load \(it reads F32, F64, F16, BF16 and I8\)/],
    [{ m: t("BOOL", [4], [0, 4]) }, new Uint8Array(4), /tensor "m" of dtype BOOL/],
    [{ w: 5 }, four, /corrupt header: tensor "w" must be \{ dtype, shape, data_offsets \}, got 5/],
    [{ w: { shape: [4], data_offsets: [0, 16] } }, four, /tensor "w" has no dtype/],
    [{ w: t("F32", [4, -1], [0, 16]) }, four, /tensor "w" has shape \[4,-1\]/],
    [{ w: t("F32", [4], [16, 0]) }, four, /tensor "w" has data_offsets \[16,0\], not \[begin, end\]/],
    [{ w: t("F32", [4], [0]) }, four, /data_offsets \[0\]/],
    [{ w: t("F32", [3], [0, 16]) }, four, /tensor "w" spans 16 bytes, but dtype F32 and shape \[3\] need 12/],
    [{ w: t("F32", [4], [0, 16]), v: t("F32", [2], [8, 16]) }, four, /is corrupt: tensors "w" and "v" overlap/],
    [{ w: t("F32", [2], [8, 16]) }, four, /is corrupt: no tensor covers bytes \[0, 8\)/],
    [{ w: t("F32", [2], [0, 8]) }, four, /is corrupt: 8 bytes follow the last tensor's data/],
    [{ w: t("F32", [8], [0, 32]) }, four, /is truncated: tensor "w" ends at byte 32 of the data, which has only 16/],
    [{ __metadata__: { n: 1 }, w: t("F32", [4], [0, 16]) }, four, /__metadata__\.n must be a string, got 1/],
    [{ __metadata__: [], w: t("F32", [4], [0, 16]) }, four, /__metadata__ must be an object of strings/],
  ];
  for (const [header, data, pattern] of cases) {
    throwsWith(() => decodeSafetensors(safetensorsBytes(header, data), "c.safetensors"), Error, /^c\.safetensors /, pattern);
  }

  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
  huge[8] = 0x7b;
  throwsWith(() => decodeSafetensors(huge, "h.bin"), Error, /^h\.bin is not a safetensors file: its header size field says 1099511627776 bytes/);
});

test("safetensors: encode rejects bad input", () => {
  const data = new Float32Array(4);
  throwsWith(() => encodeSafetensors({ w: { shape: [3], data } }), RangeError, /tensor "w": data must have 3 elements/, /got 4/);
  throwsWith(() => encodeSafetensors({ w: { shape: [4], data: [0, 0, 0, 0] as never } }), TypeError, /data must be a Float32Array/);
  throwsWith(() => encodeSafetensors({ w: { shape: [2.5], data } }), TypeError, /shape must be an array of non-negative integers/);
  throwsWith(() => encodeSafetensors({ __metadata__: { shape: [4], data } }), TypeError, /reserved for metadata/);
  throwsWith(() => encodeSafetensors({ w: { shape: [4], data } }, { n: 1 as never }), TypeError, /metadata\.n must be a string, got 1/);
  throwsWith(() => encodeSafetensors(null as never), TypeError, /tensors must be an object/);
});

test.run();
