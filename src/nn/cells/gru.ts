// GRU, gates r, z, n: h_t = z⊙h_{t-1} + (1 − z)⊙n. Two candidate forms:
//   reset after  (PyTorch/cuDNN): n = tanh(x W_inᵀ + b_in + r⊙(h W_hnᵀ + b_hn))
//   reset before (textbook):      n = tanh(x W_inᵀ + b_in + (r⊙h) W_hnᵀ + b_hn)
// hard: r, z are hard sigmoids clip(0.2·x + 0.5, 0, 1) instead of σ.

import { type Cell, gatesAt, stateAt, auxAt, outAt } from "./cell.js";

export function gruCell(resetAfter: boolean, hard: boolean): Cell {
  return resetAfter ? gruResetAfter(hard) : gruResetBefore(hard);
}

function gruResetAfter(hard: boolean): Cell {
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
    inputBiases: (r) => [r.bih, null],
    stepForward(r, t, prev, next, zeroState) {
      const hPrev = stateAt(r, prev);
      // hh = h_{t-1}·W_hhᵀ (zeros for a zero state, as the product's sums are +0)
      if (zeroState) r.ops.fill(r.tmp, 0);
      else r.ops.matmul({ C: r.tmp, A: hPrev, B: r.packs.whhT, accumulate: false });
      r.ops.gruForward({ gates: gatesAt(r, t), hh: r.tmp, bhh: r.bhh, hn: auxAt(r, t), hPrev, hNext: stateAt(r, next), out: outAt(r, t), lens: r.lens, t, hard });
    },
    stepBackward(r, t, prev, _next, dh, _dc, dOut) {
      const dGhh = r.dGhh!.rowBlock(t * r.B, r.B);
      r.ops.gruBackward({ gates: gatesAt(r, t), dGhh, hn: auxAt(r, t), hPrev: stateAt(r, prev), dh, dOut, lens: r.lens, t, hard });
      r.ops.matmul({ C: dh, A: dGhh, B: r.packs.whhN, accumulate: true }); // dh_{t-1} += dGhh·W_hh
    },
    recurrentGrads(r, grad, hPrev, gWhh, gBhh) {
      grad(r.dGhh!, hPrev, gWhh);
      if (gBhh) r.ops.columnSums({ A: r.dGhh!, out: gBhh, accumulate: false });
    },
  };
}

function gruResetBefore(hard: boolean): Cell {
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
    stepForward(r, t, prev, next, zeroState) {
      const gates = gatesAt(r, t), hPrev = stateAt(r, prev), rh = auxAt(r, t), H = r.H;
      // a zero state adds nothing to r, z (h = 0) nor to n (r⊙h = 0): the products' sums are +0
      if (!zeroState) r.ops.matmul({ C: gates.colBlock(0, 2 * H), A: hPrev, B: r.packs.wrzT, accumulate: true }); // r, z += h·W_h{r,z}ᵀ
      r.ops.gruRbGates({ gates, hPrev, rh, hard });
      if (!zeroState) r.ops.matmul({ C: gates.colBlock(2 * H, H), A: rh, B: r.packs.wnT, accumulate: true }); // n += (r⊙h)·W_hnᵀ
      r.ops.gruRbForward({ gates, hPrev, hNext: stateAt(r, next), out: outAt(r, t), lens: r.lens, t });
    },
    stepBackward(r, t, prev, _next, dh, _dc, dOut) {
      const gates = gatesAt(r, t), hPrev = stateAt(r, prev), H = r.H, q = r.tmp.prefix(r.B, H);
      r.ops.gruRbBackwardN({ gates, hPrev, dh, dOut, lens: r.lens, t, hard });
      r.ops.matmul({ C: q, A: gates.colBlock(2 * H, H), B: r.packs.wnN, accumulate: false }); // q = dn·W_hn
      r.ops.gruRbBackwardR({ gates, q, hPrev, dh, hard });
      r.ops.matmul({ C: dh, A: gates.colBlock(0, 2 * H), B: r.packs.wrzN, accumulate: true }); // dh += d{r,z}·W_h{r,z}
    },
    recurrentGrads(r, grad, hPrev, gWhh, gBhh, gBih) {
      const H = r.H;
      grad(r.gates.colBlock(0, 2 * H), hPrev, gWhh.rowBlock(0, 2 * H));
      grad(r.gates.colBlock(2 * H, H), r.aux!, gWhh.rowBlock(2 * H, H));
      // both biases add to the same pre-activations: the same column sums as b_ih's
      if (gBhh) r.ops.copy({ src: gBih!, dst: gBhh });
    },
  };
}
