// Named buffers in linear memory that are reused from call to call and grown when a call needs more. A call
// first reserves everything it will use (so it either gets all of it or fails before computing anything,
// with the total in its message), then asks for the buffers by name.

import { F32Buffer, WasmMemoryError, alignedBytes, type Heap } from "../../bindings/index.js";

/** Buffers a call needs: name → floats. */
export type BufferPlan = Iterable<readonly [string, number]>;

export class Workspace {
  private readonly buffers = new Map<string, F32Buffer>();
  private disposed = false;

  constructor(private readonly heap: Heap) {}

  /**
   * Makes every buffer of `plan` at least its size. Checks first that the growth fits in linear memory: if it
   * does not, throws a WasmMemoryError naming `what` and what to reduce (`advice`), and nothing changes.
   */
  reserve(plan: BufferPlan, what: string, advice: string): void {
    this.assertAlive();
    const sizes = new Map<string, number>();
    for (const [name, floats] of plan) sizes.set(name, Math.max(sizes.get(name) ?? 0, floats));
    let extra = 0, returned = 0;
    for (const [name, floats] of sizes) {
      const have = this.live(name);
      if (have && have.length >= floats) continue;
      extra += alignedBytes(floats * 4);
      if (have) returned += alignedBytes(have.length * 4); // freed before the new one is taken
    }
    if (extra === 0) return;
    if (!Number.isSafeInteger(extra) || extra > this.heap.bytesAvailable + returned) throw this.heap.outOfMemory(extra, what, advice);
    try {
      // a failure part-way gives back what this reservation took (the scope frees it; live() forgets it)
      this.heap.scope(() => {
        for (const [name, floats] of sizes) this.get(name, floats);
      });
    } catch (e) {
      // fragmentation can defeat the count above: same sentence, same advice
      if (e instanceof WasmMemoryError) throw this.heap.outOfMemory(extra, what, advice);
      throw e;
    }
  }

  /** A buffer of at least `floats` floats (contents unspecified). */
  get(name: string, floats: number): F32Buffer {
    this.assertAlive();
    const have = this.live(name);
    if (have && have.length >= floats) return have;
    // forget the old buffer before allocating: if the allocation fails, no freed buffer stays registered
    this.buffers.delete(name);
    have?.free();
    const buffer = F32Buffer.alloc(this.heap, Math.max(floats, 1));
    this.buffers.set(name, buffer);
    return buffer;
  }

  /** Byte address of a buffer of at least `floats` floats. */
  ptr(name: string, floats: number): number {
    return this.get(name, floats).ptr;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of this.buffers.values()) b.free();
    this.buffers.clear();
  }

  /** The buffer under `name` unless it was freed behind the workspace's back (a rolled-back scope). */
  private live(name: string): F32Buffer | undefined {
    const b = this.buffers.get(name);
    return b && !b.isFreed ? b : undefined;
  }

  private assertAlive(): void {
    if (this.disposed) throw new Error("wasm-rnn: this workspace was disposed (its layer or model was disposed)");
  }
}
