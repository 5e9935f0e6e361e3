// A bundled app: Vite resolves "wasm-rnn/onnx" and its CommonJS dependency protobufjs, emits the wasm as assets.
import * as onnx from "wasm-rnn/onnx";
import { runOnnxPage } from "../onnx-page.js";

await runOnnxPage(onnx, document.getElementById("status"));
