// The library's one seeded generator, rng.ts: xoshiro128** seeded by splitmix32 (rngSeed, rngNext) against a
// TypeScript reference, and the draws built on it (rngFloat, rngUniform, rngNormal, dropoutMask).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { runtime } from "../../src/init.js";
import { initForTests } from "../helpers/setup.js";
import { SIZES, withArena, assertSame, type Arena } from "../helpers/reference.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await initForTests();

const k = () => runtime().k;

/** xoshiro128** seeded through splitmix32, as rng.ts documents it: a float64-free TypeScript reference. */
class Xoshiro {
  private readonly s = new Uint32Array(4);

  constructor(lo: number, hi: number) {
    let z = (lo ^ Math.imul(hi, 0x9e3779b9)) >>> 0;
    for (let i = 0; i < 4; i++) {
      z = (z + 0x9e3779b9) >>> 0;
      let x = z;
      x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
      x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
      this.s[i] = x ^ (x >>> 16);
    }
  }

  next(): number {
    const s = this.s, rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** rngFloat's double: 27 + 26 bits of two words. */
  float(): number {
    return ((this.next() >>> 5) * 2 ** 26 + (this.next() >>> 6)) * 2 ** -53;
  }

  /** The 24-bit uniform of rngUniform and dropoutMask: the top bits of one word. */
  u24(): number {
    return (this.next() >>> 8) / 2 ** 24;
  }
}

/** A fresh seeded state in linear memory. */
function seeded(ar: Arena, lo: number, hi = 0): number {
  const state = ar.alloc(4);
  k().rngSeed(state, lo, hi);
  return state;
}

test("rngSeed / rngNext follow xoshiro128** seeded by splitmix32 (32-bit words, as u32)", () => {
  withArena((ar) => {
    for (const [lo, hi] of [[0, 0], [1, 0], [42, 0], [0xffffffff, 0], [123456789, 987654], [0, 1]]) {
      const state = seeded(ar, lo, hi), ref = new Xoshiro(lo, hi);
      const words = runtime().heap.u32(state, 4);
      assert.ok(words.some((w) => w !== 0), `seed (${lo}, ${hi}): all-zero state`);
      for (let i = 0; i < 1000; i++) {
        const got = k().rngNext(state) >>> 0; // a u32 result arrives as a signed i32
        const want = ref.next();
        if (got !== want) assert.unreachable(`seed (${lo}, ${hi}) draw ${i}: ${got}, reference ${want}`);
      }
    }
  });
});

test("same seed → same sequence; different seeds (low or high word) differ", () => {
  withArena((ar) => {
    const draw = (lo: number, hi: number) => {
      const s = seeded(ar, lo, hi);
      return Array.from({ length: 64 }, () => k().rngNext(s) >>> 0);
    };
    assert.equal(draw(7, 3), draw(7, 3));
    const seqs = [draw(7, 3), draw(8, 3), draw(7, 4), draw(0, 0), draw(0, 1)];
    for (let i = 0; i < seqs.length; i++) {
      for (let j = i + 1; j < seqs.length; j++) assert.not.equal(seqs[i], seqs[j], `seeds ${i} and ${j} gave the same sequence`);
    }
    const f1 = seeded(ar, 5), f2 = seeded(ar, 5);
    for (let i = 0; i < 100; i++) assert.is(k().rngFloat(f1), k().rngFloat(f2));
  });
});

test("rngFloat: 53-bit doubles in [0, 1), mean ≈ 1/2 over 100 000 draws, built from two rngNext words", () => {
  withArena((ar) => {
    const state = seeded(ar, 2024), ref = new Xoshiro(2024, 0);
    let sum = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const u = k().rngFloat(state);
      assert.ok(u >= 0 && u < 1, `rngFloat gave ${u}`);
      if (i < 100) assert.is(u, ((ref.next() >>> 5) * 2 ** 26 + (ref.next() >>> 6)) * 2 ** -53, `draw ${i}`);
      sum += u;
    }
    // the mean of n uniforms has standard deviation 1/√(12n) ≈ 9e-4: allow 5 of them
    assert.ok(Math.abs(sum / n - 0.5) < 5 / Math.sqrt(12 * n), `mean ${sum / n}`);
  });
});

