// File formats: the wasm-rnn container, safetensors (checked against bytes assembled straight from the spec,
// not only against our own encoder) and atomic file writes.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { createHash } from "node:crypto";
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from "node:fs/promises";
import { createRequire, syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FORMAT_VERSION, decodeModelFile, encodeModelFile, looksLikeModelFile, type ModelFile } from "../src/io/format.js";
import { decodeSafetensors, encodeSafetensors, looksLikeSafetensors, type NamedTensor } from "../src/io/safetensors.js";
import { readFileBytes, writeFileAtomic } from "../src/io/files.js";

// ---------------------------------------------------------------------------------------------------------
// helpers

/** Bit-exact comparison, so NaN, -0 and denormals count. */
function sameBits(got: Float32Array, want: Float32Array, what: string): void {
  assert.instance(got, Float32Array, `${what} is a Float32Array`);
  assert.is(got.length, want.length, `${what} length`);
  const a = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const b = new Uint32Array(want.buffer, want.byteOffset, want.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) assert.unreachable(`${what}[${i}]: got ${got[i]}, want ${want[i]}`);
}

function sameModel(got: ModelFile, want: ModelFile): void {
  assert.is(got.kind, want.kind);
  assert.equal(got.config, want.config);
  assert.equal(got.vocab, want.vocab);
  assert.equal(got.training, want.training);
  assert.equal(Object.keys(got.tensors), Object.keys(want.tensors), "tensor order");
  assert.equal(got.shapes, want.shapes);
  for (const name of Object.keys(want.tensors)) sameBits(got.tensors[name], want.tensors[name], name);
}

async function rejects(fn: () => Promise<unknown>, type: ErrorConstructor, ...patterns: RegExp[]): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    assert.instance(e, type, `expected a ${type.name}, got ${(e as Error).constructor.name}: ${(e as Error).message}`);
    for (const p of patterns) assert.match((e as Error).message, p);
    return e as Error;
  }
  return assert.unreachable(`expected ${type.name} matching ${patterns.join(", ")}`) as never;
}

function throwsWith(fn: () => unknown, type: ErrorConstructor, ...patterns: RegExp[]): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, type, `expected a ${type.name}, got ${(e as Error).constructor.name}: ${(e as Error).message}`);
    for (const p of patterns) assert.match((e as Error).message, p);
    return;
  }
  assert.unreachable(`expected ${type.name} matching ${patterns.join(", ")}`);
}

function seq(n: number, f: (i: number) => number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => f(i));
}

function sample(): ModelFile {
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

function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(bytes).digest());
}

/** A wasm-rnn file assembled by hand from the layout, with a valid checksum, to test the header checks. */
function assemble(header: unknown, data: Uint8Array = new Uint8Array(0), version = FORMAT_VERSION): Uint8Array {
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

function validHeader(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: "model", createdBy: "hand", config: {}, vocab: null, dataBytes: 16,
    tensors: [{ name: "w", shape: [2, 2], offset: 0, length: 16 }],
    ...overrides,
  };
}

function f32le(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  values.forEach((v, i) => new DataView(out.buffer).setFloat32(i * 4, v, true));
  return out;
}

