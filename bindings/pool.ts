// Threads for the matrix products: the main thread and threads − 1 workers each take a slice of one GEMM
// or batch-1 GEMV. Slices are whole rows, whole 8-column panels or whole groups of 4 GEMV columns, computed
// by the same kernel over the same K order, so the result is bit-for-bit the single-threaded one. Small
// products stay on the main thread: a hand-off costs about a microsecond even when both sides spin.
//
// Failures (docs/threads-safety.md). A part that traps in a worker fails that call with the trap's message;
// the worker lives on. A worker that is gone (terminated, crashed) is found out while the main thread waits —
// it has not picked the job up within PICKUP_MS, or the job has not finished within a bound scaled by its
// work — or, in Node, by its exit event between calls. The pool then stops its workers and every call through
// it throws until resize() (init({ threads })) restarts them or continues on the main thread alone.

import type { Kernels } from "./kernels.js";
import { importNodeBuiltin } from "./instantiate.js";
import type { Heap } from "./memory.js";
import {
  CONTROL_BYTES, CONTROL_INTS, DONE, FAULT, GEN, QUIT, runPart, takeFault, unpicked, writeJob, type GemmJob,
} from "./pool-protocol.js";

/** Multiply-adds below which a product is not worth splitting (a GEMV runs ~18 G multiply-adds/s). */
const MIN_SPLIT_WORK = 1 << 20;
const MIN_SPLIT_GEMV = 1 << 17;
/** Checks of DONE before the main thread blocks: a GEMV half finishes within microseconds. */
const SPIN_CHECKS = 20000;
/** Checks of DONE between two clock reads while spinning, so the microsecond hand-off never reads the clock. */
const CLOCK_EVERY = 1024;
/** A live worker picks a job up within microseconds (it waits or spins for one); after this it counts as gone. */
export const PICKUP_MS = 2000;
/** A part slower than 10^7 multiply-adds per second (~1000× below the kernels) counts as lost. */
const MIN_MADDS_PER_MS = 1e4;
/** Longest single Atomics.wait of the main thread, so the clock is still checked while blocked. */
const WAIT_MS = 100;

interface WorkerHandle {
  terminate(): unknown;
}

/** One set of started workers and the control block they serve. */
interface Crew {
  control: number;
  ctrl: Int32Array;
  workers: WorkerHandle[];
  scratch: number[];
}

