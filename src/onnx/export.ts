// exportOnnx: this library's models as ONNX files (opset 14) that ONNX Runtime and the importer run with the
// same outputs. Recurrent layers become ONNX's LSTM / GRU / RNN nodes (export-recurrent.ts); the rest is plain
// glue: Gather for embeddings, MatMul + Add for linear layers, Equal + Cast for one-hot inputs, and Range /
// Less / Where / Reduce* for pooling over each sequence's valid steps. Dropout is the identity at inference.
// Quantized models are written with the f32 values their int8 / f16 weights stand for (see docs/onnx-export.md).

import { RecurrentLayer } from "../layers/recurrent.js";
import { LanguageModel } from "../lm/model.js";
import { Sequential } from "../nn/sequential.js";
import { resolveSequential, type Stage } from "../nn/sequential-config.js";
import { checkBoolean, checkKnownKeys, checkObject, describe } from "../errors.js";
import { GraphBuilder } from "./builder.js";
import { exportStack, type StackConfig } from "./export-recurrent.js";

export interface ExportOnnxOptions {
  /**
   * Initial states as inputs h0 (and c0 for LSTM) [L·D, batch, H], and (language models) the final states as
   * outputs hN (cN). Default false: the model starts from zeros, as forward() without h0. Layers and language
   * models only.
   */
  states?: boolean;
  /**
   * An int32 input sequence_lens [batch] (each in [1, seq]): steps past a sequence's length are skipped, as
   * forward()'s lengths. Default true for Sequential and task models, false for layers; language models take none.
   */
  sequenceLens?: boolean;
}

/** A task model (wasm-rnn/tasks): only its Sequential is exported; its labels go into the doc string. */
interface TaskModelLike {
  task: string;
  model: Sequential;
  labels: readonly string[] | null;
}

export type ExportableModel = RecurrentLayer | LanguageModel | Sequential | TaskModelLike;

const SEQ = "seq", BATCH = "batch";

/** The model as the bytes of an ONNX file (see docs/onnx-export.md for the inputs and outputs of each kind). */
export function exportOnnx(model: ExportableModel, options: ExportOnnxOptions = {}): Uint8Array {
  const o = checkObject("exportOnnx options", options);
  checkKnownKeys("exportOnnx", o, ["states", "sequenceLens"]);
  const states = o.states === undefined ? false : checkBoolean("exportOnnx option states", o.states);
  const lens = o.sequenceLens === undefined ? undefined : checkBoolean("exportOnnx option sequenceLens", o.sequenceLens);
  if (model instanceof RecurrentLayer) return exportLayer(model, states, lens ?? false);
  if (model instanceof LanguageModel) {
    if (lens) throw new TypeError("exportOnnx: option sequenceLens is for layers, Sequentials and task models; a language model reads every step");
    return exportLanguageModel(model, states);
  }
  if (model instanceof Sequential) return exportSequential(model, lens ?? true, states, "");
  const task = model as TaskModelLike | null;
  if (task !== null && typeof task === "object" && task.model instanceof Sequential && typeof task.task === "string") {
    const labels = task.labels ? `, labels ${JSON.stringify(task.labels)}` : "";
    return exportSequential(task.model, lens ?? true, states, `wasm-rnn ${task.task} model${labels}`);
  }
  throw new TypeError(`exportOnnx: expected an RNN / GRU / LSTM layer, a LanguageModel, a Sequential or a TaskModel, got ${describe(model)}`);
}

function alive(m: { isDisposed: boolean }, what: string): void {
  if (m.isDisposed) throw new Error(`exportOnnx: the ${what} was disposed`);
}

function stackConfig(c: StackConfig): StackConfig {
  return { cell: c.cell, inputSize: c.inputSize, hiddenSize: c.hiddenSize, numLayers: c.numLayers, bidirectional: c.bidirectional, bias: c.bias, nonlinearity: c.nonlinearity, resetAfter: c.resetAfter, ...recurrentActivation(c) };
}

/** Carries a recurrentActivation field when the config has one (exportStack decides what it can write). */
function recurrentActivation(c: object): object {
  const r = (c as { recurrentActivation?: unknown }).recurrentActivation;
  return r === undefined ? {} : { recurrentActivation: r };
}

const stateShape = (c: StackConfig): (number | string)[] => [c.numLayers * (c.bidirectional ? 2 : 1), BATCH, c.hiddenSize];

/** x [seq, batch, I] (batchFirst: [batch, seq, I]) → output [seq, batch, D·H] (batchFirst: [batch, seq, D·H]), hN [L·D, batch, H] (cN). */
function exportLayer(layer: RecurrentLayer, states: boolean, withLens: boolean): Uint8Array {
  alive(layer, "layer");
  const c = layer.config;
  return layerGraph(c, c.batchFirst, layer.torchParams(), "", states, withLens, docFor(layer.weightType, `wasm-rnn ${c.cell.toUpperCase()} layer`));
}

