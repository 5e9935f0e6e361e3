// Deno with only "wasm-rnn/tasks": `deno run --allow-read deno-tasks.mjs job.json`, from a folder whose
// node_modules/wasm-rnn is the packed package. The import resolves through the "deno" condition of the
// package's "./tasks" export (the entry with the file helpers, as in Node); the tasks entry's own init() loads
// the wasm (its default URL, read through node:fs), and the task model file is read with loadTaskModel(path).
import * as tasks from "wasm-rnn/tasks";
import { runTaskJob, describeTasksEntry, RESULT_MARK } from "./task-job.mjs";

const job = JSON.parse(await Deno.readTextFile(Deno.args[0]));
const started = performance.now();
const result = await tasks.init(job.build ? { build: job.build } : {});
const initMs = performance.now() - started;
const model = job.modelPath ? await tasks.loadTaskModel(job.modelPath) : null;
const out = await runTaskJob(tasks, job, model);
out.timings.initMs = initMs;
console.log(RESULT_MARK + JSON.stringify({
  runtime: `deno ${Deno.version.deno} (V8 ${Deno.version.v8})`, build: result.build,
  how: `init() of "wasm-rnn/tasks"${job.build ? ` ({ build: "${job.build}" })` : ""}: its default URL, read through node:fs${model ? "; the task model file through loadTaskModel(path)" : ""}`,
  ...describeTasksEntry(tasks), ...out,
}));
