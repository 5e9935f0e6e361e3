// Float64 references for the kernel unit tests, a seeded PRNG, and heap bookkeeping.
//
// Every random input is rounded to f32 when it is drawn, so the kernel and the reference see the same numbers
// and only the arithmetic differs. Buffers are allocated through an Arena that remembers every allocation
// (freeAll) and can surround a buffer with sentinel floats to catch writes outside it (checkGuards).

import * as assert from "uvu/assert";
import { runtime } from "../../src/init.js";
import type { Heap } from "../../bindings/memory.js";

/** The tail sizes: 1 and 3 (scalar only), 5 (vector + 1), 17, 33 (two panels + 1), 64, 65. */
export const SIZES = [1, 3, 5, 17, 33, 64, 65] as const;

// ------------------------------------------------------------------------------------------ random ----

/** mulberry32: a small seeded generator of floats in [0, 1). */
export class Rng {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(this.s ^ (this.s >>> 15), 1 | this.s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A float of f32 precision, uniform in [lo, hi]. */
  uniform(lo = -1, hi = 1): number {
    return Math.fround(lo + (hi - lo) * this.next());
  }

  /** n uniform values in [lo, hi], each exactly representable in f32. */
  array(n: number, lo = -1, hi = 1): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.uniform(lo, hi);
    return out;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

// --------------------------------------------------------------------------------------- reference ----

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
export const tanh = Math.tanh;
/** clip(0.2·x + 0.5, 0, 1): the gates of recurrentActivation "hardSigmoid". */
export const hardSigmoid = (x: number): number => Math.min(1, Math.max(0, 0.2 * x + 0.5));
/** A σ gate's function, and its derivative from its output y. */
const gateFn = (hard: boolean) => (hard ? hardSigmoid : sigmoid);
const gateDer = (hard: boolean) => (hard ? (y: number) => (y > 0 && y < 1 ? 0.2 : 0) : (y: number) => y * (1 - y));
export const relu = (x: number): number => (x > 0 ? x : 0);

export interface MatmulOptions {
  /** A is stored as [K, M] (A(i,k) = A[k·lda + i]) instead of [M, K]. */
  transA?: boolean;
  /** B is stored as [N, K] (B(k,n) = B[n·ldb + k]) instead of [K, N]. */
  transB?: boolean;
  /** Floats per stored row of A / B (default: the stored row length). */
  lda?: number;
  ldb?: number;
  /** Float offset of element (0, 0) in A / B. */
  offA?: number;
  offB?: number;
}

/** C[M,N] = A·B in float64, C row-major and dense. */
export function matmul(
  M: number, N: number, K: number, A: ArrayLike<number>, B: ArrayLike<number>, o: MatmulOptions = {},
): Float64Array {
  const lda = o.lda ?? (o.transA ? M : K), ldb = o.ldb ?? (o.transB ? K : N);
  const offA = o.offA ?? 0, offB = o.offB ?? 0;
  const a = (i: number, k: number) => A[offA + (o.transA ? k * lda + i : i * lda + k)];
  const b = (k: number, n: number) => B[offB + (o.transB ? n * ldb + k : k * ldb + n)];
  const C = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a(i, k) * b(k, n);
      C[i * N + n] = s;
    }
  }
  return C;
}

/** Every (M, N, K) of the given lists. */
export function* cube(Ms: readonly number[], Ns: readonly number[], Ks: readonly number[]) {
  for (const M of Ms) for (const N of Ns) for (const K of Ks) yield { M, N, K };
}

// One time step of one batch row. Forward functions take pre-activations and return what the kernel leaves
// behind; backward functions take what forward left (activations) and the incoming gradients. "dh" out is the
// direct part of ∂L/∂h_{t-1} (everything except the W_hh product, which the caller adds).

type F64 = Float64Array;
const map = (n: number, f: (j: number) => number): F64 => Float64Array.from({ length: n }, (_, j) => f(j));

export function rnnForwardRef(a: F64, relu_: boolean): { h: F64 } {
  return { h: map(a.length, (j) => (relu_ ? relu(a[j]) : tanh(a[j]))) };
}

