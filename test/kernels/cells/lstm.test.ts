// The fused LSTM step kernels of cells/lstm.ts (lstmForward, lstmBackward, and lstmForwardVariant /
// lstmBackwardVariant for hard-sigmoid gates and peepholes) against float64 references of one time step; the references themselves against central differences. Cases and conventions: step.ts.

import { test } from "uvu";
import { runtime } from "../../../src/init.js";
import { initForTests } from "../../helpers/setup.js";
import {
  Rng, withArena, assertClose, assertSame, rowOf, lstmForwardRef, lstmBackwardRef, sigmoid, hardSigmoid,
} from "../../helpers/reference.js";
import {
  T_STEP, f32, cases, nameOf, isActive, Rows, Wide, lensPtr, dOutFor, concatRows, checkStateAndOut,
  checkInactiveBackward, checkUnchanged, numericGrad, dot, fdClose, saturating,
} from "./step.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await initForTests();

const k = () => runtime().k;

test("reference: lstmBackwardRef is the gradient of lstmForwardRef (central differences, float64)", () => {
  const rng = new Rng(99), H = 3, fd = fdClose;
  const wh = rng.array(H), wc = rng.array(H), cp = rng.array(H);

  for (const hard of [false, true]) {
    const a = rng.array(4 * H, -4, 4);
    const L = (v: Float64Array, c: Float64Array) => { const s = lstmForwardRef(v, c, hard); return dot(wh, s.h) + dot(wc, s.c); };
    const s = lstmForwardRef(a, cp, hard), g = lstmBackwardRef(s.gates, cp, s.c, wh, wc, undefined, hard);
    fd(g.dA, numericGrad((v) => L(v, cp), a), `lstm dA hard=${hard}`);
    fd(g.dc, numericGrad((c) => L(a, c), cp), `lstm dc_{t-1} hard=${hard}`);
  }
});

// ------------------------------------------------------------------------------------------- LSTM ----

test("lstmForward, lstmForwardVariant (hard, no peepholes): activated i, f, g, o into gates; c_t, h_t into cNext, hNext, out; padding carries h and c", () => {
  for (const hard of [false, true]) for (const c of cases()) {
    withArena((ar) => {
      const rng = new Rng(c.seed), { B, H } = c, kernel = hard ? "lstmForwardVariant" : "lstmForward", what = `${kernel} ${nameOf(c)}`;
      const gates = Rows.random(ar, rng, B, 4 * H, -3, 3);
      const hPrev = Rows.random(ar, rng, B, H), cPrev = Rows.random(ar, rng, B, H, -2, 2);
      const hNext = Rows.random(ar, rng, B, H), cNext = Rows.random(ar, rng, B, H);
      const out = new Wide(ar, B, H, () => rng.uniform());
      if (hard) k().lstmForwardVariant(gates.ptr, 0, hPrev.ptr, cPrev.ptr, hNext.ptr, cNext.ptr, out.ptr, out.ldo, B, H, lensPtr(ar, c), T_STEP, true);
      else k().lstmForward(gates.ptr, hPrev.ptr, cPrev.ptr, hNext.ptr, cNext.ptr, out.ptr, out.ldo, B, H, lensPtr(ar, c), T_STEP);
      const ref = (b: number) => lstmForwardRef(gates.initRow(b), cPrev.initRow(b), hard);
      checkStateAndOut(c, what, hNext, hPrev, out, (b) => ref(b).h);
      checkStateAndOut(c, `${what} c`, cNext, cPrev, undefined, (b) => ref(b).c);
      for (let b = 0; b < B; b++) if (isActive(c, b)) assertClose(gates.row(b), ref(b).gates, `${what} gates row ${b}`);
      checkUnchanged(what, hPrev, cPrev);
      ar.checkGuards(what);
    });
  }
});