/** A safetensors file from a header (object or literal JSON text) and a data buffer, per the spec. */
function safetensorsBytes(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = Buffer.from(typeof header === "string" ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// the wasm-rnn container

test("model file: round trip, and the bytes follow the documented layout", async () => {
  const file = sample();
  const bytes = await encodeModelFile(file);
  sameModel(await decodeModelFile(bytes, "m.wrnn"), file);
  assert.ok(looksLikeModelFile(bytes));

  assert.is(Buffer.from(bytes.subarray(0, 8)).toString("latin1"), "WASMRNN\0");
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  assert.is(view.getUint32(8, true), 1);
  const headerBytes = view.getUint32(12, true);
  const header = JSON.parse(Buffer.from(bytes.subarray(16, 16 + headerBytes)).toString("utf8"));
  assert.is(header.createdBy, "wasm-rnn");
  assert.is(header.kind, "model");
  assert.equal(header.config, file.config);
  const dataStart = Math.ceil((16 + headerBytes) / 16) * 16;
  assert.ok(bytes.subarray(16 + headerBytes, dataStart).every((b) => b === 0), "zero padding after the header");
  assert.is(bytes.length, dataStart + header.dataBytes + 32);
  for (const entry of header.tensors) {
    assert.is((dataStart + entry.offset) % 16, 0, `${entry.name} is 16-byte aligned`);
    const want = file.tensors[entry.name];
    assert.is(entry.length, want.byteLength);
    const got = new Float32Array(want.length).map((_, i) => view.getFloat32(dataStart + entry.offset + 4 * i, true));
    sameBits(got, want, `${entry.name} read as little-endian`);
  }
  assert.equal(bytes.subarray(bytes.length - 32), sha256(bytes.subarray(0, bytes.length - 32)), "SHA-256 trailer");
});

test("model file: checkpoints keep training state and the tensors' insertion order", async () => {
  const file: ModelFile = {
    kind: "checkpoint",
    config: { cell: "gru" },
    vocab: null,
    tensors: { z: seq(3, (i) => i), a: seq(2, (i) => -i), m: seq(1, () => 5) },
    shapes: { z: [3], a: [1, 2], m: [1, 1, 1] },
    training: { step: 1200, epoch: 3, optimizer: { name: "adam", lr: 0.002, betas: [0.9, 0.999] }, rng: [4294967295, 0, 123, 77] },
  };
  const decoded = await decodeModelFile(await encodeModelFile(file));
  sameModel(decoded, file);
  assert.equal(Object.keys(decoded.tensors), ["z", "a", "m"]);

  const plain = await decodeModelFile(await encodeModelFile(sample()));
  assert.not.ok("training" in plain, "models have no training field");
});

test("model file: empty tensor list, scalars and empty tensors", async () => {
  const empty: ModelFile = { kind: "model", config: {}, vocab: null, tensors: {}, shapes: {} };
  sameModel(await decodeModelFile(await encodeModelFile(empty)), empty);
  const small: ModelFile = { kind: "model", config: {}, vocab: {}, tensors: { s: new Float32Array([-2.5]), e: new Float32Array(0) }, shapes: { s: [], e: [3, 0] } };
  sameModel(await decodeModelFile(await encodeModelFile(small)), small);
});

test("model file: non-ASCII text in config, vocab and tensor names", async () => {
  const file: ModelFile = {
    kind: "model",
    config: { name: "中文模型 🚀", "ключ": "значение", note: "tab\tquote\"backslash\\nul\u0000", lone: "\udc00" },
    vocab: { tokens: ["你", "好", "👋🏽", "é", "e\u0301", "🇫🇷", "\u2028"], merges: { "你好": 1 } },
    tensors: { "权重": seq(4, (i) => i), "emoji🙂": seq(2, (i) => i * 3) },
    shapes: { "权重": [2, 2], "emoji🙂": [2] },
  };
  sameModel(await decodeModelFile(await encodeModelFile(file)), file);
});

test("both formats: tensor names like __proto__ and constructor are ordinary names", async () => {
  const names = ["__proto__", "constructor", "toString"];
  const tensors = JSON.parse(`{${names.map((n, i) => `"${n}": ${i}`).join(",")}}`) as Record<string, unknown>;
  const shapes = JSON.parse(`{${names.map((n) => `"${n}": [1]`).join(",")}}`) as Record<string, number[]>;
  for (const n of names) Object.defineProperty(tensors, n, { value: new Float32Array([names.indexOf(n)]), enumerable: true });
  const decoded = await decodeModelFile(await encodeModelFile({ kind: "model", config: {}, vocab: null, tensors: tensors as Record<string, Float32Array>, shapes }));
  assert.equal(Object.keys(decoded.tensors), names);
  assert.is(Object.getPrototypeOf(decoded.tensors), Object.prototype);
  assert.is(decoded.tensors["__proto__"][0], 0);

  const st = Object.fromEntries(names.map((n, i) => [n, { shape: [1], data: new Float32Array([i]) }]));
  const back = decodeSafetensors(encodeSafetensors(st));
  assert.equal(Object.keys(back.tensors), names);
  assert.is(back.tensors["__proto__"].data[0], 0);
});

test("model file: a large tensor (2^20 floats) round trips bit-exactly", async () => {
  let s = 12345;
  const big = seq(1 << 20, () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1);
  const file: ModelFile = { kind: "model", config: {}, vocab: null, tensors: { big, tail: seq(5, (i) => i) }, shapes: { big: [1024, 1024], tail: [5] } };
  const bytes = await encodeModelFile(file);
  assert.ok(bytes.length > 4 * (1 << 20));
  sameModel(await decodeModelFile(bytes), file);
});

test("model file: decoded tensors are copies, also when the bytes are a Node Buffer", async () => {
  const file = sample();
  const encoded = await encodeModelFile(file);
  for (const bytes of [encoded.slice(), Buffer.from(encoded)]) {
    const decoded = await decodeModelFile(bytes);
    for (const t of Object.values(decoded.tensors)) assert.is.not(t.buffer, bytes.buffer);
    bytes.fill(0);
    sameModel(decoded, file);
  }
  // And the input is only read.
  const before = encoded.slice();
  await decodeModelFile(encoded);
  assert.equal(encoded, before);
});

test("model file: encode rejects what it cannot store faithfully", async () => {
  const base = sample();
  await rejects(() => encodeModelFile(null as never), TypeError, /file must be a ModelFile object/, /got null/);
  await rejects(() => encodeModelFile({ ...base, kind: "weights" as never }), TypeError, /kind must be "model" or "checkpoint"/, /"weights"/);
  await rejects(() => encodeModelFile({ ...base, config: [] as never }), TypeError, /config must be an object/);
  await rejects(() => encodeModelFile({ ...base, vocab: undefined as never }), TypeError, /vocab must be an object or null/);
  await rejects(() => encodeModelFile({ ...base, config: { lr: NaN } }), TypeError, /config\.lr must be JSON-safe/, /got NaN/);
  await rejects(() => encodeModelFile({ ...base, config: { w: new Float32Array(2) } }), TypeError, /config\.w must be JSON-safe/, /Float32Array/);
  await rejects(() => encodeModelFile({ ...base, training: { when: new Date() } }), TypeError, /training\.when/, /Date/);
  await rejects(() => encodeModelFile({ ...base, vocab: { n: 10n } as never }), TypeError, /vocab\.n/, /bigint/);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  await rejects(() => encodeModelFile({ ...base, config: cyclic }), TypeError, /refers to itself/);
  await rejects(() => encodeModelFile({ ...base, shapes: { ...base.shapes, scalar: [2] } }), RangeError, /tensor "scalar"/, /shape \[2\] has 2 elements/, /data has 1/);
  const { scalar: _, ...missing } = base.shapes;
  await rejects(() => encodeModelFile({ ...base, shapes: missing }), TypeError, /tensor "scalar" has no entry in shapes/);
  await rejects(() => encodeModelFile({ ...base, shapes: { ...base.shapes, ghost: [1] } }), TypeError, /shapes has "ghost", which is not in tensors/);
  await rejects(() => encodeModelFile({ ...base, shapes: { ...base.shapes, scalar: [1.5] } }), TypeError, /non-negative integers/);
  await rejects(() => encodeModelFile({ ...base, tensors: { ...base.tensors, scalar: [1] as never } }), TypeError, /tensor "scalar" must be a Float32Array/);
  // Undefined properties are allowed: they are simply absent after the round trip.
  const decoded = await decodeModelFile(await encodeModelFile({ ...base, config: { a: 1, b: undefined } }));
  assert.equal(decoded.config, { a: 1 });
});

test("model file: truncation at every length is reported as truncated, naming the file", async () => {
  const small: ModelFile = { kind: "model", config: { a: 1 }, vocab: null, tensors: { w: seq(5, (i) => i) }, shapes: { w: [5] } };
  const bytes = await encodeModelFile(small);
  for (let n = 0; n < bytes.length; n++) {
    await rejects(() => decodeModelFile(bytes.subarray(0, n), "tiny.wrnn"), Error, /^tiny\.wrnn is truncated/);
  }
  await rejects(() => decodeModelFile(bytes.subarray(0, 5)), Error, /^the model data is truncated: it has 5 bytes, fewer than the 16-byte fixed header$/);
  await rejects(() => decodeModelFile(bytes.subarray(0, bytes.length - 1), "tiny.wrnn"), Error, /header describes \d+ bytes, but it has \d+/);
});

test("model file: foreign bytes, safetensors and newer versions", async () => {
  const foreign = [Buffer.from("hello, world! this is not a model"), new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0]), new Uint8Array([1, 2, 3])];
  for (const bytes of foreign) {
    await rejects(() => decodeModelFile(bytes, "x.bin"), Error, /^x\.bin is not a wasm-rnn model file/);
  }
  const st = encodeSafetensors({ w: { shape: [2], data: new Float32Array([1, 2]) } });
  await rejects(() => decodeModelFile(st, "model.safetensors"), Error, /^model\.safetensors is a safetensors file/, /decodeSafetensors/);

  const newer = assemble(validHeader(), f32le([1, 2, 3, 4]), 2);
  await rejects(() => decodeModelFile(newer, "new.wrnn"), Error, /^new\.wrnn was written by a newer wasm-rnn: format version 2, this version reads 1$/);
  await rejects(() => decodeModelFile(assemble(validHeader(), f32le([1, 2, 3, 4]), 0)), Error, /unknown format version 0/);
  await rejects(() => decodeModelFile("WASMRNN" as never), TypeError, /bytes must be a Uint8Array/, /"WASMRNN"/);
});

