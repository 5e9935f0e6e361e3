// A recurrent stack as ONNX nodes: one LSTM / GRU / RNN node per layer (both directions in one node), the
// weights re-ordered from PyTorch's gate blocks (LSTM i,f,g,o; GRU r,z,n) into ONNX's (LSTM i,o,f,c; GRU z,r,h),
// B = [W_b, R_b]. Between layers Y [T, D, B, H] becomes the next X [T, B, D·H] (Squeeze, or Transpose +
// Reshape when bidirectional), as torch.onnx.export writes it; the states [L·D, B, H] are sliced per layer on
// the way in and concatenated on the way out.

import type { LayerConfig } from "../nn/recurrent-config.js";
import type { AttrValue, GraphBuilder } from "./builder.js";

/** PyTorch gate block k is ONNX gate block ORDER[k] (the inverse of what the importer does). */
const ORDER: Record<string, number[]> = { lstm: [0, 2, 3, 1], gru: [1, 0, 2], rnn: [0] };
const OP: Record<string, string> = { lstm: "LSTM", gru: "GRU", rnn: "RNN" };

export type StackConfig = Pick<LayerConfig, "cell" | "inputSize" | "hiddenSize" | "numLayers" | "bidirectional" | "bias" | "nonlinearity" | "resetAfter">;

export interface StackValues {
  /** Names of the values: x [T, B, I] float, lens [B] int32, h0 / c0 [L·D, B, H]. */
  x: string;
  lens?: string;
  h0?: string;
  c0?: string;
}

export interface StackOutputs {
  /** [T, B, D·H]. */
  y: string;
  /** [L·D, B, H]. */
  hN: string;
  cN: string | null;
}

/**
 * The activations attributes a layer needs, or null for ONNX's defaults. recurrentActivation "hardSigmoid"
 * (Keras's gates, clip(0.2·x + 0.5, 0, 1); a field another branch adds to LayerConfig) is ONNX's HardSigmoid
 * with alpha 0.2, beta 0.5 on the gates (LSTM f, GRU f; g and h stay Tanh). activation_alpha / _beta hold one
 * value per activation that takes one (ONNX Runtime consumes them in that order), so one pair per direction.
 */
function activations(c: StackConfig): { activations: string[]; activation_alpha?: { floats: number[] }; activation_beta?: { floats: number[] } } | null {
  const gate = (c as { recurrentActivation?: string }).recurrentActivation ?? "sigmoid";
  const D = c.bidirectional ? 2 : 1;
  if (gate !== "sigmoid" && gate !== "hardSigmoid") throw new RangeError(`exportOnnx: recurrentActivation ${JSON.stringify(gate)} has no ONNX form here: expected "sigmoid" or "hardSigmoid"`);
  if (c.cell === "rnn") return c.nonlinearity === "relu" ? { activations: Array<string>(D).fill("Relu") } : null;
  if (gate === "sigmoid") return null;
  const perDirection = c.cell === "lstm" ? ["HardSigmoid", "Tanh", "Tanh"] : ["HardSigmoid", "Tanh"];
  return {
    activations: Array.from({ length: D }, () => perDirection).flat(),
    activation_alpha: { floats: Array<number>(D).fill(0.2) },
    activation_beta: { floats: Array<number>(D).fill(0.5) },
  };
}

export function exportStack(g: GraphBuilder, prefix: string, c: StackConfig, params: Record<string, Float32Array>, v: StackValues): StackOutputs {
  const D = c.bidirectional ? 2 : 1, H = c.hiddenSize, order = ORDER[c.cell], G = order.length, GH = G * H;
  const acts = activations(c);
  const p = (name: string) => {
    const t = params[`${prefix}${name}`];
    if (!t) throw new Error(`exportOnnx: parameter ${prefix}${name} is missing`);
    return t;
  };
  /** Gate blocks of a [G·H, cols] PyTorch matrix, in ONNX order, written at `into[offset…]`. */
  const reorder = (src: Float32Array, cols: number, into: Float32Array, offset: number) => {
    order.forEach((to, k) => into.set(src.subarray(k * H * cols, (k + 1) * H * cols), offset + to * H * cols));
  };
  let x = v.x;
  const hs: string[] = [], cs: string[] = [];
  for (let l = 0; l < c.numLayers; l++) {
    const I = l === 0 ? c.inputSize : D * H;
    const W = new Float32Array(D * GH * I), R = new Float32Array(D * GH * H), B = new Float32Array(D * 2 * GH);
    for (let d = 0; d < D; d++) {
      const s = `_l${l}${d === 1 ? "_reverse" : ""}`;
      reorder(p(`weight_ih${s}`), I, W, d * GH * I);
      reorder(p(`weight_hh${s}`), H, R, d * GH * H);
      if (c.bias) {
        reorder(p(`bias_ih${s}`), 1, B, d * 2 * GH);
        reorder(p(`bias_hh${s}`), 1, B, d * 2 * GH + GH);
      }
    }
    const name = `${prefix}l${l}`;
    const inputs = [x, g.floats(`${name}.W`, [D, GH, I], W), g.floats(`${name}.R`, [D, GH, H], R), c.bias ? g.floats(`${name}.B`, [D, 2 * GH], B) : "", v.lens ?? ""];
    const slice = (state: string) => g.op("Slice", [state, g.ints(`${name}.start`, [1], [l * D]), g.ints(`${name}.end`, [1], [(l + 1) * D]), g.ints(`${name}.axes`, [1], [0])]);
    if (v.h0 || v.c0) inputs.push(v.h0 ? (c.numLayers === 1 ? v.h0 : slice(v.h0)) : "");
    if (v.c0) inputs.push(c.numLayers === 1 ? v.c0 : slice(v.c0));
    while (inputs[inputs.length - 1] === "") inputs.pop();
    const attrs: Record<string, AttrValue> = { hidden_size: H, direction: D === 2 ? "bidirectional" : "forward", ...acts };
    if (c.cell === "gru") attrs.linear_before_reset = c.resetAfter ? 1 : 0;
    const outs = g.node(OP[c.cell], inputs, { name: `${name}.Y`, outputs: c.cell === "lstm" ? 3 : 2, attrs });
    hs.push(outs[1]);
    if (c.cell === "lstm") cs.push(outs[2]);
    // Y [T, D, B, H] → [T, B, D·H]
    x = D === 1 ? g.op("Squeeze", [outs[0], g.ints(`${name}.axis1`, [1], [1])])
      : g.op("Reshape", [g.op("Transpose", [outs[0]], { perm: [0, 2, 1, 3] }), g.ints(`${name}.shape`, [3], [0, 0, -1])]);
  }
  const concat = (list: string[]) => (list.length === 1 ? list[0] : g.op("Concat", list, { axis: 0 }));
  return { y: x, hN: concat(hs), cN: c.cell === "lstm" ? concat(cs) : null };
}
