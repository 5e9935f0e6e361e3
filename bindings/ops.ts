// The kernels as the library calls them: named arguments over typed views, so that a call reads like its
// equation (`ops.gemm({ C, A: dG.t(), B: X, accumulate: false })` is dW = dGᵀ·X). Sizes, strides and byte
// addresses are taken from the views here; src/ never computes an address.

import type { Kernels } from "./kernels.js";
import { F32Buffer, alignedBytes, type Heap } from "./memory.js";
import { BufferStorage, Packed, PlanCache, packedFloats, type IntVec, type Mat, type PackForm, type PlanRecord } from "./plan.js";

/** Per-row validity for variable lengths: row b is active at step t while t < lens[b] (null: all rows). */
export type Lengths = IntVec | null;

const addr = (m: { ptr: number } | null): number => (m ? m.ptr : 0);

export class Ops {
  constructor(readonly k: Kernels, private readonly heap: Heap) {}

  // --------------------------------------------------------------------------- owned memory ----

  /** A packed K×N operand with a buffer of its own (a weight's packed copy). */
  packed(K: number, N: number, form: PackForm): Packed {
    const floats = packedFloats(this.k, K, N, form);
    const buffer = F32Buffer.alloc(this.heap, floats);
    return new Packed(new BufferStorage(buffer), 0, K, N, form, this.k, floats, buffer);
  }

  /** Heap bytes that packed() of this shape takes. */
  packedBytes(K: number, N: number, form: PackForm): number {
    return alignedBytes(packedFloats(this.k, K, N, form) * 4);
  }

  /** A cache of buffer plans over an arena of its own (see PlanCache). */
  planCache<P extends PlanRecord>(): PlanCache<P> {
    return new PlanCache<P>(this.heap, this.k);
  }

  // ------------------------------------------------------------------------------- products ----

  /** C (+)= A·B: A any strided [M, K] view (A.t() for Aᵀ), B packed [K, N], C row-major [M, N]. */
  gemm(o: { C: Mat; A: Mat; B: Packed; accumulate: boolean }): void {
    const { C, A, B } = o;
    this.k.gemm(A.rows, B.N, B.K, A.ptr, A.rs, A.cs, B.ptr, C.ptr, C.ld, o.accumulate);
  }

  /** y (+)= x·B for one row x [1, K] and a dot-packed B [K, N]. */
  gemv(o: { y: Mat; x: Mat; B: Packed; accumulate: boolean }): void {
    this.k.gemv(o.B.N, o.B.K, o.x.ptr, o.B.ptr, o.y.ptr, o.accumulate);
  }

  /**
   * C (+)= A·B with the product B was packed for: the GEMV for a dot-packed B (one row), the int8 product for
   * an i8 pack (A's rows quantized on the fly; A row-major), else the GEMM.
   */
  matmul(o: { C: Mat; A: Mat; B: Packed; accumulate: boolean }): void {
    if (o.B.form === "dot") this.gemv({ y: o.C, x: o.A, B: o.B, accumulate: o.accumulate });
    else if (o.B.form === "i8") this.gemmI8(o);
    else this.gemm(o);
  }

  /**
   * C (+)= onehot(ids)·B for a panel-packed B [K, N]: row ids[r] of B into row r of C, the GEMM's bits without
   * its multiplications (ids checked in [0, K) by the caller).
   */
  gatherPacked(o: { C: Mat; ids: IntVec; B: Packed; accumulate: boolean }): void {
    const { C, ids, B } = o;
    if (B.form !== "panel" || C.cs !== 1 || ids.length !== C.rows || C.cols !== B.N) throw new Error("Ops.gatherPacked: needs a panel-packed B, a row-major C [ids, B.N]");
    this.k.gatherPackedRows(B.ptr, B.K, B.N, ids.ptr, ids.length, C.ptr, C.ld, o.accumulate);
  }

