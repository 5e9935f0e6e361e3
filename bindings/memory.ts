// Bookkeeping of the one linear memory: a first-fit allocator over the space above the module's static data,
// and typed views that are re-derived on every access (memory.grow detaches old views).

const ALIGN = 64; // cache-line aligned, and a multiple of 16 for v128 loads
const PAGE = 65536;

interface Block { ptr: number; bytes: number }

export class Heap {
  private readonly free: Block[] = []; // sorted by address, coalesced
  private readonly used = new Map<number, number>();
  private top: number;

  constructor(readonly memory: WebAssembly.Memory, base: number) {
    this.top = align(base);
  }

  /** Bytes currently handed out (for tests and memory reports). */
  get bytesInUse(): number {
    let n = 0;
    for (const bytes of this.used.values()) n += bytes;
    return n;
  }

  /** Total size of the linear memory in bytes. */
  get bytesReserved(): number {
    return this.memory.buffer.byteLength;
  }

  alloc(bytes: number): number {
    const size = align(Math.max(bytes, 1));
    const i = this.free.findIndex((b) => b.bytes >= size);
    let ptr: number;
    if (i >= 0) {
      const block = this.free[i];
      ptr = block.ptr;
      if (block.bytes === size) this.free.splice(i, 1);
      else { block.ptr += size; block.bytes -= size; }
    } else {
      ptr = this.top;
      this.ensure(ptr + size);
      this.top += size;
    }
    this.used.set(ptr, size);
    return ptr;
  }

  release(ptr: number): void {
    const size = this.used.get(ptr);
    if (size === undefined) return;
    this.used.delete(ptr);
    let i = this.free.findIndex((b) => b.ptr > ptr);
    if (i < 0) i = this.free.length;
    this.free.splice(i, 0, { ptr, bytes: size });
    // merge with the neighbours, then give a trailing block back to the bump pointer
    if (i + 1 < this.free.length && ptr + size === this.free[i + 1].ptr) {
      this.free[i].bytes += this.free[i + 1].bytes;
      this.free.splice(i + 1, 1);
    }
    if (i > 0 && this.free[i - 1].ptr + this.free[i - 1].bytes === ptr) {
      this.free[i - 1].bytes += this.free[i].bytes;
      this.free.splice(i, 1);
      i--;
    }
    const last = this.free[this.free.length - 1];
    if (last && last.ptr + last.bytes === this.top) {
      this.top = last.ptr;
      this.free.pop();
    }
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }

  u32(ptr: number, length: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, ptr, length);
  }

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    // grow by at least half again, so repeated small growth stays amortized
    const want = Math.max(end, Math.floor(have * 1.5));
    this.memory.grow(Math.ceil((want - have) / PAGE));
  }
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/** A Float32 array living in linear memory. Views are fresh each call and must not be kept across growth. */
export class F32Buffer {
  constructor(private readonly heap: Heap, readonly ptr: number, readonly length: number) {}

  static alloc(heap: Heap, length: number): F32Buffer {
    return new F32Buffer(heap, heap.alloc(length * 4), length);
  }

  /** A view of floats [offset, offset + length). */
  view(offset = 0, length = this.length - offset): Float32Array {
    return this.heap.f32(this.ptr + offset * 4, length);
  }

  /** Byte address of float `offset`. */
  at(offset: number): number {
    return this.ptr + offset * 4;
  }

  /** A copy of floats [offset, offset + length) that outlives the buffer. */
  copyOut(offset = 0, length = this.length - offset): Float32Array {
    return this.view(offset, length).slice();
  }

  write(src: ArrayLike<number>, offset = 0): void {
    this.view(offset, src.length).set(src);
  }

  zero(offset = 0, length = this.length - offset): void {
    this.view(offset, length).fill(0);
  }

  free(): void {
    this.heap.release(this.ptr);
  }
}
