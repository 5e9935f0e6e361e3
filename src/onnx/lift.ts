// liftOnnx: an ONNX graph rebuilt as this library's own model, with its weights — a layer (RNN / GRU / LSTM),
// a LanguageModel, or a Sequential — when the graph has one of the shapes exporters write:
//   x → LSTM/GRU/RNN per layer (Squeeze, or Transpose + Reshape, between layers) → Y / output, Y_h / hN, Y_c / cN
//   tokens → Gather(embedding) or one-hot (Equal + Cast) → recurrent → MatMul (+ Add) or Gemm per step → logits
//   tokens / x → recurrent → Gather(step −1) | ReduceMean | ReduceMax over time → Gemm or MatMul (+ Add) → output
// with initial states from graph inputs (whole, or Slice'd per layer), zeros (ConstantOfShape), or none, and a
// sequence_lens graph input. The graph is traced symbolically: every value is a constant (folded with the
// interpreter's operators), a piece of shape arithmetic, or a stage of the model; anything else is refused
// naming the node and what does not map.

import { GRU } from "../layers/gru.js";
import { LSTM } from "../layers/lstm.js";
import { RNN } from "../layers/rnn.js";
import type { RecurrentLayer } from "../layers/recurrent.js";
import { LanguageModel } from "../lm/model.js";
import { Sequential, type ModuleConfig } from "../nn/sequential.js";
import type { CellType } from "../nn/recurrent-config.js";
import { decodeOnnx, type OnnxGraph, type OnnxNode } from "./model.js";
import { attr, OPS, prefixed } from "./ops.js";
import { buildRecurrent } from "./recurrent.js";
import { q, bare, shapeText, type Tensor } from "./tensor.js";

/** Where the lifted model's inputs and outputs are in the graph (null: the graph has none). */
export interface LiftedIO {
  /** Token ids int64 [T, B] or features float [T, B, I]. */
  input: string;
  lengths: string | null;
  h0: string | null;
  c0: string | null;
  output: string;
  /**
   * "steps": [T, B, F] (our layout); "onnx": a recurrent node's own Y [T, D, B, H] (ours is [T, B, D·H]);
   * "pooled": [B, F].
   */
  outputLayout: "steps" | "onnx" | "pooled";
  hN: string | null;
  cN: string | null;
}

export type LiftedOnnx =
  | { kind: "layer"; layer: RecurrentLayer; io: LiftedIO }
  | { kind: "language-model"; lm: LanguageModel; io: LiftedIO }
  | { kind: "sequential"; model: Sequential; io: LiftedIO };

interface Layer {
  node: OnnxNode;
  params: Record<string, Float32Array>;
  h0: StateSource;
  c0: StateSource;
  lens: string | null;
}
type StateSource = { input: string; from: number; to: number } | "zeros";

interface RecurrentStage { kind: "recurrent"; cell: CellType; H: number; D: number; resetAfter: boolean; relu: boolean; bias: boolean; inputSize: number; layers: Layer[] }
type StageSpec =
  | { kind: "embedding"; weight: Tensor }
  | { kind: "onehot"; V: number }
  | RecurrentStage
  | { kind: "pool"; mode: "last" | "mean" | "max"; lens: string | null }
  | { kind: "linear"; weight: Float32Array; bias: Float32Array | null; I: number; O: number };

/** What a value of the graph is, as far as lifting goes. */
type Value =
  | { kind: "const"; t: Tensor }
  | { kind: "shape" }
  | { kind: "zeros" }
  | { kind: "input"; name: string; dtype: string }
  /** A batch-first float input [B, T, I] transposed to time-major. */
  | { kind: "input-transposed"; name: string }
  | { kind: "tokens-unsqueezed"; input: string }
  | { kind: "onehot-bool"; input: string; V: number }
  | { kind: "state"; input: string; from: number; to: number }
  | { kind: "rows"; input: string; stages: StageSpec[]; per: "steps" | "sequences"; width: number; batchFirstIn?: boolean; batchFirstOut?: boolean }
  | { kind: "Y"; of: RowsValue; stage: RecurrentStage; transposed: boolean }
  | { kind: "Yh"; stage: RecurrentStage; layers: Layer[]; which: 1 | 2 }
  // exportOnnx's pooling over each sequence's valid steps: the step indices, the lengths, the masks made of
  // them, the rows masked, and the halves of a bidirectional "last"
  | { kind: "steps"; col: boolean }
  | { kind: "lens"; input: string; axis: 0 | 1 | null; minus: number; float: boolean }
  | { kind: "mask"; which: "valid" | "last"; lens: string; expanded: boolean }
  | { kind: "masked"; rows: RowsValue; which: "valid" | "last"; lens: string; fill: number }
  | { kind: "sum"; rows: RowsValue; lens: string }
  | { kind: "half-source"; rows: RowsValue; part: "last" | "first"; lens: string | null }
  | { kind: "half"; rows: RowsValue; part: "last" | "first"; half: "fwd" | "rev"; lens: string | null };
