// Bookkeeping of the one linear memory: a first-fit allocator over the space above the module's static data,
// handles that know when they were freed, and typed views that are re-derived on every access (memory.grow
// detaches old views).
//
// Safety rules kept here, so no caller has to remember them:
// - an allocation that cannot be served fails with a WasmMemoryError saying how much was asked, how much is
//   in use and what the limit is, before the memory is grown past what the engine allows;
// - a freed F32Buffer refuses every later use (a stale pointer would otherwise read or write whatever owns
//   that memory next), and freeing twice is harmless;
// - allocations made inside a Heap.scope() are given back together when the work that made them fails.

const ALIGN = 64; // cache-line aligned, and a multiple of 16 for v128 loads
const PAGE = 65536;
export const GIB = 2 ** 30;
/** wasm32 memories address at most 4 GiB; our shared-memory (threads) builds declare a 2 GiB maximum. */
export const MEMORY_LIMIT = 4 * GIB;
export const SHARED_MEMORY_LIMIT = 2 * GIB;

interface Block { ptr: number; bytes: number }

/** Thrown when linear memory cannot hold an allocation; a RangeError, so callers may add what to reduce. */
export class WasmMemoryError extends RangeError {
  constructor(message: string, readonly requestedBytes: number, readonly inUseBytes: number, readonly limitBytes: number) {
    super(message);
    this.name = "WasmMemoryError";
  }
}

