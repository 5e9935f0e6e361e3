// Elman RNN: h_t = φ(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh), φ = tanh or relu.

import { type Cell, type DirectionRun, stepProduct, gatesAt, stateAt, outAt } from "./cell.js";

export function rnnCell(relu: boolean): Cell {
  return {
    G: 1,
    usesAux: false,
    usesCells: false,
    usesDGhh: false,
    forwardPacks: (H) => [
      { name: "wihT", source: "wih", firstRow: 0, rows: H, layout: "T" },
      { name: "whhT", source: "whh", firstRow: 0, rows: H, layout: "T" },
    ],
    backwardPacks: (H) => [
      { name: "wihN", source: "wih", firstRow: 0, rows: H, layout: "N" },
      { name: "whhN", source: "whh", firstRow: 0, rows: H, layout: "N" },
    ],
    inputBiases: (r) => [r.bih, r.bhh],
    stepForward(r: DirectionRun, t, prev, next) {
      const g = gatesAt(r, t), hp = stateAt(r, prev);
      stepProduct(r, hp, r.H, "whhT", r.GH, r.H, g, r.GH, true);
      r.k.rnnForward(g, hp, stateAt(r, next), outAt(r, t), r.ldo, r.B, r.H, relu, r.lens, t);
    },
    stepBackward(r, t, _prev, _next, dh, _dc, dOut) {
      const g = gatesAt(r, t);
      r.k.rnnBackward(g, dh, dOut, r.ldo, r.B, r.H, relu, r.lens, t);
      stepProduct(r, g, r.GH, "whhN", r.H, r.GH, dh, r.H, true);
    },
    recurrentGrads(r, grad, hPrev, gWhh, gBhh) {
      grad(r.gates, r.GH, r.GH, hPrev, gWhh);
      if (gBhh) r.k.columnSums(r.gates, r.T * r.B, r.GH, r.GH, gBhh, false);
    },
  };
}
