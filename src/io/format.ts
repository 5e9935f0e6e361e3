// The wasm-rnn model / checkpoint container, as plain bytes (no Node built-ins) so the same code saves and
// loads in Node, browsers and edge runtimes.
//
// Layout (integers little-endian):
//   0       8  magic "WASMRNN\0"
//   8       4  u32 format version
//   12      4  u32 header byte length H
//   16      H  UTF-8 JSON header: { kind, createdBy, config, vocab, task?, training?, dataBytes,
//                                   tensors: [{ name, shape, offset, length }] }
//           …  zero padding to a multiple of 16; the data section starts there (call it D)
//   D       …  tensor data, little-endian: f32, or for a quantized model's weights int8 ("dtype": "I8") or f16
//              bits ("dtype": "F16"); `offset` / `length` are bytes relative to D, each offset 16-aligned;
//              dataBytes is the section's length including the padding after each tensor
//
// Version 2 is version 1 plus those two dtypes and the header's "weights" ("int8" | "f16"); a file without
// them is still written as version 1, byte for byte as before.
//   end−32 32  SHA-256 of every byte before it
//
// Every check that can fail on a damaged or foreign file throws one sentence naming the file, so a user
// who picked the wrong file learns that, rather than seeing a shape error deep in the model.

import { describe, product, shapeText } from "../errors.js";
import { looksLikeSafetensors, readFloat32LE, writeFloat32LE } from "./safetensors.js";
import { checkJsonDepth, MAX_JSON_DEPTH } from "./json.js";

export const FORMAT_VERSION = 2;
/** The version of files holding only f32 tensors (what wasm-rnn wrote before quantized models). */
const F32_VERSION = 1;

/** A tensor as the container holds it: f32 values, int8 values, or f16 bits. */
export type FileTensor = Float32Array | Int8Array | Uint16Array;

export interface ModelFile {
  kind: "model" | "checkpoint";
  config: Record<string, unknown>;
  vocab: Record<string, unknown> | null;
  tensors: Record<string, FileTensor>;
  shapes: Record<string, number[]>;
  /** How the model's weight matrices are stored, when not f32 (see io/quantized.ts). */
  weights?: "int8" | "f16";
  /** A task model's information besides the weights (labels, normalizer, window, …); absent for language models. */
  task?: Record<string, unknown>;
  training?: Record<string, unknown>;
}

const MAGIC = new Uint8Array([0x57, 0x41, 0x53, 0x4d, 0x52, 0x4e, 0x4e, 0x00]); // "WASMRNN\0"
const FIXED_BYTES = 16;
const ALIGN = 16;
const DIGEST_BYTES = 32;

interface TableEntry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
  dtype: Dtype;
}

type Dtype = "F32" | "I8" | "F16";
const DTYPE_BYTES: Record<Dtype, number> = { F32: 4, I8: 1, F16: 2 };

function dtypeOf(values: unknown): Dtype | null {
  return values instanceof Float32Array ? "F32" : values instanceof Int8Array ? "I8" : values instanceof Uint16Array ? "F16" : null;
}

/** True when `bytes` starts with the wasm-rnn magic. */
export function looksLikeModelFile(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
}

