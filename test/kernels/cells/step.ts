// What the step-kernel tests of cells/{rnn,lstm,gru}.test.ts share: the cases (H in the tail sizes, B in {1, 3},
// padding masks (lens, t), an output row stride ldo > H, dOut given or 0), guarded row buffers, and the checks
// of the conventions below.
//
// Conventions (see the kernel comments): forward turns pre-activations in `gates` into activations in place;
// backward turns activations into pre-activation gradients in place, takes ∂L/∂h_t in `dh` and leaves there the
// part of ∂L/∂h_{t-1} that does not go through W_hh. A row b is inactive at step t when lens[b] <= t: forward
// copies the carried state and writes 0 to `out`; backward writes zero gate gradients and leaves dh, dc alone.

import * as assert from "uvu/assert";
import { SIZES, Rng, assertClose, assertSame, rowOf, type Arena } from "../../helpers/reference.js";

export const T_STEP = 2;
export const f32 = (x: Float64Array) => x.map(Math.fround);

export interface Case {
  H: number;
  B: number;
  /** Int32 lengths, or undefined for lens = 0 (every row active). */
  lengths?: number[];
  /** Whether backward gets an output gradient (else dOut = 0). */
  withDOut: boolean;
  seed: number;
}

/** Every H × B ∈ {1, 3} × (no mask, mask) × (dOut, no dOut). Masked: B = 1 inactive; B = 3 rows 1, 2 inactive. */
export function* cases(): Generator<Case> {
  let seed = 1;
  for (const H of SIZES) {
    for (const B of [1, 3]) {
      for (const lengths of [undefined, B === 1 ? [T_STEP] : [T_STEP + 1, T_STEP, 1]]) {
        for (const withDOut of [true, false]) yield { H, B, lengths, withDOut, seed: seed++ };
      }
    }
  }
}

export const nameOf = (c: Case) => `H=${c.H} B=${c.B} lens=${c.lengths ? `[${c.lengths}]` : 0} dOut=${c.withDOut ? "yes" : 0}`;
export const isActive = (c: Case, b: number) => !c.lengths || c.lengths[b] > T_STEP;

/** A [B, width] row-major buffer in linear memory, guarded, with its initial contents remembered. */
export class Rows {
  readonly ptr: number;

  constructor(private readonly ar: Arena, readonly B: number, readonly width: number, readonly init: Float64Array) {
    this.ptr = ar.guarded(B * width, init);
  }

  static random(ar: Arena, rng: Rng, B: number, width: number, lo = -1, hi = 1): Rows {
    return new Rows(ar, B, width, rng.array(B * width, lo, hi));
  }

  initRow(b: number): Float64Array {
    return rowOf(this.init, b, this.width);
  }

  row(b: number): Float64Array {
    return rowOf(this.ar.read(this.ptr, this.B * this.width), b, this.width);
  }
}

/**
 * The rows of width H sit at column 3 of rows ldo = H + 7 floats wide (the middle of a wider output row).
 * As an output the rest is random and must stay so; as an input (dOut) the rest is NaN and must be ignored.
 */
export class Wide {
  static readonly OFF = 3;
  readonly ldo: number;
  readonly base: number;
  readonly init: Float64Array;

  constructor(private readonly ar: Arena, readonly B: number, readonly H: number, fill: (i: number) => number) {
    this.ldo = H + 7;
    this.init = Float64Array.from({ length: B * this.ldo }, (_, i) => fill(i));
    this.base = ar.guarded(B * this.ldo, this.init);
  }

  get ptr(): number {
    return this.base + Wide.OFF * 4;
  }

  /** An input: `values` [B, H] in the windows (NaN on the rows for which nanRow is true), NaN around them. */
  static input(ar: Arena, B: number, H: number, values: Float64Array, nanRow: (b: number) => boolean): Wide {
    return new Wide(ar, B, H, (i) => {
      const b = Math.floor(i / (H + 7)), j = (i % (H + 7)) - Wide.OFF;
      return j >= 0 && j < H && !nanRow(b) ? values[b * H + j] : NaN;
    });
  }

  row(b: number): Float64Array {
    return this.ar.read(this.base + (b * this.ldo + Wide.OFF) * 4, this.H);
  }

  /** Fails if anything outside the windows changed. */
  checkOutside(what: string): void {
    const got = this.ar.read(this.base, this.B * this.ldo);
    for (let i = 0; i < got.length; i++) {
      const j = (i % this.ldo) - Wide.OFF;
      if ((j < 0 || j >= this.H) && !Object.is(got[i], this.init[i])) {
        assert.unreachable(`${what}: wrote ${got[i]} at column ${i % this.ldo} of an output row (window ${Wide.OFF}..${Wide.OFF + this.H - 1})`);
      }
    }
  }
}

