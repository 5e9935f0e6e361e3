// tanhArray, sigmoidArray, reluArray and their backward kernels: tail sizes against float64, accuracy over a
// dense grid (the README quotes the printed maxima), saturation, NaN propagation and the relu conventions.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { runtime } from "../../src/init.js";
import { initForTests } from "../helpers/setup.js";
import { SIZES, Rng, sigmoid, tanh, relu, withArena, assertClose, assertSame, type Arena } from "../helpers/reference.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await initForTests();

const k = () => runtime().k;

type Unary = "tanhArray" | "sigmoidArray" | "reluArray";
type Backward = "tanhBackward" | "sigmoidBackward" | "reluBackward";

const FORWARD: [Unary, (x: number) => number][] = [["tanhArray", tanh], ["sigmoidArray", sigmoid], ["reluArray", relu]];

/** Runs a y = f(x) kernel on `xs` (f32) and returns y as float64. */
function apply(ar: Arena, name: Unary, xs: ArrayLike<number>): Float64Array {
  const x = ar.put(xs), y = ar.guarded(xs.length);
  k()[name](x, y, xs.length);
  ar.checkGuards(name);
  return ar.read(y, xs.length);
}

/** The same kernel one element at a time (n = 1): every element through the scalar tail path. */
function applyOneByOne(ar: Arena, name: Unary, xs: ArrayLike<number>): Float64Array {
  const x = ar.put(xs), y = ar.alloc(xs.length);
  for (let i = 0; i < xs.length; i++) k()[name](x + 4 * i, y + 4 * i, 1);
  return ar.read(y, xs.length);
}

/** Float64 grid points rounded to f32: the kernel sees exactly these. */
function grid(lo: number, hi: number, points: number): Float64Array {
  return Float64Array.from({ length: points }, (_, i) => Math.fround(lo + ((hi - lo) * i) / (points - 1)));
}

function maxAbsError(got: ArrayLike<number>, xs: ArrayLike<number>, f: (x: number) => number): { err: number; at: number } {
  let err = 0, at = NaN;
  for (let i = 0; i < xs.length; i++) {
    const e = Math.abs(got[i] - f(xs[i]));
    if (!(e <= err)) { err = e; at = xs[i]; }
    if (Number.isNaN(e)) break;
  }
  return { err, at };
}

// -------------------------------------------------------------------------------------- tail sizes ----

test("tanhArray, sigmoidArray, reluArray at every tail size, out of place and in place", () => {
  let seed = 1;
  for (const n of [...SIZES, 2, 4, 7, 8]) {
    for (const [name, f] of FORWARD) {
      withArena((ar) => {
        const xs = new Rng(seed++).array(n, -4, 4);
        const want = xs.map(f);
        assertClose(apply(ar, name, xs), want, `${name} n=${n}`, 1e-6, 1e-6);
        const x = ar.put(xs);
        k()[name](x, x, n);
        assertClose(ar.read(x, n), want, `${name} in place n=${n}`, 1e-6, 1e-6);
      });
    }
  }
});

test("tanhBackward, sigmoidBackward: dx = dy·(1 − y²), dy·y(1 − y) from the saved output, every tail size", () => {
  let seed = 100;
  const cases: [Backward, (x: number) => number, (y: number, dy: number) => number][] = [
    ["tanhBackward", tanh, (y, dy) => dy * (1 - y * y)],
    ["sigmoidBackward", sigmoid, (y, dy) => dy * y * (1 - y)],
  ];
  for (const n of SIZES) {
    for (const [name, f, df] of cases) {
      withArena((ar) => {
        const rng = new Rng(seed++);
        const ys = rng.array(n, -3, 3).map((x) => Math.fround(f(x))), dys = rng.array(n);
        const dx = ar.guarded(n);
        k()[name](ar.put(ys), ar.put(dys), dx, n);
        assertClose(ar.read(dx, n), ys.map((y, i) => df(y, dys[i])), `${name} n=${n}`);
        ar.checkGuards(name);
      });
    }
  }
});

test("reluBackward: dx = dy where y > 0, else exactly 0 (also at y = 0 and y = −0), every tail size", () => {
  let seed = 200;
  for (const n of SIZES) {
    withArena((ar) => {
      const rng = new Rng(seed++);
      // relu outputs: positive, or exactly zero (a third of them), or −0
      const ys = rng.array(n).map((v, i) => (i % 3 === 0 ? 0 : i % 5 === 0 ? -0 : relu(v)));
      const dys = rng.array(n), dx = ar.guarded(n);
      k().reluBackward(ar.put(ys), ar.put(dys), dx, n);
      const got = ar.read(dx, n);
      for (let i = 0; i < n; i++) {
        if (ys[i] > 0) assert.ok(got[i] === dys[i], `reluBackward n=${n} [${i}]: ${got[i]} ≠ dy ${dys[i]}`);
        else assert.ok(got[i] === 0, `reluBackward n=${n} [${i}] at y = ${ys[i]}: ${got[i]} ≠ 0`);
      }
      ar.checkGuards("reluBackward");
    });
  }
});

// --------------------------------------------------------------------------------------- accuracy ----

