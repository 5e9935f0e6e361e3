// workerd (through miniflare): a module worker. "wasm-rnn" resolves through the package's "workerd" export
// condition to the entry that imports the builds as wasm modules (CompiledWasm: WebAssembly.Module objects;
// workerd compiles no wasm from bytes and has no files to read). The model comes bundled as a Data module.
// POST / with the job as JSON → the results as JSON. The variable WASM_RNN_BUILD forces a build.
import * as lib from "wasm-rnn";
import model from "./model.wrnn";
import { runJob } from "./job.mjs";

export default {
  async fetch(request, env) {
    const job = await request.json();
    const started = performance.now();
    const result = await lib.init(env.WASM_RNN_BUILD ? { build: env.WASM_RNN_BUILD } : {});
    const initMs = performance.now() - started;
    let bytesCompile;
    try {
      await WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
      bytesCompile = "allowed";
    } catch (e) {
      bytesCompile = `refused (${e.message})`;
    }
    const out = await runJob(lib, job, new Uint8Array(model));
    out.timings.initMs = initMs;
    return Response.json({
      runtime: `workerd (${navigator.userAgent})`, build: result.build,
      how: `wasm module import (CompiledWasm module from the workerd entry); compiling wasm from bytes: ${bytesCompile}; filesystem: ${typeof process === "undefined" ? "none (no process, no fs)" : "?"}`,
      entry: typeof lib.loadModel === "function" ? "node entry?!" : "workerd entry (universal API, no file helpers)", ...out,
    });
  },
};
