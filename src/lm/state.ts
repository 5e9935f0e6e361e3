// A recurrent state carried from one run to the next (truncated BPTT, evaluation, generation): copied out of
// the model after each run, so the next run starts from it without backpropagating into it ("detached").

import { F32Buffer } from "../../bindings/index.js";
import { runtime } from "../init.js";
import type { LanguageModel } from "./model.js";

export class CarriedState {
  private readonly h: F32Buffer;
  private readonly c: F32Buffer | null;
  private fresh = true;

  constructor(private readonly lm: LanguageModel, readonly batch: number) {
    if (lm.isDisposed) throw new Error("CarriedState: the model was disposed");
    const n = lm.stateRows() * batch * lm.config.hiddenSize;
    const heap = runtime().heap;
    const owned = heap.scope(() => ({ h: F32Buffer.alloc(heap, n), c: lm.config.cell === "lstm" ? F32Buffer.alloc(heap, n) : null }));
    this.h = owned.h;
    this.c = owned.c;
  }

  /** Start from zeros next time. */
  reset(): void {
    this.fresh = true;
  }

  /** Pointers to pass as h0 / c0 (0 = zeros). */
  get h0(): number {
    return this.fresh ? 0 : this.h.ptr;
  }

  get c0(): number {
    return this.fresh || !this.c ? 0 : this.c.ptr;
  }

  /** Keeps the final states of the model's last run. */
  capture(): void {
    const { hN, cN } = this.lm.rnn.finalStatePtrs();
    const k = runtime().k;
    k.copyBlock(hN, this.h.length, this.h.ptr, this.h.length, 1, this.h.length);
    if (this.c) k.copyBlock(cN, this.c.length, this.c.ptr, this.c.length, 1, this.c.length);
    this.fresh = false;
  }

  dispose(): void {
    this.h.free();
    this.c?.free();
  }
}
