// Elman RNN: h_t = φ(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh), φ = tanh or relu.

import { type Cell, gatesAt, stateAt, outAt } from "./cell.js";

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
    stepForward(r, t, prev, next) {
      const gates = gatesAt(r, t), hPrev = stateAt(r, prev);
      r.ops.matmul({ C: gates, A: hPrev, B: r.packs.whhT, accumulate: true }); // += h_{t-1}·W_hhᵀ
      r.ops.rnnForward({ gates, hPrev, hNext: stateAt(r, next), out: outAt(r, t), relu, lens: r.lens, t });
    },
    stepBackward(r, t, _prev, _next, dh, _dc, dOut) {
      const gates = gatesAt(r, t);
      r.ops.rnnBackward({ gates, dh, dOut, relu, lens: r.lens, t });
      r.ops.matmul({ C: dh, A: gates, B: r.packs.whhN, accumulate: true }); // dh_{t-1} += dA·W_hh
    },
    recurrentGrads(r, grad, hPrev, gWhh, gBhh) {
      grad(r.gates, hPrev, gWhh);
      if (gBhh) r.ops.columnSums({ A: r.gates, out: gBhh, accumulate: false });
    },
  };
}
