// The fused step kernels (cells/rnn.ts, lstm.ts, gru.ts) against float64 references of one time step, at
// H in the tail sizes and B in {1, 3}; with padding masks (lens, t), an output row stride ldo > H, and
// dOut given or 0. The references themselves are checked against central differences first.
//
// Conventions (see the kernel comments): forward turns pre-activations in `gates` into activations in place;
// backward turns activations into pre-activation gradients in place, takes ∂L/∂h_t in `dh` and leaves there the
// part of ∂L/∂h_{t-1} that does not go through W_hh. A row b is inactive at step t when lens[b] <= t: forward
// copies the carried state and writes 0 to `out`; backward writes zero gate gradients and leaves dh, dc alone.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { runtime } from "../src/init.js";
import { initForTests } from "./helpers/setup.js";
import {
  SIZES, Rng, withArena, assertClose, assertSame, rowOf, type Arena,
  tanh, relu,
  rnnForwardRef, rnnBackwardRef, lstmForwardRef, lstmBackwardRef, gruForwardRef, gruBackwardRef,
  gruRbGatesRef, gruRbForwardRef, gruRbBackwardRef,
} from "./helpers/reference.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await initForTests();

const k = () => runtime().k;
const f32 = (x: Float64Array) => x.map(Math.fround);
const T_STEP = 2;

// ------------------------------------------------------------------------------------------ set-up ----

interface Case {
  H: number;
  B: number;
  /** Int32 lengths, or undefined for lens = 0 (every row active). */
  lengths?: number[];
  /** Whether backward gets an output gradient (else dOut = 0). */
  withDOut: boolean;
  seed: number;
}

/** Every H × B ∈ {1, 3} × (no mask, mask) × (dOut, no dOut). Masked: B = 1 inactive; B = 3 rows 1, 2 inactive. */
function* cases(): Generator<Case> {
  let seed = 1;
  for (const H of SIZES) {
    for (const B of [1, 3]) {
      for (const lengths of [undefined, B === 1 ? [T_STEP] : [T_STEP + 1, T_STEP, 1]]) {
        for (const withDOut of [true, false]) yield { H, B, lengths, withDOut, seed: seed++ };
      }
    }
  }
}

const nameOf = (c: Case) => `H=${c.H} B=${c.B} lens=${c.lengths ? `[${c.lengths}]` : 0} dOut=${c.withDOut ? "yes" : 0}`;
const isActive = (c: Case, b: number) => !c.lengths || c.lengths[b] > T_STEP;

