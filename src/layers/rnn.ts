import { RecurrentLayer } from "./recurrent.js";
import type { RNNOptions } from "../nn/recurrent-config.js";

/** Elman RNN: h_t = φ(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh), φ = tanh (default) or relu. PyTorch's nn.RNN. */
export class RNN extends RecurrentLayer {
  constructor(options: RNNOptions) {
    super("rnn", "RNN", options);
  }
}
