// Protocol-buffer messages read and written by protobufjs's runtime (protobufjs/minimal: its Reader and Writer
// do the wire format), walking the descriptor of schema.ts. protobufjs/light would walk the same descriptor,
// but it compiles each message's decoder with `new Function`, which workerd and pages with a strict CSP refuse;
// this walker calls the same Reader methods the generated code calls, and nothing is evaluated.

import * as imported from "protobufjs/minimal.js";
import { ONNX_MESSAGES, type FieldDescriptor, type MessageDescriptor } from "./schema.js";

type Protobuf = typeof import("protobufjs/minimal.js");
/**
 * Node, Deno, Bun and bundlers give the CommonJS module as the default export. A page or worker without a
 * bundler maps "protobufjs/minimal.js" to protobufjs's own prebuilt browser file (dist/minimal/protobuf.min.js,
 * with an import map or a module list): evaluated as a module it exports nothing and, as it was written to do,
 * sets globalThis.protobuf (see docs/onnx-import.md).
 */
export function pickProtobuf(module: { default?: unknown }, global: { protobuf?: unknown }): Protobuf {
  const found = (module.default ?? global.protobuf) as Protobuf | undefined;
  if (!found?.Reader || !found.Writer) {
    throw new Error('wasm-rnn/onnx: "protobufjs/minimal.js" gave no Reader/Writer: map it to protobufjs/dist/minimal/protobuf.min.js (or load that file first) when there is no bundler');
  }
  return found;
}
const { Reader, Writer } = pickProtobuf(imported as { default?: unknown }, globalThis as { protobuf?: unknown });
type ReaderT = InstanceType<typeof Reader>;
type WriterT = InstanceType<typeof Writer>;

/** A decoded message: field name → value (repeated fields are arrays; int64 values are numbers or bigints). */
export type Message = Record<string, unknown>;

/** Nested messages deeper than this are refused (a damaged file must not exhaust the stack). */
const MAX_DEPTH = 48;

const SCALAR_WIRE: Record<string, number> = {
  int32: 0, int64: 0, uint64: 0, uint32: 0, bool: 0, float: 5, double: 1, string: 2, bytes: 2,
};