type RowsValue = Extract<Value, { kind: "rows" }>;

const PREFIX = "liftOnnx";

class LiftError extends RangeError {}
const refuse = (node: OnnxNode | null, what: string): never => {
  throw new LiftError(`${PREFIX}: ${node ? `node ${q(node.name)} (${bare(node.opType)}) ` : ""}${what}`);
};

/** Decodes an ONNX file and rebuilds it as a layer, a LanguageModel or a Sequential (initialise the core first). */
export function liftOnnx(bytes: Uint8Array): LiftedOnnx {
  return liftGraph(decodeOnnx(bytes));
}

export function liftGraph(graph: OnnxGraph): LiftedOnnx {
  const values = new Map<string, Value>();
  for (const [name, t] of graph.initializers) values.set(name, { kind: "const", t });
  for (const i of graph.inputs) if (!graph.initializers.has(i.name)) values.set(i.name, { kind: "input", name: i.name, dtype: String(i.dtype) });
  const built: RecurrentLayer[] = [];
  try {
    for (const node of graph.nodes) {
      const outs = step(node, node.inputs.map((n) => (n === "" ? undefined : values.get(n) ?? refuse(node, `reads ${q(n)}, which no node before it makes`))), graph.opset, built);
      outs.forEach((v, i) => node.outputs[i] && values.set(node.outputs[i], v));
    }
    return assemble(graph, values);
  } catch (e) {
    // the interpreter's and the recurrent builder's messages name the node; say which phase met them
    throw prefixed(PREFIX, e);
  } finally {
    for (const l of built) l.dispose();
  }
}