export async function encodeModelFile(file: ModelFile): Promise<Uint8Array> {
  const f = checkObject("encodeModelFile: file", file, "a ModelFile object");
  if (f.kind !== "model" && f.kind !== "checkpoint") {
    throw new TypeError(`encodeModelFile: kind must be "model" or "checkpoint", got ${describe(f.kind)}`);
  }
  checkJson("encodeModelFile: config", checkObject("encodeModelFile: config", f.config, "an object"));
  if (f.vocab !== null) checkJson("encodeModelFile: vocab", checkObject("encodeModelFile: vocab", f.vocab, "an object or null"));
  if (f.task !== undefined) checkJson("encodeModelFile: task", checkObject("encodeModelFile: task", f.task, "an object"));
  if (f.training !== undefined) checkJson("encodeModelFile: training", checkObject("encodeModelFile: training", f.training, "an object"));
  if (f.weights !== undefined && f.weights !== "int8" && f.weights !== "f16") throw new TypeError(`encodeModelFile: weights must be "int8" or "f16" when given, got ${describe(f.weights)}`);
  const tensors = checkObject("encodeModelFile: tensors", f.tensors, "an object of Float32Array (Int8Array, Uint16Array f16 bits) by name");
  const shapes = checkObject("encodeModelFile: shapes", f.shapes, "an object of shapes by name");
  for (const name of Object.keys(shapes)) {
    if (!Object.hasOwn(tensors, name)) throw new TypeError(`encodeModelFile: shapes has "${name}", which is not in tensors`);
  }

  const table: TableEntry[] = [];
  const data: FileTensor[] = [];
  let dataBytes = 0;
  for (const [name, values] of Object.entries(tensors)) {
    const what = `encodeModelFile: tensor "${name}"`;
    const dtype = dtypeOf(values);
    if (!dtype) throw new TypeError(`${what} must be a Float32Array (or Int8Array, Uint16Array of f16 bits), got ${describe(values)}`);
    if (!Object.hasOwn(shapes, name)) throw new TypeError(`${what} has no entry in shapes`);
    const shape = shapes[name];
    if (!isDims(shape)) throw new TypeError(`${what}: shape must be an array of non-negative integers, got ${describe(shape)}`);
    if (product(shape) !== (values as FileTensor).length) {
      throw new RangeError(`${what}: shape ${shapeText(shape)} has ${product(shape)} elements, but the data has ${(values as FileTensor).length}`);
    }
    table.push({ name, shape: [...shape], offset: dataBytes, length: (values as FileTensor).byteLength, dtype });
    data.push(values as FileTensor);
    dataBytes += align((values as FileTensor).byteLength);
  }

  const header: Record<string, unknown> = { kind: f.kind, createdBy: "wasm-rnn", config: f.config, vocab: f.vocab };
  if (f.task !== undefined) header.task = f.task;
  if (f.training !== undefined) header.training = f.training;
  if (f.weights !== undefined) header.weights = f.weights;
  header.dataBytes = dataBytes;
  // f32 entries carry no dtype, so an f32 file is what version 1 wrote
  header.tensors = table.map(({ dtype, ...e }) => (dtype === "F32" ? e : { ...e, dtype }));
  const version = f.weights === undefined && table.every((e) => e.dtype === "F32") ? F32_VERSION : FORMAT_VERSION;
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = align(FIXED_BYTES + json.length);
  const total = dataStart + dataBytes + DIGEST_BYTES;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, version, true);
  view.setUint32(12, json.length, true);
  out.set(json, FIXED_BYTES);
  table.forEach((entry, i) => writeTensor(out, dataStart + entry.offset, data[i]));
  out.set(await sha256(out.subarray(0, total - DIGEST_BYTES)), total - DIGEST_BYTES);
  return out;
}

