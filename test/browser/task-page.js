// The checks a "wasm-rnn/tasks" test page runs in the browser, shared by plain-tasks.html (no bundler) and
// bundle-tasks-app/ (Vite): both call installTaskChecks with the tasks module they imported their own way. The
// computation itself is test/edge/runtimes/task-job.mjs, the code Deno, Bun, workerd and Node run.
// window.__plain: { status: "loading" | "ready" | "failed", error?, info?, runTasks(names, modelUrl, inputs) }
// (the same protocol as page-checks.js, so compare.ts opens both kinds of page).

import { runTaskJob, describeTasksEntry } from "../edge/runtimes/task-job.mjs";

let tasks;

/** The task golden files by name (fetched from the server), then the task model file at modelUrl classifies the inputs. */
async function runTasks(names, modelUrl, inputs) {
  const golden = [];
  for (const name of names) {
    const response = await fetch(`/test/fixtures/golden/tasks/${name}.json`);
    if (!response.ok) throw new Error(`fetch ${name}: HTTP ${response.status}`);
    golden.push({ name, ...(await response.json()) });
  }
  let model = null;
  if (modelUrl) {
    const response = await fetch(modelUrl);
    if (!response.ok) throw new Error(`fetch ${modelUrl}: HTTP ${response.status}`);
    model = new Uint8Array(await response.arrayBuffer());
  }
  return runTaskJob(tasks, { golden, inputs }, model);
}

/** init() of the tasks entry with the page's query (?build=simd|relaxed|scalar), then publishes window.__plain. */
export async function installTaskChecks(pkg, statusElement) {
  tasks = pkg;
  const query = new URLSearchParams(location.search);
  const options = {};
  if (query.has("build")) options.build = query.get("build");
  try {
    const info = await tasks.init(options);
    Object.assign(window.__plain, {
      status: "ready",
      info: { ...info, supported: [], crossOriginIsolated: globalThis.crossOriginIsolated === true, ...describeTasksEntry(tasks) },
      runTasks,
    });
    statusElement.textContent = `ready: ${info.build} build, ${info.threads} thread(s)`;
  } catch (e) {
    Object.assign(window.__plain, { status: "failed", error: String(e?.stack ?? e) });
    statusElement.textContent = `failed: ${e}`;
  }
}
