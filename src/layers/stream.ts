// Streaming: one time step per call with the state kept in wasm memory between calls — the edge / live-input
// case, where frames arrive one at a time. Cheaper than forward() with h0/c0 round trips: no state is copied
// in or out, and the step's products use the batch-1 GEMV.

import { F32Buffer, matOf, type Mat } from "../../bindings/index.js";
import { checkFloats, checkPositiveInt, type FloatInput } from "../errors.js";
import type { RecurrentLayer } from "./recurrent.js";

export class RecurrentStream {
  private readonly buffers: F32Buffer[];
  private readonly h: Mat;
  private readonly c: Mat | null;
  private readonly x: Mat;
  private fresh = true;
  private closed = false;

  /** Use layer.stream(). */
  constructor(private readonly layer: RecurrentLayer, readonly batch: number) {
    checkPositiveInt("stream: batch", batch);
    const c = layer.config;
    if (c.bidirectional) throw new TypeError("stream: a bidirectional layer needs the whole sequence (its reverse direction starts at the end); use forward()");
    const heap = layer.runtime.heap;
    const rows = c.numLayers * batch, H = c.hiddenSize;
    this.buffers = heap.scope(() => [
      F32Buffer.alloc(heap, rows * H),
      F32Buffer.alloc(heap, batch * c.inputSize),
      ...(c.cell === "lstm" ? [F32Buffer.alloc(heap, rows * H)] : []),
    ]);
    this.h = matOf(this.buffers[0], rows, H);
    this.x = matOf(this.buffers[1], batch, c.inputSize);
    this.c = c.cell === "lstm" ? matOf(this.buffers[2], rows, H) : null;
  }

  /** Feeds x_t [batch, inputSize] and returns the top layer's h_t [batch, hiddenSize] (a copy). */
  step(x: FloatInput): Float32Array {
    this.assertOpen();
    const c = this.layer.config, ops = this.layer.runtime.ops;
    ops.write(this.x, checkFloats("stream.step: x", x, [this.batch, c.inputSize], "[batch, inputSize]"));
    const acts = this.layer.step(this.x, this.fresh ? null : this.h, this.fresh ? null : this.c);
    ops.copy({ src: acts.hN, dst: this.h });
    if (this.c) ops.copy({ src: acts.cN!, dst: this.c });
    this.fresh = false;
    return ops.read(acts.layers[acts.layers.length - 1].y);
  }

  /** The current state [numLayers, batch, hiddenSize] (copies; zeros before the first step). */
  state(): { h: Float32Array; c?: Float32Array } {
    this.assertOpen();
    const ops = this.layer.runtime.ops;
    const zeros = () => new Float32Array(this.h.size);
    const h = this.fresh ? zeros() : ops.read(this.h);
    if (!this.c) return { h };
    return { h, c: this.fresh ? zeros() : ops.read(this.c) };
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
    const h = h0 === undefined ? new Float32Array(this.h.size) : checkFloats("stream.reset: h0", h0, shape, "[numLayers, batch, hiddenSize]");
    const cc = c0 === undefined ? new Float32Array(this.h.size) : checkFloats("stream.reset: c0", c0, shape, "[numLayers, batch, hiddenSize]");
    const ops = this.layer.runtime.ops;
    ops.write(this.h, h);
    if (this.c) ops.write(this.c, cc);
    this.fresh = false;
  }

  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const b of this.buffers) b.free();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("stream: it was disposed");
    if (this.layer.isDisposed) throw new Error("stream: its layer was disposed");
  }
}
