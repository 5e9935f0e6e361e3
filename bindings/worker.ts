// A compute worker: instantiates the same wasm module on the shared memory, then waits for GEMM jobs
// (see pool-protocol.ts). Runs under Node's worker_threads and as a browser / Deno module Web Worker.

import { importNodeBuiltin, instantiateWasm } from "./instantiate.js";
import type { Kernels } from "./kernels.js";
import { CONTROL_INTS, DONE, GEN, QUIT, markPicked, readJob, recordFault, runPart } from "./pool-protocol.js";

interface Setup {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
  scratch: number;
  /** This worker's part index (the main thread computes part 0). */
  part: number;
}

/** Spin briefly before blocking: a job that follows soon after the last starts without a wake-up delay. */
const SPIN_CHECKS = 20000;

async function serve(setup: Setup, ready: () => void): Promise<void> {
  const { exports } = await instantiateWasm(setup.module, { env: { memory: setup.memory } });
  const k = exports as unknown as Kernels;
  // one block (pool.ts): the GEMM's scratch, then the int8 products'
  k.setGemmScratch(setup.scratch);
  k.setQuantScratch(setup.scratch + Number(k.GEMM_SCRATCH_FLOATS.value) * 4);
  const buffer = setup.memory.buffer;
  const ctrl = new Int32Array(buffer, setup.control, CONTROL_INTS);
  let seen = Atomics.load(ctrl, GEN);
  ready();
  for (;;) {
    let gen = Atomics.load(ctrl, GEN);
    for (let i = 0; gen === seen && i < SPIN_CHECKS; i++) gen = Atomics.load(ctrl, GEN);
    if (gen === seen) {
      Atomics.wait(ctrl, GEN, seen);
      continue;
    }
    seen = gen;
    if (Atomics.load(ctrl, QUIT)) return;
    markPicked(ctrl, setup.part, gen);
    // A trap (say, an operand outside memory) fails this job, not the worker: the instance stays usable, and
    // the part still counts as done so the main thread never waits for it in vain.
    try {
      runPart(k, readJob(buffer, setup.control), setup.part);
    } catch (e) {
      recordFault(buffer, setup.control, ctrl, setup.part, e);
    }
    Atomics.add(ctrl, DONE, 1);
    Atomics.notify(ctrl, DONE);
  }
}

const nodeVersion = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
if (nodeVersion) {
  const { parentPort, workerData } = await importNodeBuiltin<typeof import("node:worker_threads")>("worker_threads");
  await serve(workerData as Setup, () => parentPort!.postMessage("ready"));
} else {
  const scope = globalThis as unknown as { onmessage: ((e: MessageEvent) => void) | null; postMessage(m: unknown): void };
  scope.onmessage = (e: MessageEvent) => {
    scope.onmessage = null;
    void serve(e.data as Setup, () => scope.postMessage("ready"));
  };
}