function step(node: OnnxNode, ins: (Value | undefined)[], opset: number, built: RecurrentLayer[]): Value[] {
  const op = node.opType;
  if (node.domain !== "" && node.domain !== "ai.onnx") refuse(node, `is in domain ${q(node.domain)}`);
  // constants fold with the interpreter's own operators
  if (ins.every((v) => v === undefined || v.kind === "const") && op !== "LSTM" && op !== "GRU" && op !== "RNN") {
    const f = OPS[op];
    if (!f) refuse(node, "is not an operator this library knows");
    return f(node, ins.map((v) => (v ? (v as { t: Tensor }).t : undefined)), opset).map((t) => ({ kind: "const", t }));
  }
  const [a, b] = ins;
  if (ins.some((v) => v?.kind === "rows" && v.batchFirstOut) && op !== "Identity") refuse(node, "reads a recurrent output transposed to batch-first; only a graph output may be (a batch-first layer)");
  const c = (v: Value | undefined): Tensor | null => (v?.kind === "const" ? v.t : null);
  const ints = (v: Value | undefined) => (c(v) ? Array.from(c(v)!.data) : null);
  switch (op) {
    case "Identity": case "Dropout": return [a!];
    case "Shape": return [{ kind: "shape" }];
    case "ConstantOfShape": {
      if (a?.kind !== "shape") break;
      const value = node.attributes.get("value") as Tensor | undefined;
      if (value && Array.from(value.data).some((x) => x !== 0)) refuse(node, "fills with a value other than 0 (only zero initial states map)");
      return [{ kind: "zeros" }];
    }
    case "Gather": {
      if (ins.some((v) => v?.kind === "shape")) return [{ kind: "shape" }];
      const W = c(a);
      if (W && b?.kind === "input" && b.dtype !== "float32") {
        if (W.shape.length !== 2 || (attr(node, "axis", 0) as number) !== 0) refuse(node, `gathers from ${shapeText(W.shape)}, not rows of an embedding [vocab, dim]`);
        return [{ kind: "rows", input: b.name, stages: [{ kind: "embedding", weight: W }], per: "steps", width: W.shape[1] }];
      }
      const idx = ints(b);
      if (a?.kind === "rows" && a.per === "steps" && idx && idx.length === 1 && c(b)!.shape.length === 0 && (attr(node, "axis", 0) as number) === 0) {
        const rec = lastRecurrent(a);
        if (idx[0] === 0) return [{ kind: "half-source", rows: a, part: "first", lens: null }];
        if (idx[0] !== -1) refuse(node, `takes step ${idx[0]} of the sequence; only the last step (−1) maps (a Pool "last")`);
        if (rec && rec.layers.some((l) => l.lens)) refuse(node, "takes the last step of sequences that have sequence_lens (ONNX's Y is 0 past each length); only full-length sequences map");
        if (rec && rec.D === 2) return [{ kind: "half-source", rows: a, part: "last", lens: null }];
        return [pooled(a, "last", null)];
      }
      break;
    }
    case "Unsqueeze": case "Concat": case "Slice": case "Cast": case "Squeeze": case "Reshape": case "Transpose": {
      if (ins.some((v) => v?.kind === "shape")) return [{ kind: "shape" }];
      return [glue(node, ins)];
    }
    case "Equal": {
      const ids = ints(b);
      if (a?.kind === "tokens-unsqueezed" && ids && ids.every((v, i) => v === i)) return [{ kind: "onehot-bool", input: a.input, V: ids.length }];
      if (a?.kind === "steps" && a.col && b?.kind === "lens" && b.axis === 0 && b.minus === 1 && !b.float) return [{ kind: "mask", which: "last", lens: b.input, expanded: false }];
      break;
    }
    case "Less":
      if (a?.kind === "steps" && a.col && b?.kind === "lens" && b.axis === 0 && b.minus === 0 && !b.float) return [{ kind: "mask", which: "valid", lens: b.input, expanded: false }];
      break;
    case "Range":
      if (ints(a)?.[0] === 0 && b?.kind === "shape" && ints(ins[2])?.[0] === 1) return [{ kind: "steps", col: false }];
      break;
    case "Sub":
      if (a?.kind === "lens" && !a.float && ints(b)?.length === 1 && ints(b)![0] === 1) return [{ ...a, minus: a.minus + 1 }];
      break;
    case "Where": {
      const fill = c(ins[2]);
      if (a?.kind === "mask" && a.expanded && b?.kind === "rows" && b.per === "steps" && fill?.data.length === 1) return [{ kind: "masked", rows: b, which: a.which, lens: a.lens, fill: fill.data[0] }];
      break;
    }
    case "ReduceSum": {
      const axes = ints(b);
      if (a?.kind === "masked" && a.fill === 0 && axes?.length === 1 && axes[0] === 0 && (attr(node, "keepdims", 1) as number) === 0) {
        if (a.which === "valid") return [{ kind: "sum", rows: a.rows, lens: a.lens }];
        return [lastRecurrent(a.rows)?.D === 2 ? { kind: "half-source", rows: a.rows, part: "last", lens: a.lens } : pooled(a.rows, "last", a.lens)];
      }
      break;
    }
    case "Div":
      if (a?.kind === "sum" && b?.kind === "lens" && b.float && b.axis === 1 && b.input === a.lens && b.minus === 0) return [pooled(a.rows, "mean", a.lens)];
      break;
    case "LSTM": case "GRU": case "RNN": return recurrent(node, ins, built);
    case "ReduceMean": case "ReduceMax": {
      const axes = opset >= 18 ? ints(b) : (node.attributes.get("axes") as number[] | undefined);
      if (op === "ReduceMax" && a?.kind === "masked" && a.which === "valid" && a.fill === -Infinity && axes?.length === 1 && axes[0] === 0 && (attr(node, "keepdims", 1) as number) === 0) return [pooled(a.rows, "max", a.lens)];
      if (a?.kind === "rows" && a.per === "steps" && axes?.length === 1 && axes[0] === 0 && (attr(node, "keepdims", 1) as number) === 0) {
        const rec = lastRecurrent(a);
        if (rec && rec.layers.some((l) => l.lens)) refuse(node, "pools sequences that have sequence_lens over all steps (ONNX's Y is 0 past each length); only full-length sequences map");
        return [pooled(a, op === "ReduceMean" ? "mean" : "max", null)];
      }
      break;
    }
    case "MatMul": case "Gemm": {
      const W = c(b);
      if (a?.kind !== "rows" || !W || W.shape.length !== 2) break;
      let I = W.shape[0], O = W.shape[1];
      let weight: Float32Array;
      if (op === "Gemm") {
        if (a.per !== "sequences" && a.stages.length > 0) refuse(node, "multiplies a 3-D sequence (Gemm takes 2-D)");
        if ((attr(node, "transA", 0) as number) !== 0 || (attr(node, "alpha", 1) as number) !== 1 || (attr(node, "beta", 1) as number) !== 1) refuse(node, "has transA, alpha or beta other than 0, 1, 1");
        const transB = (attr(node, "transB", 0) as number) === 1;
        if (transB) [I, O] = [O, I];
        weight = transB ? Float32Array.from(W.data) : transpose(W.data, I, O);
      } else {
        weight = transpose(W.data, I, O);
      }
      if (I !== a.width) refuse(node, `multiplies ${a.width} features by ${shapeText(W.shape)}`);
      let bias: Float32Array | null = null;
      if (op === "Gemm" && ins[2]) {
        const bt = c(ins[2]);
        if (!bt || bt.data.length !== O) refuse(node, `has C that is not a constant bias of ${O} values`);
        bias = Float32Array.from(bt!.data);
      }
      return [{ ...a, stages: [...a.stages, { kind: "linear", weight, bias, I, O }], width: O }];
    }
    case "Add": {
      const [rows, k] = a?.kind === "rows" ? [a, c(b)] : b?.kind === "rows" ? [b, c(a)] : [null, null];
      const last = rows?.stages[rows.stages.length - 1];
      if (rows && k && last?.kind === "linear" && k.data.length === last.O && (k.shape.length === 1 || k.shape.every((d, i) => i === k.shape.length - 1 || d === 1))) {
        const bias = last.bias ? last.bias.map((v, i) => v + k.data[i]) : Float32Array.from(k.data);
        return [{ ...rows, stages: [...rows.stages.slice(0, -1), { ...last, bias }] }];
      }
      break;
    }
  }
  return refuse(node, `on ${ins.map(describeValue).join(", ")} does not map to a layer, embedding, pooling or linear layer of this library`);
}