  /** out [G, V] = dGᵀ·onehot(ids) for dG [n, G], the GEMM's bits without its multiplications; scratch [V, G]. */
  oneHotWeightGrad(o: { out: Mat; dG: Mat; ids: IntVec; scratch: Mat }): void {
    const { out, dG, ids, scratch } = o;
    const G = dG.cols, V = out.cols;
    if (dG.cs !== 1 || ids.length !== dG.rows || out.rows !== G || out.cs !== 1 || (out.rows > 1 && out.rs !== V) || scratch.size < V * G) {
      throw new Error("Ops.oneHotWeightGrad: needs a row-major dG [ids, G], a contiguous out [G, V] and a scratch of V·G floats");
    }
    this.k.oneHotWeightGrad(dG.ptr, dG.ld, ids.ptr, ids.length, G, V, out.ptr, scratch.ptr);
  }

  /** The widest K an int8 product takes (its rows of A are quantized into a fixed scratch): a constant of the module. */
  get int8MaxK(): number {
    return (this.maxK ??= Number(this.k.QUANT_MAX_K.value));
  }

  private maxK: number | undefined;

  /** C (+)= A·B for an i8-packed B: A [M, K] with contiguous rows (K ≤ int8MaxK), C row-major. */
  gemmI8(o: { C: Mat; A: Mat; B: Packed; accumulate: boolean }): void {
    const { C, A, B } = o;
    if (A.cs !== 1) throw new Error("Ops.gemmI8: A's rows must be contiguous (quantized products take no transposed A)");
    if (B.K > this.int8MaxK || A.cols !== B.K) throw new Error(`Ops.gemmI8: A is ${A.rows}×${A.cols} for a ${B.K}×${B.N} int8 operand (K at most ${this.int8MaxK})`);
    this.k.gemmI8(A.rows, B.N, B.K, A.ptr, A.rs, B.ptr, C.ptr, C.ld, o.accumulate);
  }

  /**
   * Packs int8 weights W [N, K] (row-major, per-row scales [N]) as B = Wᵀ into an i8 pack, through two
   * temporary blocks of the heap given back before returning (also when packing fails).
   */
  packInt8(o: { q: Int8Array; scales: Float32Array; into: Packed }): void {
    const { q, scales, into } = o;
    if (into.form !== "i8") throw new Error(`Ops.packInt8: the pack is ${into.form}, not i8`);
    if (q.length !== into.N * into.K || scales.length !== into.N) {
      throw new Error(`Ops.packInt8: expected ${into.N}×${into.K} int8 weights and ${into.N} scales, got ${q.length} and ${scales.length}`);
    }
    const qp = this.heap.alloc(q.length);
    let sp = -1;
    try {
      sp = this.heap.alloc(scales.length * 4);
      new Int8Array(this.heap.memory.buffer, qp, q.length).set(q);
      this.heap.f32(sp, scales.length).set(scales);
      this.k.packDotI8(qp, into.K, into.N, into.K, sp, into.ptr);
    } finally {
      this.heap.release(qp);
      if (sp >= 0) this.heap.release(sp);
    }
  }

  /** Packs B [K, N], a view of a weight (W.t() for Wᵀ), into `into`'s form. */
  pack(o: { B: Mat; into: Packed }): void {
    const { B, into } = o;
    if (into.form === "dot") this.k.packDot(B.ptr, B.cs, B.rs, B.cols, B.rows, into.ptr);
    else if (B.cs === 1) this.k.packRows(B.ptr, B.rs, B.rows, B.cols, into.ptr);
    else if (B.rs === 1) this.k.packTransposed(B.ptr, B.cs, B.cols, B.rows, into.ptr);
    else throw new Error("Ops.pack: B must be row-major or a transposed row-major view");
  }

  // -------------------------------------------------------------------------------- cells ----
  // One time step of B sequences. gates [B, G·H] (pre-activations in, activations out), states [B, H], `out`
  // the step's rows of the layer output (row stride out.ld), lens/t: rows past their length are frozen.
  // hard (GRU, LSTM): the σ gates are hard sigmoids clip(0.2·x + 0.5, 0, 1) (the *Hard kernels).

  rnnForward(o: { gates: Mat; hPrev: Mat; hNext: Mat; out: Mat; relu: boolean; lens: Lengths; t: number }): void {
    this.k.rnnForward(o.gates.ptr, o.hPrev.ptr, o.hNext.ptr, o.out.ptr, o.out.ld, o.hPrev.rows, o.hPrev.cols, o.relu, addr(o.lens), o.t);
  }