test("model file: a hand-assembled file decodes (the layout is what the header comment says)", async () => {
  const decoded = await decodeModelFile(assemble(validHeader({ training: { step: 3 } }), f32le([1, 2, 3, 4])));
  assert.equal(decoded.shapes, { w: [2, 2] });
  sameBits(decoded.tensors.w, new Float32Array([1, 2, 3, 4]), "w");
  assert.equal(decoded.training, { step: 3 });
});

test("model file: header problems are named, even when the checksum is valid", async () => {
  const data = f32le([1, 2, 3, 4]);
  const cases: [unknown, RegExp][] = [
    ["{not json", /has a corrupt header: the JSON does not parse/],
    ["[1, 2]", /has a corrupt header: it is an array of length 2, not a JSON object/],
    [validHeader({ kind: undefined }), /"kind" must be "model" or "checkpoint", got undefined/],
    [validHeader({ kind: "weights" }), /"kind" must be "model" or "checkpoint", got "weights"/],
    [validHeader({ config: undefined }), /"config" must be an object, got undefined/],
    [validHeader({ vocab: undefined }), /"vocab" must be an object or null, got undefined/],
    [validHeader({ training: 5 }), /"training" must be an object, got 5/],
    [validHeader({ dataBytes: undefined }), /"dataBytes" must be a non-negative integer/],
    [validHeader({ tensors: {} }), /"tensors" must be an array/],
    [validHeader({ tensors: [{ shape: [4], offset: 0, length: 16 }] }), /tensor table entry 0 has no name/],
    [validHeader({ tensors: [{ name: "w", shape: [-4], offset: 0, length: 16 }] }), /tensor "w" has shape \[-4\], not a list of non-negative integers/],
    [validHeader({ tensors: [{ name: "w", shape: [4], offset: "0", length: 16 }] }), /tensor "w" has offset "0" and length 16/],
    [validHeader({ tensors: [{ name: "w", shape: [4], offset: 4, length: 16 }] }), /tensor "w" lies at bytes \[4, 20\), outside the 16-byte data section/],
    [validHeader({ tensors: [{ name: "w", shape: [3], offset: 0, length: 16 }] }), /tensor "w" has 16 bytes, but shape \[3\] needs 12/],
    [validHeader({ tensors: [{ name: "w", shape: [2], offset: 0, length: 8 }, { name: "w", shape: [2], offset: 8, length: 8 }] }), /tensor "w" appears twice/],
  ];
  for (const [header, pattern] of cases) {
    await rejects(() => decodeModelFile(assemble(header, data), "h.wrnn"), Error, /^h\.wrnn has a corrupt header: /, pattern);
  }
  const invalidUtf8 = assemble("{}", data);
  invalidUtf8[17] = 0xff;
  invalidUtf8.set(sha256(invalidUtf8.subarray(0, invalidUtf8.length - 32)), invalidUtf8.length - 32);
  await rejects(() => decodeModelFile(invalidUtf8, "u.wrnn"), Error, /^u\.wrnn has a corrupt header: the JSON does not parse/);

  // The data section is shorter, or longer, than the header says.
  await rejects(() => decodeModelFile(assemble(validHeader({ dataBytes: 64 }), data), "s.wrnn"), Error, /^s\.wrnn is truncated: its header describes/);
  await rejects(() => decodeModelFile(assemble(validHeader(), new Uint8Array(48)), "l.wrnn"), Error, /^l\.wrnn is corrupt: 32 unexpected bytes follow the checksum/);
});

