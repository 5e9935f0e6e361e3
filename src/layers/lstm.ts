import { RecurrentLayer } from "./recurrent.js";
import type { LSTMOptions } from "../nn/recurrent-config.js";

/** Long short-term memory, gates i, f, g, o: c_t = f⊙c_{t-1} + i⊙g, h_t = o⊙tanh(c_t). PyTorch's nn.LSTM. */
export class LSTM extends RecurrentLayer {
  constructor(options: LSTMOptions) {
    super("lstm", "LSTM", options);
  }
}