  /** dh [B, H] carried in, gates ← ∂L/∂(pre-activations); dOut: the output's gradient rows (or null). */
  rnnBackward(o: { gates: Mat; dh: Mat; dOut: Mat | null; relu: boolean; lens: Lengths; t: number }): void {
    this.k.rnnBackward(o.gates.ptr, o.dh.ptr, addr(o.dOut), o.dOut ? o.dOut.ld : 0, o.dh.rows, o.dh.cols, o.relu, addr(o.lens), o.t);
  }

  lstmForward(o: { gates: Mat; hPrev: Mat; cPrev: Mat; hNext: Mat; cNext: Mat; out: Mat; lens: Lengths; t: number; hard: boolean }): void {
    (o.hard ? this.k.lstmForwardHard : this.k.lstmForward)(o.gates.ptr, o.hPrev.ptr, o.cPrev.ptr, o.hNext.ptr, o.cNext.ptr, o.out.ptr, o.out.ld, o.hPrev.rows, o.hPrev.cols, addr(o.lens), o.t);
  }

  lstmBackward(o: { gates: Mat; cPrev: Mat; cNext: Mat; dh: Mat; dc: Mat; dOut: Mat | null; lens: Lengths; t: number; hard: boolean }): void {
    (o.hard ? this.k.lstmBackwardHard : this.k.lstmBackward)(o.gates.ptr, o.cPrev.ptr, o.cNext.ptr, o.dh.ptr, o.dc.ptr, addr(o.dOut), o.dOut ? o.dOut.ld : 0, o.dh.rows, o.dh.cols, addr(o.lens), o.t);
  }

  /** Reset-after GRU: hh = h·W_hhᵀ [B, 3H] (bhh added here: its n block sits inside r⊙(·)); hn saved for backward. */
  gruForward(o: { gates: Mat; hh: Mat; bhh: Mat | null; hn: Mat; hPrev: Mat; hNext: Mat; out: Mat; lens: Lengths; t: number; hard: boolean }): void {
    (o.hard ? this.k.gruForwardHard : this.k.gruForward)(o.gates.ptr, o.hh.ptr, addr(o.bhh), o.hn.ptr, o.hPrev.ptr, o.hNext.ptr, o.out.ptr, o.out.ld, o.hPrev.rows, o.hPrev.cols, addr(o.lens), o.t);
  }

  gruBackward(o: { gates: Mat; dGhh: Mat; hn: Mat; hPrev: Mat; dh: Mat; dOut: Mat | null; lens: Lengths; t: number; hard: boolean }): void {
    (o.hard ? this.k.gruBackwardHard : this.k.gruBackward)(o.gates.ptr, o.dGhh.ptr, o.hn.ptr, o.hPrev.ptr, o.dh.ptr, addr(o.dOut), o.dOut ? o.dOut.ld : 0, o.dh.rows, o.dh.cols, addr(o.lens), o.t);
  }

  /** Reset-before GRU, first half: r, z from their pre-activations; rh = r⊙h_{t-1}. */
  gruRbGates(o: { gates: Mat; hPrev: Mat; rh: Mat; hard: boolean }): void {
    (o.hard ? this.k.gruRbGatesHard : this.k.gruRbGates)(o.gates.ptr, o.hPrev.ptr, o.rh.ptr, o.hPrev.rows, o.hPrev.cols);
  }

  gruRbForward(o: { gates: Mat; hPrev: Mat; hNext: Mat; out: Mat; lens: Lengths; t: number }): void {
    this.k.gruRbForward(o.gates.ptr, o.hPrev.ptr, o.hNext.ptr, o.out.ptr, o.out.ld, o.hPrev.rows, o.hPrev.cols, addr(o.lens), o.t);
  }

  gruRbBackwardN(o: { gates: Mat; hPrev: Mat; dh: Mat; dOut: Mat | null; lens: Lengths; t: number; hard: boolean }): void {
    (o.hard ? this.k.gruRbBackwardNHard : this.k.gruRbBackwardN)(o.gates.ptr, o.hPrev.ptr, o.dh.ptr, addr(o.dOut), o.dOut ? o.dOut.ld : 0, o.dh.rows, o.dh.cols, addr(o.lens), o.t);
  }

