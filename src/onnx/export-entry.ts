// The entry "wasm-rnn/onnx/export": exportOnnx (this library's models → ONNX files) and liftOnnx (exporters'
// graphs → native models). Not part of "wasm-rnn/onnx" because both bring the language model and Sequential,
// which a page that only runs ONNX files with loadOnnx does not need (see test/browser/onnx.test.ts's budget).
// No init here: lifted models and exported ones use the core that `init` of "wasm-rnn" (or of "wasm-rnn/onnx",
// the same instance) set up, and one file serves every runtime.

export { exportOnnx, type ExportOnnxOptions, type ExportableModel } from "./export.js";
export { liftOnnx, type LiftedOnnx, type LiftedIO } from "./lift.js";
