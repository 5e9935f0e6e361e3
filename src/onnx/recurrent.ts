// ONNX's LSTM, GRU and RNN nodes on this library's layers. Weights W [D, G·H, I], R [D, G·H, H] and
// B [D, 2·G·H] arrive in ONNX's gate order and are loaded in PyTorch's (LSTM i,o,f,c → i,f,g,o; GRU z,r,h →
// r,z,n); linear_before_reset 1 is PyTorch's reset-after GRU, 0 the textbook resetAfter: false. Directions
// forward and bidirectional are one layer; reverse is a forward layer over each sequence reversed in time.
// Gate activations: Sigmoid, or HardSigmoid (α 0.2, β 0.5) as the layer's recurrentActivation "hardSigmoid".
// Outputs Y [T, D, B, H], Y_h and Y_c [D, B, H] (layout 0); layout 1 (batch-major X [B, T, I], Y [B, T, D, H],
// states [B, D, H]) is transposed to and from layout 0 around the layer.

import { GRU } from "../layers/gru.js";
import { LSTM } from "../layers/lstm.js";
import { RNN } from "../layers/rnn.js";
import type { RecurrentLayer } from "../layers/recurrent.js";
import type { OnnxNode } from "./model.js";
import { attr, nodeError, permute, refuseAttr, type OpInputs } from "./ops.js";
import { q, shapeText, tensor, type Tensor } from "./tensor.js";

export const RECURRENT_OPS = new Set(["LSTM", "GRU", "RNN"]);

/** PyTorch gate block k is ONNX gate block ORDER[k]. */
const ORDER: Record<string, number[]> = { LSTM: [0, 2, 3, 1], GRU: [1, 0, 2], RNN: [0] };
const DEFAULT_ACTIVATIONS: Record<string, string[]> = { LSTM: ["sigmoid", "tanh", "tanh"], GRU: ["sigmoid", "tanh"], RNN: ["tanh"] };

export interface RecurrentNode {
  node: OnnxNode;
  layer: RecurrentLayer;
  direction: "forward" | "reverse" | "bidirectional";
  hidden: number;
  inputSize: number;
  /** layout 1: X [B, T, I], Y [B, T, D, H], states [B, D, H]. */
  batchMajor: boolean;
}

/** Checks the node's attributes and builds its layer from the constant weights. */
export function buildRecurrent(node: OnnxNode, weight: (i: number) => Tensor | undefined): RecurrentNode {
  const op = node.opType;
  refuseAttr(node, "clip", () => false, "cell clipping has no equivalent here");
  refuseAttr(node, "input_forget", (v) => v === 0, "coupled input and forget gates have no equivalent here");
  refuseAttr(node, "layout", (v) => v === 0 || v === 1, "layout is 0 (time-major) or 1 (batch-major)");
  if (op === "LSTM" && node.inputs[7]) throw nodeError(node, `input "P" (peepholes, ${q(node.inputs[7])}) is not supported`);
  const direction = attr(node, "direction", "forward") as string;
  if (direction !== "forward" && direction !== "reverse" && direction !== "bidirectional") throw nodeError(node, `attribute "direction" = ${q(direction)} is not one of forward, reverse, bidirectional`);
  const D = direction === "bidirectional" ? 2 : 1;
  const { nonlinearity, recurrentActivation } = activationsOf(node, D);
  const W = weight(1), R = weight(2), B = weight(3);
  if (!W || !R) throw nodeError(node, `needs its weights W and R as initializers or constants`);
  const G = ORDER[op].length;
  if (W.shape.length !== 3 || R.shape.length !== 3 || W.shape[0] !== D || R.shape[0] !== D || W.shape[1] % G !== 0) {
    throw nodeError(node, `has W ${shapeText(W.shape)} and R ${shapeText(R.shape)}, expected [${D}, ${G}·hidden_size, input_size] and [${D}, ${G}·hidden_size, hidden_size]`);
  }
  const H = W.shape[1] / G, I = W.shape[2];
  const hs = attr(node, "hidden_size", H) as number;
  if (hs !== H || R.shape[1] !== G * H || R.shape[2] !== H) throw nodeError(node, `attribute "hidden_size" = ${hs} does not match W ${shapeText(W.shape)} and R ${shapeText(R.shape)}`);
  if (B && (B.shape.length !== 2 || B.shape[0] !== D || B.shape[1] !== 2 * G * H)) throw nodeError(node, `has B ${shapeText(B.shape)}, expected [${D}, ${2 * G * H}]`);
  const resetAfter = (attr(node, "linear_before_reset", 0) as number) !== 0;
  if (op !== "GRU") refuseAttr(node, "linear_before_reset", (v) => v === 0, "it is a GRU attribute");

  const options = { inputSize: I, hiddenSize: H, bidirectional: D === 2 };
  const layer: RecurrentLayer = op === "LSTM" ? new LSTM({ ...options, recurrentActivation })
    : op === "GRU" ? new GRU({ ...options, resetAfter, recurrentActivation }) : new RNN({ ...options, nonlinearity });
  try {
    const params: Record<string, Float32Array> = {};
    const order = ORDER[op], GH = G * H;
    const blocks = (src: Float32Array | Float64Array, offset: number, cols: number) => {
      const out = new Float32Array(GH * cols);
      order.forEach((from, k) => out.set(src.subarray(offset + from * H * cols, offset + (from + 1) * H * cols), k * H * cols));
      return out;
    };
    for (let d = 0; d < D; d++) {
      const s = `_l0${d === 1 ? "_reverse" : ""}`;
      params[`weight_ih${s}`] = blocks(W.data, d * GH * I, I);
      params[`weight_hh${s}`] = blocks(R.data, d * GH * H, H);
      params[`bias_ih${s}`] = B ? blocks(B.data, d * 2 * GH, 1) : new Float32Array(GH);
      params[`bias_hh${s}`] = B ? blocks(B.data, d * 2 * GH + GH, 1) : new Float32Array(GH);
    }
    layer.loadTorchParams(params);
    layer.eval();
  } catch (e) {
    layer.dispose();
    throw e;
  }
  return { node, layer, direction, hidden: H, inputSize: I, batchMajor: (attr(node, "layout", 0) as number) === 1 };
}

