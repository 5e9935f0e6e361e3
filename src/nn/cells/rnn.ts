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
    stepForward(r, t, prev, next, zeroState) {
      const gates = gatesAt(r, t), hPrev = stateAt(r, prev);
      // += h_{t-1}·W_hhᵀ (nothing to add for a zero state: the product's sums are +0, and G + 0 = G)
      if (!zeroState) r.ops.matmul({ C: gates, A: hPrev, B: r.packs.whhT, accumulate: true });
      r.ops.rnnForward({ gates, hPrev, hNext: stateAt(r, next), out: outAt(r, t), relu, lens: r.lens, t });
    },
    stepBackward(r, t, _prev, _next, dh, _dc, dOut) {
      const gates = gatesAt(r, t);
      r.ops.rnnBackward({ gates, dh, dOut, relu, lens: r.lens, t });
      r.ops.matmul({ C: dh, A: gates, B: r.packs.whhN, accumulate: true }); // dh_{t-1} += dA·W_hh
    },
    recurrentGrads(r, grad, hPrev, gWhh, gBhh, gBih) {
      grad(r.gates, hPrev, gWhh);
      // both biases add to the same pre-activations: the same column sums as b_ih's
      if (gBhh) r.ops.copy({ src: gBih!, dst: gBhh });
    },
  };
}
