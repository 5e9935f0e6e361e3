// wasm-rnn public API.
export { init, type InitResult } from "./init.js";
export { RNN } from "./layers/rnn.js";
export { GRU } from "./layers/gru.js";
export { LSTM } from "./layers/lstm.js";
export { RecurrentLayer } from "./layers/recurrent.js";
export type { ForwardOptions, ForwardResult, BackwardOptions, BackwardResult } from "./layers/recurrent.js";
export type { RecurrentOptions, RNNOptions, GRUOptions, LSTMOptions, LayerConfig, CellType } from "./layers/config.js";
export type { FloatInput } from "./errors.js";
export { supportedBuilds, type BuildName, type LoadOptions, type WasmSource } from "../bindings/index.js";
