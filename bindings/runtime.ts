// One loaded module plus its heap (and, in threads mode, the worker pool): what the layers above hold on to.

import { Heap } from "./memory.js";
import type { Kernels } from "./kernels.js";
import type { BuildName, LoadedModule, WasmSource } from "./load.js";
import { ThreadPool } from "./pool.js";
import { Ops } from "./ops.js";

export class Runtime {
  readonly heap: Heap;
  /**
   * The kernels; with a shared-memory build `gemm`, `gemv` and `gemmI8` are the pool's, which split large products
   * across its threads and switch with setThreads() (layers keep this object, so it never changes).
   */
  readonly k: Kernels;
  /** The kernels with named arguments over typed views (what the library calls). */
  readonly ops: Ops;

  private constructor(
    kernels: Kernels, readonly build: BuildName, readonly source: WasmSource, readonly pool: ThreadPool | null, heap: Heap,
  ) {
    this.heap = heap;
    this.k = pool ? { ...kernels, gemm: pool.gemm, gemv: pool.gemv, gemmI8: pool.gemmI8 } : kernels;
    this.ops = new Ops(this.k, heap);
  }

  static async create(loaded: LoadedModule, threads = 1): Promise<Runtime> {
    const k = loaded.kernels;
    const heap = new Heap(k.memory, k.heapBase());
    k.setGemmScratch(heap.alloc(Number(k.GEMM_SCRATCH_FLOATS.value) * 4));
    k.setQuantScratch(heap.alloc(Number(k.QUANT_SCRATCH_BYTES.value))); // int8 products run on this thread only
    const pool = loaded.shared ? await ThreadPool.start(k, heap, loaded.shared.module, loaded.shared.memory, threads) : null;
    return new Runtime(k, loaded.build, loaded.source, pool, heap);
  }

  /** Threads taking part in the matrix products. */
  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  /** Whether setThreads() can change the thread count (the module was loaded on shared memory). */
  get canSetThreads(): boolean {
    return this.pool !== null;
  }

  /**
   * Restarts the workers on the same memory and module with `threads` threads in all (1: the main thread
   * alone), also after the pool broke; every existing layer keeps working and computes the same bits.
   */
  async setThreads(threads: number): Promise<void> {
    if (!this.pool) throw new Error(`setThreads: this runtime was loaded without shared memory (1 thread), cannot switch to ${threads}`);
    await this.pool.resize(threads);
  }
}