function describeValue(v: Value | undefined): string {
  if (!v) return "(none)";
  switch (v.kind) {
    case "const": return `a constant ${shapeText(v.t.shape)}`;
    case "input": return `the graph input ${q(v.name)}`;
    case "rows": return `the ${v.per === "steps" ? "step outputs" : "pooled outputs"} of ${v.stages.map((s) => s.kind).join(" → ") || "the input"}`;
    case "Y": return "a recurrent node's Y";
    case "Yh": return "a recurrent node's final state";
    case "half-source": return v.part === "last" ? "the last step of a bidirectional output (its reverse half ends at step 0, where Pool \"last\" takes it)" : "step 0 of a sequence";
    default: return `a ${v.kind} value`;
  }
}

const pooled = (rows: RowsValue, mode: "last" | "mean" | "max", lens: string | null): RowsValue => ({ ...rows, stages: [...rows.stages, { kind: "pool", mode, lens }], per: "sequences" });

const lastRecurrent = (v: RowsValue): RecurrentStage | null => {
  for (let i = v.stages.length - 1; i >= 0; i--) {
    const s = v.stages[i];
    if (s.kind === "recurrent") return s;
    if (s.kind !== "linear") return null;
  }
  return null;
};

function transpose(src: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) out[k * rows + r] = src[r * cols + k];
  return out;
}

