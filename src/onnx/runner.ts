// An ONNX graph ready to run: nodes in topological order, recurrent nodes built into layers once at load
// (or, when their weights arrive at run time, at the first run and again when they change), the glue
// interpreted per call. loadOnnx() is the public way in (index.ts).

import type { OnnxGraph, OnnxNode, ValueInfo } from "./model.js";
import { OPS, nodeError, prefixed, type OpInputs } from "./ops.js";
import { constantProduct, type ConstantProduct } from "./product.js";
import { buildRecurrent, RECURRENT_OPS, runRecurrent, RuntimeRecurrent, WEIGHT_INPUTS, type RecurrentNode } from "./recurrent.js";
import { q, shapeText, sizeOf, tensor, type Tensor } from "./tensor.js";

export interface OnnxInput {
  data: Float32Array | Int32Array | BigInt64Array;
  shape: readonly number[];
}

export interface OnnxOutput {
  /** Float outputs as they are; integer outputs converted to float32. */
  data: Float32Array;
  shape: number[];
}

export interface OnnxInfo {
  name: string;
  /** "float32", "int64", "int32", "bool", or another ONNX type name. */
  dtype: string;
  /** Declared dimensions; a string or null where the model leaves a dimension free. */
  shape: (number | string | null)[] | null;
}

export class OnnxModel {
  readonly opset: number;
  readonly producer: string;
  readonly inputs: readonly OnnxInfo[];
  readonly outputs: readonly OnnxInfo[];
  private readonly order: OnnxNode[] = [];
  private readonly constants: Map<string, Tensor>;
  private readonly recurrent = new Map<OnnxNode, RecurrentNode>();
  /** Recurrent nodes whose weights are not constants (graph inputs or computed): built when run. */
  private readonly runtimeRecurrent = new Map<OnnxNode, RuntimeRecurrent>();
  /** MatMul / Gemm nodes by a constant weight, on the kernels. */
  private readonly products = new Map<OnnxNode, ConstantProduct>();
  private disposed = false;

  constructor(private readonly graph: OnnxGraph) {
    this.opset = graph.opset;
    this.producer = graph.producer;
    this.constants = new Map(graph.initializers);
    this.inputs = graph.inputs.filter((i) => !graph.initializers.has(i.name)).map(info);
    this.outputs = graph.outputs.map(info);
    try {
      this.order = topologicalOrder(graph, new Set(this.inputs.map((i) => i.name)));
      this.build();
    } catch (e) {
      this.dispose();
      throw prefixed("loadOnnx", e);
    }
  }

  /** Checks every node, evaluates the constants, and builds the recurrent layers and the constant products. */
  private build(): void {
    for (const node of this.order) {
      if (node.domain !== "" && node.domain !== "ai.onnx") throw nodeError(node, `is in domain ${q(node.domain)}, which is not supported: only the default ONNX domain is`);
      if (!RECURRENT_OPS.has(node.opType) && !OPS[node.opType]) throw nodeError(node, "is not a supported operator");
      // constants are evaluated once, so the recurrent nodes and products can take their weights from them
      if (node.opType === "Constant") this.constants.set(node.outputs[0], OPS.Constant(node, [], this.opset)[0]);
    }
    for (const node of this.order) {
      if (node.opType === "MatMul" || node.opType === "Gemm") {
        const product = constantProduct(node, (name) => this.constants.get(name));
        if (product) this.products.set(node, product);
      }
      if (!RECURRENT_OPS.has(node.opType)) continue;
      const weight = (i: number) => (node.inputs[i] ? this.constants.get(node.inputs[i]) : undefined);
      const constant = WEIGHT_INPUTS.every((i) => !node.inputs[i] || weight(i) !== undefined || (i === 7 && node.opType !== "LSTM"));
      if (constant) this.recurrent.set(node, buildRecurrent(node, weight));
      else this.runtimeRecurrent.set(node, new RuntimeRecurrent(node));
    }
  }

  /** Runs the graph on `feeds` (one entry per input of `inputs`); returns every graph output by name. */
  run(feeds: Record<string, OnnxInput>): Record<string, OnnxOutput> {
    if (this.disposed) throw new Error("OnnxModel.run: the model was disposed; load it again");
    if (typeof feeds !== "object" || feeds === null) throw new TypeError(`OnnxModel.run: expected an object of inputs by name, got ${feeds === null ? "null" : typeof feeds}`);
    const values = new Map(this.constants);
    for (const key of Object.keys(feeds)) {
      if (!this.inputs.some((i) => i.name === key)) throw new TypeError(`OnnxModel.run: the model has no input ${q(key)}; its inputs are ${this.inputs.map((i) => `${q(i.name)}`).join(", ")}`);
    }
    for (const input of this.inputs) values.set(input.name, feedTensor(input, feeds[input.name]));
    for (const node of this.order) {
      if (node.opType === "Constant") continue;
      const inputs: OpInputs = node.inputs.map((name) => {
        if (name === "") return undefined;
        const v = values.get(name);
        if (!v) throw prefixed("OnnxModel.run", nodeError(node, `has no value for input ${q(name)}`));
        return v;
      });
      const rec = this.recurrent.get(node), runtimeRec = this.runtimeRecurrent.get(node), product = this.products.get(node);
      let outputs: Tensor[];
      try {
        outputs = rec ? runRecurrent(rec, inputs) : runtimeRec ? runtimeRec.run(inputs) : product && inputs[0] ? [product.run(inputs[0])] : OPS[node.opType](node, inputs, this.opset);
      } catch (e) {
        const m = e instanceof Error ? e.message : String(e);
        throw prefixed("OnnxModel.run", m.startsWith("node \"") || m.startsWith("OnnxModel.run") ? e : nodeError(node, `failed on inputs ${inputs.map((t) => (t ? shapeText(t.shape) : "none")).join(", ")}: ${m}`));
      }
      node.outputs.forEach((name, i) => {
        if (name !== "" && outputs[i]) values.set(name, outputs[i]);
      });
    }
    const result: Record<string, OnnxOutput> = {};
    for (const out of this.outputs) {
      const v = values.get(out.name);
      if (!v) throw new Error(`OnnxModel.run: no node produced the graph output ${q(out.name)}`);
      result[out.name] = { data: v.data instanceof Float32Array ? v.data.slice() : Float32Array.from(v.data), shape: v.shape.slice() };
    }
    return result;
  }