  gruRbBackwardR(o: { gates: Mat; q: Mat; hPrev: Mat; dh: Mat; hard: boolean }): void {
    (o.hard ? this.k.gruRbBackwardRHard : this.k.gruRbBackwardR)(o.gates.ptr, o.q.ptr, o.hPrev.ptr, o.dh.ptr, o.dh.rows, o.dh.cols);
  }

  // --------------------------------------------------------------------------------- rows ----

  /** out[1, cols] (+)= Σ_rows A: a bias gradient. */
  columnSums(o: { A: Mat; out: Mat; accumulate: boolean }): void {
    this.k.columnSums(o.A.ptr, o.A.rows, o.A.cols, o.A.ld, o.out.ptr, o.accumulate);
  }

  /** Every row of P ← b1 + b2 (either may be null: zeros). */
  fillRowsWithBias(o: { P: Mat; b1: Mat | null; b2: Mat | null }): void {
    this.k.fillRowsWithBias(o.P.ptr, o.P.rows, o.P.cols, o.P.ld, addr(o.b1), addr(o.b2));
  }

  /** dst[n1, n0, width] ← src[n0, n1, width] (time-major ↔ batch-first). */
  swapAxes01(o: { src: Mat; dst: Mat; n0: number; n1: number; width: number }): void {
    this.k.swapAxes01(o.src.ptr, o.dst.ptr, o.n0, o.n1, o.width);
  }

  /** dst ← src (same shape; either may be strided by rows). */
  copy(o: { src: Mat; dst: Mat }): void {
    this.k.copyBlock(o.src.ptr, o.src.ld, o.dst.ptr, o.dst.ld, o.src.rows, o.src.cols);
  }

  /** Zeroes the rows of x [T·B, width] past each sequence's length. */
  zeroPadded(o: { x: Mat; T: number; B: number; lens: IntVec }): void {
    this.k.zeroPadded(o.x.ptr, o.T, o.B, o.x.cols, o.x.ld, o.lens.ptr);
  }

  /** x ⊙= m (same contiguous shape). */
  mulInPlace(o: { x: Mat; m: Mat }): void {
    this.k.mulInPlace(o.x.ptr, o.m.ptr, o.x.size);
  }

  // ------------------------------------------------------------------------ loss, sampling ----

  /** Σ over rows of −log softmax(logits)[target]; dlogits ← (softmax − onehot)·scale when given. */
  softmaxCrossEntropy(o: { logits: Mat; targets: IntVec; dlogits: Mat | null; scale: number }): number {
    return this.k.softmaxCrossEntropy(o.logits.ptr, o.targets.ptr, o.logits.rows, o.logits.cols, o.logits.ld, addr(o.dlogits), o.scale);
  }

  /** probs ← softmax(logits / temperature) of one row. */
  softmaxRow(o: { logits: Mat; probs: Mat; temperature: number }): void {
    this.k.softmaxRow(o.logits.ptr, o.probs.ptr, o.logits.cols, 1 / o.temperature);
  }

  /**
   * Σ w[t]·(−log softmax(logits)[t]) over rows whose target is not `ignore`; dlogits ← w[t]·(softmax − onehot)·scale
   * (0 on ignored rows) when given. weights: [1, C] class weights or null.
   */
  crossEntropy(o: { logits: Mat; targets: IntVec; weights: Mat | null; ignore: number; dlogits: Mat | null; scale: number }): number {
    return this.k.crossEntropyRows(o.logits.ptr, o.targets.ptr, o.logits.rows, o.logits.cols, o.logits.ld, addr(o.weights), o.ignore, addr(o.dlogits), o.scale);
  }

  /** Σ (pred − target)² over rows where mask ≠ 0 (null: all); dpred ← 2(pred − target)·scale there, 0 elsewhere. */
  squaredError(o: { pred: Mat; target: Mat; mask: IntVec | null; dpred: Mat | null; scale: number }): number {
    return this.k.squaredError(o.pred.ptr, o.target.ptr, o.pred.rows, o.pred.cols, o.pred.ld, addr(o.mask), addr(o.dpred), o.scale);
  }

