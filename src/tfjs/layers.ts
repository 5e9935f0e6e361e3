// Keras layers (as model.json's modelTopology names them) → the stages a TfjsModel runs, with the weights
// moved into this library's layouts. Nothing is allocated here: a model is checked whole before it is built.
//
// Keras kernels are [I, G·H] and recurrent kernels [H, G·H], x·W; ours (PyTorch's) are W [G·H, I], W·x.
// Gate blocks: LSTM i,f,c,o is PyTorch's i,f,g,o; GRU z,r,h → r,z,n. Keras has one bias, put into bias_ih
// (bias_hh zero); a Keras GRU with reset_after has a bias [2, 3H]: rows input and recurrent.

import { describe, shapeText } from "../errors.js";
import { fail, isRecord, q, type Weight } from "./format.js";

/** "hard_sigmoid_keras3": Keras 3's hard_sigmoid, relu6(x + 3) / 6 (Keras 2's and tfjs's is clip(0.2·x + 0.5, 0, 1)). */
export type Activation = "linear" | "softmax" | "sigmoid" | "tanh" | "relu" | "hard_sigmoid" | "hard_sigmoid_keras3";
export type MergeMode = "concat" | "sum" | "mul" | "ave";
export type RecurrentClass = "LSTM" | "GRU" | "SimpleRNN";

export type Stage =
  | { kind: "embedding"; name: string; vocab: number; dim: number; maskZero: boolean; table: Float32Array }
  | {
    kind: "recurrent"; name: string; className: RecurrentClass; inputSize: number; hidden: number;
    /** Bidirectional's merge mode; null for a plain layer. */
    merge: MergeMode | null;
    returnSequences: boolean; goBackwards: boolean; resetAfter: boolean; nonlinearity: "tanh" | "relu";
    /** Keras's zero_output_for_mask (Keras 3 writes it; its Bidirectional sets it when returning sequences): masked steps output zeros. */
    zeroOutputForMask: boolean;
    recurrentActivation: "sigmoid" | "hardSigmoid";
    /** PyTorch-named parameters of a one-layer (bidirectional when merge ≠ null) layer. */
    params: Record<string, Float32Array>;
  }
  | { kind: "dense"; name: string; inFeatures: number; outFeatures: number; activation: Activation; weight: Float32Array; bias: Float32Array | null }
  | { kind: "activation"; name: string; activation: Activation }
  /** Keras's Masking: steps whose features all equal `value` are masked for the recurrent layers after it. */
  | { kind: "masking"; name: string; value: number }
  | { kind: "dropout"; name: string; rate: number };

export interface TfjsPlan {
  stages: Stage[];
  inputKind: "tokens" | "features";
  /** Features per step, or the vocabulary size. */
  inputSize: number;
  /** The steps the model declares (batch_input_shape), or null when free. */
  seqLen: number | null;
  /** The output per step ([B, T, W]) or per sequence ([B, W]). */
  outputKind: "sequence" | "pooled";
  outFeatures: number;
}

export interface PlanOptions {
  allowNonFinite?: boolean;
  /** model.json's keras_version: Keras 3 ("3.…") means another hard_sigmoid. */
  kerasVersion?: string | null;
}

