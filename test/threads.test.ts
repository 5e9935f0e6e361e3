// Threads mode: products split across worker threads give the single-threaded results bit for bit (each
// output element is computed by the same kernel in the same order, only on another thread).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { init } from "../src/index.js";

const probe = fileURLToPath(new URL("./helpers/threads-probe.js", import.meta.url));

/** The probe in a fresh process (keeping V8 flags such as relaxed SIMD, dropping the suite's preload). */
function run(threads: number): Record<string, unknown> {
  const flags = process.execArgv.filter((a, i, all) => a !== "--import" && all[i - 1] !== "--import");
  const r = spawnSync(process.execPath, [...flags, probe, String(threads)], { encoding: "utf8", timeout: 120_000 });
  assert.is(r.status, 0, `probe with ${threads} threads failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!);
}

const scalar = process.env.WASM_RNN_BUILD === "scalar"; // the scalar build has no threads variant

(scalar ? test.skip : test)("2 threads give the single-threaded outputs, gradients and trained weights exactly", () => {
  const one = run(1), two = run(2);
  assert.is(two.build, one.build);
  assert.is(one.threads, 1);
  assert.is(two.threads, 2);
  for (const key of ["lstm", "gru", "batch1", "lm"]) assert.equal(two[key], one[key], key);
});

test("threads are refused clearly where they cannot work, and must be chosen at the first init()", async () => {
  await init();
  await init({ threads: 2 }).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /already initialised with 1 thread; choose threads in the first init\(\) call/));
  const { loadModule } = await import("../bindings/index.js");
  await loadModule({ build: "scalar", threads: 2 }).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /threads need a SIMD build/));
  await loadModule({ threads: 0 }).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /threads must be an integer in \[1, 64\], got 0/));
});

test.run();
