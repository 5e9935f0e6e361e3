// Shared by bench/tasks/spam.mjs, births.mjs and run.mjs: the library (the BUILT one, dist/), the stored
// PyTorch figures, the machine line, and argument parsing.

import { existsSync, readFileSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { TASKS_DIR, CACHE_DIR } from "./data.mjs";

export const ROOT_DIR = path.resolve(TASKS_DIR, "..", "..");

/** The built library, initialised (one thread unless asked). */
export async function library({ build = "simd", threads = 1 } = {}) {
  const entry = path.join(ROOT_DIR, "dist", "src", "index.js");
  if (!existsSync(entry)) throw new Error("the library is not built: run `npm run build`");
  const lib = await import(entry);
  if (typeof lib.Sequential !== "function") throw new Error("this build of the library has no Sequential (issue 12)");
  const r = await lib.init(threads > 1 ? { build, threads } : { build });
  return { lib, build: r.build, threads };
}

/** bench/tasks/pytorch-tasks.json, or null. */
export function storedPytorch() {
  const file = path.join(TASKS_DIR, "pytorch-tasks.json");
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : null;
}

export function machineLine() {
  const cpu = os.cpus()[0]?.model?.trim() ?? "unknown CPU";
  return `${cpu}, ${os.cpus().length} cores, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`;
}

export function taskArgs(argv = process.argv.slice(2), extra = {}) {
  const { values } = parseArgs({
    args: argv,
    options: {
      epochs: { type: "string" },
      build: { type: "string", default: "simd" },
      threads: { type: "string", default: "1" },
      json: { type: "string" },
      quiet: { type: "boolean", default: false },
      ...extra,
    },
    strict: true,
  });
  return {
    ...values,
    epochs: values.epochs === undefined ? undefined : Number(values.epochs),
    threads: Number(values.threads),
  };
}

/** Writes a result file (default bench/tasks/cache/<name>.json, gitignored). */
export function writeResult(name, result, file) {
  const out = file ?? path.join(CACHE_DIR, `${name}.json`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 1) + "\n");
  return out;
}

export const fmtSeconds = (s) => (s >= 100 ? `${s.toFixed(0)} s` : `${s.toFixed(1)} s`);
