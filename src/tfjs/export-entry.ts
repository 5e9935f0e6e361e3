// The entry "wasm-rnn/tfjs/export": exportTfjs (this library's models → TensorFlow.js layers-model files) and
// toWasmRnnModel (a loaded tfjs model → our LanguageModel or TaskModel, for .wrnn files). Not part of
// "wasm-rnn/tfjs" because both bring the language model, Sequential and the task models, which a page that only
// runs tfjs models does not need (test/size.test.ts). No init here: they use the core that `init` of "wasm-rnn"
// (or of "wasm-rnn/tfjs", the same instance) set up, and one file serves every runtime.

export { exportTfjs, type TfjsArtifacts, type Exportable } from "./export.js";
export { toWasmRnnModel, type WasmRnnModel } from "./to-model.js";