/**
 * The node's "activations" (f, g[, h] per direction): the defaults; Relu for an RNN; for GRU and LSTM
 * HardSigmoid as f (in every direction alike) with ONNX's default α 0.2, β 0.5, which activation_alpha and
 * activation_beta may restate (they hold one value per activation that takes one: here the HardSigmoids).
 */
function activationsOf(node: OnnxNode, D: number): { nonlinearity: "tanh" | "relu"; recurrentActivation: "sigmoid" | "hardSigmoid" } {
  const op = node.opType, defaults = DEFAULT_ACTIVATIONS[op];
  const acts = node.attributes.get("activations") as string[] | undefined;
  const given = (acts ?? []).map((a) => a.toLowerCase());
  const hardCount = given.filter((a) => a === "hardsigmoid").length;
  const restated = (name: string, value: number) => {
    const v = node.attributes.get(name) as number[] | undefined;
    if (v === undefined) return;
    if (hardCount === 0) throw nodeError(node, `attribute "${name}" = ${JSON.stringify(v)} is not supported: only the default activations (or HardSigmoid gates with alpha 0.2, beta 0.5) are`);
    if (v.length !== hardCount || v.some((x) => Math.abs(x - value) > 1e-6)) {
      throw nodeError(node, `attribute "${name}" = ${JSON.stringify(v)} is not supported: HardSigmoid gates need ${name.slice(11)} ${value} (one value per HardSigmoid, ${hardCount} here)`);
    }
  };
  restated("activation_alpha", 0.2);
  restated("activation_beta", 0.5);
  if (acts === undefined) return { nonlinearity: "tanh", recurrentActivation: "sigmoid" };
  if (op === "RNN" && given.length === D && given.every((a) => a === "relu")) return { nonlinearity: "relu", recurrentActivation: "sigmoid" };
  const gate = op !== "RNN" && given[0] === "hardsigmoid" ? "hardsigmoid" : defaults[0];
  const expected = [gate, ...defaults.slice(1)];
  if (given.length !== defaults.length * D || !given.every((a, i) => a === expected[i % expected.length])) {
    const title = (a: string) => (a === "hardsigmoid" ? "HardSigmoid" : a[0].toUpperCase() + a.slice(1));
    const choices = op === "RNN" ? "Tanh or Relu" : `${JSON.stringify(defaults.map(title))} or ${JSON.stringify(["hardsigmoid", ...defaults.slice(1)].map(title))}, the same`;
    throw nodeError(node, `attribute "activations" = ${JSON.stringify(acts)} is not supported: expected ${choices} for each direction`);
  }
  return { nonlinearity: "tanh", recurrentActivation: gate === "hardsigmoid" ? "hardSigmoid" : "sigmoid" };
}

