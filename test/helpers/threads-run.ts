// Runs a threads helper script in a fresh process (threads need a fresh init()), keeping V8 flags such as
// relaxed SIMD but dropping the suite's preload, and parses the JSON it prints last.

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as assert from "uvu/assert";

export function runHelper(name: string, args: string[], timeoutMs = 120_000): Record<string, unknown> {
  const script = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  const flags = process.execArgv.filter((a, i, all) => a !== "--import" && all[i - 1] !== "--import");
  const r = spawnSync(process.execPath, [...flags, script, ...args], { encoding: "utf8", timeout: timeoutMs });
  assert.is(r.status, 0, `${name} ${args.join(" ")} failed (status ${r.status}, signal ${r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!);
}

/** The scalar build has no threads variant. */
export const scalarRun = process.env.WASM_RNN_BUILD === "scalar";
