// Bun with only "wasm-rnn/tasks": `bun --no-install bun-tasks.mjs job.json`, from a folder whose
// node_modules/wasm-rnn is the packed package. The import resolves through the "bun" condition of the
// package's "./tasks" export (the entry with the file helpers, as in Node); the tasks entry's own init() loads
// the wasm (its default URL, read through node:fs), and the task model file's bytes come from Bun.file() to
// decodeTaskModel.
import * as tasks from "wasm-rnn/tasks";
import { runTaskJob, describeTasksEntry, RESULT_MARK } from "./task-job.mjs";

const job = await Bun.file(process.argv[2]).json();
const started = performance.now();
const result = await tasks.init(job.build ? { build: job.build } : {});
const initMs = performance.now() - started;
const model = job.modelPath ? await Bun.file(job.modelPath).bytes() : null;
const out = await runTaskJob(tasks, job, model);
out.timings.initMs = initMs;
console.log(RESULT_MARK + JSON.stringify({
  runtime: `bun ${Bun.version} (JavaScriptCore)`, build: result.build,
  how: `init() of "wasm-rnn/tasks"${job.build ? ` ({ build: "${job.build}" })` : ""}: its default URL, read through node:fs${model ? "; the task model file's bytes from Bun.file() to decodeTaskModel" : ""}`,
  ...describeTasksEntry(tasks), ...out,
}));
