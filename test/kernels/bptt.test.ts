// Backpropagation-through-time helpers of bptt.ts (columnSums, fillRowsWithBias) and the weight-gradient GEMM
// pattern of the layers (dW = dGᵀ·X through packRows + gemm with a transposed A).

import { test } from "uvu";
import { runtime } from "../../src/init.js";
import { initForTests } from "../helpers/setup.js";
import { SIZES, Rng, withArena, matrix, expectBlock } from "../helpers/reference.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await initForTests();

const k = () => runtime().k;

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

test.run();