const ACTIVATIONS = new Set(["linear", "softmax", "sigmoid", "tanh", "relu", "hard_sigmoid"]);
// keys that only say how a layer is trained, named or initialised: they do not change predict()
const COMMON = ["name", "trainable", "dtype", "batch_input_shape", "batch_shape", "input_shape", "batch_size", "input_dim", "activity_regularizer"];
const INIT = (...w: string[]) => w.flatMap((p) => [`${p}_initializer`, `${p}_regularizer`, `${p}_constraint`]);
// no prototype: a class_name "__proto__" or "toString" in a file is unknown, not Object's (as ONNX's OPS)
const KEYS: Record<string, string[]> = Object.assign(Object.create(null) as Record<string, string[]>, {
  InputLayer: ["name", "dtype", "batch_input_shape", "batch_shape", "input_shape", "batch_size", "sparse", "ragged"],
  Embedding: [...COMMON, ...INIT("embeddings"), "input_dim", "output_dim", "mask_zero", "input_length"],
  LSTM: [...COMMON, ...INIT("kernel", "recurrent", "bias"), "units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias",
    "dropout", "recurrent_dropout", "implementation", "return_sequences", "return_state", "go_backwards", "stateful", "unroll", "time_major", "seed", "zero_output_for_mask"],
  GRU: [...COMMON, ...INIT("kernel", "recurrent", "bias"), "units", "activation", "recurrent_activation", "use_bias", "reset_after",
    "dropout", "recurrent_dropout", "implementation", "return_sequences", "return_state", "go_backwards", "stateful", "unroll", "time_major", "seed", "zero_output_for_mask"],
  SimpleRNN: [...COMMON, ...INIT("kernel", "recurrent", "bias"), "units", "activation", "use_bias",
    "dropout", "recurrent_dropout", "return_sequences", "return_state", "go_backwards", "stateful", "unroll", "time_major", "seed", "zero_output_for_mask"],
  Bidirectional: [...COMMON, "layer", "merge_mode", "backward_layer"],
  Dense: [...COMMON, ...INIT("kernel", "bias"), "units", "activation", "use_bias"],
  Activation: [...COMMON, "activation"],
  Dropout: [...COMMON, "rate", "noise_shape", "seed"],
  Masking: [...COMMON, "mask_value"],
});

interface Layer {
  className: string;
  config: Record<string, unknown>;
  where: string;
}

function layerError(l: Layer, message: string): never {
  fail(`${l.where} ${message}`);
}


/** Sequential or a Functional model that is a plain chain → its layers in order. */
function layerList(topology: Record<string, unknown>): Layer[] {
  const cls = topology.class_name, config = topology.config;
  let raw: unknown;
  if (cls === "Sequential") raw = isRecord(config) ? config.layers : Array.isArray(config) ? config : undefined;
  else if (cls === "Model" || cls === "Functional") raw = chainOf(config);
  else fail(`modelTopology has class_name ${describe(cls)}: expected "Sequential" (or a "Model" / "Functional" that is a plain chain)`);
  if (!Array.isArray(raw) || raw.length === 0) fail(`modelTopology ${String(cls)} has no layers (config.layers must be a non-empty array)`);
  if (raw.length > 10_000) fail(`modelTopology has ${raw.length} layers, more than this loader takes (10000)`);
  return raw.map((l, i) => {
    if (!isRecord(l) || typeof l.class_name !== "string" || !isRecord(l.config)) fail(`layer ${i} must be { class_name, config }, got ${describe(l)}`);
    const name = typeof l.config.name === "string" ? l.config.name : `#${i}`;
    return { className: l.class_name, config: l.config, where: `layer ${i} ${q(name)} (${l.class_name})` };
  });
}

/** A Functional model's layers when each one takes the one before it (one input, one output, no branches). */
function chainOf(config: unknown): unknown[] {
  if (!isRecord(config) || !Array.isArray(config.layers) || config.layers.length === 0) fail(`modelTopology's Functional config has no layers (config.layers must be a non-empty array)`);
  const layers = config.layers as unknown[];
  const refName = (v: unknown): string | null => (Array.isArray(v) && typeof v[0] === "string" ? v[0] : isRecord(v) && Array.isArray(v.args) ? refName(v.args[0]) : null);
  let prev: string | null = null;
  layers.forEach((l, i) => {
    if (!isRecord(l) || typeof l.name !== "string") fail(`Functional layer ${i} has no name`);
    const nodes = l.inbound_nodes;
    if (i === 0) {
      if (l.class_name !== "InputLayer") fail(`Functional layer 0 ${q(l.name)} is ${describe(l.class_name)}: expected an InputLayer first`);
    } else {
      // [[[name, 0, 0, {}]]] (Keras 2, tfjs) or [{ args: [{ config: { keras_history: [name, 0, 0] } }] }] (Keras 3)
      const node = Array.isArray(nodes) && nodes.length === 1 ? nodes[0] : null;
      let from: string | null = null;
      if (Array.isArray(node) && node.length === 1) from = refName(node[0]);
      else if (isRecord(node) && Array.isArray(node.args) && node.args.length === 1 && isRecord(node.args[0]) && isRecord(node.args[0].config)) from = refName(node.args[0].config.keras_history);
      if (from === null || from !== prev) fail(`Functional layer ${i} ${q(l.name)} does not take exactly the output of the layer before it (${prev === null ? "none" : q(prev)}): only plain chains of layers are supported`);
    }
    prev = l.name;
  });
  const one = (v: unknown) => (Array.isArray(v) && v.length === 1 ? refName(v[0]) : null);
  const first = (layers[0] as { name: string }).name;
  if (one(config.input_layers) !== first || one(config.output_layers) !== prev) {
    fail(`the Functional model's input_layers and output_layers must be its first layer ${q(first)} and its last ${q(prev ?? "")}: only plain chains with one input and one output are supported`);
  }
  return layers;
}

