// Streaming: one time step per call with the state kept in wasm memory between calls — the edge / live-input
// case, where frames arrive one at a time. Cheaper than forward() with h0/c0 round trips: no state is copied
// in or out, and the step's products use the batch-1 GEMV.

import { F32Buffer } from "../../bindings/index.js";
import { checkFloats, checkPositiveInt, type FloatInput } from "../errors.js";
import type { RecurrentLayer } from "./recurrent.js";

export class RecurrentStream {
  private readonly h: F32Buffer;
  private readonly c: F32Buffer | null;
  private readonly x: F32Buffer;
  private readonly stateSize: number;
  private fresh = true;
  private closed = false;

  /** Use layer.stream(). */
  constructor(private readonly layer: RecurrentLayer, readonly batch: number) {
    checkPositiveInt("stream: batch", batch);
    const c = layer.config;
    if (c.bidirectional) throw new TypeError("stream: a bidirectional layer needs the whole sequence (its reverse direction starts at the end); use forward()");
    const heap = layer.runtime.heap;
    this.stateSize = c.numLayers * batch * c.hiddenSize;
    const owned = heap.scope(() => ({
      h: F32Buffer.alloc(heap, this.stateSize),
      c: c.cell === "lstm" ? F32Buffer.alloc(heap, this.stateSize) : null,
      x: F32Buffer.alloc(heap, batch * c.inputSize),
    }));
    this.h = owned.h;
    this.c = owned.c;
    this.x = owned.x;
  }

  /** Feeds x_t [batch, inputSize] and returns the top layer's h_t [batch, hiddenSize] (a copy). */
  step(x: FloatInput): Float32Array {
    this.assertOpen();
    const c = this.layer.config;
    this.x.write(checkFloats("stream.step: x", x, [this.batch, c.inputSize], "[batch, inputSize]"));
    const k = this.layer.runtime.k;
    this.layer.run(1, this.batch, this.x.ptr, this.fresh ? 0 : this.h.ptr, this.fresh || !this.c ? 0 : this.c.ptr, 0);
    const { hN, cN } = this.layer.finalStatePtrs();
    k.copyBlock(hN, this.stateSize, this.h.ptr, this.stateSize, 1, this.stateSize);
    if (this.c) k.copyBlock(cN, this.stateSize, this.c.ptr, this.stateSize, 1, this.stateSize);
    this.fresh = false;
    return this.layer.runtime.heap.f32(this.layer.outputPtr(), this.batch * c.hiddenSize).slice();
  }

  /** The current state [numLayers, batch, hiddenSize] (copies; zeros before the first step). */
  state(): { h: Float32Array; c?: Float32Array } {
    this.assertOpen();
    const zeros = () => new Float32Array(this.stateSize);
    const h = this.fresh ? zeros() : this.h.copyOut();
    if (!this.c) return { h };
    return { h, c: this.fresh ? zeros() : this.c.copyOut() };
  }

  /** Starts again from zeros, or from the given state. */
  reset(h0?: FloatInput, c0?: FloatInput): void {
    this.assertOpen();
    const shape = [this.layer.config.numLayers, this.batch, this.layer.config.hiddenSize];
    if (c0 !== undefined && !this.c) throw new TypeError("stream.reset: c0 is only for LSTM");
    if (h0 === undefined && c0 === undefined) {
      this.fresh = true;
      return;
    }
    const h = h0 === undefined ? new Float32Array(this.stateSize) : checkFloats("stream.reset: h0", h0, shape, "[numLayers, batch, hiddenSize]");
    const cc = c0 === undefined ? new Float32Array(this.stateSize) : checkFloats("stream.reset: c0", c0, shape, "[numLayers, batch, hiddenSize]");
    this.h.write(h);
    this.c?.write(cc);
    this.fresh = false;
  }

  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.h.free();
    this.c?.free();
    this.x.free();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("stream: it was disposed");
    if (this.layer.isDisposed) throw new Error("stream: its layer was disposed");
  }
}