/** A [B, width] row-major buffer in linear memory, guarded, with its initial contents remembered. */
class Rows {
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
class Wide {
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

function lensPtr(ar: Arena, c: Case): number {
  return c.lengths ? ar.putI32(c.lengths) : 0;
}

/** dOut as the kernels take it: a Wide input (NaN on inactive rows, which must be ignored), or 0. */
function dOutFor(ar: Arena, rng: Rng, c: Case): { ptr: number; ldo: number; rows: Float64Array | undefined } {
  if (!c.withDOut) return { ptr: 0, ldo: c.H, rows: undefined };
  const values = rng.array(c.B * c.H);
  const w = Wide.input(ar, c.B, c.H, values, (b) => !isActive(c, b));
  return { ptr: w.ptr, ldo: w.ldo, rows: values };
}

const zeros = (n: number) => new Float64Array(n);

/** The rows f(0), …, f(B − 1) one after another. */
const concatRows = (B: number, f: (b: number) => ArrayLike<number>) =>
  Float64Array.from(Array.from({ length: B }, (_, b) => Array.from(f(b))).flat());

/** Checks forward's carried state and output row: the reference on active rows, a copy / zeros on inactive. */
function checkStateAndOut(c: Case, what: string, next: Rows, prev: Rows, out: Wide | undefined, want: (b: number) => Float64Array): void {
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
function checkInactiveBackward(c: Case, b: number, what: string, zeroed: Rows[], carried: Rows[]): void {
  // numerically zero: gruRbBackwardR leaves −0 where it multiplies by the zeroed r
  for (const g of zeroed) {
    g.row(b).forEach((v, j) => assert.ok(v === 0, `${what} row ${b} [${j}] = ${v} (inactive: zero gradients)`));
  }
  for (const d of carried) assertSame(d.row(b), d.initRow(b), `${what} row ${b} (inactive: dh / dc unchanged)`);
}

/** Inputs that kernels only read must be left exactly as they were. */
function checkUnchanged(what: string, ...inputs: Rows[]): void {
  for (const r of inputs) for (let b = 0; b < r.B; b++) assertSame(r.row(b), r.initRow(b), `${what}: an input changed`);
}

// ------------------------------------------------------------------------------ references vs FD ----

/** Central differences of a scalar function of one float64 vector. */
function numericGrad(L: (v: Float64Array) => number, v: Float64Array, eps = 1e-6): Float64Array {
  return v.map((_, i) => {
    const p = v.slice(), m = v.slice();
    p[i] += eps; m[i] -= eps;
    return (L(p) - L(m)) / (2 * eps);
  });
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

test("references: each backward is the gradient of its forward (central differences, float64)", () => {
  const rng = new Rng(99), H = 3, fd = (got: Float64Array, want: Float64Array, what: string) => assertClose(got, want, what, 1e-7, 1e-6);
  const wh = rng.array(H), wc = rng.array(H), hp = rng.array(H), cp = rng.array(H);

  for (const useRelu of [false, true]) {
    const a = rng.array(H, -2, 2);
    const L = (v: Float64Array) => dot(wh, rnnForwardRef(v, useRelu).h);
    fd(rnnBackwardRef(rnnForwardRef(a, useRelu).h, wh, undefined, useRelu).dA, numericGrad(L, a), `rnn relu=${useRelu}`);
  }

  {
    const a = rng.array(4 * H, -2, 2);
    const L = (v: Float64Array, c: Float64Array) => { const s = lstmForwardRef(v, c); return dot(wh, s.h) + dot(wc, s.c); };
    const s = lstmForwardRef(a, cp), g = lstmBackwardRef(s.gates, cp, s.c, wh, wc, undefined);
    fd(g.dA, numericGrad((v) => L(v, cp), a), "lstm dA");
    fd(g.dc, numericGrad((c) => L(a, c), cp), "lstm dc_{t-1}");
  }

  {
    const gx = rng.array(3 * H, -2, 2), hh = rng.array(3 * H), bhh = rng.array(3 * H);
    const L = (x: Float64Array, q: Float64Array, h: Float64Array) => dot(wh, gruForwardRef(x, q, bhh, h).h);
    const s = gruForwardRef(gx, hh, bhh, hp), g = gruBackwardRef(s.gates, s.hn, hp, wh, undefined);
    fd(g.dA, numericGrad((v) => L(v, hh, hp), gx), "gru dA");
    fd(g.dGhh, numericGrad((v) => L(gx, v, hp), hh), "gru dGhh");
    fd(g.dh, numericGrad((v) => L(gx, hh, v), hp), "gru direct dh_{t-1}");
  }

  {
    // reset before: a_n = a_nx + (r⊙h_{t-1})·W_hnᵀ, so q = dA_n·W_hn
    const arz = rng.array(2 * H, -2, 2), anx = rng.array(H), W = rng.array(H * H);
    const step = (rz: Float64Array, nx: Float64Array, h: Float64Array) => {
      const g = gruRbGatesRef(rz, h);
      const an = nx.map((v, j) => v + dot(W.subarray(j * H, j * H + H), g.rh));
      return { ...g, ...gruRbForwardRef(g.z, an, h) };
    };
    const L = (rz: Float64Array, nx: Float64Array, h: Float64Array) => dot(wh, step(rz, nx, h).h);
    const s = step(arz, anx, hp);
    const { dAn } = gruRbBackwardRef(s.r, s.z, s.n, zeros(H), hp, wh, undefined);
    const q = Float64Array.from({ length: H }, (_, m) => { let v = 0; for (let j = 0; j < H; j++) v += dAn[j] * W[j * H + m]; return v; });
    const g = gruRbBackwardRef(s.r, s.z, s.n, q, hp, wh, undefined);
    fd(g.dA.subarray(0, 2 * H), numericGrad((v) => L(v, anx, hp), arz), "gru-rb dA_r, dA_z");
    fd(g.dA.subarray(2 * H), numericGrad((v) => L(arz, v, hp), anx), "gru-rb dA_n");
    fd(g.dh, numericGrad((v) => L(arz, anx, v), hp), "gru-rb direct dh_{t-1}");
  }
});

// -------------------------------------------------------------------------------------------- RNN ----

test("rnnForward (tanh, relu): h_t = φ(a_t) into gates, hNext and the strided out row; padding carries h", () => {
  for (const c of cases()) {
    for (const useRelu of [false, true]) {
      withArena((ar) => {
        const rng = new Rng(c.seed), { B, H } = c, what = `rnnForward relu=${useRelu} ${nameOf(c)}`;
        const gates = Rows.random(ar, rng, B, H, -3, 3), hPrev = Rows.random(ar, rng, B, H), hNext = Rows.random(ar, rng, B, H);
        const out = new Wide(ar, B, H, () => rng.uniform());
        k().rnnForward(gates.ptr, hPrev.ptr, hNext.ptr, out.ptr, out.ldo, B, H, useRelu, lensPtr(ar, c), T_STEP);
        const h = (b: number) => rnnForwardRef(gates.initRow(b), useRelu).h;
        checkStateAndOut(c, what, hNext, hPrev, out, h);
        for (let b = 0; b < B; b++) if (isActive(c, b)) assertClose(gates.row(b), h(b), `${what} gates row ${b}`);
        checkUnchanged(what, hPrev);
        ar.checkGuards(what);
      });
    }
  }
});

test("rnnBackward (tanh, relu): dA into gates, dh ← 0 on active rows; inactive rows: dA = 0, dh unchanged", () => {
  for (const c of cases()) {
    for (const useRelu of [false, true]) {
      withArena((ar) => {
        const rng = new Rng(c.seed), { B, H } = c, what = `rnnBackward relu=${useRelu} ${nameOf(c)}`;
        const pre = rng.array(B * H, -3, 3);
        pre[0] = 0; // relu'(0) = 0
        const hs = f32(pre.map(useRelu ? relu : tanh));
        const gates = new Rows(ar, B, H, hs), dh = Rows.random(ar, rng, B, H);
        const dOut = dOutFor(ar, rng, c);
        k().rnnBackward(gates.ptr, dh.ptr, dOut.ptr, dOut.ldo, B, H, useRelu, lensPtr(ar, c), T_STEP);
        for (let b = 0; b < B; b++) {
          if (!isActive(c, b)) { checkInactiveBackward(c, b, what, [gates], [dh]); continue; }
          const ref = rnnBackwardRef(rowOf(hs, b, H), dh.initRow(b), dOut.rows && rowOf(dOut.rows, b, H), useRelu);
          assertClose(gates.row(b), ref.dA, `${what} dA row ${b}`);
          assertSame(dh.row(b), ref.dh, `${what} dh row ${b}`);
        }
        ar.checkGuards(what);
      });
    }
  }
});

// ------------------------------------------------------------------------------------------- LSTM ----

test("lstmForward: activated i, f, g, o into gates; c_t, h_t into cNext, hNext, out; padding carries h and c", () => {
  for (const c of cases()) {
    withArena((ar) => {
      const rng = new Rng(c.seed), { B, H } = c, what = `lstmForward ${nameOf(c)}`;
      const gates = Rows.random(ar, rng, B, 4 * H, -3, 3);
      const hPrev = Rows.random(ar, rng, B, H), cPrev = Rows.random(ar, rng, B, H, -2, 2);
      const hNext = Rows.random(ar, rng, B, H), cNext = Rows.random(ar, rng, B, H);
      const out = new Wide(ar, B, H, () => rng.uniform());
      k().lstmForward(gates.ptr, hPrev.ptr, cPrev.ptr, hNext.ptr, cNext.ptr, out.ptr, out.ldo, B, H, lensPtr(ar, c), T_STEP);
      const ref = (b: number) => lstmForwardRef(gates.initRow(b), cPrev.initRow(b));
      checkStateAndOut(c, what, hNext, hPrev, out, (b) => ref(b).h);
      checkStateAndOut(c, `${what} c`, cNext, cPrev, undefined, (b) => ref(b).c);
      for (let b = 0; b < B; b++) if (isActive(c, b)) assertClose(gates.row(b), ref(b).gates, `${what} gates row ${b}`);
      checkUnchanged(what, hPrev, cPrev);
      ar.checkGuards(what);
    });
  }
});

test("lstmBackward: dA into gates, dc ← ∂L/∂c_{t-1}, dh ← 0; inactive rows: dA = 0, dh and dc unchanged", () => {
  for (const c of cases()) {
    withArena((ar) => {
      const rng = new Rng(c.seed), { B, H } = c, what = `lstmBackward ${nameOf(c)}`;
      const pre = rng.array(B * 4 * H, -3, 3), cp = rng.array(B * H, -2, 2);
      const fwd = Array.from({ length: B }, (_, b) => lstmForwardRef(rowOf(pre, b, 4 * H), rowOf(cp, b, H)));
      const gates = new Rows(ar, B, 4 * H, f32(concatRows(B, (b) => fwd[b].gates)));
      const cPrev = new Rows(ar, B, H, cp), cNext = new Rows(ar, B, H, f32(concatRows(B, (b) => fwd[b].c)));
      const dh = Rows.random(ar, rng, B, H), dc = Rows.random(ar, rng, B, H);
      const dOut = dOutFor(ar, rng, c);
      k().lstmBackward(gates.ptr, cPrev.ptr, cNext.ptr, dh.ptr, dc.ptr, dOut.ptr, dOut.ldo, B, H, lensPtr(ar, c), T_STEP);
      for (let b = 0; b < B; b++) {
        if (!isActive(c, b)) { checkInactiveBackward(c, b, what, [gates], [dh, dc]); continue; }
        const ref = lstmBackwardRef(
          gates.initRow(b), cPrev.initRow(b), cNext.initRow(b), dh.initRow(b), dc.initRow(b), dOut.rows && rowOf(dOut.rows, b, H),
        );
        assertClose(gates.row(b), ref.dA, `${what} dA row ${b}`);
        assertClose(dc.row(b), ref.dc, `${what} dc row ${b}`);
        assertSame(dh.row(b), ref.dh, `${what} dh row ${b}`);
      }
      checkUnchanged(what, cPrev, cNext);
      ar.checkGuards(what);
    });
  }
});

// ---------------------------------------------------------------------------- GRU, reset after ----

test("gruForward (reset after, with and without b_hh): r, z, n into gates, hh_n + b_hn into hnSave, h_t out", () => {
  for (const c of cases()) {
    for (const withBias of [true, false]) {
      withArena((ar) => {
        const rng = new Rng(c.seed), { B, H } = c, what = `gruForward bhh=${withBias} ${nameOf(c)}`;
        const gates = Rows.random(ar, rng, B, 3 * H, -2, 2), hh = Rows.random(ar, rng, B, 3 * H, -2, 2);
        const bhh = withBias ? rng.array(3 * H) : undefined;
        const hnSave = Rows.random(ar, rng, B, H), hPrev = Rows.random(ar, rng, B, H), hNext = Rows.random(ar, rng, B, H);
        const out = new Wide(ar, B, H, () => rng.uniform());
        k().gruForward(
          gates.ptr, hh.ptr, bhh ? ar.put(bhh) : 0, hnSave.ptr, hPrev.ptr, hNext.ptr, out.ptr, out.ldo, B, H, lensPtr(ar, c), T_STEP,
        );
        const ref = (b: number) => gruForwardRef(gates.initRow(b), hh.initRow(b), bhh, hPrev.initRow(b));
        checkStateAndOut(c, what, hNext, hPrev, out, (b) => ref(b).h);
        for (let b = 0; b < B; b++) {
          if (!isActive(c, b)) continue;
          assertClose(gates.row(b), ref(b).gates, `${what} gates row ${b}`);
          assertClose(hnSave.row(b), ref(b).hn, `${what} hnSave row ${b}`);
        }
        checkUnchanged(what, hh, hPrev);
        ar.checkGuards(what);
      });
    }
  }
});

test("gruBackward (reset after): dA into gates, dGhh (n block scaled by r), dh ← dh_t⊙z; inactive rows: zeros, dh unchanged", () => {
  for (const c of cases()) {
    withArena((ar) => {
      const rng = new Rng(c.seed), { B, H } = c, what = `gruBackward ${nameOf(c)}`;
      const hp = rng.array(B * H), bhh = rng.array(3 * H);
      const fwd = Array.from({ length: B }, (_, b) => gruForwardRef(rng.array(3 * H, -2, 2), rng.array(3 * H), bhh, rowOf(hp, b, H)));
      const gates = new Rows(ar, B, 3 * H, f32(concatRows(B, (b) => fwd[b].gates)));
      const hnSave = new Rows(ar, B, H, f32(concatRows(B, (b) => fwd[b].hn)));
      const hPrev = new Rows(ar, B, H, hp), dGhh = Rows.random(ar, rng, B, 3 * H), dh = Rows.random(ar, rng, B, H);
      const dOut = dOutFor(ar, rng, c);
      k().gruBackward(gates.ptr, dGhh.ptr, hnSave.ptr, hPrev.ptr, dh.ptr, dOut.ptr, dOut.ldo, B, H, lensPtr(ar, c), T_STEP);
      for (let b = 0; b < B; b++) {
        if (!isActive(c, b)) { checkInactiveBackward(c, b, what, [gates, dGhh], [dh]); continue; }
        const ref = gruBackwardRef(gates.initRow(b), hnSave.initRow(b), hPrev.initRow(b), dh.initRow(b), dOut.rows && rowOf(dOut.rows, b, H));
        assertClose(gates.row(b), ref.dA, `${what} dA row ${b}`);
        assertClose(dGhh.row(b), ref.dGhh, `${what} dGhh row ${b}`);
        assertClose(dh.row(b), ref.dh, `${what} dh row ${b}`);
      }
      checkUnchanged(what, hnSave, hPrev);
      ar.checkGuards(what);
    });
  }
});

// --------------------------------------------------------------------------- GRU, reset before ----

test("gruRbGates → (complete n pre-activation) → gruRbForward: r, z, r⊙h, n and h_t; padding carries h", () => {
  for (const c of cases()) {
    withArena((ar) => {
      const rng = new Rng(c.seed), { B, H } = c, what = `gruRb forward ${nameOf(c)}`;
      const gates = Rows.random(ar, rng, B, 3 * H, -2, 2), hPrev = Rows.random(ar, rng, B, H);
      const rh = Rows.random(ar, rng, B, H), hNext = Rows.random(ar, rng, B, H);
      const out = new Wide(ar, B, H, () => rng.uniform());
      k().gruRbGates(gates.ptr, hPrev.ptr, rh.ptr, B, H);
      // no mask here: every row gets σ of its r, z block and r⊙h; the n block is not touched
      const gref = (b: number) => gruRbGatesRef(gates.initRow(b).subarray(0, 2 * H), hPrev.initRow(b));
      for (let b = 0; b < B; b++) {
        const g = gates.row(b);
        assertClose(g.subarray(0, H), gref(b).r, `${what} r row ${b}`);
        assertClose(g.subarray(H, 2 * H), gref(b).z, `${what} z row ${b}`);
        assertSame(g.subarray(2 * H), gates.initRow(b).subarray(2 * H), `${what} n block row ${b} (untouched by gruRbGates)`);
        assertClose(rh.row(b), gref(b).rh, `${what} rh row ${b}`);
      }
      // the caller now adds (r⊙h)·W_hnᵀ into the n block: here a complete pre-activation is written directly
      const an = rng.array(B * H, -2, 2), afterGates = concatRows(B, (b) => gates.row(b));
      for (let b = 0; b < B; b++) ar.write(gates.ptr + (b * 3 * H + 2 * H) * 4, rowOf(an, b, H));
      k().gruRbForward(gates.ptr, hPrev.ptr, hNext.ptr, out.ptr, out.ldo, B, H, lensPtr(ar, c), T_STEP);
      const ref = (b: number) => gruRbForwardRef(gref(b).z, rowOf(an, b, H), hPrev.initRow(b));
      checkStateAndOut(c, what, hNext, hPrev, out, (b) => ref(b).h);
      for (let b = 0; b < B; b++) {
        if (!isActive(c, b)) continue;
        const g = gates.row(b);
        assertSame(g.subarray(0, 2 * H), afterGates.subarray(b * 3 * H, b * 3 * H + 2 * H), `${what} r, z row ${b} kept`);
        assertClose(g.subarray(2 * H), ref(b).n, `${what} n row ${b}`);
      }
      checkUnchanged(what, hPrev);
      ar.checkGuards(what);
    });
  }
});

test("gruRbBackwardN → (q = dA_n·W_hn) → gruRbBackwardR: dA_r, dA_z, dA_n, dh ← dh_t⊙z + q⊙r; inactive rows: zeros, dh unchanged", () => {
  for (const c of cases()) {
    withArena((ar) => {
      const rng = new Rng(c.seed), { B, H } = c, what = `gruRb backward ${nameOf(c)}`;
      const hp = rng.array(B * H);
      const acts = concatRows(B, (b) => {
        const g = gruRbGatesRef(rng.array(2 * H, -2, 2), rowOf(hp, b, H));
        return [...g.r, ...g.z, ...gruRbForwardRef(g.z, rng.array(H, -2, 2), rowOf(hp, b, H)).n];
      });
      const gates = new Rows(ar, B, 3 * H, f32(acts)), hPrev = new Rows(ar, B, H, hp), dh = Rows.random(ar, rng, B, H);
      const dOut = dOutFor(ar, rng, c), lens = lensPtr(ar, c);
      const ref = (b: number, q: Float64Array) => {
        const a = gates.initRow(b);
        return gruRbBackwardRef(a.subarray(0, H), a.subarray(H, 2 * H), a.subarray(2 * H), q, hPrev.initRow(b), dh.initRow(b), dOut.rows && rowOf(dOut.rows, b, H));
      };

      k().gruRbBackwardN(gates.ptr, hPrev.ptr, dh.ptr, dOut.ptr, dOut.ldo, B, H, lens, T_STEP);
      for (let b = 0; b < B; b++) {
        if (!isActive(c, b)) { checkInactiveBackward(c, b, `${what} (N)`, [gates], [dh]); continue; }
        const r0 = ref(b, zeros(H)), g = gates.row(b);
        assertSame(g.subarray(0, H), gates.initRow(b).subarray(0, H), `${what} (N) r row ${b} kept`);
        assertClose(g.subarray(H), r0.dA.subarray(H), `${what} (N) dA_z, dA_n row ${b}`);
        assertClose(dh.row(b), r0.dh, `${what} (N) dh row ${b}`);
      }

      const q = Rows.random(ar, rng, B, H);
      k().gruRbBackwardR(gates.ptr, q.ptr, hPrev.ptr, dh.ptr, B, H);
      for (let b = 0; b < B; b++) {
        if (!isActive(c, b)) { checkInactiveBackward(c, b, `${what} (R)`, [gates], [dh]); continue; }
        const rf = ref(b, q.initRow(b));
        assertClose(gates.row(b), rf.dA, `${what} (R) dA row ${b}`);
        assertClose(dh.row(b), rf.dh, `${what} (R) dh row ${b}`);
      }
      checkUnchanged(what, hPrev, q);
      ar.checkGuards(what);
    });
  }
});

test("forward cells saturate without NaN on huge and infinite pre-activations", () => {
  withArena((ar) => {
    const B = 3, H = 17, big = [1e30, -1e30, Infinity, -Infinity, 100, -100];
    // infinite pre-activations only where no ∞ − ∞ or 0·∞ can arise mathematically (hh stays finite)
    const pre = (n: number, finite = false) =>
      ar.put(Array.from({ length: n }, (_, i) => (finite ? Math.sign(big[i % 6]) * 1e30 : big[(i * 5) % 6])));
    const hPrev = ar.put(new Array(B * H).fill(0.5)), cPrev = ar.put(new Array(B * H).fill(-0.5));
    const hNext = ar.alloc(B * H), cNext = ar.alloc(B * H), out = ar.alloc(B * H), hn = ar.alloc(B * H);
    const check = (what: string, ...ptrs: [number, number][]) => {
      for (const [p, n] of ptrs) for (const v of ar.read(p, n)) assert.ok(Number.isFinite(v), `${what}: ${v}`);
    };
    let g = pre(B * H);
    k().rnnForward(g, hPrev, hNext, out, H, B, H, false, 0, 0);
    check("rnnForward", [g, B * H], [hNext, B * H]);
    g = pre(4 * B * H);
    k().lstmForward(g, hPrev, cPrev, hNext, cNext, out, H, B, H, 0, 0);
    check("lstmForward", [g, 4 * B * H], [hNext, B * H], [cNext, B * H]);
    g = pre(3 * B * H);
    k().gruForward(g, pre(3 * B * H, true), 0, hn, hPrev, hNext, out, H, B, H, 0, 0);
    check("gruForward", [g, 3 * B * H], [hNext, B * H]);
  });
});

test.run();
