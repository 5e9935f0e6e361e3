// The losses of loss.ts against float64: softmax cross-entropy (softmaxCrossEntropy, fused with its gradient;
// crossEntropyRows with class weights and an ignored target; softmaxRow for sampling), squared error and
// Huber loss with row masks, at vocabulary sizes that hit every SIMD tail, with row strides ld > V (NaN in the columns
// past V), and on rows whose logits are huge, infinite or all equal.
//
// Tolerances, tighter than the house rule (1e-4 + 1e-3·|ref|) because nothing here accumulates across many
// products: the loss is a float64 sum of per-row log-sum-exps, probabilities and gradients carry the f32 exp
// (a few ulps; the relaxed build fuses its multiply-adds, which changes last bits only) and an f32 sum over V.
// Measured on the three builds up to V = 5000: ≤ 4e-8 relative for the loss, ≤ 4e-7 for probabilities and
// gradients. Held to 1e-6·(1 + |ref|) (LOSS) and 1e-7 + 1e-5·|ref| (PROB): a margin of 20 or more.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { runtime } from "../../src/init.js";
import { initForTests } from "../helpers/setup.js";
import { SIZES, Rng, withArena, assertClose, assertSame, type Arena } from "../helpers/reference.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await initForTests();

const k = () => runtime().k;
const VS = [...SIZES, 2, 4, 1000];
const LOSS = [1e-6, 1e-6] as const, PROB = [1e-7, 1e-5] as const;

/** softmax(x·invTemp) (shifted by the max, as the kernel does) and the cross-entropy −log softmax(x)[target]. */
function softmaxRef(x: ArrayLike<number>, target = 0, invTemp = 1): { probs: Float64Array; loss: number } {
  let m = -Infinity;
  for (let j = 0; j < x.length; j++) m = Math.max(m, x[j]);
  const e = Float64Array.from(x, (v) => Math.exp((v - m) * invTemp));
  const sum = e.reduce((a, b) => a + b, 0);
  return { probs: e.map((v) => v / sum), loss: Math.log(sum) + m - x[target] };
}

/** A [rows, ld] logits matrix: V random values per row, NaN in the ld − V columns past them. */
function logitsMatrix(rng: Rng, rows: number, V: number, ld: number, spread = 4): Float64Array {
  return Float64Array.from({ length: rows * ld }, (_, i) => (i % ld < V ? rng.uniform(-spread, spread) : NaN));
}

const row = (x: Float64Array, r: number, V: number, ld: number) => x.subarray(r * ld, r * ld + V);

/** The reference loss Σ_r and gradient rows (softmax − onehot)·scale, dense [rows, V]. */
function crossEntropyRef(x: Float64Array, targets: number[], V: number, ld: number, scale: number) {
  let loss = 0;
  const grad = new Float64Array(targets.length * V);
  targets.forEach((t, r) => {
    const s = softmaxRef(row(x, r, V, ld), t);
    loss += s.loss;
    s.probs.forEach((p, j) => (grad[r * V + j] = (p - (j === t ? 1 : 0)) * scale));
  });
  return { loss, grad };
}

/** Columns [0, V) of each row of a [rows, ld] buffer, dense. */
function readRows(ar: Arena, ptr: number, rows: number, V: number, ld: number): Float64Array {
  const all = ar.read(ptr, rows * ld), out = new Float64Array(rows * V);
  for (let r = 0; r < rows; r++) out.set(row(all, r, V, ld), r * V);
  return out;
}

test("softmaxCrossEntropy: Σ per-row losses (f64) and dlogits = (softmax − onehot)·scale, every V, ld > V, NaN past V", () => {
  let seed = 1;
  for (const V of VS) {
    for (const rows of [1, 3, 5]) {
      withArena((ar) => {
        const rng = new Rng(seed++), ld = V + 3, scale = 1 / rows, what = `V=${V} rows=${rows}`;
        const x = logitsMatrix(rng, rows, V, ld), targets = Array.from({ length: rows }, () => rng.int(V));
        const ref = crossEntropyRef(x, targets, V, ld, scale);
        const logits = ar.guarded(rows * ld, x), tgt = ar.putI32(targets);
        const d0 = rng.array(rows * ld), dlogits = ar.guarded(rows * ld, d0);

        assertClose([k().softmaxCrossEntropy(logits, tgt, rows, V, ld, 0, scale)], [ref.loss], `${what}: loss without gradient`, ...LOSS);
        assertSame(ar.read(logits, rows * ld), x, `${what}: logits read only`);

        assertClose([k().softmaxCrossEntropy(logits, tgt, rows, V, ld, dlogits, scale)], [ref.loss], `${what}: loss`, ...LOSS);
        assertClose(readRows(ar, dlogits, rows, V, ld), ref.grad, `${what}: dlogits`, PROB[0] * scale, PROB[1]);
        const after = ar.read(dlogits, rows * ld);
        for (let i = 0; i < after.length; i++) {
          if (i % ld >= V && !Object.is(after[i], d0[i])) assert.unreachable(`${what}: dlogits column ${i % ld} past V written`);
        }
        assertSame(ar.read(logits, rows * ld), x, `${what}: logits unchanged by the gradient`);

        // in place: dlogits = logits (the language model's way); the NaN past V stays untouched
        assertClose([k().softmaxCrossEntropy(logits, tgt, rows, V, ld, logits, scale)], [ref.loss], `${what}: loss in place`, ...LOSS);
        assertClose(readRows(ar, logits, rows, V, ld), ref.grad, `${what}: dlogits in place`, PROB[0] * scale, PROB[1]);
        ar.read(logits, rows * ld).forEach((v, i) => {
          if (i % ld >= V && !Number.isNaN(v)) assert.unreachable(`${what}: in place wrote ${v} past V`);
        });
        ar.checkGuards(what);
      });
    }
  }
});

