// The fused RNN step kernels of cells/rnn.ts (rnnForward, rnnBackward; tanh and relu) against float64 references
// of one time step; the references themselves against central differences. Cases and conventions: step.ts.

import { test } from "uvu";
import { runtime } from "../../../src/init.js";
import { initForTests } from "../../helpers/setup.js";
import {
  Rng, withArena, assertClose, assertSame, rowOf, tanh, relu, rnnForwardRef, rnnBackwardRef,
} from "../../helpers/reference.js";
import {
  T_STEP, f32, cases, nameOf, isActive, Rows, Wide, lensPtr, dOutFor, checkStateAndOut,
  checkInactiveBackward, checkUnchanged, numericGrad, dot, fdClose, saturating,
} from "./step.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await initForTests();

const k = () => runtime().k;

test("reference: rnnBackwardRef is the gradient of rnnForwardRef (central differences, float64)", () => {
  const rng = new Rng(99), H = 3, fd = fdClose;
  const wh = rng.array(H);

  for (const useRelu of [false, true]) {
    const a = rng.array(H, -2, 2);
    const L = (v: Float64Array) => dot(wh, rnnForwardRef(v, useRelu).h);
    fd(rnnBackwardRef(rnnForwardRef(a, useRelu).h, wh, undefined, useRelu).dA, numericGrad(L, a), `rnn relu=${useRelu}`);
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

test("rnnForward saturates without NaN on huge and infinite pre-activations", () => {
  withArena((ar) => {
    const { B, H, pre, hPrev, hNext, out, check } = saturating(ar);
    const g = pre(B * H);
    k().rnnForward(g, hPrev, hNext, out, H, B, H, false, 0, 0);
    check("rnnForward", [g, B * H], [hNext, B * H]);
  });
});

test.run();