function layerGraph(c: StackConfig, batchFirst: boolean, params: Record<string, Float32Array>, prefix: string, states: boolean, withLens: boolean, doc: string): Uint8Array {
  const g = new GraphBuilder(), D = c.bidirectional ? 2 : 1;
  const inShape = batchFirst ? [BATCH, SEQ, c.inputSize] : [SEQ, BATCH, c.inputSize];
  let x = g.input("x", "float32", inShape);
  const lensIn = withLens ? g.input("sequence_lens", "int32", [BATCH]) : undefined;
  const h0 = states ? g.input("h0", "float32", stateShape(c)) : undefined;
  const c0 = states && c.cell === "lstm" ? g.input("c0", "float32", stateShape(c)) : undefined;
  if (batchFirst) x = g.op("Transpose", [x], { perm: [1, 0, 2] });
  const out = exportStack(g, prefix, stackConfig(c), params, { x, lens: lensIn, h0, c0 });
  const y = batchFirst ? g.op("Transpose", [out.y], { perm: [1, 0, 2] }) : out.y;
  g.output(y, "output", "float32", batchFirst ? [BATCH, SEQ, D * c.hiddenSize] : [SEQ, BATCH, D * c.hiddenSize]);
  g.output(out.hN, "hN", "float32", stateShape(c));
  if (out.cN) g.output(out.cN, "cN", "float32", stateShape(c));
  return g.encode(`wasm-rnn ${c.cell}`, doc);
}

function docFor(weightType: string, what: string): string {
  return weightType === "f32" ? what : `${what}; its weights were ${weightType}, written as the f32 values they stand for`;
}

/** The token input as float rows: an embedding lookup, or one-hot vectors (Equal against 0…V-1, Cast). */
function tokenRows(g: GraphBuilder, tokens: string, embedding: Float32Array | null, V: number, E: number): string {
  if (embedding) return g.op("Gather", [g.floats("embedding.weight", [V, E], embedding), tokens]);
  const ids = g.ints("vocabulary_ids", [V], Array.from({ length: V }, (_, i) => i));
  const hot = g.op("Equal", [g.op("Unsqueeze", [tokens, g.ints("last_axis", [1], [-1])]), ids]);
  return g.op("Cast", [hot], { to: 1 });
}

/** y [rows…, I] · Wᵀ + b for a PyTorch weight W [O, I]. */
function linear(g: GraphBuilder, name: string, y: string, W: Float32Array, b: Float32Array | null, I: number, O: number): string {
  const Wt = new Float32Array(I * O);
  for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) Wt[i * O + o] = W[o * I + i];
  const product = g.op("MatMul", [y, g.floats(`${name}.weight_t`, [I, O], Wt)]);
  return b ? g.op("Add", [product, g.floats(`${name}.bias`, [O], b)]) : product;
}

/** tokens [seq, batch] int64 → logits [seq, batch, vocab] (states: h0, c0 in; hN, cN out). */
function exportLanguageModel(lm: LanguageModel, states: boolean): Uint8Array {
  alive(lm, "language model");
  const c = lm.config, g = new GraphBuilder(), params = lm.torchParams(), D = c.bidirectional ? 2 : 1, V = c.vocabSize;
  const layer: StackConfig = { ...c, inputSize: c.embedSize ?? V };
  const tokens = g.input("tokens", "int64", [SEQ, BATCH]);
  const h0 = states ? g.input("h0", "float32", stateShape(layer)) : undefined;
  const c0 = states && c.cell === "lstm" ? g.input("c0", "float32", stateShape(layer)) : undefined;
  const x = tokenRows(g, tokens, c.embedSize === null ? null : params["embedding.weight"], V, c.embedSize ?? V);
  const out = exportStack(g, "rnn.", stackConfig(layer), params, { x, h0, c0 });
  const logits = linear(g, "fc", out.y, params["fc.weight"], params["fc.bias"], D * c.hiddenSize, V);
  g.output(logits, "logits", "float32", [SEQ, BATCH, V]);
  if (states) {
    g.output(out.hN, "hN", "float32", stateShape(layer));
    if (out.cN) g.output(out.cN, "cN", "float32", stateShape(layer));
  }
  return g.encode("wasm-rnn language model", docFor(lm.weightType, `wasm-rnn ${c.cell.toUpperCase()} language model`));
}

