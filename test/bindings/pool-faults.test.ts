// A thread pool that loses a worker, or whose worker traps: the call fails with a clear error within a bounded
// time instead of hanging; a lost pool keeps failing until init({ threads }) restarts it or continues on one
// thread, after which every existing layer computes the single-threaded bits again. Each scenario runs in a
// fresh process (test/helpers/threads-faults.ts).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { runHelper, scalarRun } from "../helpers/threads-run.js";

interface Attempt { ms: number; threw: boolean; name?: string; message?: string }

const scenario = (name: string) => runHelper("threads-faults", [name]);
const threadsTest = scalarRun ? test.skip : test; // the scalar build has no threads variant
let reference: string | undefined;
const singleThreaded = () => (reference ??= scenario("reference").output as string);

const WHAT_TO_DO = /the thread pool is stopped\. Call await init\(\{ threads: 2 \}\) to restart the threads, or await init\(\{ threads: 1 \}\) to continue on one thread\.$/;

function assertFails(a: Attempt, what: string, message: RegExp, maxMs: number): void {
  assert.ok(a.threw, `${what}: expected a throw, the call returned after ${a.ms.toFixed(0)} ms`);
  assert.is(a.name, "Error", what);
  assert.match(a.message!, message, what);
  assert.match(a.message!, WHAT_TO_DO, what);
  assert.ok(a.ms < maxMs, `${what}: took ${a.ms.toFixed(0)} ms, expected < ${maxMs} ms`);
}

threadsTest("a terminated worker fails the next split product within seconds, later calls at once; init({ threads: 2 }) restarts, same bits", () => {
  const r = scenario("terminate");
  const ref = singleThreaded();
  assert.is(r.before, ref, "2 threads before the loss");
  const pickup = /^wasm-rnn: worker 1 of 1 did not pick up its part of a matrix product within 2 s, so it was terminated or crashed; /;
  assertFails(r.first as Attempt, "the first call after the loss", pickup, 10_000);
  assert.ok((r.first as Attempt).ms >= 1900, `the pool waits its 2 s pick-up bound, not less (took ${(r.first as Attempt).ms.toFixed(0)} ms)`);
  assertFails(r.second as Attempt, "a later call", pickup, 100);
  assertFails(r.small as Attempt, "a product too small to split", pickup, 100);
  assert.equal(r.restart, { build: (r.init as { build: string }).build, threads: 2 });
  assert.is(r.workers, 1, "one worker again");
  assert.is(r.after, ref, "the layer made before the loss, after the restart");
  assert.is(r.fresh, ref, "a layer made after the restart");
});

threadsTest("a worker whose exit was seen between calls fails the next call at once; init({ threads: 1 }) continues alone and init({ threads: 3 }) restarts, same bits", () => {
  const r = scenario("exit");
  const ref = singleThreaded();
  assert.is(r.before, ref);
  const exited = /^wasm-rnn: worker 1 of 1 exited \(exit code 1\); /;
  assertFails(r.first as Attempt, "the first call after the exit", exited, 1000);
  assertFails(r.second as Attempt, "a later call", exited, 100);
  assert.equal(r.single, { build: (r.init as { build: string }).build, threads: 1 });
  assert.is(r.workersSingle, 0, "no workers on one thread");
  assert.is(r.afterSingle, ref, "one thread, same memory");
  assert.equal(r.three, { build: (r.init as { build: string }).build, threads: 3 });
  assert.is(r.workersThree, 2);
  assert.is(r.afterThree, ref, "3 threads");
});

threadsTest("a trap in a worker's part fails that call as a RuntimeError naming the worker, at once; the pool stays usable", () => {
  const r = scenario("trap");
  const workerTrap = r.workerTrap as Attempt, bothTrap = r.bothTrap as Attempt, gemvTrap = r.gemvTrap as Attempt;
  assert.ok(workerTrap.threw, "the GEMM whose worker rows lie outside memory throws");
  assert.is(workerTrap.name, "RuntimeError");
  assert.match(workerTrap.message!, /^memory access out of bounds \(in worker 1 of 1, computing its part of a 1024×8×128 GEMM; the threads stay usable\)$/);
  assert.ok(workerTrap.ms < 1000, `took ${workerTrap.ms.toFixed(0)} ms`);
  assert.ok(bothTrap.threw, "both parts outside memory");
  assert.is(bothTrap.name, "RuntimeError");
  assert.is(bothTrap.message, "memory access out of bounds", "the main thread's own trap, as on one thread");
  assert.ok(gemvTrap.threw, "the GEMV whose worker columns lie outside memory throws");
  assert.match(gemvTrap.message!, /^memory access out of bounds \(in worker 1 of 1, computing its part of a 1×1024×256 GEMV; /);
  const after = r.gemmAfter as { split: string; single: string };
  assert.is(after.split, after.single, "a valid split GEMM after the traps: the main thread's bits");
  assert.is(r.workers, 1, "the worker survived its traps");
  assert.is(r.before, singleThreaded());
  assert.is(r.after, singleThreaded(), "a layer after the traps");
});

test.run();
