// Small ONNX models built by hand for tests, through the same protobuf writer the importer's schema drives
// (src/onnx/proto.ts): nodes with attributes, float initializers (raw_data or float_data), typed inputs.

import { encodeMessage, type Message } from "../../src/onnx/proto.js";

export type Attr = number | string | number[] | string[] | { tensor: Message } | { float: number } | { floats: number[] };

export function attribute(name: string, v: Attr): Message {
  if (typeof v === "number") return { name, type: 2, i: v };
  if (typeof v === "string") return { name, type: 3, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) {
    return typeof v[0] === "string"
      ? { name, type: 8, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) }
      : { name, type: 7, ints: v as number[] };
  }
  if ("tensor" in v) return { name, type: 4, t: v.tensor };
  if ("float" in v) return { name, type: 1, f: v.float };
  return { name, type: 6, floats: v.floats };
}

export function node(op: string, inputs: string[], outputs: string[], attrs: Record<string, Attr> = {}, name = `${op.toLowerCase()}_0`): Message {
  return { op_type: op, name, input: inputs, output: outputs, attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) };
}

/** A float tensor; `raw` stores it as little-endian raw_data (as exporters do), else in float_data. */
export function floats(name: string, dims: number[], values: ArrayLike<number>, raw = true): Message {
  if (!raw) return { name, dims, data_type: 1, float_data: Array.from(values) };
  return { name, dims, data_type: 1, raw_data: new Uint8Array(Float32Array.from(values).buffer) };
}

export function int64s(name: string, dims: number[], values: number[]): Message {
  return { name, dims, data_type: 7, int64_data: values };
}

export function valueInfo(name: string, elemType: number, dims: (number | string)[]): Message {
  return {
    name,
    type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => (typeof d === "number" ? { dim_value: d } : { dim_param: d })) } } },
  };
}

export interface GraphSpec {
  nodes: Message[];
  initializers?: Message[];
  inputs: Message[];
  outputs: Message[];
  opset?: number;
  irVersion?: number;
}

export function model(spec: GraphSpec): Uint8Array {
  return encodeMessage("ModelProto", {
    ir_version: spec.irVersion ?? 8,
    producer_name: "wasm-rnn tests",
    opset_import: [{ domain: "", version: spec.opset ?? 14 }],
    graph: { name: "g", node: spec.nodes, initializer: spec.initializers ?? [], input: spec.inputs, output: spec.outputs },
  });
}

/** Deterministic values in [-0.5, 0.5) for weights. */
export function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

/** One recurrent node (X [T, B, I] → Y, Y_h (, Y_c)) with weights from `seed`. */
export function recurrentModel(op: "LSTM" | "GRU" | "RNN", o: { T: number; B: number; I: number; H: number; D?: number; seed?: number; attrs?: Record<string, Attr>; weights?: { W: Float32Array; R: Float32Array; Bias: Float32Array }; extraInputs?: string[]; extraInitializers?: Message[] }): Uint8Array {
  const G = op === "LSTM" ? 4 : op === "GRU" ? 3 : 1, D = o.D ?? 1, seed = o.seed ?? 1;
  const w = o.weights ?? { W: values(D * G * o.H * o.I, seed), R: values(D * G * o.H * o.H, seed + 1), Bias: values(D * 2 * G * o.H, seed + 2) };
  const outs = op === "LSTM" ? ["Y", "Y_h", "Y_c"] : ["Y", "Y_h"];
  return model({
    nodes: [node(op, ["X", "W", "R", "B", ...(o.extraInputs ?? [])], outs, { hidden_size: o.H, ...(o.attrs ?? {}) }, "rec")],
    initializers: [floats("W", [D, G * o.H, o.I], w.W), floats("R", [D, G * o.H, o.H], w.R), floats("B", [D, 2 * G * o.H], w.Bias, false), ...(o.extraInitializers ?? [])],
    inputs: [valueInfo("X", 1, ["T", "B", o.I])],
    outputs: outs.map((n) => valueInfo(n, 1, [])),
  });
}
