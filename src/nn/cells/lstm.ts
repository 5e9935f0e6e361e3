// LSTM, gates i, f, g, o: c_t = f⊙c_{t-1} + i⊙g, h_t = o⊙tanh(c_t). hard: i, f, o are hard sigmoids.

import { type Cell, gatesAt, stateAt, cellAt, outAt } from "./cell.js";

export function lstmCell(hard: boolean): Cell {
  return {
    G: 4,
    usesAux: false,
    usesCells: true,
    usesDGhh: false,
    forwardPacks: (H) => [
      { name: "wihT", source: "wih", firstRow: 0, rows: 4 * H, layout: "T" },
      { name: "whhT", source: "whh", firstRow: 0, rows: 4 * H, layout: "T" },
    ],
    backwardPacks: (H) => [
      { name: "wihN", source: "wih", firstRow: 0, rows: 4 * H, layout: "N" },
      { name: "whhN", source: "whh", firstRow: 0, rows: 4 * H, layout: "N" },
    ],
    inputBiases: (r) => [r.bih, r.bhh],
    stepForward(r, t, prev, next, zeroState) {
      const gates = gatesAt(r, t), hPrev = stateAt(r, prev);
      // += h_{t-1}·W_hhᵀ (nothing to add for a zero state: the product's sums are +0, and G + 0 = G)
      if (!zeroState) r.ops.matmul({ C: gates, A: hPrev, B: r.packs.whhT, accumulate: true });
      r.ops.lstmForward({ gates, hPrev, cPrev: cellAt(r, prev), hNext: stateAt(r, next), cNext: cellAt(r, next), out: outAt(r, t), lens: r.lens, t, hard });
    },
    stepBackward(r, t, prev, next, dh, dc, dOut) {
      const gates = gatesAt(r, t);
      r.ops.lstmBackward({ gates, cPrev: cellAt(r, prev), cNext: cellAt(r, next), dh, dc, dOut, lens: r.lens, t, hard });
      r.ops.matmul({ C: dh, A: gates, B: r.packs.whhN, accumulate: true }); // dh_{t-1} += dA·W_hh
    },
    recurrentGrads(r, grad, hPrev, gWhh, gBhh, gBih) {
      grad(r.gates, hPrev, gWhh);
      // both biases add to the same pre-activations: the same column sums as b_ih's
      if (gBhh) r.ops.copy({ src: gBih!, dst: gBhh });
    },
  };
}
