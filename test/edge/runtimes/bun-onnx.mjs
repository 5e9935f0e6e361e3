// Bun: `bun --no-install bun-onnx.mjs job.json`. "wasm-rnn/onnx" resolves through its "bun" export condition;
// Bun loads its CommonJS dependency protobufjs from node_modules as Node does.
import * as onnx from "wasm-rnn/onnx";
import { RESULT_MARK } from "./job.mjs";
import { runOnnxJob } from "./onnx-job.mjs";

const job = await Bun.file(process.argv[2]).json();
const bytes = await Bun.file(job.onnxPath).bytes();
const out = await runOnnxJob(onnx, bytes, job.inputs, job.build);
console.log(RESULT_MARK + JSON.stringify({ runtime: `bun ${Bun.version} (JavaScriptCore)`, ...out }));
