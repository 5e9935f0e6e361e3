// The fused LSTM step kernels of cells/lstm.ts (lstmForward, lstmBackward, and their hard-sigmoid-gate *Hard
// variants) against float64 references of one time step; the references themselves against central differences. Cases and conventions: step.ts.

import { test } from "uvu";
import { runtime } from "../../../src/init.js";
import { initForTests } from "../../helpers/setup.js";
import {
  Rng, withArena, assertClose, assertSame, rowOf, lstmForwardRef, lstmBackwardRef,
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

test("lstmForward, lstmForwardHard: activated i, f, g, o into gates; c_t, h_t into cNext, hNext, out; padding carries h and c", () => {
  for (const hard of [false, true]) for (const c of cases()) {
    withArena((ar) => {
      const rng = new Rng(c.seed), { B, H } = c, kernel = hard ? "lstmForwardHard" : "lstmForward", what = `${kernel} ${nameOf(c)}`;
      const gates = Rows.random(ar, rng, B, 4 * H, -3, 3);
      const hPrev = Rows.random(ar, rng, B, H), cPrev = Rows.random(ar, rng, B, H, -2, 2);
      const hNext = Rows.random(ar, rng, B, H), cNext = Rows.random(ar, rng, B, H);
      const out = new Wide(ar, B, H, () => rng.uniform());
      k()[kernel](gates.ptr, hPrev.ptr, cPrev.ptr, hNext.ptr, cNext.ptr, out.ptr, out.ldo, B, H, lensPtr(ar, c), T_STEP);
      const ref = (b: number) => lstmForwardRef(gates.initRow(b), cPrev.initRow(b), hard);
      checkStateAndOut(c, what, hNext, hPrev, out, (b) => ref(b).h);
      checkStateAndOut(c, `${what} c`, cNext, cPrev, undefined, (b) => ref(b).c);
      for (let b = 0; b < B; b++) if (isActive(c, b)) assertClose(gates.row(b), ref(b).gates, `${what} gates row ${b}`);
      checkUnchanged(what, hPrev, cPrev);
      ar.checkGuards(what);
    });
  }
});

test("lstmBackward, lstmBackwardHard: dA into gates, dc ← ∂L/∂c_{t-1}, dh ← 0; inactive rows: dA = 0, dh and dc unchanged", () => {
  for (const hard of [false, true]) for (const c of cases()) {
    withArena((ar) => {
      const rng = new Rng(c.seed), { B, H } = c, kernel = hard ? "lstmBackwardHard" : "lstmBackward", what = `${kernel} ${nameOf(c)}`;
      const pre = rng.array(B * 4 * H, -3, 3), cp = rng.array(B * H, -2, 2);
      const fwd = Array.from({ length: B }, (_, b) => lstmForwardRef(rowOf(pre, b, 4 * H), rowOf(cp, b, H), hard));
      const gates = new Rows(ar, B, 4 * H, f32(concatRows(B, (b) => fwd[b].gates)));
      const cPrev = new Rows(ar, B, H, cp), cNext = new Rows(ar, B, H, f32(concatRows(B, (b) => fwd[b].c)));
      const dh = Rows.random(ar, rng, B, H), dc = Rows.random(ar, rng, B, H);
      const dOut = dOutFor(ar, rng, c);
      k()[kernel](gates.ptr, cPrev.ptr, cNext.ptr, dh.ptr, dc.ptr, dOut.ptr, dOut.ldo, B, H, lensPtr(ar, c), T_STEP);
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

test("lstmForward saturates without NaN on huge and infinite pre-activations", () => {
  withArena((ar) => {
    const { B, H, pre, hPrev, cPrev, hNext, cNext, out, check } = saturating(ar);
    const g = pre(4 * B * H);
    k().lstmForward(g, hPrev, cPrev, hNext, cNext, out, H, B, H, 0, 0);
    check("lstmForward", [g, 4 * B * H], [hNext, B * H], [cNext, B * H]);
  });
});

test.run();