/**
 * A Bidirectional's backward_layer (Keras 3 writes it) must be what Keras makes by default: the wrapped layer's
 * class and config with go_backwards true, its name aside (anything else would need a second kind of layer).
 */
function sameAsForward(l: Layer, forward: Record<string, unknown>, back: unknown): void {
  if (!isRecord(back) || back.class_name !== forward.class_name || !isRecord(back.config)) {
    layerError(l, `has a backward_layer ${describe(isRecord(back) ? back.class_name : back)} that is not a ${String(forward.class_name)} like its layer: only the default backward layer is supported`);
  }
  const f = forward.config as Record<string, unknown>, b = back.config;
  if (b.go_backwards !== true || f.go_backwards === true) layerError(l, `has a backward_layer with go_backwards ${JSON.stringify(b.go_backwards) ?? "absent"}: the default backward layer runs backwards (true) and its layer forwards`);
  const keys = new Set([...Object.keys(f), ...Object.keys(b)]);
  for (const key of keys) {
    if (key === "name" || key === "go_backwards") continue;
    if (canonical(f[key]) !== canonical(b[key])) {
      layerError(l, `has a backward_layer whose ${key} (${JSON.stringify(b[key]) ?? "absent"}) differs from its layer's (${JSON.stringify(f[key]) ?? "absent"}): only the default backward layer, a copy of the layer, is supported`);
    }
  }
}