  /** PyTorch's HuberLoss sum over rows where mask ≠ 0; dpred ← its gradient·scale there, 0 elsewhere. */
  huber(o: { pred: Mat; target: Mat; mask: IntVec | null; delta: number; dpred: Mat | null; scale: number }): number {
    return this.k.huberLoss(o.pred.ptr, o.target.ptr, o.pred.rows, o.pred.cols, o.pred.ld, addr(o.mask), o.delta, addr(o.dpred), o.scale);
  }

  // --------------------------------------------------------------------------------- pooling ----
  // y [T·B, F] time-major → out [B, F] over each sequence's valid steps (lens null: all T).

  /** The last valid step (bidirectional, D = 2: the reverse half at step 0). */
  poolLast(o: { y: Mat; out: Mat; T: number; B: number; D: number; lens: Lengths }): void {
    this.k.poolLast(o.y.ptr, o.T, o.B, o.y.cols / o.D, o.D, addr(o.lens), o.out.ptr);
  }

  poolLastBackward(o: { dOut: Mat; dy: Mat; T: number; B: number; D: number; lens: Lengths }): void {
    this.k.poolLastBackward(o.dOut.ptr, o.T, o.B, o.dy.cols / o.D, o.D, addr(o.lens), o.dy.ptr);
  }

  poolMean(o: { y: Mat; out: Mat; T: number; B: number; lens: Lengths }): void {
    this.k.poolMean(o.y.ptr, o.T, o.B, o.y.cols, addr(o.lens), o.out.ptr);
  }

  poolMeanBackward(o: { dOut: Mat; dy: Mat; T: number; B: number; lens: Lengths }): void {
    this.k.poolMeanBackward(o.dOut.ptr, o.T, o.B, o.dy.cols, addr(o.lens), o.dy.ptr);
  }

  /** The element-wise maximum; argmax [B·F] records the step each came from. */
  poolMax(o: { y: Mat; out: Mat; argmax: IntVec; T: number; B: number; lens: Lengths }): void {
    this.k.poolMax(o.y.ptr, o.T, o.B, o.y.cols, addr(o.lens), o.out.ptr, o.argmax.ptr);
  }

  poolMaxBackward(o: { dOut: Mat; dy: Mat; argmax: IntVec; T: number; B: number }): void {
    this.k.poolMaxBackward(o.dOut.ptr, o.T, o.B, o.dy.cols, o.argmax.ptr, o.dy.ptr);
  }

  // ----------------------------------------------------------------------------- embedding ----

  /** out[i] ← table[ids[i]]. */
  gatherRows(o: { table: Mat; ids: IntVec; out: Mat }): void {
    this.k.gatherRows(o.table.ptr, o.ids.ptr, o.ids.length, o.table.cols, o.out.ptr);
  }

  /** out[i] ← onehot(ids[i]) over out.cols classes. */
  oneHotRows(o: { ids: IntVec; out: Mat }): void {
    this.k.oneHotRows(o.ids.ptr, o.ids.length, o.out.cols, o.out.ptr);
  }

  /** grad[ids[i]] += d[i] (repeated ids accumulate). */
  scatterAddRows(o: { d: Mat; ids: IntVec; grad: Mat }): void {
    this.k.scatterAddRows(o.d.ptr, o.ids.ptr, o.ids.length, o.grad.cols, o.grad.ptr);
  }

  /** Index of the first id outside [0, classes), or −1. */
  findBadId(o: { ids: IntVec; classes: number }): number {
    return this.k.findBadId(o.ids.ptr, o.ids.length, o.classes);
  }

  // ---------------------------------------------------------------------------- optimizers ----

  sumSquares(x: Mat): number {
    return this.k.sumSquares(x.ptr, x.size);
  }

  scale(o: { x: Mat; by: number }): void {
    this.k.scaleInPlace(o.x.ptr, o.x.size, o.by);
  }

  allFinite(x: Mat): boolean {
    return Boolean(this.k.allFinite(x.ptr, x.size));
  }