/** Unsqueeze / Cast / Slice / Squeeze / Transpose / Reshape / Concat on non-constant values. */
function glue(node: OnnxNode, ins: (Value | undefined)[]): Value {
  const [a, b] = ins;
  const k = (v: Value | undefined) => (v?.kind === "const" ? Array.from(v.t.data) : null);
  const op = node.opType;
  if (op === "Unsqueeze" && a?.kind === "input" && a.dtype !== "float32" && k(b)?.length === 1 && (k(b)![0] === -1 || k(b)![0] === 2)) return { kind: "tokens-unsqueezed", input: a.name };
  if (op === "Cast" && a?.kind === "onehot-bool" && (attr(node, "to", 0) as number) === 1) return { kind: "rows", input: a.input, stages: [{ kind: "onehot", V: a.V }], per: "steps", width: a.V };
  if (op === "Cast" && a?.kind === "input" && a.dtype !== "float32" && (attr(node, "to", 0) as number) === 1) return { kind: "lens", input: a.name, axis: null, minus: 0, float: true };
  if (op === "Cast" && a?.kind === "input") return a; // sequence_lens cast to the type the node wants
  const axes1 = k(b);
  if (op === "Unsqueeze" && axes1?.length === 1) {
    const ax = axes1[0];
    if (a?.kind === "input" && a.dtype !== "float32" && (ax === 0 || ax === 1)) return { kind: "lens", input: a.name, axis: ax, minus: 0, float: false };
    if (a?.kind === "lens" && a.axis === null && (ax === 0 || ax === 1)) return { ...a, axis: ax };
    if (a?.kind === "steps" && !a.col && ax === 1) return { kind: "steps", col: true };
    if (a?.kind === "mask" && !a.expanded && ax === 2) return { ...a, expanded: true };
  }
  if (op === "Slice" && a?.kind === "half-source") {
    const [starts, ends, axes] = ins.slice(1, 4).map(k);
    const rec = lastRecurrent(a.rows), H = rec ? rec.H : 0;
    if (rec && rec.D === 2 && axes?.length === 1 && axes[0] === 1 && starts?.length === 1 && ends?.length === 1) {
      if (starts[0] === 0 && ends[0] === H) return { kind: "half", rows: a.rows, part: a.part, half: "fwd", lens: a.lens };
      if (starts[0] === H && ends[0] >= 2 * H) return { kind: "half", rows: a.rows, part: a.part, half: "rev", lens: a.lens };
    }
  }
  if (op === "Concat" && a?.kind === "half" && b?.kind === "half" && ins.length === 2 && (attr(node, "axis", 0) as number) === 1) {
    if (a.half === "fwd" && a.part === "last" && b.half === "rev" && b.part === "first" && lastRecurrent(a.rows) === lastRecurrent(b.rows) && a.rows.stages.length === b.rows.stages.length) return pooled(a.rows, "last", a.lens);
    refuse(node, "joins halves of a bidirectional output other than the forward half at the last step and the reverse half at step 0 (what Pool \"last\" takes)");
  }
  if (op === "Slice" && a?.kind === "zeros") return a; // zero initial states, sliced per layer
  const perm = op === "Transpose" ? JSON.stringify(attr(node, "perm", [])) : "";
  if (perm === "[1,0,2]" && a?.kind === "input" && a.dtype === "float32") return { kind: "input-transposed", name: a.name };
  if (perm === "[1,0,2]" && a?.kind === "rows" && a.per === "steps" && a.stages.length === 1 && a.stages[0].kind === "recurrent") return { ...a, batchFirstOut: true };
  if (op === "Slice" && a?.kind === "input" && a.dtype === "float32") {
    const [starts, ends, axes, steps] = ins.slice(1).map(k);
    if (starts?.length === 1 && ends?.length === 1 && (axes == null || (axes.length === 1 && axes[0] === 0)) && (steps == null || (steps.length === 1 && steps[0] === 1))) return { kind: "state", input: a.name, from: starts[0], to: ends[0] };
  }
  if (op === "Squeeze" && a?.kind === "Y" && a.stage.D === 1) {
    const axes = k(b) ?? (node.attributes.get("axes") as number[] | undefined) ?? null;
    if (axes?.length === 1 && axes[0] === 1) return rowsAfter(a);
  }
  if (op === "Transpose" && a?.kind === "Y" && !a.transposed && JSON.stringify(attr(node, "perm", [])) === "[0,2,1,3]") return { ...a, transposed: true };
  if (op === "Reshape" && a?.kind === "Y" && a.transposed) {
    const shape = k(b);
    const DH = a.stage.D * a.stage.H;
    if (shape?.length === 3 && (shape[0] === 0 || shape[0] === -1) && (shape[1] === 0 || shape[1] === -1) && (shape[2] === -1 || shape[2] === DH) && shape.filter((d) => d === -1).length <= 1) return rowsAfter(a);
  }
  if (op === "Concat" && ins.every((v) => v?.kind === "Yh") && (attr(node, "axis", 0) as number) === 0) {
    const parts = ins as Extract<Value, { kind: "Yh" }>[];
    const stage = parts[0].stage, which = parts[0].which;
    const layers = parts.flatMap((p) => p.layers);
    if (parts.every((p) => p.stage === stage && p.which === which) && layers.every((l, i) => l === stage.layers[i])) return { kind: "Yh", stage, layers, which };
    refuse(node, "concatenates final states that are not the layers of one stack in order");
  }
  return refuse(node, `on ${ins.map(describeValue).join(", ")} does not map (expected the glue exporters write between recurrent layers)`);
}