/** h: the activation of this step; dh: ∂L/∂h_t carried in; dOut: ∂L/∂output (undefined = none). */
export function rnnBackwardRef(h: F64, dh: F64, dOut: F64 | undefined, relu_: boolean): { dA: F64; dh: F64 } {
  const dA = map(h.length, (j) => {
    const d = dh[j] + (dOut ? dOut[j] : 0);
    return relu_ ? (h[j] > 0 ? d : 0) : d * (1 - h[j] * h[j]);
  });
  return { dA, dh: new Float64Array(h.length) };
}

/** a: [4H] pre-activations i, f, g, o. Returns activated gates [4H], c_t, h_t. */
export function lstmForwardRef(a: F64, cPrev: F64, hard = false): { gates: F64; c: F64; h: F64 } {
  const H = cPrev.length, act = gateFn(hard);
  const gates = map(4 * H, (j) => (j >= 2 * H && j < 3 * H ? tanh(a[j]) : act(a[j])));
  const c = map(H, (j) => gates[H + j] * cPrev[j] + gates[j] * gates[2 * H + j]);
  const h = map(H, (j) => gates[3 * H + j] * tanh(c[j]));
  return { gates, c, h };
}

/** gates: activated i, f, g, o; c: c_t. Returns dA [4H], ∂L/∂c_{t-1}, direct ∂L/∂h_{t-1} (zero). */
export function lstmBackwardRef(
  gates: F64, cPrev: F64, c: F64, dh: F64, dc: F64, dOut: F64 | undefined, hard = false,
): { dA: F64; dc: F64; dh: F64 } {
  const H = cPrev.length, der = gateDer(hard);
  const dA = new Float64Array(4 * H), dcPrev = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    const i = gates[j], f = gates[H + j], g = gates[2 * H + j], o = gates[3 * H + j];
    const dht = dh[j] + (dOut ? dOut[j] : 0), tc = tanh(c[j]);
    const dct = dc[j] + dht * o * (1 - tc * tc);
    dA[j] = dct * g * der(i);
    dA[H + j] = dct * cPrev[j] * der(f);
    dA[2 * H + j] = dct * i * (1 - g * g);
    dA[3 * H + j] = dht * tc * der(o);
    dcPrev[j] = dct * f;
  }
  return { dA, dc: dcPrev, dh: new Float64Array(H) };
}

/**
 * Reset-after GRU. gx: [3H] x W_ihᵀ + b_ih; hh: [3H] h_{t-1} W_hhᵀ; bhh: [3H] or undefined.
 * Returns the activated r, z, n [3H], hnSave = hh_n + b_hn [H], and h_t.
 */
export function gruForwardRef(gx: F64, hh: F64, bhh: F64 | undefined, hPrev: F64, hard = false): { gates: F64; hn: F64; h: F64 } {
  const H = hPrev.length, b = (j: number) => (bhh ? bhh[j] : 0), sigmoid = gateFn(hard);
  const gates = new Float64Array(3 * H), hn = new Float64Array(H), h = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    const r = sigmoid(gx[j] + hh[j] + b(j));
    const z = sigmoid(gx[H + j] + hh[H + j] + b(H + j));
    hn[j] = hh[2 * H + j] + b(2 * H + j);
    const n = tanh(gx[2 * H + j] + r * hn[j]);
    gates[j] = r; gates[H + j] = z; gates[2 * H + j] = n;
    h[j] = (1 - z) * n + z * hPrev[j];
  }
  return { gates, hn, h };
}

/** Returns ∂L/∂gx [3H], ∂L/∂(hh + b_hh) [3H], and the direct ∂L/∂h_{t-1} = dh_t ⊙ z. */
export function gruBackwardRef(
  gates: F64, hn: F64, hPrev: F64, dh: F64, dOut: F64 | undefined, hard = false,
): { dA: F64; dGhh: F64; dh: F64 } {
  const H = hPrev.length, der = gateDer(hard);
  const dA = new Float64Array(3 * H), dGhh = new Float64Array(3 * H), dhPrev = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    const r = gates[j], z = gates[H + j], n = gates[2 * H + j];
    const dht = dh[j] + (dOut ? dOut[j] : 0);
    const dan = dht * (1 - z) * (1 - n * n);
    const daz = dht * (hPrev[j] - n) * der(z);
    const dar = dan * hn[j] * der(r);
    dA[j] = dar; dA[H + j] = daz; dA[2 * H + j] = dan;
    dGhh[j] = dar; dGhh[H + j] = daz; dGhh[2 * H + j] = dan * r;
    dhPrev[j] = dht * z;
  }
  return { dA, dGhh, dh: dhPrev };
}

