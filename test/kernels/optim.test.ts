// The optimizer kernels of optim.ts against float64 references: sumSquares (the gradient norm), scaleInPlace
// (clipping), sgdStep and adamStep (PyTorch's torch.optim.SGD, Adam and AdamW, called as src/train/optimizers.ts
// calls them, over several steps) and allFinite (the divergence check).
//
// Tolerances:
// - sumSquares: the SIMD builds add squares in eight f32 lanes over blocks of at most 4096 floats (≤ 512 terms
//   per lane, then a pairwise f32 add), so the error is at most ~513·2^-24 ≈ 3.1e-5 of the sum: held to 4e-5
//   (measured: 1.7e-7). The scalar build sums exact float64 squares in float64: held to 1e-12 (measured: 0).
// - scaleInPlace, allFinite: exact.
// - sgdStep, adamStep: a handful of f32 operations per element and step, no sums across elements. The
//   references take the hyperparameters rounded to f32, as the kernels receive them. Measured over five steps
//   on the three builds: ≤ 2.4e-7 absolute on weights, SGD buffers and first moments (values up to ~3),
//   ≤ 3e-7 relative on the second moment (never negative). Held to 1e-6 + 1e-6·|ref| (W_TOL) and 1e-6·|ref|
//   (V_TOL): a thousand times tighter than the house rule and far below the updates (lr = 0.01 … 0.1), so a
//   wrong term or a missing bias correction shows.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { runtime } from "../../src/init.js";
import { initForTests } from "../helpers/setup.js";
import { SIZES, Rng, withArena, assertClose, assertSame } from "../helpers/reference.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await initForTests();

const k = () => runtime().k;
const STEPS = 5;
const W_TOL = [1e-6, 1e-6] as const, V_TOL = [1e-30, 1e-6] as const;

// ---------------------------------------------------------------------------------------- sumSquares ----

test("sumSquares: Σ x² in f64 at every tail size and around the 4096-float blocks", () => {
  const simd = runtime().build !== "scalar";
  let seed = 1;
  for (const n of [0, ...SIZES, 7, 8, 9, 4095, 4096, 4097, 8200, 100_003]) {
    withArena((ar) => {
      const x = new Rng(seed++).array(n, -3, 3);
      const got = k().sumSquares(ar.put(x), n);
      const want = x.reduce((s, v) => s + v * v, 0);
      const tol = (simd ? 4e-5 : 1e-12) * want;
      assert.ok(Math.abs(got - want) <= tol, `sumSquares n=${n}: ${got}, reference ${want} (tolerance ${tol})`);
    });
  }
});

test("sumSquares: a NaN anywhere gives NaN, an infinity Infinity (vector lanes and tail)", () => {
  withArena((ar) => {
    for (const at of [0, 3, 7, 8, 4100, 4104]) {
      for (const [bad, want] of [[NaN, NaN], [Infinity, Infinity], [-Infinity, Infinity]]) {
        const x = new Float64Array(4105).fill(0.5);
        x[at] = bad;
        const got = k().sumSquares(ar.put(x), x.length);
        assert.ok(Object.is(got, want), `${bad} at ${at}: ${got}`);
      }
    }
  });
});

// -------------------------------------------------------------------------------------- scaleInPlace ----

test("scaleInPlace: x[i] = f32(x[i]·s) exactly, at every tail size", () => {
  let seed = 100;
  for (const n of [0, ...SIZES, 2, 4, 8]) {
    for (const s of [0.37, -2, 0, 1e-30]) {
      withArena((ar) => {
        const x = new Rng(seed++).array(n, -5, 5), ptr = ar.guarded(n, x), what = `scaleInPlace n=${n} s=${s}`;
        k().scaleInPlace(ptr, n, s);
        // two f32 multiply exactly in float64: one rounding gives the f32 product
        assertSame(ar.read(ptr, n), x.map((v) => Math.fround(v * Math.fround(s))), what);
        ar.checkGuards(what);
      });
    }
  }
});