/** JSON with object keys sorted, so two configs compare by content. */
function canonical(v: unknown): string | undefined {
  if (Array.isArray(v)) return `[${v.map((x) => canonical(x) ?? "null").join(",")}]`;
  if (isRecord(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(",")}}`;
  return JSON.stringify(v);
}

function refuseKeys(l: Layer, allowed: string[]): void {
  for (const key of Object.keys(l.config)) {
    if (!allowed.includes(key)) layerError(l, `has config key ${q(key)}, which this loader does not know: refused, as it may change the computation (known keys: ${allowed.join(", ")})`);
  }
}

const flag = (l: Layer, key: string, dflt: boolean): boolean => {
  const v = l.config[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "boolean") layerError(l, `has ${key} = ${describe(v)}, expected true or false`);
  return v;
};

function mustBe(l: Layer, key: string, ok: (v: unknown) => boolean, expected: string): void {
  const v = l.config[key];
  if (v !== undefined && v !== null && !ok(v)) layerError(l, `has ${key} = ${JSON.stringify(v)}, which is not supported: ${expected}`);
}

function units(l: Layer, key = "units"): number {
  const v = l.config[key];
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 1 << 24) layerError(l, `has ${key} = ${describe(v)}, expected an integer in [1, 2^24]`);
  return v;
}

function activationOf(l: Layer, key = "activation", dflt: Activation = "linear"): Activation {
  let v = l.config[key];
  if (v === undefined || v === null) return dflt;
  if (isRecord(v) && typeof v.class_name === "string") v = v.class_name.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
  if (typeof v !== "string" || !ACTIVATIONS.has(v)) layerError(l, `has ${key} = ${JSON.stringify(v)}: supported are ${[...ACTIVATIONS].join(", ")}`);
  return v as Activation;
}

function dtypeOk(l: Layer): void {
  const d = l.config.dtype;
  const name = isRecord(d) && isRecord(d.config) ? d.config.name : d;
  if (name !== undefined && name !== null && name !== "float32" && !(l.className === "InputLayer" && name === "int32")) layerError(l, `has dtype ${JSON.stringify(d)}: only float32 layers are supported`);
}

/** The declared input shape without the batch axis, or null. */
function inputShape(l: Layer): (number | null)[] | null {
  const c = l.config;
  const batch = c.batch_input_shape ?? c.batch_shape;
  const shape = Array.isArray(batch) ? batch.slice(1) : Array.isArray(c.input_shape) ? c.input_shape : null;
  if (shape === null) return null;
  if (shape.length > 3 || shape.some((d) => d !== null && !(typeof d === "number" && Number.isInteger(d) && d >= 1 && d <= 1 << 24))) {
    layerError(l, `has input shape ${JSON.stringify(batch ?? c.input_shape)}, expected sizes (or null) per axis`);
  }
  return shape as (number | null)[];
}

/** Takes the named weights of a layer (by the manifest name's last part) and checks their shapes. */
class WeightTaker {
  readonly used = new Set<string>();
  /** Weight names by their first path segment (the layer's name), so a lookup never scans the whole manifest. */
  private readonly byLayer = new Map<string, string[]>();
  constructor(private readonly weights: Map<string, Weight>, private readonly options: PlanOptions) {
    for (const name of weights.keys()) {
      const first = name.split("/", 1)[0];
      const list = this.byLayer.get(first);
      if (list) list.push(name);
      else this.byLayer.set(first, [name]);
    }
  }

  private candidates(prefix: string, suffix: string): string[] {
    return (this.byLayer.get(prefix.split("/", 1)[0]) ?? []).filter((n) => n.startsWith(`${prefix}/`) && n.endsWith(`/${suffix}`) && !this.used.has(n)
      // "…/kernel" must not take "…/recurrent_kernel": the part before is a whole path segment
      && n.slice(0, -suffix.length).endsWith("/"));
  }

  take(l: Layer, prefix: string, suffix: string, shape: number[]): Float32Array {
    const matches = this.candidates(prefix, suffix);
    if (matches.length === 0) layerError(l, `has no weight ${q(`${prefix}/…/${suffix}`)} in weightsManifest (it lists ${[...this.weights.keys()].slice(0, 12).map(q).join(", ")})`);
    if (matches.length > 1) layerError(l, `has several weights that could be its ${suffix}: ${matches.map(q).join(", ")}`);
    const name = matches[0], w = this.weights.get(name)!;
    if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i])) layerError(l, `has weight ${q(name)} of shape ${shapeText(w.shape)}, expected ${shapeText(shape)}`);
    if (!this.options.allowNonFinite) {
      const bad = firstNonFinite(w.data);
      if (bad >= 0) layerError(l, `has weight ${q(name)} with ${w.data[bad]} at index ${bad}: refused (every output would be NaN); pass allowNonFinite: true to load it anyway`);
    }
    this.used.add(name);
    return w.data;
  }

  /** The shape of the weight take() would find, to learn sizes the config leaves out. */
  peek(prefix: string, suffix: string): number[] | null {
    const name = this.candidates(prefix, suffix)[0];
    return name === undefined ? null : this.weights.get(name)!.shape;
  }
}

/** The index of the first NaN or ±Infinity, or −1 (a plain loop: findIndex's callback was most of a load). */
function firstNonFinite(data: Float32Array): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}

/** Tile edge of the transposes: a tile's rows of the source and of the result stay in cache. */
const TILE = 32;

/**
 * Keras [rows, G·H] (x·W) → PyTorch [G·H, rows] with gate block k taken from Keras block order[k]; by tiles,
 * so neither side is walked with a whole row's stride (a large matrix's transpose was a third of a load).
 */
export function gates(src: Float32Array, rows: number, H: number, order: readonly number[]): Float32Array {
  const G = order.length, GH = G * H, out = new Float32Array(GH * rows);
  for (let k = 0; k < G; k++) {
    const from = order[k] * H;
    for (let r0 = 0; r0 < rows; r0 += TILE) {
      const r1 = Math.min(rows, r0 + TILE);
      for (let j0 = 0; j0 < H; j0 += TILE) {
        const j1 = Math.min(H, j0 + TILE);
        for (let j = j0; j < j1; j++) {
          const o = (k * H + j) * rows, s = from + j;
          for (let r = r0; r < r1; r++) out[o + r] = src[r * GH + s];
        }
      }
    }
  }
  return out;
}

function biasGates(src: Float32Array, offset: number, H: number, order: number[]): Float32Array {
  const out = new Float32Array(order.length * H);
  order.forEach((from, k) => out.set(src.subarray(offset + from * H, offset + (from + 1) * H), k * H));
  return out;
}

/** PyTorch gate block k is Keras block ORDER[k]. */
export const ORDER: Record<RecurrentClass, number[]> = { LSTM: [0, 1, 2, 3], GRU: [1, 0, 2], SimpleRNN: [0] };

function recurrentStage(l: Layer, inner: Layer, taker: WeightTaker, prefixes: string[], inputSize: number, merge: MergeMode | null, keras3: boolean): Stage {
  const cls = inner.className as RecurrentClass;
  refuseKeys(inner, KEYS[cls]);
  dtypeOk(inner);
  const H = units(inner);
  const activation = activationOf(inner, "activation", "tanh");
  if (cls === "SimpleRNN" ? activation !== "tanh" && activation !== "relu" : activation !== "tanh") {
    layerError(inner, `has activation ${q(activation)}: supported is ${cls === "SimpleRNN" ? '"tanh" or "relu"' : '"tanh"'}`);
  }
  let recurrentActivation: "sigmoid" | "hardSigmoid" = "sigmoid";
  if (cls !== "SimpleRNN") {
    // absent: tfjs's default, hard_sigmoid; Keras 3's is sigmoid
    const ra = activationOf(inner, "recurrent_activation", keras3 ? "sigmoid" : "hard_sigmoid");
    if (ra !== "sigmoid" && ra !== "hard_sigmoid") layerError(inner, `has recurrent_activation ${q(ra)}: supported are "sigmoid" and "hard_sigmoid"`);
    if (ra === "hard_sigmoid" && keras3) layerError(inner, `has recurrent_activation "hard_sigmoid" in a Keras 3 model, where it is relu6(x + 3) / 6: the gate kernels compute Keras 2's and tfjs's clip(0.2·x + 0.5, 0, 1), so this model is refused rather than computed with the other formula`);
    recurrentActivation = ra === "sigmoid" ? "sigmoid" : "hardSigmoid";
  }
  mustBe(inner, "return_state", (v) => v === false, "the layer must return its output only (return_state false)");
  mustBe(inner, "stateful", (v) => v === false, "stateful layers carry state between predict() calls; load a stateless copy");
  mustBe(inner, "time_major", (v) => v === false, "inputs are batch-first");
  mustBe(inner, "unroll", (v) => typeof v === "boolean", "true or false");
  for (const key of ["dropout", "recurrent_dropout"]) mustBe(inner, key, (v) => typeof v === "number" && v >= 0 && v < 1, "a rate in [0, 1) (dropout is off in predict)");
  const resetAfter = cls === "GRU" && flag(inner, "reset_after", false);
  const goBackwards = flag(inner, "go_backwards", false);
  if (merge !== null && goBackwards) layerError(inner, "has go_backwards true inside a Bidirectional: not supported (the wrapper runs the two directions itself)");
  const bias = flag(inner, "use_bias", true);
  const G = ORDER[cls].length, GH = G * H, order = ORDER[cls];
  const params: Record<string, Float32Array> = {};
  prefixes.forEach((prefix, d) => {
    const s = `_l0${d === 1 ? "_reverse" : ""}`;
    params[`weight_ih${s}`] = gates(taker.take(l, prefix, "kernel", [inputSize, GH]), inputSize, H, order);
    params[`weight_hh${s}`] = gates(taker.take(l, prefix, "recurrent_kernel", [H, GH]), H, H, order);
    if (bias) {
      const b = taker.take(l, prefix, "bias", resetAfter ? [2, GH] : [GH]);
      params[`bias_ih${s}`] = biasGates(b, 0, H, order);
      params[`bias_hh${s}`] = resetAfter ? biasGates(b, GH, H, order) : new Float32Array(GH);
    } else {
      params[`bias_ih${s}`] = new Float32Array(GH);
      params[`bias_hh${s}`] = new Float32Array(GH);
    }
  });
  return {
    kind: "recurrent", name: String(l.config.name ?? ""), className: cls, inputSize, hidden: H, merge,
    returnSequences: flag(inner, "return_sequences", false), goBackwards, resetAfter, zeroOutputForMask: flag(inner, "zero_output_for_mask", false),
    nonlinearity: activation === "relu" ? "relu" : "tanh", recurrentActivation, params,
  };
}

/** Checks the topology's layers against the weights and turns them into stages. */
export function planModel(topology: Record<string, unknown>, weights: Map<string, Weight>, options: PlanOptions = {}): TfjsPlan {
  const layers = layerList(topology);
  const keras3 = /^3\./.test(options.kerasVersion ?? "");
  // Dense and Activation compute in glue, so Keras 3's hard_sigmoid is computed as Keras 3 defines it
  const glueActivation = (l: Layer): Activation => {
    const a = activationOf(l);
    return a === "hard_sigmoid" && keras3 ? "hard_sigmoid_keras3" : a;
  };
  const taker = new WeightTaker(weights, options);
  const stages: Stage[] = [];
  let inputKind: "tokens" | "features" | null = null, inputSize = 0, seqLen: number | null = null;
  // what flows between layers: per-step rows [B, T, width] or one row per sequence [B, width]
  let steps = true, width = 0, declared: (number | null)[] | null = null;
  const declare = (l: Layer) => {
    const s = inputShape(l);
    if (s && declared === null && stages.length === 0) declared = s;
  };
  layers.forEach((l, i) => {
    const name = typeof l.config.name === "string" ? l.config.name : `layer_${i}`;
    if (!(l.className in KEYS)) {
      layerError(l, `is not supported: the layers loaded here are ${Object.keys(KEYS).join(", ")}`);
    }
    refuseKeys(l, KEYS[l.className]);
    if (l.className !== "Bidirectional") dtypeOk(l);
    declare(l);
    const first = stages.length === 0;
    const featuresIn = (need: string): number => {
      if (first) {
        const d = declared as (number | null)[] | null;
        if (inputKind === null) inputKind = "features";
        if (d && d.length === 2 && d[1] !== null) width = d[1];
        if (d && d.length === 2) seqLen = d[0];
        if (width === 0) return 0;
        inputSize = width;
      }
      if (!steps && need === "steps") layerError(l, `needs steps [batch, time, features], but the layer before it returns one row per sequence (return_sequences false)`);
      return width;
    };
    switch (l.className) {
      case "InputLayer": {
        if (i !== 0) layerError(l, "must be the first layer");
        break;
      }
      case "Embedding": {
        if (!first) layerError(l, "takes token ids, so it must be the first layer");
        const V = units(l, "input_dim"), E = units(l, "output_dim");
        const d = declared as (number | null)[] | null;
        if (d && d.length !== 1) layerError(l, `has input shape ${JSON.stringify(d)}, expected [time] token ids`);
        seqLen = d ? d[0] : typeof l.config.input_length === "number" ? l.config.input_length : null;
        inputKind = "tokens";
        inputSize = V;
        const table = taker.take(l, name, "embeddings", [V, E]);
        stages.push({ kind: "embedding", name, vocab: V, dim: E, maskZero: flag(l, "mask_zero", false), table });
        width = E;
        break;
      }
      case "LSTM": case "GRU": case "SimpleRNN": case "Bidirectional": {
        let inner = l, merge: MergeMode | null = null, prefixes = [name];
        if (l.className === "Bidirectional") {
          const w = l.config.layer;
          if (!isRecord(w) || typeof w.class_name !== "string" || !isRecord(w.config)) layerError(l, `has no wrapped layer { class_name, config }`);
          if (w.class_name !== "LSTM" && w.class_name !== "GRU" && w.class_name !== "SimpleRNN") layerError(l, `wraps ${q(w.class_name)}: supported are LSTM, GRU and SimpleRNN`);
          // Keras 3 writes the backward layer it made: the wrapped layer's copy with go_backwards true
          const back = l.config.backward_layer;
          if (back !== undefined && back !== null) sameAsForward(l, w, back);
          // absent: Keras's default, concat; null: the two directions as two outputs, which a chain has no room for
          const m = l.config.merge_mode === undefined ? "concat" : l.config.merge_mode;
          if (m === null) layerError(l, "has merge_mode null (the two directions as separate outputs): only merged outputs are supported");
          if (m !== "concat" && m !== "sum" && m !== "mul" && m !== "ave") layerError(l, `has merge_mode ${JSON.stringify(m)}: supported are "concat", "sum", "mul", "ave"`);
          merge = m;
          const innerName = typeof w.config.name === "string" ? w.config.name : "";
          inner = { className: w.class_name, config: w.config, where: `${l.where}'s ${w.class_name}` };
          declare(inner);
          // weights under "<bidirectional>/forward_<layer>/…" (Keras 2 names the wrapped layer "<layer>"; Keras 3
          // names it "forward_<layer>" itself) and the backward layer's name, or "backward_<layer>"
          const backName = isRecord(back) && isRecord(back.config) && typeof back.config.name === "string" ? back.config.name : `backward_${innerName.replace(/^forward_/, "")}`;
          const forward = [`${name}/forward_${innerName}`, `${name}/${innerName}`].find((p) => taker.peek(p, "kernel") !== null) ?? `${name}/forward_${innerName}`;
          prefixes = [forward, `${name}/${backName}`];
        }
        let I = featuresIn("steps");
        if (I === 0) {
          // no declared input shape: the first layer's kernel tells its input size
          I = taker.peek(prefixes[0], "kernel")?.[0] ?? 0;
          if (I < 1) layerError(l, "declares no input shape and has no kernel to learn it from");
          inputSize = I;
        }
        const stage = recurrentStage(l, inner, taker, prefixes, I, merge, keras3);
        if (stage.kind !== "recurrent") break;
        stages.push(stage);
        width = merge === "concat" ? 2 * stage.hidden : stage.hidden;
        steps = stage.returnSequences;
        break;
      }
      case "Dense": {
        let K = featuresIn("any");
        if (K === 0) {
          K = taker.peek(name, "kernel")?.[0] ?? 0;
          if (K < 1) layerError(l, "declares no input shape and has no kernel to learn it from");
          inputSize = K;
        }
        const N = units(l), activation = glueActivation(l);
        const kernel = taker.take(l, name, "kernel", [K, N]);
        const weight = gates(kernel, K, N, [0]); // [K, N] → [N, K]
        const bias = flag(l, "use_bias", true) ? taker.take(l, name, "bias", [N]).slice() : null;
        stages.push({ kind: "dense", name, inFeatures: K, outFeatures: N, activation, weight, bias });
        width = N;
        break;
      }
      case "Masking": {
        featuresIn("steps");
        const v = l.config.mask_value ?? 0;
        if (typeof v !== "number") layerError(l, `has mask_value ${describe(v)}, expected a number`);
        stages.push({ kind: "masking", name, value: v });
        break;
      }
      case "Activation": case "Dropout": {
        if (first) layerError(l, "needs a layer before it");
        if (l.className === "Activation") stages.push({ kind: "activation", name, activation: glueActivation(l) });
        else {
          mustBe(l, "rate", (v) => typeof v === "number" && v >= 0 && v < 1, "a rate in [0, 1)");
          mustBe(l, "noise_shape", () => false, "only the default noise shape");
          stages.push({ kind: "dropout", name, rate: Number(l.config.rate ?? 0) });
        }
        break;
      }
    }
  });
  if (stages.length === 0) fail("the model has no layers that compute (only an InputLayer)");
  const unused = [...weights.keys()].filter((n) => !taker.used.has(n));
  if (unused.length > 0) fail(`weightsManifest has ${unused.length} weight${unused.length === 1 ? "" : "s"} no layer takes: ${unused.slice(0, 8).map(q).join(", ")}`);
  return { stages, inputKind: inputKind ?? "features", inputSize, seqLen, outputKind: steps ? "sequence" : "pooled", outFeatures: width };
}