test("model file: any flipped byte is caught; in the data or the trailer it is a checksum mismatch", async () => {
  const small: ModelFile = { kind: "checkpoint", config: { h: 2 }, vocab: { t: ["a"] }, tensors: { w: seq(6, (i) => i + 0.5) }, shapes: { w: [2, 3] }, training: { step: 1 } };
  const bytes = await encodeModelFile(small);
  const headerEnd = 16 + new DataView(bytes.buffer).getUint32(12, true);
  for (let i = 0; i < bytes.length; i++) {
    const damaged = bytes.slice();
    damaged[i] ^= 0x20;
    const error = await rejects(() => decodeModelFile(damaged, "d.wrnn"), Error);
    assert.match(error.message, /^d\.wrnn /, `byte ${i}: ${error.message}`);
    if (i >= headerEnd) assert.match(error.message, /is corrupt: checksum mismatch/, `byte ${i}: ${error.message}`);
    else if (i >= 16) assert.match(error.message, /checksum mismatch|corrupt header|truncated|unexpected bytes/, `byte ${i}: ${error.message}`);
  }
});

// ---------------------------------------------------------------------------------------------------------
// safetensors

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
    [{ ids: t("I64", [2], [0, 16]) }, new Uint8Array(16), /has tensor "ids" of dtype I64, which wasm-rnn cannot load \(it reads F32, F64, F16 and BF16\)/],
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