  /** Frees the wasm memory of the recurrent layers. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const r of this.recurrent.values()) r.layer.dispose();
    for (const r of this.runtimeRecurrent.values()) r.dispose();
    for (const p of this.products.values()) p.dispose();
    this.recurrent.clear();
    this.runtimeRecurrent.clear();
    this.products.clear();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** The nodes that run on the wasm kernels (recurrent nodes, products by a constant weight), as "name (op)". */
  kernelNodes(): string[] {
    return [...this.recurrent.keys(), ...this.runtimeRecurrent.keys(), ...this.products.keys()].map((n) => `${n.name} (${n.opType})`);
  }

  /** The operators of the graph, with how many nodes of each (for messages and reports). */
  operators(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const n of this.graph.nodes) counts[n.opType] = (counts[n.opType] ?? 0) + 1;
    return counts;
  }
}

function info(v: ValueInfo): OnnxInfo {
  return { name: v.name, dtype: v.dtype, shape: v.shape };
}

/** Kahn's order over value names; refuses a cycle or a value that nothing produces. */
function topologicalOrder(graph: OnnxGraph, inputs: Set<string>): OnnxNode[] {
  const available = new Set<string>([...inputs, ...graph.initializers.keys(), ""]);
  const pending = graph.nodes.slice(), order: OnnxNode[] = [];
  let progress = true;
  while (pending.length > 0 && progress) {
    progress = false;
    for (let i = 0; i < pending.length; i++) {
      const n = pending[i];
      if (n.inputs.every((x) => available.has(x))) {
        order.push(n);
        n.outputs.forEach((o) => available.add(o));
        pending.splice(i--, 1);
        progress = true;
      }
    }
  }
  if (pending.length > 0) {
    const n = pending[0], missing = n.inputs.find((x) => !available.has(x));
    throw nodeError(n, `needs ${q(missing ?? "")}, which no node, input or initializer provides (or the graph has a cycle)`);
  }
  return order;
}

function feedTensor(input: OnnxInfo, feed: OnnxInput | undefined): Tensor {
  const where = `OnnxModel.run: input ${q(input.name)}`;
  if (feed === undefined) throw new TypeError(`${where} is missing`);
  if (typeof feed !== "object" || feed === null || !Array.isArray(feed.shape)) throw new TypeError(`${where} must be { data, shape }, got ${feed === null ? "null" : typeof feed}`);
  const shape = feed.shape.map((d) => {
    if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`${where} has shape ${JSON.stringify(feed.shape)}, expected non-negative integers`);
    return d;
  });
  const data = feed.data;
  if (!(data instanceof Float32Array || data instanceof Int32Array || data instanceof BigInt64Array)) throw new TypeError(`${where}: data must be a Float32Array, Int32Array or BigInt64Array`);
  if (data.length !== sizeOf(shape)) throw new RangeError(`${where} has ${data.length} values, expected ${sizeOf(shape)} for shape ${shapeText(shape)}`);
  if (input.shape) {
    const declared = input.shape;
    if (declared.length !== shape.length || declared.some((d, i) => typeof d === "number" && d > 0 && d !== shape[i])) {
      throw new RangeError(`${where} has shape ${shapeText(shape)}, expected [${declared.map((d) => d ?? "?").join(", ")}]`);
    }
  }
  const float = input.dtype === "float32";
  if (float) {
    if (!(data instanceof Float32Array)) throw new TypeError(`${where} is float32 in the model: pass a Float32Array`);
    return tensor("float32", shape, data);
  }
  if (data instanceof Float32Array) throw new TypeError(`${where} is ${input.dtype} in the model: pass an Int32Array or BigInt64Array`);
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i]);
    if (!Number.isSafeInteger(v)) throw new RangeError(`${where}[${i}] = ${String(data[i])} is beyond the safe integer range`);
    out[i] = v;
  }
  return tensor(input.dtype === "int32" ? "int32" : input.dtype === "bool" ? "bool" : "int64", shape, out);
}