/** int64 as a number when it is a safe integer, else a bigint (protobufjs gives Long objects or numbers). */
function int64Value(v: unknown, unsigned = false): number | bigint {
  if (typeof v === "number") return v;
  const long = v as { low: number; high: number; toString(): string };
  const big = BigInt.asIntN(64, (BigInt(long.high >>> 0) << 32n) | BigInt(long.low >>> 0));
  const value = unsigned ? BigInt.asUintN(64, big) : big;
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

function readScalar(reader: ReaderT, type: string): unknown {
  switch (type) {
    case "int32": return reader.int32();
    case "uint32": return reader.uint32();
    case "int64": return int64Value(reader.int64());
    case "uint64": return int64Value(reader.uint64(), true);
    case "bool": return reader.bool();
    case "float": return reader.float();
    case "double": return reader.double();
    case "string": return reader.string();
    case "bytes": return reader.bytes();
  }
  throw new Error(`unknown scalar type ${type}`);
}

function readPacked(reader: ReaderT, type: string, into: unknown[]): void {
  switch (type) {
    case "float": reader.floats(into as number[]); return;
    case "double": reader.doubles(into as number[]); return;
    case "int32": reader.int32s(into as number[]); return;
    default: {
      const end = reader.uint32() + reader.pos;
      if (end > reader.len) throw new RangeError(`index out of range: ${end} > ${reader.len}`);
      while (reader.pos < end) into.push(readScalar(reader, type));
      if (reader.pos !== end) throw new RangeError("index out of range: a packed field overruns its length");
    }
  }
}

function decodeFrom(reader: ReaderT, type: string, end: number, depth: number): Message {
  if (depth > MAX_DEPTH) throw new RangeError(`messages nested deeper than ${MAX_DEPTH}`);
  const desc: MessageDescriptor = ONNX_MESSAGES[type];
  const byId = fieldsById(type);
  const out: Message = {};
  for (const [name, field] of Object.entries(desc.fields)) if (field.rule === "repeated") out[name] = [];
  while (reader.pos < end) {
    const tag = reader.uint32();
    const id = tag >>> 3, wire = tag & 7;
    if (id === 0) throw new RangeError("field number 0");
    const known = byId.get(id);
    if (!known) {
      reader.skipType(wire);
      continue;
    }
    const [name, field] = known;
    const scalarWire = SCALAR_WIRE[field.type];
    if (scalarWire === undefined) {
      if (wire !== 2) throw new RangeError(`field ${type}.${name} has wire type ${wire}, expected 2`);
      const length = reader.uint32(), msgEnd = reader.pos + length;
      if (msgEnd > end) throw new RangeError(`index out of range: ${type}.${name} ends at ${msgEnd} > ${end}`);
      const value = decodeFrom(reader, field.type, msgEnd, depth + 1);
      if (field.rule === "repeated") (out[name] as unknown[]).push(value);
      else out[name] = value;
    } else if (field.rule === "repeated" && wire === 2 && scalarWire !== 2) {
      readPacked(reader, field.type, out[name] as unknown[]);
    } else {
      if (wire !== scalarWire) throw new RangeError(`field ${type}.${name} has wire type ${wire}, expected ${scalarWire}`);
      const value = readScalar(reader, field.type);
      if (field.rule === "repeated") (out[name] as unknown[]).push(value);
      else out[name] = value;
    }
    if (reader.pos > end) throw new RangeError(`index out of range: ${type}.${name} overruns its message`);
  }
  return out;
}

const byIdCache = new Map<string, Map<number, [string, FieldDescriptor]>>();
function fieldsById(type: string): Map<number, [string, FieldDescriptor]> {
  let map = byIdCache.get(type);
  if (!map) {
    map = new Map(Object.entries(ONNX_MESSAGES[type].fields).map(([name, field]) => [field.id, [name, field]]));
    byIdCache.set(type, map);
  }
  return map;
}

/** Decodes `bytes` as message `type` of schema.ts; throws the Reader's RangeError / Error on damaged input. */
export function decodeMessage(type: string, bytes: Uint8Array): Message {
  const reader = Reader.create(bytes);
  return decodeFrom(reader, type, reader.len, 0);
}

function writeScalar(writer: WriterT, type: string, v: unknown): void {
  switch (type) {
    case "int32": writer.int32(v as number); return;
    case "uint32": writer.uint32(v as number); return;
    case "int64": case "uint64": {
      // LongBits.from takes any { low, high }: the two 32-bit halves of the two's-complement value
      const big = BigInt.asUintN(64, BigInt(v as number | bigint));
      const bits = { low: Number(big & 0xffffffffn) | 0, high: Number(big >> 32n) | 0, unsigned: type === "uint64" };
      if (type === "int64") writer.int64(bits as never);
      else writer.uint64(bits as never);
      return;
    }
    case "bool": writer.bool(v as boolean); return;
    case "float": writer.float(v as number); return;
    case "double": writer.double(v as number); return;
    case "string": writer.string(v as string); return;
    case "bytes": writer.bytes(v as Uint8Array); return;
  }
  throw new Error(`unknown scalar type ${type}`);
}

function encodeInto(writer: WriterT, type: string, msg: Message): void {
  for (const [name, field] of Object.entries(ONNX_MESSAGES[type].fields)) {
    const value = msg[name];
    if (value === undefined || value === null) continue;
    const values = field.rule === "repeated" ? (value as unknown[]) : [value];
    const wire = SCALAR_WIRE[field.type];
    for (const v of values) {
      if (wire === undefined) {
        writer.uint32((field.id << 3) | 2).fork();
        encodeInto(writer, field.type, v as Message);
        writer.ldelim();
      } else {
        writer.uint32((field.id << 3) | wire);
        writeScalar(writer, field.type, v);
      }
    }
  }
}

/** Encodes `msg` as message `type` of schema.ts (unpacked repeated scalars, which every decoder accepts). */
export function encodeMessage(type: string, msg: Message): Uint8Array {
  const writer = Writer.create();
  encodeInto(writer, type, msg);
  return writer.finish();
}