export async function decodeModelFile(bytes: Uint8Array, source?: string): Promise<ModelFile> {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`decodeModelFile: bytes must be a Uint8Array, got ${describe(bytes)}`);
  const name = source ?? "the model data";
  const fail = (problem: string) => new Error(`${name} ${problem}`);
  const corrupt = (problem: string) => fail(`has a corrupt header: ${problem}`);

  if (!looksLikeModelFile(bytes)) {
    if (looksLikeSafetensors(bytes)) throw fail("is a safetensors file, not a wasm-rnn model file: load it with decodeSafetensors");
    if (bytes.length < FIXED_BYTES && MAGIC.subarray(0, bytes.length).every((b, i) => bytes[i] === b)) {
      throw fail(`is truncated: it has ${bytes.length} bytes, fewer than the ${FIXED_BYTES}-byte fixed header`);
    }
    throw fail("is not a wasm-rnn model file (it does not start with the WASMRNN magic bytes)");
  }
  if (bytes.length < FIXED_BYTES) throw fail(`is truncated: it has ${bytes.length} bytes, fewer than the ${FIXED_BYTES}-byte fixed header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version > FORMAT_VERSION) {
    throw fail(`was written by a newer wasm-rnn: format version ${version}, this version reads ${FORMAT_VERSION}`);
  }
  if (version !== FORMAT_VERSION && version !== F32_VERSION) throw fail(`has an unknown format version ${version} (this version reads ${F32_VERSION} and ${FORMAT_VERSION})`);
  const headerBytes = view.getUint32(12, true);
  if (FIXED_BYTES + headerBytes > bytes.length) {
    throw fail(`is truncated: its header is ${headerBytes} bytes but only ${bytes.length - FIXED_BYTES} follow the fixed header`);
  }

  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(FIXED_BYTES, FIXED_BYTES + headerBytes)));
  } catch (e) {
    throw corrupt(`the JSON does not parse (${(e as Error).message})`);
  }
  if (!isPlainObject(header)) throw corrupt(`it is ${describe(header)}, not a JSON object`);
  checkJsonDepth(header, corrupt);
  const { kind, config, vocab, task, training, dataBytes, tensors, weights } = header;
  if (weights !== undefined && (version < FORMAT_VERSION || (weights !== "int8" && weights !== "f16"))) throw corrupt(`"weights" must be "int8" or "f16" (in a version ${FORMAT_VERSION} file), got ${describe(weights)}`);
  if (kind !== "model" && kind !== "checkpoint") throw corrupt(`"kind" must be "model" or "checkpoint", got ${describe(kind)}`);
  if (!isPlainObject(config)) throw corrupt(`"config" must be an object, got ${describe(config)}`);
  if (vocab !== null && !isPlainObject(vocab)) throw corrupt(`"vocab" must be an object or null, got ${describe(vocab)}`);
  if (task !== undefined && !isPlainObject(task)) throw corrupt(`"task" must be an object, got ${describe(task)}`);
  if (training !== undefined && !isPlainObject(training)) throw corrupt(`"training" must be an object, got ${describe(training)}`);
  if (!Number.isSafeInteger(dataBytes) || (dataBytes as number) < 0) {
    throw corrupt(`"dataBytes" must be a non-negative integer, got ${describe(dataBytes)}`);
  }
  if (!Array.isArray(tensors)) throw corrupt(`"tensors" must be an array, got ${describe(tensors)}`);

  const dataStart = align(FIXED_BYTES + headerBytes);
  const expected = dataStart + (dataBytes as number) + DIGEST_BYTES;
  if (bytes.length < expected) throw fail(`is truncated: its header describes ${expected} bytes, but it has ${bytes.length}`);
  if (bytes.length > expected) throw fail(`is corrupt: ${bytes.length - expected} unexpected bytes follow the checksum`);
  const digest = await sha256(bytes.subarray(0, expected - DIGEST_BYTES));
  if (!digest.every((b, i) => bytes[expected - DIGEST_BYTES + i] === b)) {
    throw fail("is corrupt: checksum mismatch (it was damaged or modified after it was written)");
  }

  const table = tensors.map((entry, i) => checkEntry(entry, i, dataBytes as number, version, corrupt));
  const out: ModelFile = { kind, config, vocab: vocab as Record<string, unknown> | null, tensors: {}, shapes: {} };
  for (const e of table) {
    if (Object.hasOwn(out.tensors, e.name)) throw corrupt(`tensor "${e.name}" appears twice in the tensor table`);
    setOwn(out.tensors, e.name, readTensor(bytes, dataStart + e.offset, e.dtype, product(e.shape)));
    setOwn(out.shapes, e.name, e.shape);
  }
  if (task !== undefined) out.task = task;
  if (training !== undefined) out.training = training;
  if (weights !== undefined) out.weights = weights as "int8" | "f16";
  return out;
}

function writeTensor(out: Uint8Array, at: number, data: FileTensor): void {
  if (data instanceof Float32Array) writeFloat32LE(out, at, data);
  else if (data instanceof Int8Array) out.set(new Uint8Array(data.buffer, data.byteOffset, data.length), at);
  else {
    const view = new DataView(out.buffer, out.byteOffset + at, data.length * 2);
    for (let i = 0; i < data.length; i++) view.setUint16(i * 2, data[i], true);
  }
}

function readTensor(bytes: Uint8Array, at: number, dtype: Dtype, count: number): FileTensor {
  if (dtype === "F32") return readFloat32LE(bytes, at, count);
  if (dtype === "I8") return new Int8Array(bytes.slice(at, at + count).buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, count * 2);
  return Uint16Array.from({ length: count }, (_, i) => view.getUint16(i * 2, true));
}

function checkEntry(entry: unknown, i: number, dataBytes: number, version: number, corrupt: (problem: string) => Error): TableEntry {
  if (!isPlainObject(entry) || typeof entry.name !== "string") throw corrupt(`tensor table entry ${i} has no name`);
  const { name, shape, offset, length } = entry;
  const bad = (problem: string) => corrupt(`tensor "${name}" ${problem}`);
  const dtype = entry.dtype ?? "F32";
  if (dtype !== "F32" && (version < FORMAT_VERSION || (dtype !== "I8" && dtype !== "F16"))) throw bad(`has dtype ${describe(dtype)}, expected "I8" or "F16" (or none for f32, in a version ${FORMAT_VERSION} file)`);
  if (!isDims(shape)) throw bad(`has shape ${JSON.stringify(shape)}, not a list of non-negative integers`);
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || (offset as number) < 0 || (length as number) < 0) {
    throw bad(`has offset ${describe(offset)} and length ${describe(length)}, not non-negative integers`);
  }
  if ((offset as number) + (length as number) > dataBytes) {
    throw bad(`lies at bytes [${offset}, ${(offset as number) + (length as number)}), outside the ${dataBytes}-byte data section`);
  }
  const need = product(shape) * DTYPE_BYTES[dtype as Dtype];
  if (length !== need) throw bad(`has ${length} bytes, but shape ${shapeText(shape)} needs ${need}`);
  return { name, shape, offset: offset as number, length: length as number, dtype: dtype as Dtype };
}

/** Rejects what JSON.stringify would silently change: NaN/Infinity, typed arrays, Dates, class instances, cycles. */
function checkJson(what: string, value: unknown, ancestors: unknown[] = []): void {
  if (value === null || typeof value === "string" || typeof value === "boolean") return;
  if (typeof value === "number" && Number.isFinite(value)) return;
  if (typeof value === "object" && (Array.isArray(value) || isPlainPrototype(value))) {
    if (ancestors.includes(value)) throw new TypeError(`${what} must be JSON-safe, but it refers to itself`);
    // what we write must read back: the decoder refuses deeper nesting (see json.ts); the fields sit one level
    // below the header object
    if (ancestors.length >= MAX_JSON_DEPTH - 1) throw new RangeError(`${what} nests deeper than ${MAX_JSON_DEPTH - 1} levels, which a model file may not`);
    ancestors.push(value);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) checkJson(`${what}[${i}]`, value[i], ancestors);
    } else {
      // An undefined property is simply absent after the round trip, as an optional setting should be.
      for (const [key, v] of Object.entries(value)) if (v !== undefined) checkJson(`${what}.${key}`, v, ancestors);
    }
    ancestors.pop();
    return;
  }
  const got = typeof value === "object" ? `a ${value.constructor?.name ?? "non-plain object"}` : describe(value);
  throw new TypeError(`${what} must be JSON-safe (null, boolean, finite number, string, array or plain object), got ${got}`);
}

function isPlainPrototype(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

function checkObject(what: string, value: unknown, noun: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new TypeError(`${what} must be ${noun}, got ${describe(value)}`);
  return value;
}

function isDims(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((d) => Number.isSafeInteger(d) && d >= 0) && Number.isSafeInteger(product(value));
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/** Sets an own property even for names like "__proto__", which plain assignment would treat as the prototype. */
function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new Error("wasm-rnn model files need the Web Crypto API (globalThis.crypto.subtle), which this runtime lacks");
  // Web Crypto refuses views of a SharedArrayBuffer; copy only in that rare case.
  const input = bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : bytes.slice();
  return new Uint8Array(await subtle.digest("SHA-256", input));
}