// ---------------------------------------------------------------------------------------------------------
// files

let dir = "";
// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
dir = await mkdtemp(join(tmpdir(), "wasm-rnn-io-"));
test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function entries(path: string): Promise<string[]> {
  return (await readdir(path)).sort();
}

test("writeFileAtomic: writes, overwrites and leaves no temp files", async () => {
  const sub = join(dir, "basic");
  await mkdir(sub);
  const path = join(sub, "model.wrnn");
  await writeFileAtomic(path, new Uint8Array([1, 2, 3, 4, 5]));
  assert.equal(new Uint8Array(await readFile(path)), new Uint8Array([1, 2, 3, 4, 5]));
  await writeFileAtomic(path, new Uint8Array([9, 8]));
  assert.equal(new Uint8Array(await readFile(path)), new Uint8Array([9, 8]), "a shorter overwrite leaves no old tail");
  await writeFileAtomic(path, new Uint8Array(0));
  assert.is((await stat(path)).size, 0);
  assert.equal(await entries(sub), ["model.wrnn"]);

  const bytes = await readFileBytes(path);
  assert.is(Object.getPrototypeOf(bytes), Uint8Array.prototype, "a plain Uint8Array, not a Buffer");
});

test("writeFileAtomic: keeps the file's permissions and writes through a symlink", async () => {
  const sub = join(dir, "modes");
  await mkdir(sub);
  const path = join(sub, "run-1.ckpt");
  await writeFileAtomic(path, new Uint8Array([1]));
  await chmod(path, 0o640);
  await writeFileAtomic(path, new Uint8Array([2]));
  assert.is((await stat(path)).mode & 0o777, 0o640);

  const link = join(sub, "latest.ckpt");
  await symlink("run-1.ckpt", link);
  await writeFileAtomic(link, new Uint8Array([3]));
  assert.ok((await lstat(link)).isSymbolicLink(), "the link is still a link");
  assert.is(await readlink(link), "run-1.ckpt");
  assert.equal(new Uint8Array(await readFile(path)), new Uint8Array([3]));
  assert.equal(await entries(sub), ["latest.ckpt", "run-1.ckpt"]);
});

test("writeFileAtomic: failures name the path and leave the previous content intact", async () => {
  const sub = join(dir, "failures");
  await mkdir(sub);
  // The target is a directory.
  const asDir = join(sub, "model.wrnn");
  await mkdir(asDir);
  await writeFile(join(asDir, "inside"), "keep");
  await rejects(() => writeFileAtomic(asDir, new Uint8Array([1])), Error, /^Cannot write .*failures\/model\.wrnn: it is a directory$/);
  assert.is(await readFile(join(asDir, "inside"), "utf8"), "keep");
  // The parent is a regular file.
  const parentFile = join(sub, "notes.txt");
  await writeFile(parentFile, "previous");
  await rejects(() => writeFileAtomic(join(parentFile, "model.wrnn"), new Uint8Array([1])), Error, /^Cannot write .*notes\.txt\/model\.wrnn: /, /ENOTDIR/);
  assert.is(await readFile(parentFile, "utf8"), "previous");
  // The directory does not exist.
  await rejects(() => writeFileAtomic(join(sub, "missing", "m.wrnn"), new Uint8Array([1])), Error, /missing\/m\.wrnn: its directory does not exist/);
  await rejects(() => writeFileAtomic(parentFile, "text" as never), TypeError, /bytes must be a Uint8Array/);
  assert.is(await readFile(parentFile, "utf8"), "previous");
  assert.equal(await entries(sub), ["model.wrnn", "notes.txt"], "no temp files left behind");
});