  sgdStep(o: { p: Mat; g: Mat; momentum: Mat | null; lr: number; mu: number; dampening: number; weightDecay: number; nesterov: boolean; first: boolean }): void {
    this.k.sgdStep(o.p.ptr, o.g.ptr, addr(o.momentum), o.p.size, o.lr, o.mu, o.dampening, o.weightDecay, o.nesterov, o.first);
  }

  adamStep(o: { p: Mat; g: Mat; m: Mat; v: Mat; lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean; stepSize: number; bc2Sqrt: number }): void {
    this.k.adamStep(o.p.ptr, o.g.ptr, o.m.ptr, o.v.ptr, o.p.size, o.lr, o.beta1, o.beta2, o.eps, o.weightDecay, o.decoupled, o.stepSize, o.bc2Sqrt);
  }

  // ----------------------------------------------------------------------------------- rng ----
  // The generator's 128-bit state is 4 u32 words (a [1, 4] view).

  rngSeed(state: Mat, seed: number): void {
    this.k.rngSeed(state.ptr, seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0);
  }

  rngFloat(state: Mat): number {
    return this.k.rngFloat(state.ptr);
  }

  rngUniform(o: { state: Mat; out: Mat; lo: number; hi: number }): void {
    this.k.rngUniform(o.state.ptr, o.out.ptr, o.out.size, o.lo, o.hi);
  }

  rngNormal(o: { state: Mat; out: Mat; mean: number; std: number }): void {
    this.k.rngNormal(o.state.ptr, o.out.ptr, o.out.size, o.mean, o.std);
  }

  /** mask ← 0 with probability p, else 1/(1 − p) (inverted dropout). */
  dropoutMask(o: { state: Mat; mask: Mat; p: number }): void {
    this.k.dropoutMask(o.state.ptr, o.mask.ptr, o.mask.size, o.p);
  }

  // ------------------------------------------------------------------------- host ↔ memory ----

  /** A copy of a contiguous view (or of each row of a row-strided one). */
  read(m: Mat): Float32Array {
    if (m.cs === 1 && (m.rows === 1 || m.rs === m.cols)) return this.heap.f32(m.ptr, m.size).slice();
    const out = new Float32Array(m.size);
    for (let i = 0; i < m.rows; i++) out.set(this.row(m, i), i * m.cols);
    return out;
  }

  /** A live view of a contiguous view: valid until memory grows (never keep it across a call). */
  peek(m: Mat): Float32Array {
    if (m.cs !== 1 || (m.rows > 1 && m.rs !== m.cols)) throw new Error("Ops.peek: the view is not contiguous");
    return this.heap.f32(m.ptr, m.size);
  }

  /** Writes `values` (row-major, m.size of them) into the view. */
  write(m: Mat, values: ArrayLike<number>): void {
    if (m.cs === 1 && (m.rows === 1 || m.rs === m.cols)) {
      this.heap.f32(m.ptr, m.size).set(values);
      return;
    }
    for (let i = 0; i < m.rows; i++) this.row(m, i).set(Array.prototype.slice.call(values, i * m.cols, (i + 1) * m.cols));
  }

  fill(m: Mat, value: number): void {
    if (m.cs === 1 && (m.rows === 1 || m.rs === m.cols)) this.heap.f32(m.ptr, m.size).fill(value);
    else for (let i = 0; i < m.rows; i++) this.row(m, i).fill(value);
  }

  writeInts(v: IntVec, values: ArrayLike<number>): void {
    this.heap.i32(v.ptr, v.length).set(values);
  }

  readInts(v: IntVec): Int32Array {
    return this.heap.i32(v.ptr, v.length).slice();
  }

  readWords(m: Mat): Uint32Array {
    return this.heap.u32(m.ptr, m.size).slice();
  }

  writeWords(m: Mat, words: ArrayLike<number>): void {
    this.heap.u32(m.ptr, m.size).set(words);
  }

  private row(m: Mat, i: number): Float32Array {
    if (m.cs !== 1) throw new Error("Ops: column-strided views are read through the GEMM only");
    return this.heap.f32(m.ptr + i * m.rs * 4, m.cols);
  }
}