// ------------------------------------------------------------------------------------------- sgdStep ----

interface SgdOptions { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean }

/** torch.optim.SGD, one step over float64 arrays (buf is updated in place). */
function sgdRef(p: Float64Array, g: Float64Array, buf: Float64Array, o: SgdOptions, first: boolean): void {
  for (let i = 0; i < p.length; i++) {
    let d = g[i] + o.weightDecay * p[i];
    if (o.momentum !== 0) {
      buf[i] = first ? d : o.momentum * buf[i] + (1 - o.dampening) * d;
      d = o.nesterov ? d + o.momentum * buf[i] : buf[i];
    }
    p[i] -= o.lr * d;
  }
}

const SGD_CASES: SgdOptions[] = [
  { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false },
  { lr: 0.05, momentum: 0, dampening: 0, weightDecay: 0.01, nesterov: false },
  { lr: 0.05, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false },
  { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01, nesterov: false },
  { lr: 0.05, momentum: 0.8, dampening: 0, weightDecay: 0.01, nesterov: true },
];

test("sgdStep: five steps of torch.optim.SGD (momentum, dampening, nesterov, weight decay; first step buf = g)", () => {
  let seed = 200;
  for (const o of SGD_CASES) {
    for (const n of SIZES) {
      withArena((ar) => {
        const rng = new Rng(seed++), what = `sgdStep n=${n} ${JSON.stringify(o)}`;
        const p = rng.array(n), buf = new Float64Array(n).fill(NaN); // the first step must not read buf
        const pPtr = ar.guarded(n, p), bufPtr = ar.guarded(n, buf);
        for (let t = 1; t <= STEPS; t++) {
          const g = rng.array(n), gPtr = ar.put(g);
          k().sgdStep(pPtr, gPtr, bufPtr, n, o.lr, o.momentum, o.dampening, o.weightDecay, o.nesterov, t === 1);
          sgdRef(p, g, buf, asF32(o), t === 1);
          assertClose(ar.read(pPtr, n), p, `${what} step ${t}: p`, ...W_TOL);
          if (o.momentum !== 0) assertClose(ar.read(bufPtr, n), buf, `${what} step ${t}: buf`, ...W_TOL);
          else assertSame(ar.read(bufPtr, n), buf, `${what} step ${t}: buf untouched without momentum`);
          assertSame(ar.read(gPtr, n), g, `${what} step ${t}: g read only`);
        }
        ar.checkGuards(what);
      });
    }
  }
});

test("sgdStep without momentum takes buf = 0 (no buffer)", () => {
  withArena((ar) => {
    const rng = new Rng(300), n = 17, p = rng.array(n), g = rng.array(n), pPtr = ar.put(p);
    k().sgdStep(pPtr, ar.put(g), 0, n, 0.1, 0, 0, 0.01, false, true);
    sgdRef(p, g, new Float64Array(n), asF32({ lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0.01, nesterov: false }), true);
    assertClose(ar.read(pPtr, n), p, "p", ...W_TOL);
  });
});

// ------------------------------------------------------------------------------------------ adamStep ----

interface AdamOptions { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean }

/**
 * torch.optim.Adam (decoupled = false: L2 through the gradient) / AdamW (decoupled), one step in float64, with
 * the bias corrections folded in as the kernel takes them: stepSize = lr / (1 − β1^t), bc2Sqrt = √(1 − β2^t).
 */
function adamRef(
  p: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, o: AdamOptions, stepSize: number, bc2Sqrt: number,
): void {
  for (let i = 0; i < p.length; i++) {
    let d = g[i];
    if (o.decoupled) p[i] *= 1 - o.lr * o.weightDecay;
    else d += o.weightDecay * p[i];
    m[i] = o.beta1 * m[i] + (1 - o.beta1) * d;
    v[i] = o.beta2 * v[i] + (1 - o.beta2) * d * d;
    p[i] -= stepSize * m[i] / (Math.sqrt(v[i]) / bc2Sqrt + o.eps);
  }
}