/** tokens [seq, batch] int64 or x [seq, batch, I] (+ sequence_lens) → output [batch, C] (pooled) or [seq, batch, C]. */
function exportSequential(model: Sequential, withLens: boolean, states: boolean, doc: string): Uint8Array {
  alive(model, "Sequential");
  const plan = resolveSequential(model.modules, model.seed);
  const only = plan.stages.length === 1 ? plan.stages[0] : null;
  if (only?.kind === "recurrent") {
    // a Sequential of one recurrent module is that layer: written as exportLayer writes it (hN out, states in)
    return layerGraph(only.layer, false, model.torchParams(), `${only.name}.`, states, withLens, docFor(model.weightType, doc || `wasm-rnn Sequential ${only.name}`));
  }
  if (states) throw new TypeError("exportOnnx: option states is for layers, language models and a Sequential of one recurrent module; this Sequential starts from zero states");
  const g = new GraphBuilder(), params = model.torchParams();
  let v = model.inputKind === "tokens" ? g.input("tokens", "int64", [SEQ, BATCH]) : g.input("x", "float32", [SEQ, BATCH, model.inputSize]);
  const lensIn = withLens ? g.input("sequence_lens", "int32", [BATCH]) : undefined;
  for (const s of plan.stages) v = exportStage(g, s, v, params, lensIn);
  const outShape = model.outputKind === "pooled" ? [BATCH, model.outFeatures] : [SEQ, BATCH, model.outFeatures];
  g.output(v, "output", "float32", outShape);
  const names = plan.stages.map((s) => s.name).join(" → ");
  return g.encode("wasm-rnn sequential", docFor(model.weightType, doc || `wasm-rnn Sequential ${names}`));
}

function exportStage(g: GraphBuilder, s: Stage, v: string, params: Record<string, Float32Array>, lens: string | undefined): string {
  switch (s.kind) {
    case "embedding": return g.op("Gather", [g.floats(`${s.name}.weight`, [s.numEmbeddings, s.embeddingDim], params[`${s.name}.weight`]), v]);
    case "recurrent": return exportStack(g, `${s.name}.`, stackConfig(s.layer), params, { x: v, lens }).y;
    case "linear": return linear(g, s.name, v, params[`${s.name}.weight`], s.bias ? params[`${s.name}.bias`] : null, s.inFeatures, s.outFeatures);
    case "dropout": return v;
    case "pool": return pool(g, s.mode, s.directions, s.inFeatures, v, lens);
  }
}

/**
 * [seq, batch, F] → [batch, F] over each sequence's valid steps. last: the step at length − 1 (and, for a
 * bidirectional output, the reverse half at step 0, where that direction ends); mean; max.
 */
function pool(g: GraphBuilder, mode: "last" | "mean" | "max", directions: 1 | 2, F: number, y: string, lens: string | undefined): string {
  const atStep = (step: number) => g.op("Gather", [y, g.ints("step", [], [step])], { axis: 0 });
  if (!lens) {
    if (mode === "mean") return g.op("ReduceMean", [y], { axes: [0], keepdims: 0 });
    if (mode === "max") return g.op("ReduceMax", [y], { axes: [0], keepdims: 0 });
    return directions === 1 ? atStep(-1) : halves(g, atStep(-1), atStep(0), F);
  }
  // valid[t, b] = t < lens[b], from Range(0, seq) against the lengths
  const axis0 = g.ints("axis0", [1], [0]);
  const T = g.op("Gather", [g.op("Shape", [y]), g.ints("zero", [], [0])], { axis: 0 });
  const steps = g.op("Unsqueeze", [g.op("Range", [g.ints("zero", [], [0]), T, g.ints("one", [], [1])]), g.ints("axis1", [1], [1])]);
  const lens64 = g.op("Unsqueeze", [g.op("Cast", [lens], { to: 7 }), axis0]);
  const where = (mask: string, other: number) => g.op("Where", [g.op("Unsqueeze", [mask, g.ints("axis2", [1], [2])]), y, g.floats("fill", [], [other])]);
  if (mode === "max") return g.op("ReduceMax", [where(g.op("Less", [steps, lens64]), -Infinity)], { axes: [0], keepdims: 0 });
  if (mode === "mean") {
    const sum = g.op("ReduceSum", [where(g.op("Less", [steps, lens64]), 0), axis0], { keepdims: 0 });
    return g.op("Div", [sum, g.op("Unsqueeze", [g.op("Cast", [lens], { to: 1 }), g.ints("axis1", [1], [1])])]);
  }
  // last: a sum over time of the one step where t = lens − 1 (adding zeros leaves the value exact)
  const isLast = g.op("Equal", [steps, g.op("Sub", [lens64, g.ints("one", [], [1])])]);
  const last = g.op("ReduceSum", [where(isLast, 0), axis0], { keepdims: 0 });
  return directions === 1 ? last : halves(g, last, atStep(0), F);
}

/** [forward half of `fwd`, reverse half of `rev`] along the features (each [batch, F]). */
function halves(g: GraphBuilder, fwd: string, rev: string, F: number): string {
  const H = F / 2, axis1 = g.ints("axis1", [1], [1]);
  const a = g.op("Slice", [fwd, g.ints("from", [1], [0]), g.ints("to", [1], [H]), axis1]);
  const b = g.op("Slice", [rev, g.ints("from", [1], [H]), g.ints("to", [1], [F]), axis1]);
  return g.op("Concat", [a, b], { axis: 1 });
}
