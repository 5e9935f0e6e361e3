// Threads mode: products split across worker threads give the single-threaded results bit for bit (each
// output element is computed by the same kernel in the same order, only on another thread).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init } from "../../src/index.js";
import { runHelper, scalarRun as scalar } from "../helpers/threads-run.js";

const run = (threads: number) => runHelper("threads-probe", [String(threads)]);

(scalar ? test.skip : test)("2 threads give the single-threaded outputs, gradients and trained weights exactly", () => {
  const one = run(1), two = run(2);
  assert.is(two.build, one.build);
  assert.is(one.threads, 1);
  assert.is(two.threads, 2);
  for (const key of ["lstm", "gru", "batch1", "int8", "lm"]) assert.equal(two[key], one[key], key);
});

test("threads are refused clearly where they cannot work, and a runtime loaded on one thread cannot start them later", async () => {
  await init();
  await init({ threads: 2 }).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /already initialised with 1 thread; choose threads in the first init\(\) call/));
  const { loadModule } = await import("../../bindings/index.js");
  await loadModule({ build: "scalar", threads: 2 }).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /threads need a SIMD build/));
  await loadModule({ threads: 0 }).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /threads must be an integer in \[1, 64\], got 0/));
});

const otherBuild = (build: string) => (build === "scalar" ? "simd" : "scalar");

test("init() never switches the loaded module: another build or wasm throws naming both, init() returns the loaded one", async () => {
  const loaded = await init();
  const other = otherBuild(loaded.build);
  await init({ build: other }).then(() => assert.unreachable(), (e: Error) => {
    assert.match(e.message, new RegExp(`^init: already initialised with the "${loaded.build}" build \\(1 thread\\); cannot switch to "${other}": existing layers live in its memory`));
  });
  const { defaultWasmUrl } = await import("../../bindings/index.js");
  await init({ wasm: defaultWasmUrl(other) }).then(() => assert.unreachable(), (e: Error) => {
    assert.match(e.message, /^init: already initialised with the "\w+" build \(1 thread\) from .+; cannot switch to file:\/\/.+\.wasm: /);
  });
  assert.equal(await init(), loaded);
  assert.equal(await init({ build: loaded.build }), loaded);
  await init({ threads: 0 }).then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /threads must be an integer in \[1, 64\], got 0/));
});

(scalar ? test.skip : test)("after init({ threads: 2 }), init({ build: \"scalar\" }) or another wasm throws naming the loaded build; init() returns it", () => {
  const r = runHelper("threads-faults", ["switch-build"]);
  const { build } = r.init as { build: string };
  const scalarTry = r.scalar as { threw: boolean; message: string };
  assert.ok(scalarTry.threw, "init({ build: \"scalar\" }) throws");
  assert.match(scalarTry.message, new RegExp(`^init: already initialised with the "${build}" build \\(2 threads\\); cannot switch to "scalar": `));
  const wasmTry = r.otherWasm as { threw: boolean; message: string };
  assert.ok(wasmTry.threw, "init({ wasm: other bytes }) throws");
  assert.match(wasmTry.message, new RegExp(`^init: already initialised with the "${build}" build \\(2 threads\\) from file:.+-threads\\.wasm; cannot switch to \\d+ bytes of wasm: `));
  for (const key of ["plain", "same", "sameThreads"]) assert.equal(r[key], { threw: false, value: { build, threads: 2 } }, key);
});

test.run();
