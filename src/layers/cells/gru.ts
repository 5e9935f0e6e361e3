// GRU, gates r, z, n: h_t = z⊙h_{t-1} + (1 − z)⊙n. Two candidate forms:
//   reset after  (PyTorch/cuDNN): n = tanh(x W_inᵀ + b_in + r⊙(h W_hnᵀ + b_hn))
//   reset before (textbook):      n = tanh(x W_inᵀ + b_in + (r⊙h) W_hnᵀ + b_hn)

import { type Cell, stepProduct, gatesAt, stateAt, auxAt, outAt } from "./cell.js";

export function gruCell(resetAfter: boolean): Cell {
  return resetAfter ? gruResetAfter() : gruResetBefore();
}

function gruResetAfter(): Cell {
  return {
    G: 3,
    usesAux: true,
    usesCells: false,
    usesDGhh: true,
    forwardPacks: (H) => [
      { name: "wihT", source: "wih", firstRow: 0, rows: 3 * H, layout: "T" },
      { name: "whhT", source: "whh", firstRow: 0, rows: 3 * H, layout: "T" },
    ],
    backwardPacks: (H) => [
      { name: "wihN", source: "wih", firstRow: 0, rows: 3 * H, layout: "N" },
      { name: "whhN", source: "whh", firstRow: 0, rows: 3 * H, layout: "N" },
    ],
    // b_hh stays out of the projection: its n block sits inside r⊙(·), so the step kernel adds it
    inputBiases: (r) => [r.bih, 0],
    stepForward(r, t, prev, next) {
      const hp = stateAt(r, prev);
      stepProduct(r, hp, r.H, "whhT", r.GH, r.H, r.tmp, r.GH, false);
      r.k.gruForward(gatesAt(r, t), r.tmp, r.bhh, auxAt(r, t), hp, stateAt(r, next), outAt(r, t), r.ldo, r.B, r.H, r.lens, t);
    },
    stepBackward(r, t, prev, _next, dh, _dc, dOut) {
      const dGhh = r.dGhh + t * r.B * r.GH * 4;
      r.k.gruBackward(gatesAt(r, t), dGhh, auxAt(r, t), stateAt(r, prev), dh, dOut, r.ldo, r.B, r.H, r.lens, t);
      stepProduct(r, dGhh, r.GH, "whhN", r.H, r.GH, dh, r.H, true);
    },
    recurrentGrads(r, grad, hPrev, gWhh, gBhh) {
      grad(r.dGhh, r.GH, r.GH, hPrev, gWhh);
      if (gBhh) r.k.columnSums(r.dGhh, r.T * r.B, r.GH, r.GH, gBhh, false);
    },
  };
}

function gruResetBefore(): Cell {
  return {
    G: 3,
    usesAux: true,
    usesCells: false,
    usesDGhh: false,
    // the r, z blocks and the n block of W_hh act on different vectors (h and r⊙h), so they are packed apart
    forwardPacks: (H) => [
      { name: "wihT", source: "wih", firstRow: 0, rows: 3 * H, layout: "T" },
      { name: "wrzT", source: "whh", firstRow: 0, rows: 2 * H, layout: "T" },
      { name: "wnT", source: "whh", firstRow: 2 * H, rows: H, layout: "T" },
    ],
    backwardPacks: (H) => [
      { name: "wihN", source: "wih", firstRow: 0, rows: 3 * H, layout: "N" },
      { name: "wrzN", source: "whh", firstRow: 0, rows: 2 * H, layout: "N" },
      { name: "wnN", source: "whh", firstRow: 2 * H, rows: H, layout: "N" },
    ],
    inputBiases: (r) => [r.bih, r.bhh],
    stepForward(r, t, prev, next) {
      const g = gatesAt(r, t), hp = stateAt(r, prev), rh = auxAt(r, t), H = r.H;
      stepProduct(r, hp, H, "wrzT", 2 * H, H, g, r.GH, true);
      r.k.gruRbGates(g, hp, rh, r.B, H);
      stepProduct(r, rh, H, "wnT", H, H, g + 2 * H * 4, r.GH, true);
      r.k.gruRbForward(g, hp, stateAt(r, next), outAt(r, t), r.ldo, r.B, H, r.lens, t);
    },
    stepBackward(r, t, prev, _next, dh, _dc, dOut) {
      const g = gatesAt(r, t), hp = stateAt(r, prev), H = r.H, q = r.tmp;
      r.k.gruRbBackwardN(g, hp, dh, dOut, r.ldo, r.B, H, r.lens, t);
      stepProduct(r, g + 2 * H * 4, r.GH, "wnN", H, H, q, H, false);
      r.k.gruRbBackwardR(g, q, hp, dh, r.B, H);
      stepProduct(r, g, r.GH, "wrzN", H, 2 * H, dh, H, true);
    },
    recurrentGrads(r, grad, hPrev, gWhh, gBhh) {
      const H = r.H;
      grad(r.gates, r.GH, 2 * H, hPrev, gWhh);
      grad(r.gates + 2 * H * 4, r.GH, H, r.aux, gWhh + 2 * H * H * 4);
      if (gBhh) r.k.columnSums(r.gates, r.T * r.B, r.GH, r.GH, gBhh, false);
    },
  };
}
