// workerd (through miniflare) with only "wasm-rnn/tasks": a module worker whose import resolves through the
// "workerd" condition of the package's "./tasks" export, the entry whose init() instantiates the wasm builds
// imported as modules (CompiledWasm), as the main entry's workerd variant does: workerd compiles no wasm from
// bytes and has no files. The task model file comes bundled as a Data module and goes to decodeTaskModel.
// POST / with the job as JSON → the results as JSON. The variable WASM_RNN_BUILD forces a build.
import * as tasks from "wasm-rnn/tasks";
import model from "./task-model.wrnn";
import { runTaskJob, describeTasksEntry } from "./task-job.mjs";

export default {
  async fetch(request, env) {
    const job = await request.json();
    const started = performance.now();
    const result = await tasks.init(env.WASM_RNN_BUILD ? { build: env.WASM_RNN_BUILD } : {});
    const initMs = performance.now() - started;
    const out = await runTaskJob(tasks, job, job.inputs ? new Uint8Array(model) : null);
    out.timings.initMs = initMs;
    return Response.json({
      runtime: `workerd (${navigator.userAgent})`, build: result.build,
      how: `init() of "wasm-rnn/tasks" (the wasm module imports of its workerd entry)${job.inputs ? "; the task model file as a Data module to decodeTaskModel" : ""}`,
      ...describeTasksEntry(tasks), ...out,
    });
  },
};
