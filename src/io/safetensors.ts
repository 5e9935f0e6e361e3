// Hugging Face safetensors, read and written as plain bytes (no Node built-ins), so weights move between
// wasm-rnn and PyTorch / the Hugging Face hub in every runtime. Validation follows the reference
// implementation (the `safetensors` Rust crate): a foreign or damaged file fails here, with a sentence
// naming it, rather than later as a wrongly shaped model.
//
// Layout: u64 LE header size N, N bytes of UTF-8 JSON (may be padded with spaces), then the data buffer;
// each tensor's data_offsets are [begin, end) relative to the buffer, and the tensors must tile it exactly.

import { describe, product, shapeText } from "../errors.js";
import { fromF16Bits } from "../quant/f16.js";

/**
 * A tensor by shape and values. Reading gives Float32Array for the float dtypes (F32, F64, F16, BF16 widened)
 * and Int8Array for I8 (a quantized model's weights); writing takes Float32Array (F32), Int8Array (I8) or
 * Uint16Array (F16 bits).
 */
export interface NamedTensor {
  shape: number[];
  data: Float32Array | Int8Array | Uint16Array;
}

/** What decodeSafetensors gives: floats widened to f32, int8 as it is. */
export interface DecodedTensor {
  shape: number[];
  data: Float32Array | Int8Array;
}

const DTYPE_BYTES: Record<string, number> = { F32: 4, F64: 8, F16: 2, BF16: 2, I8: 1 };
// The reference implementation's limit; a larger size field means the bytes are not safetensors at all.
const MAX_HEADER_BYTES = 100_000_000;
const METADATA = "__metadata__";
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** True when `bytes` starts like a safetensors file: a small u64 header size, then '{'. */
export function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10 || bytes[8] !== 0x7b) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  return view.getUint32(4, true) === 0 && view.getUint32(0, true) <= MAX_HEADER_BYTES;
}

export function encodeSafetensors(tensors: Record<string, NamedTensor>, metadata?: Record<string, string>): Uint8Array {
  checkRecord("encodeSafetensors: tensors", tensors, "an object of { shape, data } by name");
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    checkRecord("encodeSafetensors: metadata", metadata, "an object of strings");
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== "string") throw new TypeError(`encodeSafetensors: metadata.${key} must be a string, got ${describe(value)}`);
    }
    if (Object.keys(metadata).length > 0) header[METADATA] = { ...metadata };
  }
  let offset = 0;
  const entries: [number, Float32Array | Int8Array | Uint16Array][] = [];
  for (const [name, tensor] of Object.entries(tensors)) {
    const what = `encodeSafetensors: tensor "${name}"`;
    if (name === METADATA) throw new TypeError(`${what}: the name ${METADATA} is reserved for metadata`);
    checkRecord(what, tensor, "{ shape, data }");
    const shape = checkShape(what, tensor.shape);
    const dtype = tensor.data instanceof Float32Array ? "F32" : tensor.data instanceof Int8Array ? "I8" : tensor.data instanceof Uint16Array ? "F16" : null;
    if (!dtype) throw new TypeError(`${what}: data must be a Float32Array (or Int8Array, Uint16Array of f16 bits), got ${describe(tensor.data)}`);
    if (tensor.data.length !== product(shape)) {
      throw new RangeError(`${what}: data must have ${product(shape)} elements (shape ${shapeText(shape)}), got ${tensor.data.length}`);
    }
    setOwn(header, name, { dtype, shape, data_offsets: [offset, offset + tensor.data.byteLength] });
    entries.push([offset, tensor.data]);
    offset += tensor.data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Spaces pad the header so the buffer starts 8-aligned, as the reference writer does.
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, padded % 2 ** 32, true);
  view.setUint32(4, Math.floor(padded / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  for (const [at, data] of entries) {
    if (data instanceof Float32Array) writeFloat32LE(out, 8 + padded + at, data);
    else if (data instanceof Int8Array) out.set(new Uint8Array(data.buffer, data.byteOffset, data.length), 8 + padded + at);
    else {
      const view = new DataView(out.buffer, 8 + padded + at, data.length * 2);
      for (let i = 0; i < data.length; i++) view.setUint16(i * 2, data[i], true);
    }
  }
  return out;
}

export function decodeSafetensors(
  bytes: Uint8Array,
  source?: string,
): { tensors: Record<string, DecodedTensor>; metadata: Record<string, string> } {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`decodeSafetensors: bytes must be a Uint8Array, got ${describe(bytes)}`);
  const name = source ?? "the safetensors data";
  const fail = (problem: string) => new Error(`${name} ${problem}`);

  if (isWasmRnnModel(bytes)) throw fail("is a wasm-rnn model file, not safetensors: load it with decodeModelFile");
  if (bytes.length < 8) throw fail(`is truncated: it has ${bytes.length} bytes, fewer than the 8-byte header size field`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(4, true) * 2 ** 32 + view.getUint32(0, true);
  if (n > MAX_HEADER_BYTES) throw fail(`is not a safetensors file: its header size field says ${n} bytes (at most ${MAX_HEADER_BYTES})`);
  if (8 + n > bytes.length) throw fail(`is truncated: its header is ${n} bytes but only ${bytes.length - 8} follow the size field`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw fail("is not a safetensors file: its header is not valid UTF-8");
  }
  if (!text.startsWith("{")) throw fail("is not a safetensors file: its header does not start with '{'");
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw fail(`has a corrupt header: the JSON does not parse (${(e as Error).message})`);
  }
  if (!isPlainObject(header)) throw fail("has a corrupt header: it is not a JSON object");

  const metadata: Record<string, string> = {};
  const raw = header[METADATA];
  if (raw !== undefined && raw !== null) {
    if (!isPlainObject(raw)) throw fail(`has a corrupt header: ${METADATA} must be an object of strings, got ${describe(raw)}`);
    for (const [key, value] of Object.entries(raw)) {
      if (typeof value !== "string") throw fail(`has a corrupt header: ${METADATA}.${key} must be a string, got ${describe(value)}`);
      setOwn(metadata, key, value);
    }
  }

  interface Entry { name: string; dtype: string; shape: number[]; begin: number; end: number }
  const entries: Entry[] = [];
  for (const [tensor, info] of Object.entries(header)) {
    if (tensor === METADATA) continue;
    const bad = (problem: string) => fail(`has a corrupt header: tensor "${tensor}" ${problem}`);
    if (!isPlainObject(info)) throw bad(`must be { dtype, shape, data_offsets }, got ${describe(info)}`);
    const { dtype, shape, data_offsets: offsets } = info;
    if (typeof dtype !== "string") throw bad(`has no dtype`);
    if (!(dtype in DTYPE_BYTES)) {
      throw fail(`has tensor "${tensor}" of dtype ${dtype}, which wasm-rnn cannot load (it reads F32, F64, F16, BF16 and I8)`);
    }
    if (!isDims(shape)) throw bad(`has shape ${JSON.stringify(shape)}, not a list of non-negative integers`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !isDims(offsets) || offsets[0] > offsets[1]) {
      throw bad(`has data_offsets ${JSON.stringify(offsets)}, not [begin, end] with begin ≤ end`);
    }
    const expected = product(shape) * DTYPE_BYTES[dtype];
    if (offsets[1] - offsets[0] !== expected) {
      throw bad(`spans ${offsets[1] - offsets[0]} bytes, but dtype ${dtype} and shape ${shapeText(shape)} need ${expected}`);
    }
    entries.push({ name: tensor, dtype, shape, begin: offsets[0], end: offsets[1] });
  }

  const dataStart = 8 + n;
  const dataBytes = bytes.length - dataStart;
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: Entry | undefined;
  for (const e of byOffset) {
    if (e.begin < covered) throw fail(`is corrupt: tensors "${previous!.name}" and "${e.name}" overlap`);
    if (e.begin > covered) throw fail(`is corrupt: no tensor covers bytes [${covered}, ${e.begin}) of the data`);
    if (e.end > dataBytes) throw fail(`is truncated: tensor "${e.name}" ends at byte ${e.end} of the data, which has only ${dataBytes}`);
    covered = e.end;
    previous = e;
  }
  if (covered !== dataBytes) throw fail(`is corrupt: ${dataBytes - covered} bytes follow the last tensor's data`);

  const tensors: Record<string, DecodedTensor> = {};
  for (const e of entries) {
    const at = dataStart + e.begin, count = product(e.shape);
    const data = e.dtype === "I8" ? new Int8Array(bytes.slice(at, at + count).buffer) : toFloat32(bytes, at, e.dtype, count);
    setOwn(tensors, e.name, { shape: e.shape, data });
  }
  return { tensors, metadata };
}