test("softmaxCrossEntropy stays finite on huge, infinite and equal logits (shifted by the row max)", () => {
  const rows: [number[], number][] = [
    [[1e4, -1e4, 0, 5, -3], 1], // −log of e^-20000: a loss of 2e4, gradient (1, −1, 0, …)
    [[3e38, -3e38], 1], // a difference of 6e38: finite in f64 only
    [[3e38, -3e38], 0],
    [new Array(17).fill(88.7), 5], // near f32's exp overflow, all equal: log 17
    [[-Infinity, 0, 1, -Infinity, 2], 2],
    [[1e30, 1, 2, 3, 4, 5, 6, 7, 8], 0],
    [Array.from({ length: 65 }, (_, j) => (j % 2 ? 1e20 : -1e20)), 64],
  ];
  withArena((ar) => {
    for (const [values, t] of rows) {
      const V = values.length, x = Float64Array.from(values, Math.fround), what = `[${values.slice(0, 5)}${V > 5 ? ", …" : ""}] target ${t}`;
      const ref = crossEntropyRef(x, [t], V, V, 1), dlogits = ar.alloc(V);
      const loss = k().softmaxCrossEntropy(ar.put(x), ar.putI32([t]), 1, V, V, dlogits, 1);
      assert.ok(Number.isFinite(loss), `${what}: loss ${loss}`);
      assertClose([loss], [ref.loss], `${what}: loss`, ...LOSS);
      const grad = ar.read(dlogits, V);
      grad.forEach((g, j) => assert.ok(Number.isFinite(g), `${what}: dlogits[${j}] = ${g}`));
      assertClose(grad, ref.grad, `${what}: dlogits`, ...PROB);
    }
  });
});

test("softmaxRow: probs = softmax(logits·invTemp) at every V and temperature, also in place; sums to 1", () => {
  let seed = 100;
  for (const V of VS) {
    for (const invTemp of [1, 0.5, 2, 10]) {
      withArena((ar) => {
        const rng = new Rng(seed++), x = rng.array(V, -5, 5), what = `softmaxRow V=${V} invTemp=${invTemp}`;
        const want = softmaxRef(x, 0, Math.fround(invTemp)).probs;
        const probs = ar.guarded(V), logits = ar.guarded(V, x);
        k().softmaxRow(logits, probs, V, invTemp);
        const got = ar.read(probs, V);
        assertClose(got, want, what, ...PROB);
        assertSame(ar.read(logits, V), x, `${what}: logits read only`);
        assert.ok(Math.abs(got.reduce((a, b) => a + b, 0) - 1) <= 1e-5, `${what}: Σ probs = ${got.reduce((a, b) => a + b, 0)}`);
        k().softmaxRow(logits, logits, V, invTemp);
        assertClose(ar.read(logits, V), want, `${what} in place`, ...PROB);
        ar.checkGuards(what);
      });
    }
  }
});

test("softmaxRow stays finite on huge and infinite logits and a high inverse temperature", () => {
  withArena((ar) => {
    const cases: [number[], number][] = [
      [[1e30, 0, -1e30], 1],
      [[-Infinity, 3, 3, -Infinity, 1], 1],
      [[20, -20, 0, 19.5, 7], 10],
      [new Array(33).fill(-1e30), 1],
    ];
    for (const [values, invTemp] of cases) {
      const V = values.length, x = Float64Array.from(values, Math.fround), probs = ar.alloc(V), what = `softmaxRow [${values.slice(0, 5)}] invTemp=${invTemp}`;
      k().softmaxRow(ar.put(x), probs, V, invTemp);
      const got = ar.read(probs, V);
      got.forEach((p, j) => assert.ok(Number.isFinite(p) && p >= 0, `${what}: probs[${j}] = ${p}`));
      assertClose(got, softmaxRef(x, 0, invTemp).probs, what, ...PROB);
    }
  });
});

