// LSTM, gates i, f, g, o: c_t = f⊙c_{t-1} + i⊙g, h_t = o⊙tanh(c_t).

import { type Cell, stepProduct, gatesAt, stateAt, cellAt, outAt } from "./cell.js";

export function lstmCell(): Cell {
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
    stepForward(r, t, prev, next) {
      const g = gatesAt(r, t), hp = stateAt(r, prev);
      stepProduct(r, hp, r.H, "whhT", r.GH, r.H, g, r.GH, true);
      r.k.lstmForward(g, hp, cellAt(r, prev), stateAt(r, next), cellAt(r, next), outAt(r, t), r.ldo, r.B, r.H, r.lens, t);
    },
    stepBackward(r, t, prev, next, dh, dc, dOut) {
      const g = gatesAt(r, t);
      r.k.lstmBackward(g, cellAt(r, prev), cellAt(r, next), dh, dc, dOut, r.ldo, r.B, r.H, r.lens, t);
      stepProduct(r, g, r.GH, "whhN", r.H, r.GH, dh, r.H, true);
    },
    recurrentGrads(r, grad, hPrev, gWhh, gBhh) {
      grad(r.gates, r.GH, r.GH, hPrev, gWhh);
      if (gBhh) r.k.columnSums(r.gates, r.T * r.B, r.GH, r.GH, gBhh, false);
    },
  };
}
