import { RecurrentLayer } from "./recurrent.js";
import type { GRUOptions } from "../nn/recurrent-config.js";

/**
 * Gated recurrent unit, gates r, z, n: h_t = z⊙h_{t-1} + (1 − z)⊙n. resetAfter: true (default) is PyTorch's
 * nn.GRU / cuDNN, where r scales (W_hn h + b_hn); false is the textbook form, where r scales h before W_hn.
 */
export class GRU extends RecurrentLayer {
  constructor(options: GRUOptions) {
    super("gru", "GRU", options);
  }
}