/** Reset-before GRU, first half: σ of the (complete) r, z pre-activations [2H], and r ⊙ h_{t-1}. */
export function gruRbGatesRef(a: F64, hPrev: F64, hard = false): { r: F64; z: F64; rh: F64 } {
  const H = hPrev.length, sigmoid = gateFn(hard);
  const r = map(H, (j) => sigmoid(a[j])), z = map(H, (j) => sigmoid(a[H + j]));
  return { r, z, rh: map(H, (j) => r[j] * hPrev[j]) };
}

/** Second half: n = tanh(a_n) from the complete n pre-activation, h_t = (1 − z)⊙n + z⊙h_{t-1}. */
export function gruRbForwardRef(z: F64, an: F64, hPrev: F64): { n: F64; h: F64 } {
  const n = map(an.length, (j) => tanh(an[j]));
  return { n, h: map(an.length, (j) => (1 - z[j]) * n[j] + z[j] * hPrev[j]) };
}

/** Backward, both halves: q = dA_n·W_hn = ∂L/∂(r⊙h_{t-1}). Returns dA [3H] and the direct ∂L/∂h_{t-1}. */
export function gruRbBackwardRef(
  r: F64, z: F64, n: F64, q: F64, hPrev: F64, dh: F64, dOut: F64 | undefined, hard = false,
): { dAn: F64; dA: F64; dh: F64 } {
  const H = hPrev.length, der = gateDer(hard);
  const dA = new Float64Array(3 * H), dhPrev = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    const dht = dh[j] + (dOut ? dOut[j] : 0);
    dA[2 * H + j] = dht * (1 - z[j]) * (1 - n[j] * n[j]);
    dA[H + j] = dht * (hPrev[j] - n[j]) * der(z[j]);
    dA[j] = q[j] * hPrev[j] * der(r[j]);
    dhPrev[j] = dht * z[j] + q[j] * r[j];
  }
  return { dAn: dA.slice(2 * H), dA, dh: dhPrev };
}

// ------------------------------------------------------------------------------------------- heap ----

const SENTINEL = -1234.5; // exact in f32; written around guarded buffers

interface Guard { ptr: number; floats: number; pad: number }

/** Every heap allocation of one test, released together by freeAll(). */
export class Arena {
  private readonly ptrs: number[] = [];
  private readonly guards: Guard[] = [];

  /** `heapOf`: the heap to allocate from (default the runtime's; a test of a fresh instance passes its own). */
  constructor(private readonly heapOf: () => Heap = () => runtime().heap) {}

  get heap(): Heap {
    return this.heapOf();
  }

  /** A fresh region of n floats (at least one), zero-filled. */
  alloc(n: number): number {
    const ptr = this.heap.alloc(Math.max(n, 1) * 4);
    this.ptrs.push(ptr);
    this.heap.f32(ptr, Math.max(n, 1)).fill(0);
    return ptr;
  }

  /** A fresh f32 copy of `data`; returns its byte address. */
  put(data: ArrayLike<number>): number {
    const ptr = this.alloc(data.length);
    this.heap.f32(ptr, data.length).set(data);
    return ptr;
  }

  /** A fresh Int32 copy of `data`. */
  putI32(data: ArrayLike<number>): number {
    const ptr = this.alloc(data.length);
    this.heap.i32(ptr, data.length).set(data);
    return ptr;
  }