test("tanh and sigmoid: max abs error ≤ 1e-6 over 400 001 points of [-20, 20]", () => {
  withArena((ar) => {
    const xs = grid(-20, 20, 400_001);
    for (const [name, f, label] of [["tanhArray", tanh, "tanh"], ["sigmoidArray", sigmoid, "sigmoid"]] as const) {
      const { err, at } = maxAbsError(apply(ar, name, xs), xs, f);
      console.log(`  ${label} max abs error over [-20, 20]: ${err.toExponential(2)} (at x = ${at})`);
      assert.ok(err <= 1e-6, `${label}: max abs error ${err} at x = ${at}`);
    }
  });
});

test("tanh: max relative error over |x| in [1e-6, 0.3] (the series branch)", () => {
  withArena((ar) => {
    // 100 001 log-spaced magnitudes, both signs
    const mags = Float64Array.from({ length: 100_001 }, (_, i) => Math.fround(1e-6 * Math.pow(0.3 / 1e-6, i / 100_000)));
    const xs = Float64Array.from([...mags, ...mags.map((v) => -v)]);
    const got = apply(ar, "tanhArray", xs);
    let err = 0, at = NaN;
    for (let i = 0; i < xs.length; i++) {
      const want = tanh(xs[i]), e = Math.abs(got[i] - want) / Math.abs(want);
      if (!(e <= err)) { err = e; at = xs[i]; }
    }
    console.log(`  tanh max relative error over |x| in [1e-6, 0.3]: ${err.toExponential(2)} (at x = ${at})`);
    assert.ok(err <= 5e-7, `tanh: max relative error ${err} at x = ${at}`);
  });
});

test("the scalar tail path gives the vector path's bits (within 2 ulp in the relaxed build, whose lanes fuse multiply-adds)", () => {
  const fused = runtime().build === "relaxed";
  withArena((ar) => {
    const rng = new Rng(300);
    const xs = Float64Array.from({ length: 2000 }, (_, i) => (i < 1000 ? rng.uniform(-20, 20) : rng.uniform(-0.5, 0.5)));
    for (const [name] of FORWARD) {
      const one = applyOneByOne(ar, name, xs), vec = apply(ar, name, xs);
      if (!fused) assertSame(one, vec, `${name} n = 1 vs vector`);
      else one.forEach((v, i) => assert.ok(Math.abs(v - vec[i]) <= 2 * 2 ** -23 * Math.max(Math.abs(vec[i]), 2 ** -126), `${name}(${xs[i]}): ${v} vs ${vec[i]}`));
    }
  });
});

// ------------------------------------------------------------------------------------ special values ----

const HUGE = [Infinity, -Infinity, 100, -100, 1e30, -1e30];

/** Each special input through the vector path (first four of a group of six) and the scalar tail (n = 1). */
function bothPaths(ar: Arena, name: Unary, xs: number[]): Float64Array[] {
  const rotated = (r: number) => xs.map((_, i) => xs[(i + r) % xs.length]); // every value lands in a vector lane
  const vec = new Float64Array(xs.length);
  for (let r = 0; r < xs.length; r++) {
    const y = apply(ar, name, rotated(r));
    for (let i = 0; i < 4; i++) vec[(i + r) % xs.length] = y[i];
  }
  return [vec, applyOneByOne(ar, name, xs)];
}

test("saturation: ±Infinity, ±100, ±1e30 give exactly ±1 (tanh), exactly 1 / a subnormal ≥ 0 (sigmoid), no NaN", () => {
  withArena((ar) => {
    for (const y of bothPaths(ar, "tanhArray", HUGE)) HUGE.forEach((x, i) => assert.is(y[i], Math.sign(x), `tanh(${x})`));
    for (const y of bothPaths(ar, "sigmoidArray", HUGE)) {
      HUGE.forEach((x, i) => {
        if (x > 0) assert.is(y[i], 1, `sigmoid(${x})`);
        // exp is clamped at e^88 (2^n must stay a normal float), so the far negative tail is 1/(1 + e^88) ≈ 6e-39
        else assert.ok(y[i] >= 0 && y[i] < 2 ** -126, `sigmoid(${x}) = ${y[i]}: not below the smallest normal f32`);
      });
    }
  });
});

test("NaN in gives NaN out for tanh, sigmoid and relu (vector and scalar paths)", () => {
  withArena((ar) => {
    const xs = [NaN, 0.5, -NaN, -2, 3, NaN];
    for (const [name, f] of FORWARD) {
      for (const y of bothPaths(ar, name, xs)) {
        xs.forEach((x, i) => {
          if (Number.isNaN(x)) assert.ok(Number.isNaN(y[i]), `${name}(NaN) = ${y[i]}`);
          else assert.ok(Math.abs(y[i] - f(x)) <= 1e-6, `${name}(${x}) = ${y[i]}`);
        });
      }
    }
  });
});

test("relu: negatives, −0 and −Infinity give 0; positives pass unchanged; derivative at exactly 0 is 0", () => {
  withArena((ar) => {
    const xs = [-0, -1e-30, -Infinity, -3, 0, 1e-30, 7, Infinity].map(Math.fround);
    for (const y of bothPaths(ar, "reluArray", xs)) {
      xs.forEach((x, i) => assert.ok(y[i] === relu(x), `relu(${x}) = ${y[i]}`)); // −0 === 0: the sign is not checked
    }
    const dx = ar.alloc(3);
    k().reluBackward(ar.put([0, -0, 1e-30]), ar.put([5, 5, 5]), dx, 3);
    assertSame(ar.read(dx, 3), [0, 0, 5], "reluBackward at 0, −0, tiny positive");
  });
});

test.run();