/** "1.5 GiB", "320.0 MiB", "12.0 KiB": sizes for messages. */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = bytes, unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${bytes} bytes`;
  if (value >= 1e6) return `${value.toExponential(2)} ${units[unit]}`;
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

/** Buffers allocated while a scope is open; rolled back (freed) together if the work that opened it fails. */
export class AllocationScope {
  readonly buffers: F32Buffer[] = [];
}

export class Heap {
  private readonly free: Block[] = []; // sorted by address, coalesced
  private readonly used = new Map<number, number>();
  private readonly scopes: AllocationScope[] = [];
  private top: number;
  private inUse = 0;
  private peak = 0;
  /** The most linear memory may ever hold (4 GiB; 2 GiB for the shared memory of threads builds). */
  readonly limitBytes: number;

  constructor(readonly memory: WebAssembly.Memory, base: number, limitBytes?: number) {
    this.top = align(base);
    const shared = typeof SharedArrayBuffer === "function" && memory.buffer instanceof SharedArrayBuffer;
    this.limitBytes = limitBytes ?? (shared ? SHARED_MEMORY_LIMIT : MEMORY_LIMIT);
  }

  /** Whether this heap lives in shared (threads) memory. */
  get shared(): boolean {
    return this.limitBytes === SHARED_MEMORY_LIMIT;
  }

  /** Bytes currently handed out (for tests and memory reports). */
  get bytesInUse(): number {
    return this.inUse;
  }

  /** The most bytes handed out at once since the last resetPeak(). */
  get peakBytesInUse(): number {
    return this.peak;
  }

  resetPeak(): void {
    this.peak = this.inUse;
  }

  /** Total size of the linear memory in bytes. */
  get bytesReserved(): number {
    return this.memory.buffer.byteLength;
  }

  /** Bytes that allocations could still get: free blocks plus what memory may still grow by. */
  get bytesAvailable(): number {
    let n = this.limitBytes - this.top;
    for (const b of this.free) n += b.bytes;
    return Math.max(0, n);
  }

  /** "the limit is 4 GiB (2 GiB with threads)": the sentence every out-of-memory message ends with. */
  limitText(): string {
    return `the limit of wasm memory is ${formatBytes(this.limitBytes)}${this.shared ? " with threads (4 GiB without)" : " (2 GiB with threads)"}`;
  }

  /**
   * Throws a WasmMemoryError when `bytes` more cannot fit, before anything is allocated. `what` is the subject
   * of the sentence ("new LSTM({ hiddenSize: 15000 })"), `advice` says what to reduce.
   */
  checkFits(bytes: number, what: string, advice: string): void {
    if (Number.isSafeInteger(bytes) && bytes <= this.bytesAvailable) return;
    throw this.outOfMemory(bytes, what, advice);
  }

  /** The error for `what` needing `bytes` that do not fit (also used to re-word an allocation failure). */
  outOfMemory(bytes: number, what: string, advice: string): WasmMemoryError {
    const need = Number.isFinite(bytes) ? formatBytes(bytes) : "more than can be counted";
    // the runtime's own scratch is not worth a mention; what other layers and models hold is
    const others = this.inUse > 4 * 2 ** 20;
    const inUse = others ? `; ${formatBytes(this.inUse)} are already in use` : "";
    const tail = others && bytes <= this.limitBytes ? `dispose layers or models you no longer need, or ${advice}` : advice;
    return new WasmMemoryError(`${what} needs ${need} more wasm memory, but only ${formatBytes(this.bytesAvailable)} can be had (${this.limitText()}${inUse}): ${tail}`, bytes, this.inUse, this.limitBytes);
  }

  /**
   * Runs `work`; if it throws, every F32Buffer allocated meanwhile (by it or by anything it called) is freed
   * before the error goes on. Constructors use it so a failed one gives back all it took.
   */
  scope<T>(work: () => T): T {
    const scope = new AllocationScope();
    this.scopes.push(scope);
    try {
      return work();
    } catch (e) {
      for (const b of scope.buffers) b.free();
      throw e;
    } finally {
      this.scopes.splice(this.scopes.indexOf(scope), 1);
    }
  }

  /** Notes a buffer in every open scope (nested work rolls back with its parent). */
  track(buffer: F32Buffer): void {
    for (const s of this.scopes) s.buffers.push(buffer);
  }

  alloc(bytes: number): number {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`Heap.alloc: bytes must be a non-negative integer, got ${bytes}`);
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
      this.ensure(ptr + size, size);
      this.top += size;
    }
    this.used.set(ptr, size);
    this.inUse += size;
    if (this.inUse > this.peak) this.peak = this.inUse;
    return ptr;
  }

  release(ptr: number): void {
    const size = this.used.get(ptr);
    // Releasing what is not allocated would hand someone else's block out twice: a bug, never ignored.
    if (size === undefined) throw new Error(`Heap.release: ${ptr} is not an allocated block (freed twice?)`);
    this.used.delete(ptr);
    this.inUse -= size;
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

  private ensure(end: number, request: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    if (end > this.limitBytes) throw this.outOfMemory(request, "this call", "reduce its sizes");
    // grow by at least half again, so repeated small growth stays amortized (never past the limit)
    const want = Math.min(this.limitBytes, Math.max(end, Math.floor(have * 1.5)));
    try {
      this.memory.grow(Math.ceil((want - have) / PAGE));
    } catch {
      try {
        this.memory.grow(Math.ceil((end - have) / PAGE)); // the engine may refuse the headroom but not the need
      } catch (e) {
        const error = this.outOfMemory(request, "this call", "reduce its sizes");
        error.message += ` (the engine refused to grow memory from ${formatBytes(have)}: ${(e as Error).message})`;
        throw error;
      }
    }
  }
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/** Bytes an allocation of `bytes` really takes (the heap's alignment). */
export function alignedBytes(bytes: number): number {
  return align(Math.max(bytes, 1));
}

/**
 * A Float32 array living in linear memory. Views are fresh each call and must not be kept across growth.
 * `version` counts the writes that went through the buffer's own methods (and the views it handed out), so
 * packed copies of parameters know when to rebuild.
 */
export class F32Buffer {
  private address: number;
  private freed = false;
  private changes = 0;

  constructor(private readonly heap: Heap, ptr: number, readonly length: number) {
    this.address = ptr;
  }

  /** A new buffer of `length` floats (contents unspecified), noted in the heap's open scopes. */
  static alloc(heap: Heap, length: number): F32Buffer {
    if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`F32Buffer.alloc: length must be a non-negative integer, got ${length}`);
    const buffer = new F32Buffer(heap, heap.alloc(length * 4), length);
    heap.track(buffer);
    return buffer;
  }

  /** Byte address of the first float. Throws once the buffer was freed. */
  get ptr(): number {
    if (this.freed) throw new Error("wasm-rnn: this memory was freed (its layer, model or optimizer was disposed)");
    return this.address;
  }

  get isFreed(): boolean {
    return this.freed;
  }

  /** Bumped by every change made through this buffer; see markChanged(). */
  get version(): number {
    return this.changes;
  }

  /** Records that the contents changed by other means (a kernel that wrote through the pointer). */
  markChanged(): void {
    this.changes++;
  }

  /** A writable view of floats [offset, offset + length): counted as a change, since it may be written. */
  view(offset = 0, length = this.length - offset): Float32Array {
    this.changes++;
    return this.read(offset, length);
  }

  /** A view for reading only (not counted as a change). */
  read(offset = 0, length = this.length - offset): Float32Array {
    return this.heap.f32(this.ptr + offset * 4, length);
  }

  /** Byte address of float `offset`. */
  at(offset: number): number {
    return this.ptr + offset * 4;
  }

  /** A copy of floats [offset, offset + length) that outlives the buffer. */
  copyOut(offset = 0, length = this.length - offset): Float32Array {
    return this.read(offset, length).slice();
  }

  write(src: ArrayLike<number>, offset = 0): void {
    this.view(offset, src.length).set(src);
  }

  zero(offset = 0, length = this.length - offset): void {
    this.view(offset, length).fill(0);
  }

  /** Gives the memory back. Idempotent; every later use of the buffer throws. */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.heap.release(this.address);
  }
}
