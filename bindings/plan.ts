// Buffer plans: the activations of a pass, declared once per shape as typed views and laid out in one arena.
//
// A module declares what a pass over (seqLen, batch) needs through a PlanBuilder (`plan.mat(rows, cols)`),
// much as llm.c lists its ActivationTensors: every buffer with its shape, in one place. The builder assigns
// offsets; the arena (one F32Buffer) grows to the largest plan it has served and is reused while shapes
// repeat. Views hold an offset, not an address, so they stay valid when the arena moves; addresses are
// computed here, at the moment a kernel is called, and nowhere in src/.

import { F32Buffer, alignedBytes, type Heap } from "./memory.js";
import type { Kernels } from "./kernels.js";

/** Byte address in linear memory. */
export type Ptr = number;

/** 16 floats: views start on 64-byte boundaries, as the heap's own blocks do (cache lines, v128 loads). */
const ALIGN_FLOATS = 16;

/** Where a view's floats live: an arena, or a buffer of its own (parameters, states, packs). */
export interface Storage {
  /** Byte address of float 0 (throws once the memory was freed). */
  readonly base: Ptr;
}

/** One growing block of linear memory that plans are laid out in. */
export class Arena implements Storage {
  private buffer: F32Buffer | null = null;

  constructor(private readonly heap: Heap) {}

  get base(): Ptr {
    if (!this.buffer) throw new Error("wasm-rnn: an arena was used before any plan was laid out in it");
    return this.buffer.ptr;
  }

  /** Floats it holds now. */
  get floats(): number {
    return this.buffer?.length ?? 0;
  }

  /** Bytes a plan of `floats` would add to the heap (0 when the arena is large enough). */
  growthBytes(floats: number): number {
    return floats <= this.floats ? 0 : alignedBytes(floats * 4);
  }

  /**
   * Makes room for `floats`. Growing replaces the block, so its contents are lost: an arena is grown only
   * before a pass writes it (the previous pass's activations are not needed any more).
   */
  ensure(floats: number): void {
    if (floats <= this.floats) return;
    // the old block goes first, so the new one may reuse its space; if the new one cannot be had the arena is
    // empty (and every view of it fails) until a later ensure() succeeds
    this.buffer?.free();
    this.buffer = null;
    this.buffer = F32Buffer.alloc(this.heap, Math.max(floats, 1));
  }

  dispose(): void {
    this.buffer?.free();
    this.buffer = null;
  }
}

/** A buffer of its own seen as storage (parameters and gradients, carried states, packed weights). */
export class BufferStorage implements Storage {
  constructor(readonly buffer: F32Buffer) {}

  get base(): Ptr {
    return this.buffer.ptr;
  }
}

/**
 * A matrix of f32 in linear memory: rows × cols, element (i, j) at float offset + i·rs + j·cs. Row-major views
 * have rs = ld, cs = 1; transposed ones rs = 1, cs = ld.
 */
export class Mat {
  constructor(
    readonly storage: Storage, readonly offset: number, readonly rows: number, readonly cols: number,
    readonly rs: number = cols, readonly cs: number = 1,
  ) {}

  /** Byte address of element (0, 0). */
  get ptr(): Ptr {
    return this.storage.base + this.offset * 4;
  }

  /** Floats between the starts of consecutive rows (row-major views). */
  get ld(): number {
    return this.rs;
  }

  get size(): number {
    return this.rows * this.cols;
  }

  /** Rows [i, i + n). */
  rowBlock(i: number, n: number): Mat {
    return new Mat(this.storage, this.offset + i * this.rs, n, this.cols, this.rs, this.cs);
  }

  /** Columns [j, j + n). */
  colBlock(j: number, n: number): Mat {
    return new Mat(this.storage, this.offset + j * this.cs, this.rows, n, this.rs, this.cs);
  }

  /** The same floats read as Aᵀ (no copy: the GEMM reads through strides). */
  t(): Mat {
    return new Mat(this.storage, this.offset, this.cols, this.rows, this.cs, this.rs);
  }

  /** The first rows·cols floats seen as a contiguous rows × cols matrix (scratch reused at another shape). */
  prefix(rows: number, cols: number): Mat {
    if (rows * cols > this.size || this.cs !== 1 || (this.rows > 1 && this.rs !== this.cols)) {
      throw new Error(`Mat.prefix: [${rows}, ${cols}] does not fit in a contiguous [${this.rows}, ${this.cols}]`);
    }
    return new Mat(this.storage, this.offset, rows, cols);
  }

  /** The same floats seen as rows × cols, row-major (a contiguous view only). */
  reshape(rows: number, cols: number): Mat {
    if (rows * cols !== this.size || this.cs !== 1 || (this.rows > 1 && this.rs !== this.cols)) {
      throw new Error(`Mat.reshape: [${this.rows}, ${this.cols}] (strides ${this.rs}, ${this.cs}) cannot be seen as [${rows}, ${cols}]`);
    }
    return new Mat(this.storage, this.offset, rows, cols);
  }
}

/** n Int32 values in linear memory (token ids, lengths). */
export class IntVec {
  constructor(readonly storage: Storage, readonly offset: number, readonly length: number) {}

  get ptr(): Ptr {
    return this.storage.base + this.offset * 4;
  }
}

/** The kernels' sizes of packed operands (floats). */
export type PackSizes = Pick<Kernels, "packedSize" | "dotPackedSize" | "i8PackedBytes">;

/**
 * How a right-hand operand is packed: f32 8-column panels for the GEMM ("panel"), f32 dot-packed for the
 * batch-1 GEMV ("dot"), or int8 rows with scales for the quantized products at any batch ("i8", quant.ts).
 */