test("rngUniform: n floats in [lo, hi), mean ≈ (lo + hi)/2 over 100 000 draws, same stream as rngNext", () => {
  const n = 100_000;
  for (const [lo, hi] of [[-1, 1], [0, 1], [-0.125, 0.125], [-3, 0.5], [2, 7]]) {
    withArena((ar) => {
      const state = seeded(ar, 99), out = ar.guarded(n);
      k().rngUniform(state, out, n, lo, hi);
      ar.checkGuards(`rngUniform [${lo}, ${hi})`);
      const got = ar.read(out, n), ref = new Xoshiro(99, 0), span = Math.fround(hi - lo);
      let sum = 0;
      for (let i = 0; i < n; i++) {
        assert.ok(got[i] >= lo && got[i] < hi, `rngUniform [${lo}, ${hi}) gave ${got[i]}`);
        if (i < 100) {
          const u = (ref.next() >>> 8) / 2 ** 24;
          assert.is(got[i], Math.fround(lo + Math.fround(span * u)), `[${lo}, ${hi}) draw ${i}`);
        }
        sum += got[i];
      }
      const sd = (hi - lo) / Math.sqrt(12 * n);
      assert.ok(Math.abs(sum / n - (lo + hi) / 2) < 5 * sd, `[${lo}, ${hi}): mean ${sum / n}`);
    });
  }
});

test("rngNext from a state set word by word gives the outputs and states of the reference C code (xoshiro128starstar.c)", () => {
  withArena((ar) => {
    // a known-answer vector of the reference implementation: state, then (output, state after) per step
    const steps: [number, number[]][] = [
      [0xf1391922, [0x72410269, 0xef382c52, 0x2e43bec7, 0x62432f20]],
      [0x6fe53806, [0xff3a011b, 0xb33a90fc, 0x2c5a18ae, 0xd81b946b]],
      [0xa5be2840, [0x941b058c, 0x605a8949, 0xa641e1b5, 0x0824bb59]],
      [0xf510ee70, [0xfc65379c, 0x52006d70, 0x87487639, 0xf1908343]],
    ];
    const state = ar.alloc(4);
    runtime().heap.u32(state, 4).set([0x964d4a0c, 0xd40ab895, 0xad7fdecb, 0x3006f0f0]);
    steps.forEach(([output, after], i) => {
      assert.is(k().rngNext(state) >>> 0, output, `output ${i}`);
      assert.equal(Array.from(runtime().heap.u32(state, 4)), after, `state after step ${i}`);
    });
  });
});

/** |got − want| ≤ tol[i] everywhere. */
function assertWithin(got: ArrayLike<number>, want: number[], tol: number[], what: string): void {
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol[i])) assert.unreachable(`${what} [${i}]: ${got[i]}, reference ${want[i]} (tolerance ${tol[i]})`);
  }
}

test("rngNormal: Box–Muller on pairs (u1 = 1 − rngFloat, u2 = rngFloat; cos, then sin) to f32 rounding; odd n spends a whole pair", () => {
  let seed = 500;
  for (const n of [...SIZES, 2, 4]) {
    for (const [mean, std] of [[0, 1], [2.5, 0.5], [-1, 3]]) {
      withArena((ar) => {
        const state = seeded(ar, seed), ref = new Xoshiro(seed++, 0), out = ar.guarded(n), what = `rngNormal n=${n} N(${mean}, ${std}²)`;
        k().rngNormal(state, out, n, mean, std);
        ar.checkGuards(what);
        const want: number[] = [], tol: number[] = [];
        for (let i = 0; i < n; i += 2) {
          const u1 = 1 - ref.float(), u2 = ref.float();
          const r = Math.sqrt(-2 * Math.log(u1)), angle = 2 * Math.PI * u2;
          for (const [j, z] of [[i, r * Math.cos(angle)], [i + 1, r * Math.sin(angle)]]) {
            if (j >= n) continue;
            want[j] = mean + std * z;
            // the f32 rounding (half an ulp) plus the float64 log / cos / sin of AssemblyScript vs V8 (≲ 1 ulp each)
            tol[j] = 2 ** -24 * Math.abs(want[j]) + 2 ** -40 * (Math.abs(mean) + std * Math.abs(z));
          }
        }
        assertWithin(ar.read(out, n), want, tol, what);
        assert.is(k().rngNext(state) >>> 0, ref.next(), `${what}: the stream after it`);
      });
    }
  }
});