/** A fresh Float32Array from `count` little-endian f32 values at `start` (any alignment). */
export function readFloat32LE(bytes: Uint8Array, start: number, count: number): Float32Array {
  const out = new Float32Array(count);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes.subarray(start, start + count * 4));
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset + start, count * 4);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

/** Writes `data` as little-endian f32 into `out` at `start`. */
export function writeFloat32LE(out: Uint8Array, start: number, data: Float32Array): void {
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), start);
  } else {
    const view = new DataView(out.buffer, out.byteOffset + start, data.byteLength);
    for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  }
}

const scratchBits = new Uint32Array(1);
const scratchFloat = new Float32Array(scratchBits.buffer);

function toFloat32(bytes: Uint8Array, start: number, dtype: string, count: number): Float32Array {
  if (dtype === "F32") return readFloat32LE(bytes, start, count);
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, count * DTYPE_BYTES[dtype]);
  if (dtype === "F64") {
    for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
  } else if (dtype === "BF16") {
    // bfloat16 is the top half of a float32.
    for (let i = 0; i < count; i++) {
      scratchBits[0] = view.getUint16(i * 2, true) << 16;
      out[i] = scratchFloat[0];
    }
  } else {
    for (let i = 0; i < count; i++) out[i] = fromF16Bits(view.getUint16(i * 2, true));
  }
  return out;
}

function isWasmRnnModel(bytes: Uint8Array): boolean {
  const magic = "WASMRNN\0";
  if (bytes.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[i] !== magic.charCodeAt(i)) return false;
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

function isDims(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((d) => Number.isSafeInteger(d) && d >= 0);
}

function checkRecord(what: string, value: unknown, noun: string): void {
  if (!isPlainObject(value)) throw new TypeError(`${what} must be ${noun}, got ${describe(value)}`);
}

function checkShape(what: string, shape: unknown): number[] {
  if (!isDims(shape) || !Number.isSafeInteger(product(shape))) {
    throw new TypeError(`${what}: shape must be an array of non-negative integers, got ${JSON.stringify(shape) ?? describe(shape)}`);
  }
  return [...shape];
}

/** Sets an own property even for names like "__proto__", which plain assignment would treat as the prototype. */
function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
