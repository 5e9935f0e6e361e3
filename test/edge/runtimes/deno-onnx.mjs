// Deno: `deno run --allow-read deno-onnx.mjs job.json`. "wasm-rnn/onnx" resolves through its "deno" export
// condition; its CommonJS dependency protobufjs (node_modules/protobufjs) is loaded by Deno's npm support.
import * as onnx from "wasm-rnn/onnx";
import { RESULT_MARK } from "./job.mjs";
import { runOnnxJob } from "./onnx-job.mjs";

const job = JSON.parse(await Deno.readTextFile(Deno.args[0]));
const bytes = await Deno.readFile(job.onnxPath);
const out = await runOnnxJob(onnx, bytes, job.inputs, job.build);
console.log(RESULT_MARK + JSON.stringify({ runtime: `deno ${Deno.version.deno} (V8 ${Deno.version.v8})`, ...out }));
