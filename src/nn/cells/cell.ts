// What differs between RNN, GRU and LSTM: the packed weights a step needs, how one time step runs forward and
// backward, and how the recurrent weight gradient is formed. The time loops live in ../recurrent.ts.

import type { IntVec, Mat, Ops, Packed } from "../../../bindings/index.js";

/** Views of one layer-direction for one pass over T steps of B sequences (time-major rows t·B + b). */
export interface DirectionRun {
  ops: Ops;
  T: number;
  B: number;
  H: number;
  GH: number;
  /** Layer input [T·B, I]. */
  X: Mat;
  /** Gate pre-activations → activations (forward) → gate gradients dA (backward): [T·B, G·H]. */
  gates: Mat;
  /** Hidden states [(T+1)·B, H] in time order: forward holds h0 at index 0, reverse at index T. */
  states: Mat;
  /** LSTM memory cells, same layout as states. */
  cells: Mat | null;
  /** Per-step extra [T·B, H]: GRU reset-after W_hn·h + b_hn, GRU reset-before r⊙h. */
  aux: Mat | null;
  /** Per-step scratch [B, G·H]. */
  tmp: Mat;
  /** GRU reset-after: gradient w.r.t. the recurrent pre-activations [T·B, 3H] (backward only). */
  dGhh: Mat | null;
  /** This direction's columns of the layer output [T·B, H] (row stride D·H). */
  out: Mat;
  lens: IntVec | null;
  /** Biases [1, G·H], null when the layer has none. */
  bih: Mat | null;
  bhh: Mat | null;
  /** LSTM peepholes [1, 3H] (p_i, p_f, p_o), null without. */
  peep: Mat | null;
  /** Its gradient [1, 3H] (backward runs of a peephole LSTM; the steps add into it). */
  dPeep: Mat | null;
  packs: Record<string, Packed>;
}

/**
 * A packed copy of (part of) a weight: rows [firstRow, firstRow + rows) of W_ih or W_hh. W_hh packs feed the
 * per-step products, so they are dot-packed for batch 1 (the GEMV) and panel-packed otherwise.
 */
export interface PackSpec {
  name: string;
  source: "wih" | "whh";
  firstRow: number;
  rows: number;
  /** "T": packs Wᵀ (forward, y = x·Wᵀ); "N": packs W as it is (backward, dx = dA·W). */
  layout: "T" | "N";
}

/** out[M, H] = Aᵀ·input over all T·B rows (A [T·B, M], input [T·B, H]): a BPTT weight gradient. */
export type WeightGrad = (A: Mat, input: Mat, out: Mat) => void;

export interface Cell {
  readonly G: number;
  readonly usesAux: boolean;
  readonly usesCells: boolean;
  readonly usesDGhh: boolean;
  forwardPacks(H: number): PackSpec[];
  backwardPacks(H: number): PackSpec[];
  /** The biases added to every row of the input projection X·W_ihᵀ. */
  inputBiases(run: DirectionRun): [Mat | null, Mat | null];
  /** zeroState: the state entering the step is all zeros (h0 absent), so h_{t-1}·W_hhᵀ adds nothing. */
  stepForward(run: DirectionRun, t: number, prev: number, next: number, zeroState: boolean): void;
  /** dh/dc: carried gradients [B, H]; dOut: ∂L/∂output rows at t (or null). */
  stepBackward(run: DirectionRun, t: number, prev: number, next: number, dh: Mat, dc: Mat, dOut: Mat | null): void;
  /**
   * Fills gWhh [G·H, H] and gBhh [1, G·H] once all steps' gate gradients are known (hPrev: [T·B, H]); gBih holds
   * the input bias gradient (the column sums of the gate gradients), already summed.
   */
  recurrentGrads(run: DirectionRun, grad: WeightGrad, hPrev: Mat, gWhh: Mat, gBhh: Mat | null, gBih: Mat | null): void;
}

// Rows of the run's time-ordered buffers.
export const gatesAt = (r: DirectionRun, t: number): Mat => r.gates.rowBlock(t * r.B, r.B);
export const stateAt = (r: DirectionRun, i: number): Mat => r.states.rowBlock(i * r.B, r.B);
export const cellAt = (r: DirectionRun, i: number): Mat => r.cells!.rowBlock(i * r.B, r.B);
export const auxAt = (r: DirectionRun, t: number): Mat => r.aux!.rowBlock(t * r.B, r.B);
export const outAt = (r: DirectionRun, t: number): Mat => r.out.rowBlock(t * r.B, r.B);