/**
 * The hyperparameters as the kernels receive them (f32 arguments). The references use these, so that only the
 * arithmetic is compared: 1 − f32(0.999), say, is 1.3e-5 (relative) away from 0.001.
 */
const asF32 = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).map(([key, v]) => [key, typeof v === "number" ? Math.fround(v) : v])) as T;

const ADAM_CASES: AdamOptions[] = [
  { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false },
  { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: false },
  { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: true },
  { lr: 0.05, beta1: 0.5, beta2: 0.9, eps: 1e-3, weightDecay: 0.01, decoupled: true },
];

test("adamStep: five steps of torch.optim.Adam (L2) and AdamW (decoupled), bias corrections as optimizers.ts passes them", () => {
  let seed = 400;
  for (const o of ADAM_CASES) {
    for (const n of SIZES) {
      withArena((ar) => {
        const rng = new Rng(seed++), what = `adamStep n=${n} ${JSON.stringify(o)}`;
        const p = rng.array(n), m = new Float64Array(n), v = new Float64Array(n);
        const pPtr = ar.guarded(n, p), mPtr = ar.guarded(n), vPtr = ar.guarded(n);
        for (let t = 1; t <= STEPS; t++) {
          // gradients of mixed scale, some exactly zero (v stays 0: the step must then be 0, not NaN)
          const g = rng.array(n).map((x, i) => (i % 5 === 4 ? 0 : Math.fround(x * 10 ** ((i % 3) - 1))));
          const gPtr = ar.put(g);
          // as src/train/optimizers.ts computes them
          const stepSize = o.lr / (1 - o.beta1 ** t), bc2Sqrt = Math.sqrt(1 - o.beta2 ** t);
          k().adamStep(pPtr, gPtr, mPtr, vPtr, n, o.lr, o.beta1, o.beta2, o.eps, o.weightDecay, o.decoupled, stepSize, bc2Sqrt);
          adamRef(p, g, m, v, asF32(o), Math.fround(stepSize), Math.fround(bc2Sqrt));
          assertClose(ar.read(pPtr, n), p, `${what} step ${t}: p`, ...W_TOL);
          assertClose(ar.read(mPtr, n), m, `${what} step ${t}: m`, ...W_TOL);
          assertClose(ar.read(vPtr, n), v, `${what} step ${t}: v`, ...V_TOL);
          assertSame(ar.read(gPtr, n), g, `${what} step ${t}: g read only`);
        }
        ar.checkGuards(what);
      });
    }
  }
});

// ----------------------------------------------------------------------------------------- allFinite ----

test("allFinite: 1 unless a NaN or ±Infinity is among the n floats (at any position), 0 then; −0, subnormals, ±f32 max are finite", () => {
  withArena((ar) => {
    const finite = [-0, 0, 2 ** -149, -(2 ** -126), 3.4028234663852886e38, -3.4028234663852886e38, 1, -7.5];
    assert.is(k().allFinite(ar.put(finite), finite.length), 1, "edge values");
    assert.is(k().allFinite(ar.put([]), 0), 1, "n = 0");
    for (const n of SIZES) {
      for (const bad of [NaN, Infinity, -Infinity]) {
        for (const at of [0, Math.floor(n / 2), n - 1]) {
          const x = new Rng(n).array(n);
          x[at] = bad;
          const ptr = ar.put(x);
          assert.is(k().allFinite(ptr, n), 0, `${bad} at ${at} of ${n}`);
          // the bad value just past n is not looked at
          if (at === n - 1) assert.is(k().allFinite(ptr, n - 1), 1, `${bad} at ${at}, n = ${n - 1}`);
        }
      }
    }
  });
});

test.run();
