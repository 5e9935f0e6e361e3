// The wasm-rnn container (src/io/format.ts): round trips, the documented byte layout, and every way a file can
// be damaged or foreign, each named.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodeModelFile, encodeModelFile, looksLikeModelFile, type ModelFile } from "../../src/io/format.js";
import { decodeSafetensors, encodeSafetensors } from "../../src/io/safetensors.js";
import { sameBits, sameModel, rejects, seq, sample, sha256, assemble, validHeader, f32le } from "./format-helpers.js";

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
    const want = file.tensors[entry.name] as Float32Array;
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

  const newer = assemble(validHeader(), f32le([1, 2, 3, 4]), 3);
  await rejects(() => decodeModelFile(newer, "new.wrnn"), Error, /^new\.wrnn was written by a newer wasm-rnn: format version 3, this version reads 2$/);
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

test.run();
