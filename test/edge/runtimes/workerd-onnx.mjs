// workerd (through miniflare): "wasm-rnn/onnx" through its "workerd" export condition (the wasm builds as
// modules); protobufjs arrives as its prebuilt browser file (examples/worker/modules.mjs), the ONNX file as a
// Data module. POST / with { inputs, build? } → the outputs as JSON.
import * as onnx from "wasm-rnn/onnx";
import model from "./model.onnx";
import { runOnnxJob } from "./onnx-job.mjs";

export default {
  async fetch(request, env) {
    const job = await request.json();
    const out = await runOnnxJob(onnx, new Uint8Array(model), job.inputs, env.WASM_RNN_BUILD);
    return Response.json({ runtime: `workerd (${navigator.userAgent})`, ...out });
  },
};
