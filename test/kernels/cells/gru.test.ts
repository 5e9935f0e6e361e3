// The fused GRU step kernels of cells/gru.ts, reset after (gruForward, gruBackward: PyTorch / cuDNN) and reset
// before (gruRbGates, gruRbForward, gruRbBackwardN, gruRbBackwardR: the textbook candidate), against float64
// references of one time step; the references themselves against central differences. Cases and
// conventions: step.ts.

import { test } from "uvu";
import { runtime } from "../../../src/init.js";
import { initForTests } from "../../helpers/setup.js";
import {
  Rng, withArena, assertClose, assertSame, rowOf,
  gruForwardRef, gruBackwardRef, gruRbGatesRef, gruRbForwardRef, gruRbBackwardRef,
} from "../../helpers/reference.js";
import {
  T_STEP, f32, cases, nameOf, isActive, Rows, Wide, lensPtr, dOutFor, zeros, concatRows, checkStateAndOut,
  checkInactiveBackward, checkUnchanged, numericGrad, dot, fdClose, saturating,
} from "./step.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await initForTests();

const k = () => runtime().k;

test("references: gruBackwardRef, gruRbBackwardRef are the gradients of their forwards (central differences, float64)", () => {
  const rng = new Rng(99), H = 3, fd = fdClose;
  const wh = rng.array(H), hp = rng.array(H);

  for (const hard of [false, true]) {
    const gx = rng.array(3 * H, -4, 4), hh = rng.array(3 * H), bhh = rng.array(3 * H);
    const L = (x: Float64Array, q: Float64Array, h: Float64Array) => dot(wh, gruForwardRef(x, q, bhh, h, hard).h);
    const s = gruForwardRef(gx, hh, bhh, hp, hard), g = gruBackwardRef(s.gates, s.hn, hp, wh, undefined, hard);
    fd(g.dA, numericGrad((v) => L(v, hh, hp), gx), `gru dA hard=${hard}`);
    fd(g.dGhh, numericGrad((v) => L(gx, v, hp), hh), `gru dGhh hard=${hard}`);
    fd(g.dh, numericGrad((v) => L(gx, hh, v), hp), `gru direct dh_{t-1} hard=${hard}`);
  }

  for (const hard of [false, true]) {
    // reset before: a_n = a_nx + (r⊙h_{t-1})·W_hnᵀ, so q = dA_n·W_hn
    const arz = rng.array(2 * H, -4, 4), anx = rng.array(H), W = rng.array(H * H);
    const step = (rz: Float64Array, nx: Float64Array, h: Float64Array) => {
      const g = gruRbGatesRef(rz, h, hard);
      const an = nx.map((v, j) => v + dot(W.subarray(j * H, j * H + H), g.rh));
      return { ...g, ...gruRbForwardRef(g.z, an, h) };
    };
    const L = (rz: Float64Array, nx: Float64Array, h: Float64Array) => dot(wh, step(rz, nx, h).h);
    const s = step(arz, anx, hp);
    const { dAn } = gruRbBackwardRef(s.r, s.z, s.n, zeros(H), hp, wh, undefined, hard);
    const q = Float64Array.from({ length: H }, (_, m) => { let v = 0; for (let j = 0; j < H; j++) v += dAn[j] * W[j * H + m]; return v; });
    const g = gruRbBackwardRef(s.r, s.z, s.n, q, hp, wh, undefined, hard);
    fd(g.dA.subarray(0, 2 * H), numericGrad((v) => L(v, anx, hp), arz), `gru-rb dA_r, dA_z hard=${hard}`);
    fd(g.dA.subarray(2 * H), numericGrad((v) => L(arz, v, hp), anx), `gru-rb dA_n hard=${hard}`);
    fd(g.dh, numericGrad((v) => L(arz, anx, v), hp), `gru-rb direct dh_{t-1} hard=${hard}`);
  }
});

// ---------------------------------------------------------------------------- GRU, reset after ----

