// Threads for the matrix products: the main thread and threads − 1 workers each take a slice of one GEMM
// or batch-1 GEMV. Slices are whole rows, whole 8-column panels or whole groups of 4 GEMV columns, computed
// by the same kernel over the same K order, so the result is bit-for-bit the single-threaded one. Small
// products stay on the main thread: a hand-off costs about a microsecond even when both sides spin.

import type { Kernels } from "./kernels.js";
import { importNodeBuiltin } from "./instantiate.js";
import type { Heap } from "./memory.js";
import { CONTROL_BYTES, DONE, GEN, QUIT, runPart, writeJob, type GemmJob } from "./pool-protocol.js";

/** Multiply-adds below which a product is not worth splitting (a GEMV runs ~18 G multiply-adds/s). */
const MIN_SPLIT_WORK = 1 << 20;
const MIN_SPLIT_GEMV = 1 << 17;
/** Checks of DONE before the main thread blocks: a GEMV half finishes within microseconds. */
const SPIN_CHECKS = 20000;

interface WorkerHandle {
  terminate(): unknown;
}

export class ThreadPool {
  private readonly ctrl: Int32Array;
  private readonly canBlock: boolean;
  private readonly single: Kernels["gemm"];
  private readonly singleGemv: Kernels["gemv"];

  private constructor(
    private readonly k: Kernels, private readonly memory: WebAssembly.Memory, private readonly control: number,
    private readonly workers: WorkerHandle[],
  ) {
    this.ctrl = new Int32Array(memory.buffer, control, 4);
    this.single = k.gemm;
    this.singleGemv = k.gemv;
    this.canBlock = blockingAllowed(this.ctrl);
  }

  /** Starts threads − 1 workers on the shared memory and resolves once all are waiting for work. */
  static async start(k: Kernels, heap: Heap, module: WebAssembly.Module, memory: WebAssembly.Memory, threads: number): Promise<ThreadPool> {
    const control = heap.alloc(CONTROL_BYTES);
    new Uint8Array(memory.buffer, control, CONTROL_BYTES).fill(0);
    const scratchBytes = Number(k.GEMM_SCRATCH_FLOATS.value) * 4;
    const workers = await Promise.all(
      Array.from({ length: threads - 1 }, (_, i) => spawn({ module, memory, control, scratch: heap.alloc(scratchBytes), part: i + 1 })),
    );
    return new ThreadPool(k, memory, control, workers);
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /** Drop-in for kernels.gemm: splits large products across the threads. */
  readonly gemm: Kernels["gemm"] = (M, N, K, A, rsA, csA, Bp, C, ldc, accumulate) => {
    const parts = this.threads;
    const panels = Math.ceil(N / 8);
    // split the operand that is larger: B (shared weights) by columns, or A by rows
    const byRows = M * K > N * K ? M >= 8 : panels < parts;
    if (M * N * K < MIN_SPLIT_WORK || (byRows ? M < 8 : panels < parts)) {
      this.single(M, N, K, A, rsA, csA, Bp, C, ldc, accumulate);
      return;
    }
    this.run({ M, N, K, A, rsA, csA, Bp, C, ldc, accumulate: Boolean(accumulate), byRows, gemv: false, parts });
  };

  /** Drop-in for kernels.gemv (batch 1, dot-packed B): splits large products by groups of 4 columns. */
  readonly gemv: Kernels["gemv"] = (N, K, x, Bd, y, accumulate) => {
    const parts = this.threads;
    if (N * K < MIN_SPLIT_GEMV || N < 8 * parts) {
      this.singleGemv(N, K, x, Bd, y, accumulate);
      return;
    }
    this.run({ M: 1, N, K, A: x, rsA: K, csA: 1, Bp: Bd, C: y, ldc: N, accumulate: Boolean(accumulate), byRows: false, gemv: true, parts });
  };

  /** Hands parts 1… to the workers, computes part 0, then waits for the rest (spinning first). */
  private run(job: GemmJob): void {
    writeJob(this.memory.buffer, this.control, job);
    Atomics.store(this.ctrl, DONE, 0);
    Atomics.add(this.ctrl, GEN, 1);
    Atomics.notify(this.ctrl, GEN);
    runPart(this.k, job, 0);
    const others = job.parts - 1;
    let spins = 0;
    for (let done = Atomics.load(this.ctrl, DONE); done < others; done = Atomics.load(this.ctrl, DONE)) {
      if (this.canBlock && ++spins > SPIN_CHECKS) Atomics.wait(this.ctrl, DONE, done, 1000);
    }
  }

  /** Stops the workers. */
  terminate(): void {
    Atomics.store(this.ctrl, QUIT, 1);
    Atomics.add(this.ctrl, GEN, 1);
    Atomics.notify(this.ctrl, GEN);
    for (const w of this.workers) w.terminate();
  }
}

/** Browsers forbid Atomics.wait on the main thread; there the pool spins instead. */
function blockingAllowed(ctrl: Int32Array): boolean {
  try {
    Atomics.wait(ctrl, QUIT, 1, 0);
    return true;
  } catch {
    return false;
  }
}

interface WorkerSetup {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
  scratch: number;
  part: number;
}

async function spawn(setup: WorkerSetup): Promise<WorkerHandle> {
  const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string";
  if (isNode) {
    const { Worker } = await importNodeBuiltin<typeof import("node:worker_threads")>("worker_threads");
    // A variable, not a literal: bundlers rewrite only the literal form below, the browser path.
    const file = "./worker.js";
    const worker = new Worker(new URL(file, import.meta.url), { workerData: setup });
    worker.unref(); // an idle pool never keeps the process alive
    await new Promise<void>((resolve, reject) => {
      worker.once("message", () => resolve());
      worker.once("error", reject);
    });
    return worker;
  }
  // Written inline so bundlers (Vite, webpack, Parcel) recognise it and emit the worker as its own chunk.
  const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  await new Promise<void>((resolve, reject) => {
    worker.onmessage = () => resolve();
    worker.onerror = (e) => reject(new Error(`wasm-rnn worker failed to start: ${e.message}`));
    worker.postMessage(setup);
  });
  return worker;
}
