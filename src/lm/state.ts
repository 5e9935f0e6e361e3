// A recurrent state carried from one run to the next (truncated BPTT, evaluation, generation): copied out of
// the model after each run, so the next run starts from it without backpropagating into it ("detached").

import { F32Buffer, matOf, type Mat } from "../../bindings/index.js";
import { runtime } from "../init.js";
import type { LanguageModel } from "./model.js";

export class CarriedState {
  private readonly buffers: F32Buffer[];
  private readonly h: Mat;
  private readonly c: Mat | null;
  private fresh = true;

  constructor(private readonly lm: LanguageModel, readonly batch: number) {
    if (lm.isDisposed) throw new Error("CarriedState: the model was disposed");
    const rows = lm.stateRows() * batch, H = lm.config.hiddenSize;
    const heap = runtime().heap;
    this.buffers = heap.scope(() => [F32Buffer.alloc(heap, rows * H), ...(lm.config.cell === "lstm" ? [F32Buffer.alloc(heap, rows * H)] : [])]);
    this.h = matOf(this.buffers[0], rows, H);
    this.c = this.buffers[1] ? matOf(this.buffers[1], rows, H) : null;
  }

  /** Start from zeros next time. */
  reset(): void {
    this.fresh = true;
  }

  /** The states to pass as h0 / c0 (null = zeros). */
  get h0(): Mat | null {
    return this.fresh ? null : this.h;
  }

  get c0(): Mat | null {
    return this.fresh ? null : this.c;
  }

  /** Keeps the final states of the model's last run. */
  capture(): void {
    const { hN, cN } = this.lm.finalStates();
    const ops = runtime().ops;
    ops.copy({ src: hN, dst: this.h });
    if (this.c) ops.copy({ src: cN!, dst: this.c });
    this.fresh = false;
  }

  dispose(): void {
    for (const b of this.buffers) b.free();
  }
}
