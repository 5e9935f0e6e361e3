// The library's one seeded generator, rng.ts: xoshiro128** seeded by splitmix32 (rngSeed, rngNext) against a
// TypeScript reference, and the draws built on it (rngFloat, rngUniform, rngNormal, dropoutMask).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { runtime } from "../../src/init.js";
import { initForTests } from "../helpers/setup.js";
import { withArena, type Arena } from "../helpers/reference.js";

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

test.run();
