// The workerd entry of "wasm-rnn/onnx": everything of onnx/index.ts, with the workerd init (the wasm builds
// bundled as modules; see ../workerd.ts).
import { init } from "../workerd.js";
import type { LoadOptions } from "../../bindings/index.js";
import { loadOnnxWith, type LoadOnnxOptions } from "./load.js";
import type { OnnxModel } from "./runner.js";

export * from "./index.js";
export { init };

export async function loadOnnx(bytes: Uint8Array, options: LoadOnnxOptions = {}): Promise<OnnxModel> {
  return loadOnnxWith((o: LoadOptions) => init(o), bytes, options);
}