test("lstmBackward, lstmBackwardVariant (hard, no peepholes): dA into gates, dc ← ∂L/∂c_{t-1}, dh ← 0; inactive rows: dA = 0, dh and dc unchanged", () => {
  for (const hard of [false, true]) for (const c of cases()) {
    withArena((ar) => {
      const rng = new Rng(c.seed), { B, H } = c, kernel = hard ? "lstmBackwardVariant" : "lstmBackward", what = `${kernel} ${nameOf(c)}`;
      const pre = rng.array(B * 4 * H, -3, 3), cp = rng.array(B * H, -2, 2);
      const fwd = Array.from({ length: B }, (_, b) => lstmForwardRef(rowOf(pre, b, 4 * H), rowOf(cp, b, H), hard));
      const gates = new Rows(ar, B, 4 * H, f32(concatRows(B, (b) => fwd[b].gates)));
      const cPrev = new Rows(ar, B, H, cp), cNext = new Rows(ar, B, H, f32(concatRows(B, (b) => fwd[b].c)));
      const dh = Rows.random(ar, rng, B, H), dc = Rows.random(ar, rng, B, H);
      const dOut = dOutFor(ar, rng, c);
      if (hard) k().lstmBackwardVariant(gates.ptr, 0, 0, cPrev.ptr, cNext.ptr, dh.ptr, dc.ptr, dOut.ptr, dOut.ldo, B, H, lensPtr(ar, c), T_STEP, true);
      else k().lstmBackward(gates.ptr, cPrev.ptr, cNext.ptr, dh.ptr, dc.ptr, dOut.ptr, dOut.ldo, B, H, lensPtr(ar, c), T_STEP);
      for (let b = 0; b < B; b++) {
        if (!isActive(c, b)) { checkInactiveBackward(c, b, what, [gates], [dh, dc]); continue; }
        const ref = lstmBackwardRef(
          gates.initRow(b), cPrev.initRow(b), cNext.initRow(b), dh.initRow(b), dc.initRow(b), dOut.rows && rowOf(dOut.rows, b, H), hard,
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

/** One peephole step in float64: a [4H] pre-activations i, f, g, o; p [3H] = p_i, p_f, p_o. */
function peepForwardRef(a: Float64Array, cp: Float64Array, p: Float64Array, hard: boolean) {
  const H = cp.length, act = hard ? hardSigmoid : sigmoid;
  const gates = new Float64Array(4 * H), c = new Float64Array(H), h = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    gates[j] = act(a[j] + p[j] * cp[j]);
    gates[H + j] = act(a[H + j] + p[H + j] * cp[j]);
    gates[2 * H + j] = Math.tanh(a[2 * H + j]);
    c[j] = gates[H + j] * cp[j] + gates[j] * gates[2 * H + j];
    gates[3 * H + j] = act(a[3 * H + j] + p[2 * H + j] * c[j]);
    h[j] = gates[3 * H + j] * Math.tanh(c[j]);
  }
  return { gates, c, h };
}

/** Its backward: dA [4H], ∂L/∂c_{t-1}, ∂L/∂p [3H] from activated gates, c_{t-1}, c_t and the carried dh, dc. */
function peepBackwardRef(gates: Float64Array, cp: Float64Array, c: Float64Array, p: Float64Array, dh: Float64Array, dc: Float64Array, dOut: Float64Array | undefined, hard: boolean) {
  const H = cp.length, der = hard ? (y: number) => (y > 0 && y < 1 ? 0.2 : 0) : (y: number) => y * (1 - y);
  const dA = new Float64Array(4 * H), dcPrev = new Float64Array(H), dp = new Float64Array(3 * H);
  for (let j = 0; j < H; j++) {
    const i = gates[j], f = gates[H + j], g = gates[2 * H + j], o = gates[3 * H + j];
    const dht = dh[j] + (dOut ? dOut[j] : 0), tc = Math.tanh(c[j]);
    const dao = dht * tc * der(o);
    const dct = dc[j] + dht * o * (1 - tc * tc) + dao * p[2 * H + j];
    dA[j] = dct * g * der(i);
    dA[H + j] = dct * cp[j] * der(f);
    dA[2 * H + j] = dct * i * (1 - g * g);
    dA[3 * H + j] = dao;
    dcPrev[j] = dct * f + dA[j] * p[j] + dA[H + j] * p[H + j];
    dp[j] = dA[j] * cp[j];
    dp[H + j] = dA[H + j] * cp[j];
    dp[2 * H + j] = dao * c[j];
  }
  return { dA, dc: dcPrev, dp };
}

test("reference: peepBackwardRef is the gradient of peepForwardRef (central differences, float64)", () => {
  const rng = new Rng(98), H = 3;
  for (const hard of [false, true]) {
    const wh = rng.array(H), wc = rng.array(H), cp = rng.array(H, -2, 2), a = rng.array(4 * H, -4, 4), p = rng.array(3 * H, -2, 2);
    const L = (v: Float64Array, c: Float64Array, q: Float64Array) => { const s = peepForwardRef(v, c, q, hard); return dot(wh, s.h) + dot(wc, s.c); };
    const s = peepForwardRef(a, cp, p, hard), g = peepBackwardRef(s.gates, cp, s.c, p, wh, wc, undefined, hard);
    fdClose(g.dA, numericGrad((v) => L(v, cp, p), a), `peephole dA hard=${hard}`);
    fdClose(g.dc, numericGrad((c) => L(a, c, p), cp), `peephole dc_{t-1} hard=${hard}`);
    fdClose(g.dp, numericGrad((q) => L(a, cp, q), p), `peephole dp hard=${hard}`);
  }
});

test("lstmForwardVariant with peepholes (σ and hard gates): i, f see p⊙c_{t-1}, o sees p⊙c_t; padding carries h and c", () => {
  for (const hard of [false, true]) for (const c of cases()) {
    withArena((ar) => {
      const rng = new Rng(c.seed), { B, H } = c, what = `lstmForwardVariant peepholes hard=${hard} ${nameOf(c)}`;
      const gates = Rows.random(ar, rng, B, 4 * H, -3, 3), peep = Rows.random(ar, rng, 1, 3 * H, -2, 2);
      const hPrev = Rows.random(ar, rng, B, H), cPrev = Rows.random(ar, rng, B, H, -2, 2);
      const hNext = Rows.random(ar, rng, B, H), cNext = Rows.random(ar, rng, B, H);
      const out = new Wide(ar, B, H, () => rng.uniform());
      k().lstmForwardVariant(gates.ptr, peep.ptr, hPrev.ptr, cPrev.ptr, hNext.ptr, cNext.ptr, out.ptr, out.ldo, B, H, lensPtr(ar, c), T_STEP, hard);
      const ref = (b: number) => peepForwardRef(gates.initRow(b), cPrev.initRow(b), peep.initRow(0), hard);
      checkStateAndOut(c, what, hNext, hPrev, out, (b) => ref(b).h);
      checkStateAndOut(c, `${what} c`, cNext, cPrev, undefined, (b) => ref(b).c);
      for (let b = 0; b < B; b++) if (isActive(c, b)) assertClose(gates.row(b), ref(b).gates, `${what} gates row ${b}`);
      checkUnchanged(what, hPrev, cPrev, peep);
      ar.checkGuards(what);
    });
  }
});

test("lstmBackwardVariant with peepholes (σ and hard gates): dA, dc ← ∂L/∂c_{t-1}, dh ← 0, dPeep += Σ_rows ∂L/∂p; inactive rows: dA = 0, dh, dc unchanged", () => {
  for (const hard of [false, true]) for (const c of cases()) {
    withArena((ar) => {
      const rng = new Rng(c.seed), { B, H } = c, what = `lstmBackwardVariant peepholes hard=${hard} ${nameOf(c)}`;
      const pre = rng.array(B * 4 * H, -3, 3), cp = rng.array(B * H, -2, 2), p = rng.array(3 * H, -2, 2);
      const pf = Float64Array.from(Float32Array.from(p));
      const fwd = Array.from({ length: B }, (_, b) => peepForwardRef(rowOf(pre, b, 4 * H), rowOf(cp, b, H), pf, hard));
      const gates = new Rows(ar, B, 4 * H, f32(concatRows(B, (b) => fwd[b].gates)));
      const cPrev = new Rows(ar, B, H, cp), cNext = new Rows(ar, B, H, f32(concatRows(B, (b) => fwd[b].c)));
      const peep = new Rows(ar, 1, 3 * H, p), dPeep = Rows.random(ar, rng, 1, 3 * H);
      const dh = Rows.random(ar, rng, B, H), dc = Rows.random(ar, rng, B, H);
      const dOut = dOutFor(ar, rng, c);
      k().lstmBackwardVariant(gates.ptr, peep.ptr, dPeep.ptr, cPrev.ptr, cNext.ptr, dh.ptr, dc.ptr, dOut.ptr, dOut.ldo, B, H, lensPtr(ar, c), T_STEP, hard);
      const dpWant = Float64Array.from(dPeep.initRow(0));
      for (let b = 0; b < B; b++) {
        if (!isActive(c, b)) { checkInactiveBackward(c, b, what, [gates], [dh, dc]); continue; }
        const ref = peepBackwardRef(gates.initRow(b), cPrev.initRow(b), cNext.initRow(b), peep.initRow(0), dh.initRow(b), dc.initRow(b), dOut.rows && rowOf(dOut.rows, b, H), hard);
        assertClose(gates.row(b), ref.dA, `${what} dA row ${b}`);
        assertClose(dc.row(b), ref.dc, `${what} dc row ${b}`);
        assertSame(dh.row(b), new Float64Array(H), `${what} dh row ${b}`);
        for (let j = 0; j < 3 * H; j++) dpWant[j] += ref.dp[j];
      }
      assertClose(dPeep.row(0), dpWant, `${what} dPeep`);
      checkUnchanged(what, cPrev, cNext, peep);
      ar.checkGuards(what);
    });
  }
});

test("lstmForward saturates without NaN on huge and infinite pre-activations", () => {
  withArena((ar) => {
    const { B, H, pre, hPrev, cPrev, hNext, cNext, out, check } = saturating(ar);
    const g = pre(4 * B * H);
    k().lstmForward(g, hPrev, cPrev, hNext, cNext, out, H, B, H, 0, 0);
    check("lstmForward", [g, 4 * B * H], [hNext, B * H], [cNext, B * H]);
  });
});

test.run();
