// Backpropagation-through-time helpers (columnSums, fillRowsWithBias), the row movers of rows.ts (swapAxes01,
// copyBlock, addInPlace, zeroPadded), the weight-gradient GEMM pattern of the layers (dW = dGᵀ·X through
// packRows + gemm with a transposed A), and the xoshiro128** generator of rng.ts.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { runtime } from "../src/init.js";
import { initForTests } from "./helpers/setup.js";
import { SIZES, Rng, withArena, assertClose, assertSame, type Arena } from "./helpers/reference.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await initForTests();

const k = () => runtime().k;

/** A guarded [rows, ld] matrix of random values; returns its pointer and initial contents. */
function matrix(ar: Arena, rng: Rng, rows: number, ld: number): { ptr: number; init: Float64Array } {
  const init = rng.array(rows * ld);
  return { ptr: ar.guarded(rows * ld, init), init };
}

/** Elementwise expectation over a [rows, ld] buffer: want(r, c) for c < cols, the initial value beyond. */
function expectBlock(
  ar: Arena, m: { ptr: number; init: Float64Array }, rows: number, cols: number, ld: number,
  want: (r: number, c: number) => number, what: string, exact = true,
): void {
  const got = ar.read(m.ptr, m.init.length), expected = Float64Array.from(m.init);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) expected[r * ld + c] = want(r, c);
  if (exact) assertSame(got, expected, what);
  else assertClose(got, expected, what);
  ar.checkGuards(what);
}

// --------------------------------------------------------------------------------------- bptt.ts ----

test("columnSums: out[c] (+)= Σ_r A[r, c] over every rows × cols in the tail sizes, lda > cols", () => {
  let seed = 1;
  for (const rows of [0, ...SIZES]) {
    for (const cols of SIZES) {
      for (const accumulate of [false, true]) {
        withArena((ar) => {
          const rng = new Rng(seed++), lda = cols + 3, A = matrix(ar, rng, Math.max(rows, 1), lda), out = matrix(ar, rng, 1, cols);
          k().columnSums(A.ptr, rows, cols, lda, out.ptr, accumulate);
          const sum = (c: number) => {
            let s = accumulate ? out.init[c] : 0;
            for (let r = 0; r < rows; r++) s += A.init[r * lda + c];
            return s;
          };
          expectBlock(ar, out, 1, cols, cols, (_, c) => sum(c), `columnSums rows=${rows} cols=${cols} acc=${accumulate}`, false);
        });
      }
    }
  }
});

test("fillRowsWithBias: every row of P becomes b1 + b2, each of them a pointer or 0; nothing past cols", () => {
  let seed = 100;
  for (const rows of [0, 1, 3, 5]) {
    for (const cols of SIZES) {
      for (const [has1, has2] of [[false, false], [true, false], [false, true], [true, true]]) {
        withArena((ar) => {
          const rng = new Rng(seed++), ldp = cols + 4;
          const b1 = rng.array(cols), b2 = rng.array(cols), P = matrix(ar, rng, Math.max(rows, 1), ldp);
          k().fillRowsWithBias(P.ptr, rows, cols, ldp, has1 ? ar.put(b1) : 0, has2 ? ar.put(b2) : 0);
          const bias = (c: number) => Math.fround((has1 ? b1[c] : 0) + (has2 ? b2[c] : 0));
          expectBlock(ar, P, rows, cols, ldp, (_, c) => bias(c), `fillRowsWithBias rows=${rows} cols=${cols} b1=${has1} b2=${has2}`);
        });
      }
    }
  }
});

// --------------------------------------------------------------------------------------- rows.ts ----

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

// ------------------------------------------------------------------------ weight-gradient pattern ----

/**
 * dW[M, I] (+)= dGᵀ·X over TB rows, as the layers do it: X [TB, ldx] packed by packRows (K = TB, N = I), then
 * gemm with A = dGᵀ read in place (rsA = 1, csA = ldg) from columns [col, col + M) of dG [TB, ldg].
 */
function checkWeightGrad(M: number, I: number, TB: number, o: { ldg?: number; col?: number; ldx?: number; accumulate?: boolean }, seed: number): void {
  withArena((ar) => {
    const rng = new Rng(seed), ldg = o.ldg ?? M, col = o.col ?? 0, ldx = o.ldx ?? I, acc = o.accumulate ?? false;
    const what = `dW = dGᵀ·X M=${M} I=${I} TB=${TB} ldg=${ldg} col=${col} ldx=${ldx} acc=${acc}`;
    const dG = rng.array(TB * ldg), X = rng.array(TB * ldx);
    const packed = ar.guarded(k().packedSize(TB, I));
    k().packRows(ar.put(X), ldx, TB, I, packed);
    const dW = matrix(ar, rng, M, I);
    k().gemm(M, I, TB, ar.put(dG) + col * 4, 1, ldg, packed, dW.ptr, I, acc);
    expectBlock(ar, dW, M, I, I, (g, i) => {
      let s = acc ? dW.init[g * I + i] : 0;
      for (let t = 0; t < TB; t++) s += dG[t * ldg + col + g] * X[t * ldx + i];
      return s;
    }, what, false);
  });
}

test("BPTT weight gradient dW[GH, I] = dGᵀ·X via packRows + gemm(GH, I, TB, dG, 1, GH, …) at several sizes", () => {
  let seed = 600;
  for (const GH of [3, 12, 51, 195, 260]) {
    for (const I of SIZES) {
      for (const TB of [1, 5, 33, 300]) checkWeightGrad(GH, I, TB, {}, seed++);
    }
  }
});

test("BPTT weight gradient on a column range of dG (the GRU reset-before split) and a strided X, accumulating", () => {
  let seed = 700;
  for (const H of [1, 5, 17, 65]) {
    for (const TB of [3, 33, 300]) {
      // rows 0..2H of dW_hh from the r, z columns, then the n block from columns 2H..3H
      checkWeightGrad(2 * H, H, TB, { ldg: 3 * H, col: 0, ldx: H + 3 }, seed++);
      checkWeightGrad(H, H, TB, { ldg: 3 * H, col: 2 * H, ldx: H, accumulate: true }, seed++);
    }
  }
});

// ---------------------------------------------------------------------------------------- rng.ts ----

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
