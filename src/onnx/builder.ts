// A small ONNX graph writer for exportOnnx: initializers (float32 / int64, little-endian raw_data), nodes with
// typed attributes, graph inputs and outputs with their element types and (symbolic) shapes, encoded as a
// ModelProto by proto.ts. Names are made unique here, so the exporters can name values after what they hold.

import { encodeMessage, type Message } from "./proto.js";
import { FLOAT, INT32, INT64 } from "./schema.js";

export const EXPORT_OPSET = 14;
/** IR version 7 is what opset 14 was released with; every runtime that has opset 14 reads it. */
export const EXPORT_IR_VERSION = 7;

export type AttrValue = number | string | number[] | string[] | { float: number } | { floats: number[] };
export type ElemType = "float32" | "int64" | "int32";
const ELEM: Record<ElemType, number> = { float32: FLOAT, int64: INT64, int32: INT32 };

export class GraphBuilder {
  private readonly nodes: Message[] = [];
  private readonly initializers: Message[] = [];
  private readonly inputs: Message[] = [];
  private readonly outputs: Message[] = [];
  private readonly used = new Set<string>();

  /** A name not used yet in the graph, made from `base`. */
  fresh(base: string): string {
    let name = base, k = 1;
    while (this.used.has(name)) name = `${base}_${k++}`;
    this.used.add(name);
    return name;
  }

  input(name: string, type: ElemType, shape: (number | string)[]): string {
    const n = this.fresh(name);
    this.inputs.push(valueInfo(n, type, shape));
    return n;
  }

  /** Declares `value` as a graph output named `name` (through an Identity when the names differ). */
  output(value: string, name: string, type: ElemType, shape: (number | string)[]): void {
    let out = value;
    if (value !== name) {
      if (this.used.has(name)) throw new Error(`exportOnnx: output name ${name} is taken`);
      out = this.node("Identity", [value], { name })[0];
    }
    this.outputs.push(valueInfo(out, type, shape));
  }

  floats(name: string, shape: number[], data: ArrayLike<number>): string {
    const n = this.fresh(name);
    const raw = new Uint8Array(4 * data.length), view = new DataView(raw.buffer);
    for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i], true);
    this.initializers.push({ name: n, dims: shape, data_type: FLOAT, raw_data: raw });
    return n;
  }

  ints(name: string, shape: number[], data: ArrayLike<number>): string {
    const n = this.fresh(name);
    const raw = new Uint8Array(8 * data.length), view = new DataView(raw.buffer);
    for (let i = 0; i < data.length; i++) view.setBigInt64(8 * i, BigInt(data[i]), true);
    this.initializers.push({ name: n, dims: shape, data_type: INT64, raw_data: raw });
    return n;
  }

  /** Adds a node; returns its outputs' names (`outputs` of them, named after the op or opts.name). */
  node(op: string, inputs: string[], opts: { name?: string; outputs?: number; attrs?: Record<string, AttrValue> } = {}): string[] {
    const count = opts.outputs ?? 1;
    const base = opts.name ?? op.toLowerCase();
    const outs = Array.from({ length: count }, (_, i) => (opts.name !== undefined && i === 0 && !this.used.has(opts.name) ? (this.used.add(opts.name), opts.name) : this.fresh(count === 1 ? base : `${base}_${i}`)));
    const attribute = Object.entries(opts.attrs ?? {}).map(([name, v]) => attribute_(name, v));
    this.nodes.push({ input: inputs, output: outs, name: this.fresh(`${op}_${this.nodes.length}`), op_type: op, attribute });
    return outs;
  }

  /** One-output shorthand. */
  op(op: string, inputs: string[], attrs?: Record<string, AttrValue>, name?: string): string {
    return this.node(op, inputs, { attrs, name })[0];
  }

  encode(graphName: string, docString: string): Uint8Array {
    return encodeMessage("ModelProto", {
      ir_version: EXPORT_IR_VERSION,
      opset_import: [{ domain: "", version: EXPORT_OPSET }],
      producer_name: "wasm-rnn",
      doc_string: docString,
      graph: { name: graphName, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    });
  }
}

function valueInfo(name: string, type: ElemType, shape: (number | string)[]): Message {
  const dim = shape.map((d) => (typeof d === "number" ? { dim_value: d } : { dim_param: d }));
  return { name, type: { tensor_type: { elem_type: ELEM[type], shape: { dim } } } };
}

// AttributeProto.AttributeType: FLOAT 1, INT 2, STRING 3, FLOATS 6, INTS 7, STRINGS 8
function attribute_(name: string, v: AttrValue): Message {
  const enc = new TextEncoder();
  if (typeof v === "number") return { name, type: 2, i: v };
  if (typeof v === "string") return { name, type: 3, s: enc.encode(v) };
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === "string")) return { name, type: 8, strings: (v as string[]).map((s) => enc.encode(s)) };
    return { name, type: 7, ints: v as number[] };
  }
  if ("float" in v) return { name, type: 1, f: v.float };
  return { name, type: 6, floats: v.floats };
}