test("crossEntropyRows: class weights, ignored rows (gradient 0), every C, ld > C; without weights it equals softmaxCrossEntropy", () => {
  let seed = 300;
  for (const C of [2, 3, 5, 17, 33]) {
    withArena((ar) => {
      const rng = new Rng(seed++), rows = 6, ld = C + 2, ignore = -100, what = `C=${C}`;
      const x = logitsMatrix(rng, rows, C, ld);
      const targets = Array.from({ length: rows }, (_, r) => (r % 3 === 1 ? ignore : rng.int(C)));
      const weights = rng.array(C, 0.2, 3);
      let wsum = 0, loss = 0;
      const grad = new Float64Array(rows * C);
      targets.forEach((t, r) => { if (t !== ignore) wsum += Math.fround(weights[t]); });
      const scale = Math.fround(1 / wsum);
      targets.forEach((t, r) => {
        if (t === ignore) return;
        const w = Math.fround(weights[t]), s = softmaxRef(row(x, r, C, ld), t);
        loss += w * s.loss;
        s.probs.forEach((p, j) => (grad[r * C + j] = w * (p - (j === t ? 1 : 0)) * scale));
      });
      const logits = ar.guarded(rows * ld, x), tgt = ar.putI32(targets), wts = ar.put(weights);
      const dlogits = ar.guarded(rows * ld, rng.array(rows * ld));
      assertClose([k().crossEntropyRows(logits, tgt, rows, C, ld, wts, ignore, dlogits, scale)], [loss], `${what}: weighted loss`, ...LOSS);
      assertClose(readRows(ar, dlogits, rows, C, ld), grad, `${what}: weighted dlogits (0 on ignored rows)`, PROB[0], PROB[1]);
      // no weights, no ignored rows: the language model's kernel, bit for bit
      const all = Array.from({ length: rows }, () => rng.int(C)), t2 = ar.putI32(all);
      const d1 = ar.alloc(rows * ld), d2 = ar.alloc(rows * ld);
      const a = k().crossEntropyRows(logits, t2, rows, C, ld, 0, ignore, d1, 0.25);
      const b = k().softmaxCrossEntropy(logits, t2, rows, C, ld, d2, 0.25);
      assert.is(a, b, `${what}: same loss`);
      assertSame(readRows(ar, d1, rows, C, ld), readRows(ar, d2, rows, C, ld), `${what}: same gradient`);
      ar.checkGuards(what);
    });
  }
});

/** Σ over unmasked rows of f(p − t) and the gradient rows g(p − t)·scale, masked rows 0. */
function elementwiseRef(p: Float64Array, t: Float64Array, rows: number, cols: number, ld: number, mask: number[] | null, f: (d: number) => number, g: (d: number) => number, scale: number) {
  let sum = 0;
  const grad = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) {
    const on = !mask || mask[r] !== 0, d = Math.fround(p[r * ld + j] - t[r * cols + j]);
    if (on) sum += f(d);
    grad[r * cols + j] = on ? g(d) * scale : 0;
  }
  return { sum, grad };
}

test("squaredError and huberLoss: sums over unmasked rows (f64), gradients scaled and 0 on masked rows, pred strided", () => {
  let seed = 400;
  for (const cols of [1, 2, 5, 17]) {
    for (const masked of [false, true]) {
      withArena((ar) => {
        const rng = new Rng(seed++), rows = 7, ld = cols + 1, scale = Math.fround(1 / (rows * cols)), what = `cols=${cols}${masked ? " masked" : ""}`;
        const p = rng.array(rows * ld, -3, 3), t = rng.array(rows * cols, -3, 3);
        const mask = masked ? Array.from({ length: rows }, (_, r) => (r % 3 === 2 ? 0 : 1)) : null;
        const pred = ar.put(p), target = ar.put(t), m = mask ? ar.putI32(mask) : 0;
        const se = elementwiseRef(p, t, rows, cols, ld, mask, (d) => d * d, (d) => 2 * d, scale);
        const d1 = ar.guarded(rows * ld);
        assertClose([k().squaredError(pred, target, rows, cols, ld, m, d1, scale)], [se.sum], `${what}: squared error`, 1e-6, 1e-6);
        assertClose(readRows(ar, d1, rows, cols, ld), se.grad, `${what}: its gradient`, 1e-7, 1e-6);
        assertClose([k().squaredError(pred, target, rows, cols, ld, m, 0, scale)], [se.sum], `${what}: without gradient`, 1e-6, 1e-6);
        for (const delta of [1, 0.5, 2.5]) {
          const δ = Math.fround(delta);
          const hu = elementwiseRef(p, t, rows, cols, ld, mask, (d) => (Math.abs(d) <= δ ? 0.5 * d * d : δ * (Math.abs(d) - 0.5 * δ)), (d) => (Math.abs(d) <= δ ? d : Math.sign(d) * δ), scale);
          const d2 = ar.guarded(rows * ld);
          assertClose([k().huberLoss(pred, target, rows, cols, ld, m, delta, d2, scale)], [hu.sum], `${what}: huber δ=${delta}`, 1e-6, 1e-6);
          assertClose(readRows(ar, d2, rows, cols, ld), hu.grad, `${what}: huber δ=${delta} gradient`, 1e-7, 1e-6);
        }
        ar.checkGuards(what);
      });
    }
  }
});

test.run();