  /**
   * n floats (initialised from `data`, else zero) with `pad` sentinel floats on each side. An odd pad makes
   * the buffer start off a 16-byte boundary, which the kernels must handle. checkGuards() verifies the pads.
   */
  guarded(n: number, data?: ArrayLike<number>, pad = 5): number {
    const base = this.alloc(n + 2 * pad);
    this.heap.f32(base, n + 2 * pad).fill(SENTINEL);
    const ptr = base + pad * 4;
    this.heap.f32(ptr, n).fill(0);
    if (data) this.heap.f32(ptr, n).set(data);
    this.guards.push({ ptr, floats: n, pad });
    return ptr;
  }

  /** Fails if anything wrote into the pads around a guarded buffer. */
  checkGuards(what = ""): void {
    for (const g of this.guards) {
      const before = this.heap.f32(g.ptr - g.pad * 4, g.pad), after = this.heap.f32(g.ptr + g.floats * 4, g.pad);
      for (let i = 0; i < g.pad; i++) {
        assert.ok(before[i] === SENTINEL, `${what}: wrote ${before[i]} at float ${i - g.pad} before a buffer of ${g.floats}`);
        assert.ok(after[i] === SENTINEL, `${what}: wrote ${after[i]} at float ${g.floats + i} of a buffer of ${g.floats}`);
      }
    }
  }

  /** A float64 copy of n floats at ptr. */
  read(ptr: number, n: number): Float64Array {
    return Float64Array.from(this.heap.f32(ptr, n));
  }

  write(ptr: number, data: ArrayLike<number>): void {
    this.heap.f32(ptr, data.length).set(data);
  }

  freeAll(): void {
    for (const p of this.ptrs) this.heap.release(p);
    this.ptrs.length = 0;
    this.guards.length = 0;
  }
}

/** Runs fn with a fresh arena (on `heap`, default the runtime's) and frees everything it allocated, even when an assertion fails. */
export function withArena<T>(fn: (a: Arena) => T, heap?: Heap): T {
  const arena = new Arena(heap ? () => heap : undefined);
  try {
    return fn(arena);
  } finally {
    arena.freeAll();
  }
}

// ------------------------------------------------------------------------------------- assertions ----

/** Fails unless |got − ref| ≤ atol + rtol·|ref| everywhere (NaN always fails); names the worst element. */
export function assertClose(
  got: ArrayLike<number>, ref: ArrayLike<number>, what: string, atol = 1e-4, rtol = 1e-3,
): void {
  assert.is(got.length, ref.length, `${what}: length`);
  let worst = 0, at = -1;
  for (let i = 0; i < ref.length; i++) {
    const r = Math.abs(got[i] - ref[i]) / (atol + rtol * Math.abs(ref[i]));
    if (Number.isNaN(r)) assert.unreachable(`${what}: [${i}] = ${got[i]}, reference ${ref[i]}`);
    if (r > worst) { worst = r; at = i; }
  }
  if (worst > 1) assert.unreachable(`${what}: [${at}] = ${got[at]}, reference ${ref[at]} (${worst.toFixed(2)}× tolerance)`);
}

/** Fails unless every element is bit-for-bit equal (NaN equals NaN, −0 differs from +0). */
export function assertSame(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.is(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) assert.unreachable(`${what}: [${i}] = ${got[i]}, expected exactly ${want[i]}`);
  }
}

/** A guarded [rows, ld] matrix of random values; returns its pointer and initial contents. */
export function matrix(ar: Arena, rng: Rng, rows: number, ld: number): { ptr: number; init: Float64Array } {
  const init = rng.array(rows * ld);
  return { ptr: ar.guarded(rows * ld, init), init };
}

/** Elementwise expectation over a [rows, ld] buffer: want(r, c) for c < cols, the initial value beyond. */
export function expectBlock(
  ar: Arena, m: { ptr: number; init: Float64Array }, rows: number, cols: number, ld: number,
  want: (r: number, c: number) => number, what: string, exact = true,
): void {
  const got = ar.read(m.ptr, m.init.length), expected = Float64Array.from(m.init);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) expected[r * ld + c] = want(r, c);
  if (exact) assertSame(got, expected, what);
  else assertClose(got, expected, what);
  ar.checkGuards(what);
}

/** Row r of a row-major array with `cols` floats per row (a view). */
export function rowOf(x: Float64Array, r: number, cols: number): Float64Array {
  return x.subarray(r * cols, (r + 1) * cols);
}