/** The rows a stack's Y becomes once reshaped to [T, B, D·H]. */
function rowsAfter(y: Extract<Value, { kind: "Y" }>): RowsValue {
  return { ...y.of, stages: [...y.of.stages.filter((s) => s !== y.stage), y.stage], width: y.stage.D * y.stage.H };
}

const ORDER_CELL: Record<string, CellType> = { LSTM: "lstm", GRU: "gru", RNN: "rnn" };

function recurrent(node: OnnxNode, ins: (Value | undefined)[], built: RecurrentLayer[]): Value[] {
  const x0 = ins[0];
  const fromInput = (x0?.kind === "input" && x0.dtype === "float32") || x0?.kind === "input-transposed";
  if (!fromInput && (x0?.kind !== "rows" || x0.per !== "steps")) return refuse(node, `takes X from ${describeValue(x0)}; expected the graph's input or an embedding of it, or the layer before`);
  const weights = (i: number) => (ins[i]?.kind === "const" ? (ins[i] as { t: Tensor }).t : ins[i] === undefined ? undefined : refuse(node, `input ${i} is not a constant weight`));
  const r = buildRecurrent(node, weights);
  built.push(r.layer);
  const x: RowsValue = fromInput ? { kind: "rows", input: (x0 as { name: string }).name, stages: [], per: "steps", width: r.inputSize, batchFirstIn: x0?.kind === "input-transposed" } : (x0 as RowsValue);
  if (r.direction === "reverse") refuse(node, "runs in direction \"reverse\"; our layers run forward or both ways (bidirectional)");
  if (r.batchMajor) refuse(node, "has layout 1 (batch-major); only time-major recurrent nodes map");
  const c = r.layer.config, D = c.bidirectional ? 2 : 1;
  const lens = ins[4];
  if (lens && lens.kind !== "input") refuse(node, "takes sequence_lens that is not a graph input");
  const state = (i: number): StateSource => {
    const v = ins[i];
    if (v === undefined || v.kind === "zeros") return "zeros";
    if (v.kind === "input" && v.dtype === "float32") return { input: v.name, from: 0, to: D };
    if (v.kind === "state") return v;
    return refuse(node, `takes its initial state (input ${i}) from ${describeValue(v)}; expected a graph input, a Slice of one, or zeros`);
  };
  const layer: Layer = { node, params: r.layer.torchParams(), h0: state(5), c0: state(6), lens: lens?.kind === "input" ? lens.name : null };
  const bias = ins[3] !== undefined;
  const spec = { cell: ORDER_CELL[node.opType], H: c.hiddenSize, D, resetAfter: c.resetAfter, relu: c.nonlinearity === "relu", bias };
  // the layer before, when X is its output reshaped: this node is one more layer of that stack
  const prev = x.stages[x.stages.length - 1];
  let stage: RecurrentStage;
  if (prev?.kind === "recurrent" && prev.cell === spec.cell && prev.H === spec.H && prev.D === spec.D && prev.resetAfter === spec.resetAfter && prev.relu === spec.relu && prev.bias === spec.bias) {
    prev.layers.push(layer);
    stage = prev;
  } else {
    stage = { kind: "recurrent", ...spec, inputSize: x.width, layers: [layer] };
  }
  const of = stage === prev ? { ...x, stages: x.stages.slice(0, -1) } : x;
  const outs: Value[] = [{ kind: "Y", of: { ...of, stages: [...of.stages, stage] }, stage, transposed: false }, { kind: "Yh", stage, layers: [layer], which: 1 }];
  if (node.opType === "LSTM") outs.push({ kind: "Yh", stage, layers: [layer], which: 2 });
  return outs;
}