test("gruForward, gruForwardHard (reset after, with and without b_hh): r, z, n into gates, hh_n + b_hn into hnSave, h_t out", () => {
  for (const hard of [false, true]) for (const c of cases()) {
    for (const withBias of [true, false]) {
      withArena((ar) => {
        const rng = new Rng(c.seed), { B, H } = c, kernel = hard ? "gruForwardHard" : "gruForward", what = `${kernel} bhh=${withBias} ${nameOf(c)}`;
        const gates = Rows.random(ar, rng, B, 3 * H, -2, 2), hh = Rows.random(ar, rng, B, 3 * H, -2, 2);
        const bhh = withBias ? rng.array(3 * H) : undefined;
        const hnSave = Rows.random(ar, rng, B, H), hPrev = Rows.random(ar, rng, B, H), hNext = Rows.random(ar, rng, B, H);
        const out = new Wide(ar, B, H, () => rng.uniform());
        k()[kernel](
          gates.ptr, hh.ptr, bhh ? ar.put(bhh) : 0, hnSave.ptr, hPrev.ptr, hNext.ptr, out.ptr, out.ldo, B, H, lensPtr(ar, c), T_STEP,
        );
        const ref = (b: number) => gruForwardRef(gates.initRow(b), hh.initRow(b), bhh, hPrev.initRow(b), hard);
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

test("gruBackward, gruBackwardHard (reset after): dA into gates, dGhh (n block scaled by r), dh ← dh_t⊙z; inactive rows: zeros, dh unchanged", () => {
  for (const hard of [false, true]) for (const c of cases()) {
    withArena((ar) => {
      const rng = new Rng(c.seed), { B, H } = c, kernel = hard ? "gruBackwardHard" : "gruBackward", what = `${kernel} ${nameOf(c)}`;
      const hp = rng.array(B * H), bhh = rng.array(3 * H);
      const fwd = Array.from({ length: B }, (_, b) => gruForwardRef(rng.array(3 * H, -2, 2), rng.array(3 * H), bhh, rowOf(hp, b, H), hard));
      const gates = new Rows(ar, B, 3 * H, f32(concatRows(B, (b) => fwd[b].gates)));
      const hnSave = new Rows(ar, B, H, f32(concatRows(B, (b) => fwd[b].hn)));
      const hPrev = new Rows(ar, B, H, hp), dGhh = Rows.random(ar, rng, B, 3 * H), dh = Rows.random(ar, rng, B, H);
      const dOut = dOutFor(ar, rng, c);
      k()[kernel](gates.ptr, dGhh.ptr, hnSave.ptr, hPrev.ptr, dh.ptr, dOut.ptr, dOut.ldo, B, H, lensPtr(ar, c), T_STEP);
      for (let b = 0; b < B; b++) {
        if (!isActive(c, b)) { checkInactiveBackward(c, b, what, [gates, dGhh], [dh]); continue; }
        const ref = gruBackwardRef(gates.initRow(b), hnSave.initRow(b), hPrev.initRow(b), dh.initRow(b), dOut.rows && rowOf(dOut.rows, b, H), hard);
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

test("gruRbGates (gruRbGatesHard) → (complete n pre-activation) → gruRbForward: r, z, r⊙h, n and h_t; padding carries h", () => {
  for (const hard of [false, true]) for (const c of cases()) {
    withArena((ar) => {
      const rng = new Rng(c.seed), { B, H } = c, kernel = hard ? "gruRbGatesHard" : "gruRbGates", what = `${kernel} → gruRbForward ${nameOf(c)}`;
      const gates = Rows.random(ar, rng, B, 3 * H, -4, 4), hPrev = Rows.random(ar, rng, B, H);
      const rh = Rows.random(ar, rng, B, H), hNext = Rows.random(ar, rng, B, H);
      const out = new Wide(ar, B, H, () => rng.uniform());
      k()[kernel](gates.ptr, hPrev.ptr, rh.ptr, B, H);
      // no mask here: every row gets σ of its r, z block and r⊙h; the n block is not touched
      const gref = (b: number) => gruRbGatesRef(gates.initRow(b).subarray(0, 2 * H), hPrev.initRow(b), hard);
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

test("gruRbBackwardN → (q = dA_n·W_hn) → gruRbBackwardR, and their *Hard variants: dA_r, dA_z, dA_n, dh ← dh_t⊙z + q⊙r; inactive rows: zeros, dh unchanged", () => {
  for (const hard of [false, true]) for (const c of cases()) {
    withArena((ar) => {
      const rng = new Rng(c.seed), { B, H } = c, [kn, kr] = hard ? ["gruRbBackwardNHard", "gruRbBackwardRHard"] as const : ["gruRbBackwardN", "gruRbBackwardR"] as const, what = `${kn}, ${kr} ${nameOf(c)}`;
      const hp = rng.array(B * H);
      const acts = concatRows(B, (b) => {
        const g = gruRbGatesRef(rng.array(2 * H, -4, 4), rowOf(hp, b, H), hard);
        return [...g.r, ...g.z, ...gruRbForwardRef(g.z, rng.array(H, -2, 2), rowOf(hp, b, H)).n];
      });
      const gates = new Rows(ar, B, 3 * H, f32(acts)), hPrev = new Rows(ar, B, H, hp), dh = Rows.random(ar, rng, B, H);
      const dOut = dOutFor(ar, rng, c), lens = lensPtr(ar, c);
      const ref = (b: number, q: Float64Array) => {
        const a = gates.initRow(b);
        return gruRbBackwardRef(a.subarray(0, H), a.subarray(H, 2 * H), a.subarray(2 * H), q, hPrev.initRow(b), dh.initRow(b), dOut.rows && rowOf(dOut.rows, b, H), hard);
      };

      k()[kn](gates.ptr, hPrev.ptr, dh.ptr, dOut.ptr, dOut.ldo, B, H, lens, T_STEP);
      for (let b = 0; b < B; b++) {
        if (!isActive(c, b)) { checkInactiveBackward(c, b, `${what} (N)`, [gates], [dh]); continue; }
        const r0 = ref(b, zeros(H)), g = gates.row(b);
        assertSame(g.subarray(0, H), gates.initRow(b).subarray(0, H), `${what} (N) r row ${b} kept`);
        assertClose(g.subarray(H), r0.dA.subarray(H), `${what} (N) dA_z, dA_n row ${b}`);
        assertClose(dh.row(b), r0.dh, `${what} (N) dh row ${b}`);
      }

      const q = Rows.random(ar, rng, B, H);
      k()[kr](gates.ptr, q.ptr, hPrev.ptr, dh.ptr, B, H);
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

test("gruForward saturates without NaN on huge and infinite pre-activations", () => {
  withArena((ar) => {
    const { B, H, pre, hPrev, hNext, out, hn, check } = saturating(ar);
    const g = pre(3 * B * H);
    k().gruForward(g, pre(3 * B * H, true), 0, hn, hPrev, hNext, out, H, B, H, 0, 0);
    check("gruForward", [g, 3 * B * H], [hNext, B * H]);
  });
});

test.run();
