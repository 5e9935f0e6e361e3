// Named buffers in linear memory that are reused from call to call and grown when a call needs more.

import { F32Buffer, type Heap } from "../../bindings/index.js";

export class Workspace {
  private readonly buffers = new Map<string, F32Buffer>();

  constructor(private readonly heap: Heap) {}

  /** A buffer of at least `floats` floats (contents unspecified). */
  get(name: string, floats: number): F32Buffer {
    const have = this.buffers.get(name);
    if (have && have.length >= floats) return have;
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
    for (const b of this.buffers.values()) b.free();
    this.buffers.clear();
  }
}
