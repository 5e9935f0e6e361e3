// The task benchmarks (bench/tasks/README.md): spam vs ham and daily births, trained with wasm-rnn beside their
// baselines and the stored PyTorch figures. Exits 1 when a model does not beat its baseline.
//
//   node bench/tasks/run.mjs [--only spam,births] [--build simd|relaxed] [--threads 2]
//
// Pinned to one core when taskset is there (the last CPU), as npm run bench pins its single-threaded cells.

import { spawnSync } from "node:child_process";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { taskArgs, writeResult } from "./common.mjs";
import { ensureData } from "./data.mjs";

const args = taskArgs(process.argv.slice(2), { only: { type: "string", default: "spam,births" }, "no-pin": { type: "boolean", default: false } });
const only = args.only.split(",").map((s) => s.trim());

// re-run this script under taskset once, on the last CPU, unless asked not to or already pinned
if (!args["no-pin"] && args.threads === 1 && !process.env.WASM_RNN_TASKS_PINNED && spawnSync("taskset", ["-V"]).status === 0) {
  const cpu = String(os.cpus().length - 1);
  const r = spawnSync("taskset", ["-c", cpu, process.execPath, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: "inherit", env: { ...process.env, WASM_RNN_TASKS_PINNED: cpu },
  });
  process.exit(r.status ?? 1);
}

ensureData();
if (process.env.WASM_RNN_TASKS_PINNED) console.log(`pinned to CPU ${process.env.WASM_RNN_TASKS_PINNED} (taskset)`);
let failed = false;
for (const task of only) {
  if (task !== "spam" && task !== "births") throw new Error(`unknown task "${task}" (spam, births)`);
  const { runSpam } = await import("./spam.mjs");
  const { runBirths } = await import("./births.mjs");
  const r = task === "spam" ? await runSpam(args) : await runBirths(args);
  writeResult(`${task}-wasm-rnn`, r);
  failed ||= !r.beatsBaseline;
  console.log("");
}
process.exitCode = failed ? 1 : 0;