test("rngNormal: 200 000 draws of N(0.5, 2²) have the mean, variance and 1σ / 2σ fractions of a normal (5 standard errors)", () => {
  withArena((ar) => {
    const n = 200_000, mean = 0.5, std = 2, state = seeded(ar, 4242), out = ar.alloc(n);
    k().rngNormal(state, out, n, mean, std);
    const z = ar.read(out, n).map((x) => (x - mean) / std);
    let sum = 0, sq = 0, in1 = 0, in2 = 0, max = 0;
    for (const v of z) {
      sum += v; sq += v * v; max = Math.max(max, Math.abs(v));
      if (Math.abs(v) < 1) in1++;
      if (Math.abs(v) < 2) in2++;
    }
    const m = sum / n, variance = sq / n - m * m;
    assert.ok(Math.abs(m) < 5 / Math.sqrt(n), `mean of z ${m}`); // standard error 1/√n
    assert.ok(Math.abs(variance - 1) < 5 * Math.sqrt(2 / n), `variance of z ${variance}`); // standard error √(2/n)
    for (const [count, p, k] of [[in1, 0.6826894921370859, 1], [in2, 0.9544997361036416, 2]]) {
      assert.ok(Math.abs(count / n - p) < 5 * Math.sqrt((p * (1 - p)) / n), `fraction within ${k}σ: ${count / n}, expected ${p}`);
    }
    // u1 ≥ 2^-53 bounds the radius: |z| ≤ √(2·53·ln 2) ≈ 8.57
    assert.ok(max <= Math.sqrt(2 * 53 * Math.LN2) + 1e-6, `max |z| = ${max}`);
  });
});

test("dropoutMask: each entry exactly 0 (u < p) or 1/(1 − p) in f32, u the top 24 bits of one word; every tail size", () => {
  let seed = 700;
  for (const n of [...SIZES, 2, 4]) {
    for (const p of [0, 0.1, 0.5, 0.9]) {
      withArena((ar) => {
        const state = seeded(ar, seed), ref = new Xoshiro(seed++, 0), mask = ar.guarded(n), what = `dropoutMask n=${n} p=${p}`;
        k().dropoutMask(state, mask, n, p);
        ar.checkGuards(what);
        const pf = Math.fround(p), keep = Math.fround(1 / Math.fround(1 - pf));
        assertSame(ar.read(mask, n), Array.from({ length: n }, () => (ref.u24() < pf ? 0 : keep)), what);
        assert.is(k().rngNext(state) >>> 0, ref.next(), `${what}: the stream after it`);
      });
    }
  }
});

test("dropoutMask: the kept fraction of 100 000 entries is 1 − p within 5 binomial standard deviations", () => {
  for (const p of [0.05, 0.3, 0.5, 0.8]) {
    withArena((ar) => {
      const n = 100_000, mask = ar.alloc(n);
      k().dropoutMask(seeded(ar, 31), mask, n, p);
      const kept = ar.read(mask, n).filter((v) => v !== 0).length / n;
      assert.ok(Math.abs(kept - (1 - p)) < 5 * Math.sqrt((p * (1 - p)) / n), `p=${p}: kept ${kept}`);
    });
  }
});

test.run();