export function lensPtr(ar: Arena, c: Case): number {
  return c.lengths ? ar.putI32(c.lengths) : 0;
}

/** dOut as the kernels take it: a Wide input (NaN on inactive rows, which must be ignored), or 0. */
export function dOutFor(ar: Arena, rng: Rng, c: Case): { ptr: number; ldo: number; rows: Float64Array | undefined } {
  if (!c.withDOut) return { ptr: 0, ldo: c.H, rows: undefined };
  const values = rng.array(c.B * c.H);
  const w = Wide.input(ar, c.B, c.H, values, (b) => !isActive(c, b));
  return { ptr: w.ptr, ldo: w.ldo, rows: values };
}

export const zeros = (n: number) => new Float64Array(n);

/** The rows f(0), …, f(B − 1) one after another. */
export const concatRows = (B: number, f: (b: number) => ArrayLike<number>) =>
  Float64Array.from(Array.from({ length: B }, (_, b) => Array.from(f(b))).flat());

/** Checks forward's carried state and output row: the reference on active rows, a copy / zeros on inactive. */
export function checkStateAndOut(c: Case, what: string, next: Rows, prev: Rows, out: Wide | undefined, want: (b: number) => Float64Array): void {
  for (let b = 0; b < c.B; b++) {
    if (isActive(c, b)) {
      assertClose(next.row(b), want(b), `${what} row ${b}`);
      if (out) assertClose(out.row(b), want(b), `${what} out row ${b}`);
    } else {
      assertSame(next.row(b), prev.initRow(b), `${what} row ${b} (inactive: carried)`);
      if (out) assertSame(out.row(b), zeros(c.H), `${what} out row ${b} (inactive: zero)`);
    }
  }
  out?.checkOutside(what);
}

/** Backward on an inactive row: the listed gradient buffers are zero, the carried ones unchanged. */
export function checkInactiveBackward(c: Case, b: number, what: string, zeroed: Rows[], carried: Rows[]): void {
  // numerically zero: gruRbBackwardR leaves −0 where it multiplies by the zeroed r
  for (const g of zeroed) {
    g.row(b).forEach((v, j) => assert.ok(v === 0, `${what} row ${b} [${j}] = ${v} (inactive: zero gradients)`));
  }
  for (const d of carried) assertSame(d.row(b), d.initRow(b), `${what} row ${b} (inactive: dh / dc unchanged)`);
}

/** Inputs that kernels only read must be left exactly as they were. */
export function checkUnchanged(what: string, ...inputs: Rows[]): void {
  for (const r of inputs) for (let b = 0; b < r.B; b++) assertSame(r.row(b), r.initRow(b), `${what}: an input changed`);
}

// ------------------------------------------------------------------------------- references vs FD ----

/** Reference gradient vs central differences: float64 on both sides, so the tolerance is that of the differences. */
export const fdClose = (got: Float64Array, want: Float64Array, what: string) => assertClose(got, want, what, 1e-7, 1e-6);

/** Central differences of a scalar function of one float64 vector. */
export function numericGrad(L: (v: Float64Array) => number, v: Float64Array, eps = 1e-6): Float64Array {
  return v.map((_, i) => {
    const p = v.slice(), m = v.slice();
    p[i] += eps; m[i] -= eps;
    return (L(p) - L(m)) / (2 * eps);
  });
}

export const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

// ------------------------------------------------------------------------------------------ saturation ----

/** Pre-activations that saturate every gate (±1e30, ±Infinity, ±100) and the buffers around one step of B×H. */
export function saturating(ar: Arena) {
  const B = 3, H = 17, big = [1e30, -1e30, Infinity, -Infinity, 100, -100];
  // infinite pre-activations only where no ∞ − ∞ or 0·∞ can arise mathematically (hh stays finite)
  const pre = (n: number, finite = false) =>
    ar.put(Array.from({ length: n }, (_, i) => (finite ? Math.sign(big[i % 6]) * 1e30 : big[(i * 5) % 6])));
  const hPrev = ar.put(new Array(B * H).fill(0.5)), cPrev = ar.put(new Array(B * H).fill(-0.5));
  const hNext = ar.alloc(B * H), cNext = ar.alloc(B * H), out = ar.alloc(B * H), hn = ar.alloc(B * H);
  const check = (what: string, ...ptrs: [number, number][]) => {
    for (const [p, n] of ptrs) for (const v of ar.read(p, n)) assert.ok(Number.isFinite(v), `${what}: ${v}`);
  };
  return { B, H, pre, hPrev, cPrev, hNext, cNext, out, hn, check };
}
