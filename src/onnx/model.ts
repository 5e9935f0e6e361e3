// ModelProto → the graph the runner walks: nodes with their attributes, initializers as tensors, inputs and
// outputs with their declared types and shapes, and the default-domain opset. Everything a damaged or foreign
// file could get wrong is refused here in one sentence.

import { decodeMessage, type Message } from "./proto.js";
import { BOOL, DATA_TYPES, DOUBLE, FLOAT, INT32, INT64 } from "./schema.js";
import { bare, q, sizeOf, tensor, type DType, type Tensor } from "./tensor.js";

export const MIN_OPSET = 9, MAX_OPSET = 20;

export type AttributeValue = number | bigint | string | Tensor | number[] | string[] | Uint8Array;

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, AttributeValue>;
}

export interface ValueInfo {
  name: string;
  dtype: DType | string;
  /** Declared dimensions: a number, or a name / null when symbolic or unknown. */
  shape: (number | string | null)[] | null;
}

export interface OnnxGraph {
  name: string;
  opset: number;
  irVersion: number;
  producer: string;
  nodes: OnnxNode[];
  initializers: Map<string, Tensor>;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

const PREFIX = "loadOnnx";

/** Decodes an ONNX file. Throws a one-sentence TypeError / RangeError for anything it cannot take. */
export function decodeOnnx(bytes: Uint8Array): OnnxGraph {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${PREFIX}: expected the model's bytes as a Uint8Array, got ${bytes === null ? "null" : typeof bytes}`);
  if (bytes.length === 0) throw new RangeError(`${PREFIX}: not an ONNX model: the bytes are empty`);
  let model: Message;
  try {
    model = decodeMessage("ModelProto", bytes);
  } catch (e) {
    const why = e instanceof Error ? e.message.replace(/\s+/g, " ") : String(e);
    throw new RangeError(`${PREFIX}: not an ONNX model, or a truncated or damaged one (${bytes.length} bytes): the protobuf does not decode (${why})`);
  }
  const graph = model.graph as Message | undefined;
  const irVersion = model.ir_version;
  if (graph === undefined || irVersion === undefined) {
    throw new RangeError(`${PREFIX}: not an ONNX model (${bytes.length} bytes): ${irVersion === undefined ? "it has no ir_version" : "it has no graph"}`);
  }
  if (typeof irVersion !== "number" || irVersion < 3 || irVersion > 100) throw new RangeError(`${PREFIX}: not an ONNX model this library reads: ir_version ${String(irVersion)}, expected 3 to 10`);
  const opset = defaultOpset(model.opset_import as Message[]);
  if ((model.functions as Message[]).length > 0) throw new RangeError(`${PREFIX}: model-local functions are not supported (the model defines ${(model.functions as Message[]).length})`);
  return {
    name: String(graph.name ?? ""),
    opset,
    irVersion,
    producer: `${String(model.producer_name ?? "")} ${String(model.producer_version ?? "")}`.trim(),
    nodes: (graph.node as Message[]).map(decodeNode),
    initializers: decodeInitializers(graph),
    inputs: (graph.input as Message[]).map(valueInfo),
    outputs: (graph.output as Message[]).map(valueInfo),
  };
}

function defaultOpset(imports: Message[]): number {
  const own = imports.filter((o) => (o.domain ?? "") === "" || o.domain === "ai.onnx");
  if (own.length === 0) throw new RangeError(`${PREFIX}: the model imports no version of the default ONNX operator set (opset_import lists ${imports.map((o) => `${q(String(o.domain))}`).join(", ") || "nothing"})`);
  const version = own[0].version;
  if (typeof version !== "number" || version < MIN_OPSET || version > MAX_OPSET) {
    throw new RangeError(`${PREFIX}: opset ${String(version)} is not supported: expected ${MIN_OPSET} to ${MAX_OPSET}`);
  }
  return version;
}

function decodeNode(n: Message, index: number): OnnxNode {
  const opType = String(n.op_type ?? "");
  const name = String(n.name ?? "") || `#${index} (${opType})`;
  const attributes = new Map<string, AttributeValue>();
  for (const a of n.attribute as Message[]) attributes.set(String(a.name ?? ""), attributeValue(a, name, opType));
  return { name, opType, domain: String(n.domain ?? ""), inputs: (n.input as string[]).slice(), outputs: (n.output as string[]).slice(), attributes };
}

function attributeValue(a: Message, node: string, op: string): AttributeValue {
  const where = `${PREFIX}: node ${q(node)} (${bare(op)}) attribute ${q(String(a.name))}`;
  if (a.ref_attr_name) throw new RangeError(`${where} refers to a function attribute, which is not supported`);
  const missing = (field: string) => new RangeError(`${where} has type ${String(a.type)} but no ${field} value`);
  switch (a.type) {
    case 1: if (a.f === undefined) throw missing("f"); return a.f as number;
    case 2: if (a.i === undefined) throw missing("i"); return a.i as number | bigint;
    case 3: if (a.s === undefined) throw missing("s"); return new TextDecoder().decode(a.s as Uint8Array);
    case 4: if (a.t === undefined) throw missing("t"); return decodeTensor(a.t as Message, where);
    case 6: return (a.floats as number[]).slice();
    case 7: return (a.ints as (number | bigint)[]).map((v) => safeInt(v, where));
    case 8: return (a.strings as Uint8Array[]).map((s) => new TextDecoder().decode(s));
    case 5: case 10: throw new RangeError(`${where} is a subgraph, which is not supported`);
  }
  // attributes written without a type (older exporters): take the field that is set
  if (a.f !== undefined) return a.f as number;
  if (a.i !== undefined) return a.i as number | bigint;
  if (a.s !== undefined) return new TextDecoder().decode(a.s as Uint8Array);
  if (a.t !== undefined) return decodeTensor(a.t as Message, where);
  if ((a.ints as unknown[]).length > 0) return (a.ints as (number | bigint)[]).map((v) => safeInt(v, where));
  if ((a.floats as unknown[]).length > 0) return (a.floats as number[]).slice();
  throw new RangeError(`${where} has type ${String(a.type)}, which is not supported`);
}

function safeInt(v: number | bigint, where: string): number {
  if (typeof v === "bigint") {
    // INT64_MAX / INT64_MIN are how ONNX writes "to the end" in Slice: clamp them, they are used as bounds
    if (v >= 2n ** 53n) return Number.MAX_SAFE_INTEGER;
    if (v <= -(2n ** 53n)) return Number.MIN_SAFE_INTEGER;
  }
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${where}: ${String(v)} is not an integer`);
  return n;
}

function decodeInitializers(graph: Message): Map<string, Tensor> {
  if ((graph.sparse_initializer as Message[]).length > 0) throw new RangeError(`${PREFIX}: sparse initializers are not supported`);
  const out = new Map<string, Tensor>();
  for (const t of graph.initializer as Message[]) {
    const name = String(t.name ?? "");
    out.set(name, decodeTensor(t, `${PREFIX}: initializer ${q(name)}`));
  }
  return out;
}

const DTYPES: Record<number, DType> = { [FLOAT]: "float32", [INT64]: "int64", [INT32]: "int32", [BOOL]: "bool" };

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** TensorProto → Tensor: raw_data (little-endian) or the typed fields, float / double / int32 / int64 / bool. */
export function decodeTensor(t: Message, where: string): Tensor {
  const code = (t.data_type ?? 0) as number;
  if (t.data_location === 1) throw new RangeError(`${where} keeps its data in an external file, which is not supported: save the model with its weights inside`);
  const dtype = code === DOUBLE ? "float32" : DTYPES[code];
  if (dtype === undefined) {
    throw new RangeError(`${where} has data type ${DATA_TYPES[code] ?? code}, which is not supported: expected FLOAT, DOUBLE, INT32, INT64 or BOOL`);
  }
  const shape = (t.dims as (number | bigint)[]).map((d) => {
    const n = Number(d);
    if (!Number.isSafeInteger(n) || n < 0 || n > 2 ** 31) throw new RangeError(`${where} has dimension ${String(d)}, expected a size in [0, 2^31]`);
    return n;
  });
  const n = sizeOf(shape);
  if (n > 2 ** 28) throw new RangeError(`${where} has ${n} elements, more than this importer takes (2^28)`);
  const raw = t.raw_data as Uint8Array | undefined;
  const width = code === DOUBLE || code === INT64 ? 8 : code === BOOL ? 1 : 4;
  const data = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  if (raw !== undefined && raw.length > 0) {
    if (raw.length !== n * width) throw new RangeError(`${where}: raw_data has ${raw.length} bytes, expected ${n * width} for shape [${shape.join(", ")}] of ${DATA_TYPES[code]}`);
    // float weights on a little-endian host (all of them, in practice): one copy of the bytes
    // (copied through a fresh Uint8Array: raw may be a Node Buffer, whose slice() is a view on a shared pool)
    if (code === FLOAT && LITTLE_ENDIAN) {
      const bytes = new Uint8Array(raw.byteLength);
      bytes.set(raw);
      return tensor(dtype, shape, new Float32Array(bytes.buffer));
    }
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < n; i++) {
      switch (code) {
        case FLOAT: data[i] = view.getFloat32(4 * i, true); break;
        case DOUBLE: data[i] = view.getFloat64(8 * i, true); break;
        case INT32: data[i] = view.getInt32(4 * i, true); break;
        case INT64: data[i] = clampInt(view.getBigInt64(8 * i, true)); break;
        case BOOL: data[i] = view.getUint8(i) ? 1 : 0; break;
      }
    }
    return tensor(dtype, shape, data);
  }
  const field = code === FLOAT ? t.float_data : code === DOUBLE ? t.double_data : code === INT64 ? t.int64_data : t.int32_data;
  const values = field as (number | bigint)[];
  if (values.length !== n) throw new RangeError(`${where} has ${values.length} values, expected ${n} for shape [${shape.join(", ")}]`);
  for (let i = 0; i < n; i++) data[i] = typeof values[i] === "bigint" ? clampInt(values[i] as bigint) : (values[i] as number);
  return tensor(dtype, shape, data);
}

/** int64 beyond ±2^53 are only ever bounds (INT64_MAX in Slice): clamp them to the safe range. */
function clampInt(v: bigint): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  if (v < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER;
  return Number(v);
}

function valueInfo(v: Message): ValueInfo {
  const name = String(v.name ?? "");
  const tt = (v.type as Message | undefined)?.tensor_type as Message | undefined;
  if (!tt) return { name, dtype: "unknown", shape: null };
  const code = (tt.elem_type ?? 0) as number;
  const dtype = code === DOUBLE ? "float32" : DTYPES[code] ?? DATA_TYPES[code] ?? String(code);
  const shapeMsg = tt.shape as Message | undefined;
  const shape = shapeMsg ? (shapeMsg.dim as Message[]).map((d) => (d.dim_value !== undefined ? Number(d.dim_value) : d.dim_param !== undefined ? String(d.dim_param) : null)) : null;
  return { name, dtype, shape };
}
