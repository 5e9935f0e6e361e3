// What differs between RNN, GRU and LSTM: the packed weights a step needs, how one time step runs forward and
// backward, and how the recurrent weight gradient is formed. The time loops live in ../recurrent.ts.

import type { Kernels } from "../../../bindings/index.js";

/** Pointers (bytes) and sizes of one layer-direction for one forward/backward pass. */
export interface DirectionRun {
  k: Kernels;
  T: number;
  B: number;
  H: number;
  GH: number;
  /** Layer input [T·B, I] with ldx floats per row. */
  X: number;
  I: number;
  ldx: number;
  /** Gate pre-activations → activations (forward) → gate gradients dA (backward): [T·B, G·H]. */
  gates: number;
  /** Hidden states [(T+1)·B, H] in time order: forward holds h0 at index 0, reverse at index T. */
  states: number;
  /** LSTM memory cells, same layout as states (0 for other cells). */
  cells: number;
  /** Per-step extra [T·B, H]: GRU reset-after W_hn·h + b_hn, GRU reset-before r⊙h (0 for other cells). */
  aux: number;
  /** Per-step scratch [B, G·H]. */
  tmp: number;
  /** GRU reset-after: gradient w.r.t. the recurrent pre-activations [T·B, 3H] (backward only). */
  dGhh: number;
  /** This direction's columns of the layer output [T·B, D·H] (row stride ldo). */
  out: number;
  ldo: number;
  /** Int32 lengths [B] or 0. */
  lens: number;
  wih: number;
  whh: number;
  /** Biases, 0 when the layer has none. */
  bih: number;
  bhh: number;
  packs: Record<string, number>;
}

/**
 * C (+)= A·W for one step's recurrent product with the packed weight `pack` (N outputs, K inputs): batch 1 uses
 * the dot-packed GEMV, larger batches the register-blocked GEMM (the packs are built to match, see PackSpec).
 */
export function stepProduct(
  r: DirectionRun, A: number, lda: number, pack: string, N: number, K: number, C: number, ldc: number, accumulate: boolean,
): void {
  if (r.B === 1) r.k.gemv(N, K, A, r.packs[pack], C, accumulate);
  else r.k.gemm(r.B, N, K, A, lda, 1, r.packs[pack], C, ldc, accumulate);
}

/**
 * A packed copy of (part of) a weight: rows [firstRow, firstRow + rows) of W_ih or W_hh. W_hh packs feed the
 * per-step products (stepProduct), so they are dot-packed for batch 1 and panel-packed otherwise.
 */
export interface PackSpec {
  name: string;
  source: "wih" | "whh";
  firstRow: number;
  rows: number;
  /** "T": packs Wᵀ (forward, y = x·Wᵀ); "N": packs W as it is (backward, dx = dA·W). */
  layout: "T" | "N";
}

/** Computes out[M, N_in] = Aᵀ·input over all T·B rows (A with lda floats per row): a BPTT weight gradient. */
export type WeightGrad = (A: number, lda: number, M: number, input: number, out: number) => void;

export interface Cell {
  readonly G: number;
  /** Floats of `aux` per [T·B, H] row block (0 or H), `tmp` per batch row, and whether backward needs dGhh. */
  readonly usesAux: boolean;
  readonly usesCells: boolean;
  readonly usesDGhh: boolean;
  forwardPacks(H: number): PackSpec[];
  backwardPacks(H: number): PackSpec[];
  /** The biases added to every row of the input projection X·W_ihᵀ. */
  inputBiases(run: DirectionRun): [number, number];
  stepForward(run: DirectionRun, t: number, prev: number, next: number): void;
  /** dh/dc: carried gradients [B,H]; dOut: ∂L/∂output rows at t (stride run.ldo) or 0. */
  stepBackward(run: DirectionRun, t: number, prev: number, next: number, dh: number, dc: number, dOut: number): void;
  /** Fills gWhh and gBhh (0 = no bias) once all steps' gate gradients are known. */
  recurrentGrads(run: DirectionRun, grad: WeightGrad, hPrev: number, gWhh: number, gBhh: number): void;
}

// Byte addresses of rows in the run's time-ordered buffers.
export const gatesAt = (r: DirectionRun, t: number): number => r.gates + t * r.B * r.GH * 4;
export const stateAt = (r: DirectionRun, i: number): number => r.states + i * r.B * r.H * 4;
export const cellAt = (r: DirectionRun, i: number): number => r.cells + i * r.B * r.H * 4;
export const auxAt = (r: DirectionRun, t: number): number => r.aux + t * r.B * r.H * 4;
export const outAt = (r: DirectionRun, t: number): number => r.out + t * r.B * r.ldo * 4;
