// Where each PyTorch parameter lives in the flat parameter buffer. Order and names are PyTorch's:
// for layer l and direction suffix s ("" or "_reverse"): weight_ih_l{l}{s} [G·H, I_l], weight_hh_l{l}{s} [G·H, H],
// bias_ih_l{l}{s} [G·H], bias_hh_l{l}{s} [G·H]; I_0 = inputSize, I_l = D·H above. An LSTM with peepholes adds
// weight_ph_l{l}{s} [3·H] (p_i, p_f, p_o) after the biases (not a PyTorch parameter: ONNX's P, Keras-less).

import { gateCount, type LayerConfig } from "./recurrent-config.js";

/** What decides the layout: a LayerConfig, or the fields of one (peepholes absent: none). */
export type LayoutConfig = Omit<LayerConfig, "peepholes"> & { peepholes?: boolean };

export interface ParamEntry {
  name: string;
  shape: number[];
  /** Offset in floats into the flat parameter (and gradient) buffer. */
  offset: number;
  length: number;
}

/** Offsets (in floats) of one layer-direction's tensors; biases are -1 when the layer has none. */
export interface DirectionParams {
  layer: number;
  dir: number;
  inputSize: number;
  wih: number;
  whh: number;
  bih: number;
  bhh: number;
}

export class ParamLayout {
  readonly entries: ParamEntry[] = [];
  readonly directions: DirectionParams[] = [];
  readonly byName = new Map<string, ParamEntry>();
  readonly total: number;
  readonly G: number;
  readonly D: number;

  constructor(cfg: LayoutConfig) {
    const H = cfg.hiddenSize;
    this.G = gateCount(cfg.cell);
    this.D = cfg.bidirectional ? 2 : 1;
    const GH = this.G * H;
    let offset = 0;
    const add = (name: string, shape: number[]): number => {
      const length = shape.reduce((a, b) => a * b, 1);
      const entry = { name, shape, offset, length };
      this.entries.push(entry);
      this.byName.set(name, entry);
      offset += length;
      return entry.offset;
    };
    for (let layer = 0; layer < cfg.numLayers; layer++) {
      const inputSize = layer === 0 ? cfg.inputSize : this.D * H;
      for (let dir = 0; dir < this.D; dir++) {
        const s = `_l${layer}${dir === 1 ? "_reverse" : ""}`;
        const wih = add(`weight_ih${s}`, [GH, inputSize]);
        const whh = add(`weight_hh${s}`, [GH, H]);
        const bih = cfg.bias ? add(`bias_ih${s}`, [GH]) : -1;
        const bhh = cfg.bias ? add(`bias_hh${s}`, [GH]) : -1;
        if (cfg.cell === "lstm" && cfg.peepholes) add(`weight_ph${s}`, [3 * H]);
        this.directions.push({ layer, dir, inputSize, wih, whh, bih, bhh });
      }
    }
    this.total = offset;
  }
}