/** Runs the node: inputs X, W, R, B, sequence_lens, initial_h, initial_c (by position). */
export function runRecurrent(r: RecurrentNode, inputs: OpInputs): Tensor[] {
  if (!r.batchMajor) return runTimeMajor(r, inputs);
  // layout 1: swap the first two axes of X and the states in, of Y ([T, D, B, H] → [B, T, D, H]) and the states out
  const swap = (t: Tensor | undefined) => (t && t.shape.length === 3 ? permute(t, [1, 0, 2]) : t);
  const outputs = runTimeMajor(r, inputs.map((t, i) => (i === 0 || i === 5 || i === 6 ? swap(t) : t)));
  return outputs.map((t, i) => (i === 0 ? permute(t, [2, 0, 1, 3]) : swap(t)!));
}

function runTimeMajor(r: RecurrentNode, inputs: OpInputs): Tensor[] {
  const { node, layer, hidden: H } = r;
  const X = inputs[0];
  if (!X || X.shape.length !== 3 || X.shape[2] !== r.inputSize) throw nodeError(node, `needs X of shape [seq_length, batch_size, ${r.inputSize}], got ${X ? shapeText(X.shape) : "none"}`);
  if (X.dtype !== "float32") throw nodeError(node, `needs a float X, got ${X.dtype}`);
  const [T, Bn] = X.shape;
  const D = r.direction === "bidirectional" ? 2 : 1;
  const lens = inputs[4];
  let lengths: number[] | undefined;
  if (lens) {
    if (lens.shape.length !== 1 || lens.shape[0] !== Bn) throw nodeError(node, `needs sequence_lens of shape [${Bn}], got ${shapeText(lens.shape)}`);
    lengths = Array.from(lens.data);
    lengths.forEach((v, b) => {
      if (!Number.isInteger(v) || v < 1 || v > T) throw nodeError(node, `has sequence_lens[${b}] = ${v}, expected an integer in [1, ${T}]`);
    });
  }
  const state = (i: number, what: string) => {
    const s = inputs[i];
    if (!s) return undefined;
    if (s.shape.length !== 3 || s.shape[0] !== D || s.shape[1] !== Bn || s.shape[2] !== H) throw nodeError(node, `needs ${what} of shape [${D}, ${Bn}, ${H}], got ${shapeText(s.shape)}`);
    return s.data as Float32Array;
  };
  const h0 = state(5, "initial_h"), c0 = node.opType === "LSTM" ? state(6, "initial_c") : undefined;
  const reverse = r.direction === "reverse";
  const x = reverse ? reverseTime(X.data as Float32Array, T, Bn, r.inputSize, lengths) : (X.data as Float32Array);
  const res = layer.forward(x, { seqLen: T, batch: Bn, h0, c0, lengths });
  const out = reverse ? reverseTime(res.output, T, Bn, H, lengths) : res.output;
  // [T, B, D·H] → Y [T, D, B, H]
  const Y = tensor("float32", [T, D, Bn, H]);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < Bn; b++) {
      for (let d = 0; d < D; d++) {
        Y.data.set(out.subarray(((t * Bn + b) * D + d) * H, ((t * Bn + b) * D + d + 1) * H), ((t * D + d) * Bn + b) * H);
      }
    }
  }
  const outputs = [Y, tensor("float32", [D, Bn, H], res.hN)];
  if (res.cN) outputs.push(tensor("float32", [D, Bn, H], res.cN));
  return outputs;
}

/** Each batch row's first lengths[b] steps in reverse order (the padding stays in place, as zeros stay zeros). */
function reverseTime(src: Float32Array, T: number, B: number, F: number, lengths?: number[]): Float32Array {
  const out = new Float32Array(src.length);
  for (let b = 0; b < B; b++) {
    const L = lengths ? lengths[b] : T;
    for (let t = 0; t < T; t++) {
      const from = t < L ? L - 1 - t : t;
      out.set(src.subarray((from * B + b) * F, (from * B + b + 1) * F), (t * B + b) * F);
    }
  }
  return out;
}