export class ThreadPool {
  private readonly canBlock = blockingAllowed();
  private readonly single: Kernels["gemm"];
  private readonly singleGemv: Kernels["gemv"];
  private readonly singleI8: Kernels["gemmI8"];
  private crew: Crew | null = null;
  private parts = 1;
  /** Set when the pool lost a worker: the message every call throws until resize(). */
  private failure: string | null = null;
  private switching: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly k: Kernels, private readonly heap: Heap, private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
  ) {
    this.single = k.gemm;
    this.singleGemv = k.gemv;
    this.singleI8 = k.gemmI8;
  }

  /** A pool on the shared memory, with threads − 1 workers started and waiting for work. */
  static async start(k: Kernels, heap: Heap, module: WebAssembly.Module, memory: WebAssembly.Memory, threads: number): Promise<ThreadPool> {
    const pool = new ThreadPool(k, heap, module, memory);
    await pool.resize(threads);
    return pool;
  }

  /** Threads taking part in the products (also while broken: the count resize() was last asked for). */
  get threads(): number {
    return this.parts;
  }

  /** @internal For tests only: the handles of the running workers (Node `Worker`s or Web `Worker`s). */
  get workerHandles(): readonly WorkerHandle[] {
    return this.crew?.workers ?? [];
  }

  /** Drop-in for kernels.gemm: splits large products across the threads. */
  readonly gemm: Kernels["gemm"] = (M, N, K, A, rsA, csA, Bp, C, ldc, accumulate) => {
    const parts = this.parts;
    const panels = Math.ceil(N / 8);
    // split the operand that is larger: B (shared weights) by columns, or A by rows
    const byRows = M * K > N * K ? M >= 8 : panels < parts;
    if (parts === 1 || M * N * K < MIN_SPLIT_WORK || (byRows ? M < 8 : panels < parts)) {
      if (this.failure !== null) throw new Error(this.failure);
      this.single(M, N, K, A, rsA, csA, Bp, C, ldc, accumulate);
      return;
    }
    this.run({ M, N, K, A, rsA, csA, Bp, C, ldc, accumulate: Boolean(accumulate), byRows, gemv: false, i8: false, parts });
  };

  /** Drop-in for kernels.gemv (batch 1, dot-packed B): splits large products by groups of 4 columns. */
  readonly gemv: Kernels["gemv"] = (N, K, x, Bd, y, accumulate) => {
    const parts = this.parts;
    if (parts === 1 || N * K < MIN_SPLIT_GEMV || N < 8 * parts) {
      if (this.failure !== null) throw new Error(this.failure);
      this.singleGemv(N, K, x, Bd, y, accumulate);
      return;
    }
    this.run({ M: 1, N, K, A: x, rsA: K, csA: 1, Bp: Bd, C: y, ldc: N, accumulate: Boolean(accumulate), byRows: false, gemv: true, i8: false, parts });
  };

  /** Drop-in for kernels.gemmI8 (int8 products, any M): splits large products by groups of 4 columns. */
  readonly gemmI8: Kernels["gemmI8"] = (M, N, K, A, lda, Bq, C, ldc, accumulate) => {
    const parts = this.parts;
    if (parts === 1 || M * N * K < MIN_SPLIT_GEMV || N < 8 * parts) {
      if (this.failure !== null) throw new Error(this.failure);
      this.singleI8(M, N, K, A, lda, Bq, C, ldc, accumulate);
      return;
    }
    this.run({ M, N, K, A, rsA: lda, csA: 1, Bp: Bq, C, ldc, accumulate: Boolean(accumulate), byRows: false, gemv: false, i8: true, parts });
  };

  /**
   * Continues on `threads` threads: starts a fresh set of workers on the same memory and module (1: none), then
   * retires the old set. A no-op when the pool already runs that many and is not broken. Switches run one at
   * a time; until one completes, calls keep using the previous workers.
   */
  resize(threads: number): Promise<void> {
    const next = this.switching.then(() => this.switchTo(threads));
    this.switching = next.catch(() => undefined);
    return next;
  }

  private async switchTo(threads: number): Promise<void> {
    if (threads === this.parts && this.failure === null) return;
    const crew = threads > 1 ? await this.startCrew(threads) : null;
    const old = this.crew;
    this.crew = crew;
    this.parts = threads;
    this.failure = null;
    if (old) this.stop(old, true);
  }

  /** Hands parts 1… to the workers, computes part 0, then waits for the rest (spinning first). */
  private run(job: GemmJob): void {
    if (this.failure !== null) throw new Error(this.failure);
    const { ctrl, control } = this.crew!;
    writeJob(this.memory.buffer, control, job);
    Atomics.store(ctrl, DONE, 0);
    const gen = (Atomics.add(ctrl, GEN, 1) + 1) | 0;
    Atomics.notify(ctrl, GEN);
    let trap: unknown = null;
    try {
      runPart(this.k, job, 0);
    } catch (e) {
      trap = e; // the workers are inside this job too: wait for them before throwing
    }
    if (Atomics.load(ctrl, DONE) < job.parts - 1) this.waitForWorkers(job, gen);
    const faulted = Atomics.load(ctrl, FAULT) !== 0 ? this.workerFault(job) : null;
    if (trap !== null) throw trap;
    if (faulted) throw faulted;
  }

  /** The slow path of run(): spins, then blocks, checking the clock now and then for a lost worker. */
  private waitForWorkers(job: GemmJob, gen: number): void {
    const { ctrl } = this.crew!;
    const others = job.parts - 1;
    const finishMs = PICKUP_MS + (job.M * job.N * job.K) / job.parts / MIN_MADDS_PER_MS;
    let spins = 0, start = -1;
    for (let done = Atomics.load(ctrl, DONE); done < others; done = Atomics.load(ctrl, DONE)) {
      const blocking = ++spins > SPIN_CHECKS && this.canBlock;
      if (!blocking && (spins & (CLOCK_EVERY - 1)) !== 0) continue;
      const now = performance.now();
      if (start < 0) start = now;
      if (now - start > PICKUP_MS) {
        const missing = unpicked(ctrl, job.parts, gen);
        if (missing.length > 0) {
          this.breakDown(`${this.workerNames(missing)} did not pick up ${missing.length > 1 ? "their parts" : "its part"} of a matrix product within ${PICKUP_MS / 1000} s, so ${missing.length > 1 ? "they were" : "it was"} terminated or crashed`);
        }
        if (now - start > finishMs) {
          this.breakDown(`the workers picked up a ${job.M}×${job.N}×${job.K} matrix product but did not finish it within ${(finishMs / 1000).toFixed(1)} s, so one was terminated or crashed inside it`);
        }
      }
      if (blocking) Atomics.wait(ctrl, DONE, done, WAIT_MS);
    }
  }

  /** The error a worker's part threw, as the same kind of error (a trap stays a WebAssembly.RuntimeError). */
  private workerFault(job: GemmJob): Error {
    const { control, ctrl } = this.crew!;
    const fault = takeFault(this.memory.buffer, control, ctrl);
    const what = job.gemv ? `a 1×${job.N}×${job.K} GEMV` : `a ${job.M}×${job.N}×${job.K} ${job.i8 ? "int8 product" : "GEMM"}`;
    const message = `${fault.message} (in ${this.workerNames([fault.part])}, computing its part of ${what}; the threads stay usable)`;
    return fault.wasm ? new WebAssembly.RuntimeError(message) : new Error(message);
  }

  private workerNames(parts: number[]): string {
    return `worker${parts.length > 1 ? "s" : ""} ${parts.join(", ")} of ${this.parts - 1}`;
  }

  /** Stops the workers and makes every later call throw `reason` with what to do, until resize(). */
  private breakDown(reason: string): never {
    this.markBroken(reason);
    throw new Error(this.failure!);
  }

  private markBroken(reason: string): void {
    const t = this.parts;
    this.failure = `wasm-rnn: ${reason}; the thread pool is stopped. Call await init({ threads: ${t} }) to restart the threads, or await init({ threads: 1 }) to continue on one thread.`;
    const crew = this.crew;
    this.crew = null;
    if (crew) this.stop(crew, false);
  }

  /** Called (Node: exit / error events; browsers: error events) when a worker of `crew` is gone. */
  private lost(crew: Crew, part: number, what: string): void {
    if (this.crew === crew) this.markBroken(`${this.workerNames([part])} ${what}`);
  }

  private async startCrew(threads: number): Promise<Crew> {
    // each worker's scratch: the GEMM's packed A block, then the int8 products' quantized rows (see worker.ts)
    const scratchBytes = Number(this.k.GEMM_SCRATCH_FLOATS.value) * 4 + Number(this.k.QUANT_SCRATCH_BYTES.value);
    const scratch = Array.from({ length: threads - 1 }, () => this.heap.alloc(scratchBytes));
    const control = this.heap.alloc(CONTROL_BYTES);
    new Uint8Array(this.memory.buffer, control, CONTROL_BYTES).fill(0);
    const crew: Crew = { control, ctrl: new Int32Array(this.memory.buffer, control, CONTROL_INTS), workers: [], scratch };
    const { module, memory } = this;
    const started = await Promise.allSettled(scratch.map((s, i) =>
      spawn({ module, memory, control, scratch: s, part: i + 1 }, (what) => this.lost(crew, i + 1, what))));
    crew.workers = started.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) {
      this.stop(crew, true);
      throw failed.reason;
    }
    return crew;
  }

  /**
   * Tells the crew's workers to quit and terminates them. `release` (the workers were idle) gives their scratch
   * and control block back; a lost crew's may still be written by a worker inside a part, so they stay taken.
   */
  private stop(crew: Crew, release: boolean): void {
    Atomics.store(crew.ctrl, QUIT, 1);
    Atomics.add(crew.ctrl, GEN, 1);
    Atomics.notify(crew.ctrl, GEN);
    const stopped = Promise.all(crew.workers.map((w) => w.terminate()));
    if (!release) return;
    void stopped.then(() => {
      for (const s of crew.scratch) this.heap.release(s);
      this.heap.release(crew.control);
    }, () => undefined);
  }
}

/** Browsers forbid Atomics.wait on the main thread; there the pool spins instead. */
function blockingAllowed(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
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

/** Starts one worker and resolves once it waits for work; `gone` is told if it dies later. */
async function spawn(setup: WorkerSetup, gone: (what: string) => void): Promise<WorkerHandle> {
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
      worker.once("exit", (code) => reject(new Error(`wasm-rnn worker exited before it was ready (exit code ${code})`)));
    });
    worker.on("error", (e) => gone(`failed: ${e.message}`));
    worker.on("exit", (code) => gone(`exited (exit code ${code})`));
    return worker;
  }
  // Written inline so bundlers (Vite, webpack, Parcel) recognise it and emit the worker as its own chunk.
  const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  await new Promise<void>((resolve, reject) => {
    worker.onmessage = () => resolve();
    worker.onerror = (e) => reject(new Error(`wasm-rnn worker failed to start: ${e.message}`));
    worker.postMessage(setup);
  });
  worker.onmessage = null;
  worker.onerror = (e) => gone(`failed: ${e.message}`);
  return worker;
}