test("writeFileAtomic: an I/O error mid-write (injected) removes the temp file and keeps the old file", async () => {
  const sub = join(dir, "injected");
  await mkdir(sub);
  const path = join(sub, "model.wrnn");
  await writeFileAtomic(path, new Uint8Array([1, 2, 3]));

  // Root ignores permissions, so inject the failures into node:fs/promises (which files.ts imports lazily).
  const fsp = createRequire(import.meta.url)("node:fs/promises");
  const ioError = () => Object.assign(new Error("EIO: i/o error, simulated"), { code: "EIO" });
  const handle = await fsp.open(path, "r");
  const FileHandle = Object.getPrototypeOf(handle);
  await handle.close();
  const inject = async (owner: Record<string, unknown>, method: string) => {
    const original = owner[method];
    owner[method] = async () => { throw ioError(); };
    syncBuiltinESMExports();
    try {
      await rejects(() => writeFileAtomic(path, new Uint8Array([7, 7, 7, 7, 7, 7])), Error, /^Cannot write .*model\.wrnn: EIO: i\/o error, simulated$/);
    } finally {
      owner[method] = original;
      syncBuiltinESMExports();
    }
    assert.equal(new Uint8Array(await readFile(path)), new Uint8Array([1, 2, 3]), `after a failed ${method}`);
    assert.equal(await entries(sub), ["model.wrnn"], `no temp file after a failed ${method}`);
  };
  await inject(FileHandle, "writeFile");
  await inject(FileHandle, "sync");
  await inject(fsp, "rename");
  await writeFileAtomic(path, new Uint8Array([4]));
  assert.equal(new Uint8Array(await readFile(path)), new Uint8Array([4]), "works again once the fault is gone");
});

test("readFileBytes: clear errors for missing files, directories and bad paths", async () => {
  const missing = join(dir, "nope.wrnn");
  await rejects(() => readFileBytes(missing, "model file"), Error, new RegExp(`^model file not found: ${missing.replace(/[.\\]/g, "\\$&")}$`));
  await rejects(() => readFileBytes(missing), Error, /^file not found: /);
  await rejects(() => readFileBytes(dir, "checkpoint"), Error, /^checkpoint is a directory, not a file: /);
  const file = join(dir, "plain.txt");
  await writeFile(file, "x");
  await rejects(() => readFileBytes(join(file, "m.wrnn"), "model file"), Error, /^Cannot read model file .*plain\.txt\/m\.wrnn: part of the path is a file/);
  await rejects(() => readFileBytes("" as never), TypeError, /path must be a non-empty string/);
});

test("files + format: save, load, and a damaged file on disk is reported by its path", async () => {
  const path = join(dir, "roundtrip.wrnn");
  const file = sample();
  await writeFileAtomic(path, await encodeModelFile(file));
  sameModel(await decodeModelFile(await readFileBytes(path, "model file"), path), file);

  const bytes = await readFileBytes(path);
  await writeFile(path, bytes.subarray(0, bytes.length - 10));
  await rejects(async () => decodeModelFile(await readFileBytes(path), path), Error, new RegExp(`^${path.replace(/[.\\]/g, "\\$&")} is truncated`));
});

test("format.ts and safetensors.ts use no Node built-ins; files.ts loads node:fs only when called", async () => {
  for (const name of ["format.js", "safetensors.js"]) {
    const code = await readFile(new URL(`../src/io/${name}`, import.meta.url), "utf8");
    assert.not.match(code, /node:|\brequire\(|\bBuffer\b|\bprocess\./, name);
  }
  const files = await readFile(new URL("../src/io/files.js", import.meta.url), "utf8");
  assert.not.match(files, /^import .*["']node:/m, "no static node: import");
});

test.run();
