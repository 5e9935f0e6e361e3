// The row movers of rows.ts (swapAxes01, copyBlock, addInPlace, zeroPadded, mulInPlace): exact, at every tail
// size, nothing written outside the rows they own.

import { test } from "uvu";
import { runtime } from "../../src/init.js";
import { initForTests } from "../helpers/setup.js";
import { SIZES, Rng, withArena, assertSame, matrix, expectBlock } from "../helpers/reference.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await initForTests();

const k = () => runtime().k;

test("swapAxes01: dst[j, i, :] = src[i, j, :] ([B,T,F] ↔ [T,B,F]), and twice is the identity", () => {
  let seed = 200;
  for (const n0 of [1, 3, 5]) {
    for (const n1 of [1, 2, 5]) {
      for (const width of SIZES) {
        withArena((ar) => {
          const rng = new Rng(seed++), what = `swapAxes01 ${n0}×${n1}×${width}`;
          const src = matrix(ar, rng, n0 * n1, width), dst = matrix(ar, rng, n1 * n0, width), back = matrix(ar, rng, n0 * n1, width);
          k().swapAxes01(src.ptr, dst.ptr, n0, n1, width);
          expectBlock(ar, dst, n1 * n0, width, width, (row, c) => {
            const j = Math.floor(row / n0), i = row % n0;
            return src.init[(i * n1 + j) * width + c];
          }, what);
          k().swapAxes01(dst.ptr, back.ptr, n1, n0, width);
          assertSame(ar.read(back.ptr, n0 * n1 * width), src.init, `${what}: round trip`);
        });
      }
    }
  }
});

test("copyBlock: a rows × cols block between strides lds and ldd, nothing else written", () => {
  let seed = 300;
  for (const rows of [1, 3, 5]) {
    for (const cols of SIZES) {
      withArena((ar) => {
        const rng = new Rng(seed++), lds = cols + 2, ldd = cols + 5;
        const src = matrix(ar, rng, rows, lds), dst = matrix(ar, rng, rows, ldd);
        k().copyBlock(src.ptr, lds, dst.ptr, ldd, rows, cols);
        expectBlock(ar, dst, rows, cols, ldd, (r, c) => src.init[r * lds + c], `copyBlock ${rows}×${cols}`);
      });
    }
  }
});

test("addInPlace: dst[i] += src[i] at every tail size", () => {
  let seed = 400;
  for (const n of [...SIZES, 0]) {
    withArena((ar) => {
      const rng = new Rng(seed++), src = rng.array(n), dst = matrix(ar, rng, 1, n);
      k().addInPlace(dst.ptr, ar.put(src), n);
      expectBlock(ar, dst, 1, n, n, (_, i) => Math.fround(dst.init[i] + src[i]), `addInPlace n=${n}`);
    });
  }
});

test("zeroPadded: rows with t ≥ lens[b] of a [T, B, width] tensor (stride ld) become 0, the rest is untouched", () => {
  let seed = 500;
  const T = 4, lengths = [4, 1, 2, 3, 1];
  for (const B of [1, 3, 5]) {
    for (const width of SIZES) {
      withArena((ar) => {
        const rng = new Rng(seed++), ld = width + 2, x = matrix(ar, rng, T * B, ld);
        k().zeroPadded(x.ptr, T, B, width, ld, ar.putI32(lengths.slice(0, B)));
        expectBlock(ar, x, T * B, width, ld, (row, c) => {
          const t = Math.floor(row / B), b = row % B;
          return t >= lengths[b] ? 0 : x.init[row * ld + c];
        }, `zeroPadded B=${B} width=${width}`);
      });
    }
  }
});

test("mulInPlace: x[i] *= m[i], the f32 product exactly, at every tail size", () => {
  let seed = 600;
  for (const n of [...SIZES, 0, 2, 4, 8]) {
    withArena((ar) => {
      const rng = new Rng(seed++), m = rng.array(n, -2, 2), x = matrix(ar, rng, 1, n);
      k().mulInPlace(x.ptr, ar.put(m), n);
      // a product of two f32 is exact in float64, so one rounding gives the f32 product
      expectBlock(ar, x, 1, n, n, (_, i) => Math.fround(x.init[i] * m[i]), `mulInPlace n=${n}`);
    });
  }
});

test("mulInPlace with a dropout mask (0 or 1/(1 − p)): dropped entries become ±0, also where x is huge or subnormal", () => {
  withArena((ar) => {
    const keep = Math.fround(1 / Math.fround(1 - Math.fround(0.3)));
    const xs = [1e30, -3, 2 ** -140, -(2 ** -149), 0.5, -0, 7, 1e-30, -1e30].map(Math.fround);
    const masks = xs.map((_, i) => (i % 2 === 0 ? 0 : keep));
    const x = ar.guarded(xs.length, xs);
    k().mulInPlace(x, ar.put(masks), xs.length);
    assertSame(ar.read(x, xs.length), xs.map((v, i) => Math.fround(v * masks[i])), "masked");
    ar.checkGuards("mulInPlace masked");
  });
});

test.run();
