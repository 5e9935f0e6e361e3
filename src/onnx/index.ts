// The ONNX entry, "wasm-rnn/onnx": loadOnnx(bytes) turns an ONNX file with LSTM / GRU / RNN nodes (and the
// glue exporters write around them) into a model that runs on this library's kernels. A separate entry, so the
// core browser entry does not carry the protobuf reader (see test/size.test.ts). The exporter and the lifter
// (exportOnnx, liftOnnx) are "wasm-rnn/onnx/export" (export-entry.ts).

import { init, type InitResult } from "../init.js";
import { loadOnnxWith, type LoadOnnxOptions } from "./load.js";
import type { OnnxModel } from "./runner.js";

export { init, type InitResult };
export { OnnxModel, type OnnxInput, type OnnxOutput, type OnnxInfo } from "./runner.js";
export type { LoadOnnxOptions } from "./load.js";

/** Decodes an ONNX model and builds its recurrent layers (initialising the wasm core first if needed). */
export async function loadOnnx(bytes: Uint8Array, options: LoadOnnxOptions = {}): Promise<OnnxModel> {
  return loadOnnxWith(init, bytes, options);
}
