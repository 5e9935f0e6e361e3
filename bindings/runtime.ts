// One loaded module plus its heap: what the layers above hold on to.

import { Heap } from "./memory.js";
import type { Kernels } from "./kernels.js";
import type { BuildName } from "./load.js";

export class Runtime {
  readonly heap: Heap;

  constructor(readonly k: Kernels, readonly build: BuildName) {
    this.heap = new Heap(k.memory, k.heapBase());
    k.setGemmScratch(this.heap.alloc(Number(k.GEMM_SCRATCH_FLOATS.value) * 4));
  }
}
