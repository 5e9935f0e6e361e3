// One loaded module plus its heap (and, in threads mode, the worker pool): what the layers above hold on to.

import { Heap } from "./memory.js";
import type { Kernels } from "./kernels.js";
import type { BuildName, LoadedModule } from "./load.js";
import { ThreadPool } from "./pool.js";

export class Runtime {
  readonly heap: Heap;
  /** The kernels; in threads mode `gemm` and `gemv` split large products across the pool. */
  readonly k: Kernels;

  private constructor(kernels: Kernels, readonly build: BuildName, readonly pool: ThreadPool | null, heap: Heap) {
    this.heap = heap;
    this.k = pool ? { ...kernels, gemm: pool.gemm, gemv: pool.gemv } : kernels;
  }

  static async create(loaded: LoadedModule, threads = 1): Promise<Runtime> {
    const k = loaded.kernels;
    const heap = new Heap(k.memory, k.heapBase());
    k.setGemmScratch(heap.alloc(Number(k.GEMM_SCRATCH_FLOATS.value) * 4));
    const pool = loaded.shared && threads > 1 ? await ThreadPool.start(k, heap, loaded.shared.module, loaded.shared.memory, threads) : null;
    return new Runtime(k, loaded.build, pool, heap);
  }

  /** Threads taking part in the matrix products. */
  get threads(): number {
    return this.pool?.threads ?? 1;
  }
}