/** The graph outputs as a model: which stages, and where its inputs and outputs are. */
function assemble(graph: OnnxGraph, values: Map<string, Value>): LiftedOnnx {
  let main: { name: string; rows: RowsValue; layout: LiftedIO["outputLayout"] } | null = null;
  type Final = { name: string; v: Extract<Value, { kind: "Yh" }> };
  let hN = null as Final | null, cN = null as Final | null;
  for (const o of graph.outputs) {
    const v = values.get(o.name);
    if (v?.kind === "rows" || v?.kind === "Y") {
      if (main) refuse(null, `the graph has two sequence outputs, ${q(main.name)} and ${q(o.name)}; one maps`);
      const rows = v.kind === "Y" ? rowsAfter(v) : v;
      main = { name: o.name, rows, layout: v.kind === "Y" ? "onnx" : v.per === "sequences" ? "pooled" : "steps" };
    } else if (v?.kind === "Yh") {
      if (v.which === 1) hN = { name: o.name, v };
      else cN = { name: o.name, v };
    } else {
      refuse(null, `graph output ${q(o.name)} is ${describeValue(v)}, which is not a model output`);
    }
  }
  if (!main) return refuse(null, "the graph has no output made by a recurrent model");
  const { rows } = main;
  const stages = rows.stages;
  const recs = stages.filter((s): s is RecurrentStage => s.kind === "recurrent");
  if (recs.length === 0) refuse(null, "the graph has no LSTM, GRU or RNN node");
  const last = recs[recs.length - 1];
  for (const s of [hN, cN]) if (s && (s.v.stage !== last || s.v.layers.length !== last.layers.length)) refuse(null, `graph output ${q(s.name)} is not the final state of every layer of the last recurrent stack`);
  const statesIn = (which: "h0" | "c0", stage: RecurrentStage): string | null => {
    const src = stage.layers.map((l) => l[which]);
    if (src.every((s) => s === "zeros")) return null;
    const first = src[0];
    const ok = first !== "zeros" && src.every((s, l) => s !== "zeros" && s.input === first.input && s.from === l * stage.D && s.to === (l + 1) * stage.D);
    if (!ok) refuse(null, `the layers take ${which === "h0" ? "initial_h" : "initial_c"} from different places; it maps when every layer takes its slice of one graph input [layers·directions, batch, hidden] (or all start from zeros)`);
    return (first as { input: string }).input;
  };
  const lensOf = (stage: RecurrentStage) => {
    const l = stage.layers.map((x) => x.lens);
    if (l.some((x) => x !== l[0])) refuse(null, "the layers take different sequence_lens");
    return l[0];
  };
  const lengths = recs.map(lensOf).reduce<string | null>((acc, l) => (acc === null ? l : l === null || l === acc ? acc : refuse(null, "the recurrent stacks take different sequence_lens")), null);
  for (const s of stages) if (s.kind === "pool" && s.lens !== null && s.lens !== lengths) refuse(null, `pooling takes lengths from ${q(s.lens)}, the recurrent layers from ${lengths === null ? "none" : q(lengths)}`);
  const io: LiftedIO = {
    input: rows.input, lengths, h0: statesIn("h0", last), c0: last.cell === "lstm" ? statesIn("c0", last) : null,
    output: main.name, outputLayout: main.layout, hN: hN?.name ?? null, cN: cN?.name ?? null,
  };
  for (const s of recs.slice(0, -1)) if (statesIn("h0", s) || (s.cell === "lstm" && statesIn("c0", s))) refuse(null, "a recurrent stack other than the last takes initial states from the graph");

  const params = (stage: RecurrentStage, prefix: string) => {
    const out: Record<string, Float32Array> = {};
    stage.layers.forEach((layer, l) => {
      for (const [name, t] of Object.entries(layer.params)) out[`${prefix}${name.replace("_l0", `_l${l}`)}`] = t;
    });
    return out;
  };
  const layerOptions = (s: RecurrentStage) => ({
    inputSize: s.inputSize, hiddenSize: s.H, numLayers: s.layers.length, bidirectional: s.D === 2, bias: s.bias,
    ...(s.cell === "rnn" ? { nonlinearity: s.relu ? "relu" as const : "tanh" as const } : {}), ...(s.cell === "gru" ? { resetAfter: s.resetAfter } : {}),
  });

  const batchFirst = rows.batchFirstIn === true;
  if (batchFirst !== (rows.batchFirstOut === true)) refuse(null, `the graph's input is ${batchFirst ? "batch-first" : "time-major"} but its output ${q(main.name)} is ${batchFirst ? "time-major" : "batch-first"}; a layer has one layout for both`);
  if (batchFirst && main.layout === "onnx") refuse(null, "a batch-first input with a recurrent node's own Y as output does not map");
  // a layer: the input's features → one recurrent stack
  if (stages.length === 1 && stages[0] === last) {
    const o = { ...layerOptions(last), batchFirst };
    const layer = last.cell === "lstm" ? new LSTM(o) : last.cell === "gru" ? new GRU(o) : new RNN(o);
    return withDispose(layer, () => {
      layer.loadTorchParams(params(last, ""));
      layer.eval();
      return { kind: "layer", layer, io };
    });
  }
  if (batchFirst) refuse(null, "a batch-first input maps only as a single layer");
  // a language model: tokens → embedding or one-hot → one stack → linear per step onto the vocabulary
  const [first, , head] = stages;
  const V = first.kind === "embedding" ? first.weight.shape[0] : first.kind === "onehot" ? first.V : 0;
  if (stages.length === 3 && V > 0 && stages[1] === last && head.kind === "linear" && head.O === V && main.layout === "steps") {
    if (lengths) refuse(null, "a language model takes no sequence_lens");
    const lm = new LanguageModel({
      vocabSize: V, cell: last.cell, hiddenSize: last.H, numLayers: last.layers.length, bidirectional: last.D === 2, bias: last.bias,
      ...(first.kind === "embedding" ? { embedSize: first.weight.shape[1] } : {}),
      ...(last.cell === "rnn" ? { nonlinearity: last.relu ? "relu" as const : "tanh" as const } : {}), ...(last.cell === "gru" ? { resetAfter: last.resetAfter } : {}),
    });
    return withDispose(lm, () => {
      lm.loadTorchParams({
        ...(first.kind === "embedding" ? { "embedding.weight": Float32Array.from(first.weight.data) } : {}),
        ...params(last, "rnn."), "fc.weight": head.weight, "fc.bias": head.bias ?? new Float32Array(V),
      });
      lm.eval();
      return { kind: "language-model", lm, io };
    });
  }
  // anything else made of these stages: a Sequential (which starts from zero states)
  if (io.h0 || io.c0) refuse(null, "the graph takes initial states, which a Sequential (embedding, recurrent, pool, linear) does not; it maps as a single layer or a language model");
  const modules: ModuleConfig[] = [];
  const weights: Record<string, Float32Array> = {};
  const names = new Map<string, number>();
  const nameOf = (base: string) => {
    const n = names.get(base) ?? 0;
    names.set(base, n + 1);
    return n === 0 ? base : `${base}${n + 1}`;
  };
  for (const s of stages) {
    if (s.kind === "embedding") {
      const name = nameOf("embedding");
      modules.push({ name, type: "Embedding", numEmbeddings: s.weight.shape[0], embeddingDim: s.weight.shape[1] });
      weights[`${name}.weight`] = Float32Array.from(s.weight.data);
    } else if (s.kind === "onehot") {
      refuse(null, "one-hot token inputs map only in a language model (a Sequential starts with an Embedding)");
    } else if (s.kind === "recurrent") {
      const name = nameOf("rnn");
      modules.push({ name, type: s.cell === "lstm" ? "LSTM" : s.cell === "gru" ? "GRU" : "RNN", ...layerOptions(s) });
      Object.assign(weights, params(s, `${name}.`));
    } else if (s.kind === "pool") {
      modules.push({ name: nameOf("pool"), type: "Pool", mode: s.mode });
    } else {
      const name = nameOf("fc");
      modules.push({ name, type: "Linear", inFeatures: s.I, outFeatures: s.O, bias: s.bias !== null });
      weights[`${name}.weight`] = s.weight;
      if (s.bias) weights[`${name}.bias`] = s.bias;
    }
  }
  const model = Sequential.fromConfig(modules);
  return withDispose(model, () => {
    model.loadTorchParams(weights);
    model.eval();
    return { kind: "sequential", model, io };
  });
}

function withDispose<T>(m: { dispose(): void }, f: () => T): T {
  try {
    return f();
  } catch (e) {
    m.dispose();
    throw e;
  }
}