export type PackForm = "panel" | "dot" | "i8";

/** Floats a packed K×N operand takes in a form (an i8 pack's bytes rounded up to floats). */
export function packedFloats(sizes: PackSizes, K: number, N: number, form: PackForm): number {
  if (form === "i8") return Math.ceil(sizes.i8PackedBytes(K, N) / 4);
  return form === "dot" ? sizes.dotPackedSize(K, N) : sizes.packedSize(K, N);
}

/**
 * A right-hand operand B [K, N] packed for the products: in the GEMM's 8-column panels ("panel"), or
 * dot-packed for the batch-1 GEMV ("dot"). Weights are packed into buffers of their own (Ops.packed, with
 * the parameter `version` they were packed from); activations into room a plan reserved (PlanBuilder.packed).
 */
export class Packed {
  version = -1;

  constructor(
    readonly storage: Storage, readonly offset: number, readonly K: number, readonly N: number, readonly form: PackForm,
    private readonly sizes: PackSizes, private readonly capacity: number, private readonly owned: F32Buffer | null = null,
  ) {}

  get ptr(): Ptr {
    return this.storage.base + this.offset * 4;
  }

  /** The same room holding a K×N operand of the same form (it must fit: a plan reserves the largest). */
  as(K: number, N: number): Packed {
    if (packedFloats(this.sizes, K, N, this.form) > this.capacity) throw new Error(`Packed.as: a ${K}×${N} operand does not fit in ${this.capacity} floats`);
    return new Packed(this.storage, this.offset, K, N, this.form, this.sizes, this.capacity);
  }

  /** Frees a pack that has a buffer of its own (nothing for room in a plan). */
  dispose(): void {
    this.owned?.free();
  }
}

/** Lays out a plan: hands out views at increasing, aligned offsets of one arena. */
export class PlanBuilder {
  private next = 0;

  constructor(readonly arena: Arena, private readonly sizes: PackSizes) {}

  /** A rows × cols row-major matrix. */
  mat(rows: number, cols: number): Mat {
    return new Mat(this.arena, this.take(rows * cols), rows, cols);
  }

  /** n Int32 values. */
  ints(n: number): IntVec {
    return new IntVec(this.arena, this.take(n), n);
  }

  /** Room for a packed K×N operand (or anything smaller of the same form: see Packed.as). */
  packed(K: number, N: number, form: PackForm): Packed {
    const floats = packedFloats(this.sizes, K, N, form);
    return new Packed(this.arena, this.take(floats), K, N, form, this.sizes, floats);
  }

  /** Floats the plan needs. */
  get floats(): number {
    return this.next;
  }

  private take(floats: number): number {
    const at = this.next;
    this.next += Math.ceil(Math.max(floats, 1) / ALIGN_FLOATS) * ALIGN_FLOATS;
    return at;
  }
}

/** A whole F32Buffer seen as a rows × cols matrix (parameters, gradients, states). */
export function matOf(buffer: F32Buffer, rows: number, cols: number, offset = 0): Mat {
  return new Mat(new BufferStorage(buffer), offset, rows, cols);
}

/** What a cached plan records: its size, and whether the weights it uses have been packed into place. */
export interface PlanRecord {
  floats: number;
  ready: boolean;
}

/**
 * The plans an owner (a layer, a model) has made, by shape, over one arena. A plan is made once per shape;
 * taking it checks the arena's growth plus whatever else the pass needs (`extraBytes`, e.g. packed weights)
 * against the heap, then allocates all of it or none.
 */
export class PlanCache<P extends PlanRecord> {
  readonly arena: Arena;
  private readonly plans = new Map<string, P>();

  constructor(private readonly heap: Heap, private readonly sizes: PackSizes, private readonly limit = 16) {
    this.arena = new Arena(heap);
  }

  /** The plan of `key`, declared by `declare` the first time (the oldest is forgotten past the limit). */
  get(key: string, declare: (builder: PlanBuilder) => Omit<P, "floats" | "ready">): P {
    let plan = this.plans.get(key);
    if (!plan) {
      const builder = new PlanBuilder(this.arena, this.sizes);
      plan = { ...declare(builder), floats: 0, ready: false } as P;
      plan.floats = builder.floats;
      if (this.plans.size >= this.limit) this.plans.delete(this.plans.keys().next().value!);
      this.plans.set(key, plan);
    }
    return plan;
  }

  /**
   * Makes the arena hold `plan` and runs `allocate` (the pass's other memory), after checking the total:
   * a WasmMemoryError names `what` and `advice` before anything is taken. A plan taken once stays ready
   * (arenas only grow and packed weights live until their owner is disposed), so repeated shapes skip this.
   */
  take(plan: P, extraBytes: () => number, allocate: () => void, what: () => string, advice: string): void {
    if (this.isTaken(plan)) return;
    const bytes = this.arena.growthBytes(plan.floats) + extraBytes();
    this.heap.checkFits(bytes, what(), advice);
    try {
      this.heap.scope(() => {
        this.arena.ensure(plan.floats);
        allocate();
      });
    } catch (e) {
      if (e instanceof RangeError) throw this.heap.outOfMemory(bytes, what(), advice); // fragmentation defeated the check
      throw e;
    }
    plan.ready = true;
  }

  /** Whether a plan's memory is in place (checked on every call: the hot path of streaming and generation). */
  isTaken(plan: P): boolean {
    return plan.ready && this.arena.floats >= plan.floats;
  }

  dispose(): void {
    this.arena.dispose();
    this.plans.clear();
  }
}
