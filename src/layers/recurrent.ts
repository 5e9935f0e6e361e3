// The recurrent stack shared by RNN, GRU and LSTM: parameters, the time loops of forward and backward
// (backpropagation through time), variable lengths, both directions and several layers. The pointwise math of
// one step is a fused wasm kernel (see ./cells); every matrix product is one wasm GEMM call.

import { F32Buffer, type Runtime, type Kernels } from "../../bindings/index.js";
import { runtime } from "../init.js";
import { Random } from "../random.js";
import {
  checkFloats, checkKnownKeys, checkObject, checkPositiveInt, describe, shapeText, type FloatInput,
} from "../errors.js";
import { resolveConfig, type CellType, type LayerConfig } from "./config.js";
import { ParamLayout, type DirectionParams } from "./params.js";
import { Workspace } from "./workspace.js";
import type { Cell, DirectionRun, PackSpec } from "./cells/cell.js";
import { rnnCell } from "./cells/rnn.js";
import { RecurrentStream } from "./stream.js";
import { gruCell } from "./cells/gru.js";
import { lstmCell } from "./cells/lstm.js";

export interface ForwardOptions {
  seqLen: number;
  batch: number;
  /** Initial hidden state [L·D, B, H] (zeros when absent). */
  h0?: FloatInput;
  /** Initial cell state [L·D, B, H], LSTM only. */
  c0?: FloatInput;
  /** Length of each sequence [B], each in [1, seqLen]; outputs past a sequence's end are 0. */
  lengths?: ArrayLike<number>;
}

export interface ForwardResult {
  /** [T, B, D·H] ([B, T, D·H] with batchFirst). */
  output: Float32Array;
  /** [L·D, B, H]: each sequence's state after its last step. */
  hN: Float32Array;
  /** [L·D, B, H], LSTM only. */
  cN?: Float32Array;
}

export interface BackwardOptions {
  /** ∂L/∂output, same shape as output. */
  dOutput?: FloatInput;
  /**
   * Also return stateGradNorms: for every layer-direction and step t, ‖∂L/∂h‖ of the hidden state entering
   * step t (over the whole batch). With a loss on the last step only, this is the textbook's picture of
   * vanishing and exploding gradients through powers of W_hh.
   */
  stateGradNorms?: boolean;
  /** ∂L/∂hN [L·D, B, H]. */
  dhN?: FloatInput;
  /** ∂L/∂cN [L·D, B, H], LSTM only. */
  dcN?: FloatInput;
}

export interface BackwardResult {
  /** ∂L/∂x, same shape as x. */
  dx: Float32Array;
  dh0: Float32Array;
  dc0?: Float32Array;
  /** ∂L/∂parameter, keyed by PyTorch names. */
  grads: Record<string, Float32Array>;
  /** With options.stateGradNorms: [L·D, T] norms, row l·D + d, column t (see BackwardOptions). */
  stateGradNorms?: Float64Array;
}

/** Shape facts of the last forward pass, which backward relies on. */
interface Pass {
  T: number;
  B: number;
  /** Layer-0 input [T·B, inputSize] and Int32 lengths (0 = none) in linear memory. */
  x: number;
  lens: number;
  /** Whether dropout masks were applied between layers (backward applies them again). */
  dropped: boolean;
  backwardDone: boolean;
}

/** Which of the public forward()'s staging buffers a call uses (run() from a model uses none). */
interface StagedInputs {
  staged?: boolean;
  h0?: boolean;
  c0?: boolean;
  lengths?: boolean;
}

interface StagedGrads {
  dOutput?: boolean;
  dhN?: boolean;
  dcN?: boolean;
}

const PARAMETER_ADVICE = "reduce hiddenSize or numLayers";
const ACTIVATION_ADVICE = "reduce seqLen or batch (or hiddenSize)";

/** "inputSize 64, hiddenSize 256, numLayers 2": the sizes that decide a layer's memory, for messages. */
export function sizesText(c: Pick<LayerConfig, "inputSize" | "hiddenSize" | "numLayers" | "bidirectional">): string {
  return `inputSize ${c.inputSize}, hiddenSize ${c.hiddenSize}, numLayers ${c.numLayers}${c.bidirectional ? ", bidirectional" : ""}`;
}

const FORWARD_KEYS = ["seqLen", "batch", "h0", "c0", "lengths"];
const BACKWARD_KEYS = ["dOutput", "dhN", "dcN", "stateGradNorms"];

export class RecurrentLayer {
  readonly config: Readonly<LayerConfig>;
  protected readonly rt: Runtime;
  protected readonly k: Kernels;
  protected readonly layout: ParamLayout;
  private readonly cell: Cell;
  private readonly name: string;
  private readonly ws: Workspace;
  private readonly packs: Workspace;
  /** The parameter version each packed copy was made from (keyed by buffer: a reallocated pack is rebuilt). */
  private readonly packVersion = new WeakMap<F32Buffer, number>();
  /** All parameters, flat, in PyTorch order (see params.ts); gradients share the layout. */
  protected readonly params: F32Buffer;
  protected readonly grads: F32Buffer;
  private pass: Pass | null = null;
  /** Shapes whose buffers are all taken (see reserveForward), and the last one, checked first. */
  private readonly reserved = new Set<string>();
  private lastForward = { T: 0, B: 0, flags: 0 };
  private disposed = false;
  /** Dropout draws; seeded apart from the initialisation stream. */
  private readonly random: Random;
  /** Training mode: dropout is active (PyTorch's module.train() / eval()). */
  training = true;

  constructor(cellType: CellType, className: string, options: unknown) {
    this.name = className;
    this.config = Object.freeze(resolveConfig(cellType, className, options));
    this.rt = runtime();
    this.k = this.rt.k;
    this.layout = new ParamLayout(this.config);
    const c = this.config;
    this.cell = c.cell === "rnn" ? rnnCell(c.nonlinearity === "relu") : c.cell === "gru" ? gruCell(c.resetAfter) : lstmCell();
    const heap = this.rt.heap;
    this.ws = new Workspace(heap);
    this.packs = new Workspace(heap);
    // parameters and gradients (+ a generator state): checked before anything is taken, given back on failure
    heap.checkFits(this.layout.total * 8 + 128, `new ${className}(${sizesText(c)}, ${this.layout.total.toLocaleString("en-US")} parameters)`, PARAMETER_ADVICE);
    const owned = heap.scope(() => ({
      params: F32Buffer.alloc(heap, this.layout.total),
      grads: F32Buffer.alloc(heap, this.layout.total),
      random: new Random(this.rt, c.seed + 1),
    }));
    this.params = owned.params;
    this.grads = owned.grads;
    this.random = owned.random;
    try {
      this.grads.zero();
      this.resetParameters(c.seed);
    } catch (e) {
      this.dispose(); // the initialisation's own generator could not be had: give everything back
      throw e;
    }
  }

  /** Training mode on (dropout active) or off; returns the layer. */
  train(mode = true): this {
    this.training = mode;
    return this;
  }

  /** Evaluation mode: no dropout. */
  eval(): this {
    return this.train(false);
  }

  /** The dropout generator, for checkpoints. */
  get dropoutRandom(): Random {
    return this.random;
  }

  /** PyTorch's default initialisation: every parameter uniform(−1/√H, 1/√H), from the seeded generator. */
  resetParameters(seed = this.config.seed): void {
    this.assertAlive("resetParameters");
    const random = new Random(this.rt, seed);
    const bound = 1 / Math.sqrt(this.config.hiddenSize);
    try {
      random.fillUniform(this.params.ptr, this.layout.total, -bound, bound);
    } finally {
      random.dispose();
    }
    this.paramsChanged();
  }

  /** Number of scalar parameters. */
  get parameterCount(): number {
    return this.layout.total;
  }

  /** Names and shapes of the parameters, PyTorch order. */
  parameterShapes(): Record<string, number[]> {
    return Object.fromEntries(this.layout.entries.map((e) => [e.name, [...e.shape]]));
  }

  /** Loads parameters by PyTorch name. Every parameter must be present with its exact shape; nothing changes on error. */
  loadTorchParams(params: Record<string, Float32Array | Float64Array | readonly number[]>): void {
    this.assertAlive("loadTorchParams");
    const p = checkObject(`${this.name}.loadTorchParams(params)`, params, "an object of named parameters");
    const expected = this.layout.entries.map((e) => e.name);
    const extra = Object.keys(p).filter((name) => !this.layout.byName.has(name));
    if (extra.length > 0) {
      throw new TypeError(`${this.name}.loadTorchParams: unexpected parameter ${extra.map((n) => `"${n}"`).join(", ")} (expected: ${expected.join(", ")})`);
    }
    const missing = expected.filter((name) => !(name in p));
    if (missing.length > 0) {
      throw new TypeError(`${this.name}.loadTorchParams: missing parameter ${missing.map((n) => `"${n}"`).join(", ")}`);
    }
    const checked = this.layout.entries.map((e) => checkFloats(`${this.name}.loadTorchParams: ${e.name}`, p[e.name], e.shape));
    this.layout.entries.forEach((e, i) => this.params.write(checked[i], e.offset));
    this.paramsChanged();
  }

  /** Copies of every parameter by PyTorch name and layout. */
  torchParams(): Record<string, Float32Array> {
    this.assertAlive("torchParams");
    return Object.fromEntries(this.layout.entries.map((e) => [e.name, this.params.copyOut(e.offset, e.length)]));
  }

  forward(x: FloatInput, options: ForwardOptions): ForwardResult {
    this.assertAlive("forward");
    const c = this.config, H = c.hiddenSize, LD = c.numLayers * this.layout.D;
    const o = checkObject(`${this.name}.forward(x, options)`, options);
    checkKnownKeys(`${this.name}.forward`, o, FORWARD_KEYS);
    const T = checkPositiveInt(`${this.name}.forward: seqLen`, o.seqLen);
    const B = checkPositiveInt(`${this.name}.forward: batch`, o.batch);
    const xs = c.batchFirst
      ? checkFloats(`${this.name}.forward: x`, x, [B, T, c.inputSize], "[batch, seqLen, inputSize]")
      : checkFloats(`${this.name}.forward: x`, x, [T, B, c.inputSize], "[seqLen, batch, inputSize]");
    const h0 = o.h0 === undefined ? undefined : checkFloats(`${this.name}.forward: h0`, o.h0, [LD, B, H], "[numLayers·numDirections, batch, hiddenSize]");
    if (o.c0 !== undefined && c.cell !== "lstm") throw new TypeError(`${this.name}.forward: c0 is only for LSTM`);
    const c0 = o.c0 === undefined ? undefined : checkFloats(`${this.name}.forward: c0`, o.c0, [LD, B, H], "[numLayers·numDirections, batch, hiddenSize]");
    const lengths = o.lengths === undefined ? undefined : this.checkLengths(o.lengths as ArrayLike<number>, T, B);

    // inputs are valid: take all the memory the call needs (or fail before computing anything); from here on
    // the activations of an earlier forward are gone, so backward() needs this one
    this.pass = null;
    this.reserveForward(T, B, { staged: true, h0: h0 !== undefined, c0: c0 !== undefined, lengths: lengths !== undefined });
    const xIn = this.ws.get("x", T * B * c.inputSize);
    this.copyIn(xs, xIn.ptr, T, B, c.inputSize);
    const h0Ptr = h0 ? this.stage("h0", h0) : 0;
    const c0Ptr = c0 ? this.stage("c0", c0) : 0;
    let lens = 0;
    if (lengths) {
      lens = this.ws.ptr("lens", B);
      this.rt.heap.i32(lens, B).set(lengths);
    }
    this.run(T, B, xIn.ptr, h0Ptr, c0Ptr, lens);

    const D = this.layout.D;
    const output = this.copyOut(this.outputPtr(), T, B, D * H);
    const hN = this.ws.get("hN", LD * B * H).copyOut(0, LD * B * H);
    const cN = c.cell === "lstm" ? this.ws.get("cN", LD * B * H).copyOut(0, LD * B * H) : undefined;
    return cN ? { output, hN, cN } : { output, hN };
  }

  backward(options: BackwardOptions): BackwardResult {
    this.assertAlive("backward");
    const pass = this.pass;
    if (!pass) throw new Error(`${this.name}.backward: call forward() first`);
    if (pass.backwardDone) {
      throw new Error(`${this.name}.backward: the activations of the last forward() were used by a previous backward(); run forward() again`);
    }
    const c = this.config, H = c.hiddenSize, D = this.layout.D, LD = c.numLayers * D;
    const { T, B } = pass;
    const o = checkObject(`${this.name}.backward(options)`, options);
    checkKnownKeys(`${this.name}.backward`, o, BACKWARD_KEYS);
    if (o.dOutput === undefined && o.dhN === undefined && o.dcN === undefined) {
      throw new TypeError(`${this.name}.backward: give at least one of dOutput, dhN${c.cell === "lstm" ? ", dcN" : ""}`);
    }
    const outShape = c.batchFirst ? [B, T, D * H] : [T, B, D * H];
    const dOut = o.dOutput === undefined ? undefined : checkFloats(`${this.name}.backward: dOutput`, o.dOutput, outShape, c.batchFirst ? "[batch, seqLen, D·hiddenSize]" : "[seqLen, batch, D·hiddenSize]");
    const dhN = o.dhN === undefined ? undefined : checkFloats(`${this.name}.backward: dhN`, o.dhN, [LD, B, H], "[numLayers·numDirections, batch, hiddenSize]");
    if (o.dcN !== undefined && c.cell !== "lstm") throw new TypeError(`${this.name}.backward: dcN is only for LSTM`);
    const dcN = o.dcN === undefined ? undefined : checkFloats(`${this.name}.backward: dcN`, o.dcN, [LD, B, H], "[numLayers·numDirections, batch, hiddenSize]");

    this.reserveBackward(T, B, { dOutput: dOut !== undefined, dhN: dhN !== undefined, dcN: dcN !== undefined });
    let dOutPtr = 0;
    if (dOut) {
      dOutPtr = this.ws.ptr("dOutput", T * B * D * H);
      this.copyIn(dOut, dOutPtr, T, B, D * H);
    }
    const norms = o.stateGradNorms === true ? new Float64Array(LD * T) : undefined;
    this.runBackward(dOutPtr, dhN ? this.stage("dhN", dhN) : 0, dcN ? this.stage("dcN", dcN) : 0, true, norms);

    const grads = Object.fromEntries(this.layout.entries.map((e) => [e.name, this.grads.copyOut(e.offset, e.length)]));
    const dx = this.copyOut(this.inputGradPtr(), T, B, c.inputSize);
    const dh0 = this.ws.get("dh0", LD * B * H).copyOut(0, LD * B * H);
    const dc0 = c.cell === "lstm" ? this.ws.get("dc0", LD * B * H).copyOut(0, LD * B * H) : undefined;
    const result: BackwardResult = dc0 ? { dx, dh0, dc0, grads } : { dx, dh0, grads };
    if (norms) result.stateGradNorms = norms;
    return result;
  }

  /**
   * A stream that feeds one time step per call and keeps the state in wasm memory between calls:
   * `const s = lstm.stream(); for (const frame of frames) y = s.step(frame);` (unidirectional layers).
   */
  stream(options: { batch?: number } = {}): RecurrentStream {
    this.assertAlive("stream");
    checkKnownKeys(`${this.name}.stream`, checkObject(`${this.name}.stream(options)`, options), ["batch"]);
    return new RecurrentStream(this, options.batch ?? 1);
  }

  /** The loaded wasm runtime this layer lives in. */
  get runtime(): Runtime {
    return this.rt;
  }

  /** Frees the layer's wasm memory. The layer cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.ws.dispose();
    this.packs.dispose();
    this.params.free();
    this.grads.free();
    this.random.dispose();
    this.pass = null;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  // ---------------------------------------------------------------- pointer-level API (for models) ----

  /**
   * Marks the parameters as changed, so packed copies are rebuilt before the next use. Changes made through
   * the parameter buffer (loadTorchParams, an Optimizer, parameterBuffer.view()) are seen without it.
   */
  paramsChanged(): void {
    this.params.markChanged();
  }

  /** Takes the buffers run(T, B, …) and runBackward() will use, or throws a WasmMemoryError having taken none. */
  reserve(T: number, B: number, withBackward = false): void {
    this.assertAlive("reserve");
    this.reserveForward(T, B, {});
    if (withBackward) this.reserveBackward(T, B, {});
  }

  /**
   * Runs the stack on a time-major input already in linear memory (xPtr: [T·B, inputSize]). Results stay in the
   * workspace: outputPtr() [T·B, D·H], and hN / cN buffers. h0Ptr, c0Ptr, lens: 0 when absent.
   */
  run(T: number, B: number, xPtr: number, h0Ptr: number, c0Ptr: number, lens: number): void {
    this.assertAlive("run");
    this.pass = null; // the activations of an earlier pass are overwritten (or this run fails): no backward of them
    this.reserveForward(T, B, {});
    const c = this.config, H = c.hiddenSize, D = this.layout.D, LD = c.numLayers * D;
    if (lens) this.k.zeroPadded(xPtr, T, B, c.inputSize, c.inputSize, lens); // padding may hold NaN: keep it out of dW = dGᵀX
    const hN = this.ws.ptr("hN", LD * B * H);
    const cN = this.cell.usesCells ? this.ws.ptr("cN", LD * B * H) : 0;
    const dropped = this.training && c.dropout > 0 && c.numLayers > 1;
    for (let l = 0; l < c.numLayers; l++) {
      const x = l === 0 ? xPtr : this.ws.ptr(`y${l - 1}`, T * B * D * H);
      const ldx = l === 0 ? c.inputSize : D * H;
      for (let d = 0; d < D; d++) {
        const r = this.direction(l, d, T, B, x, ldx, lens, "forward");
        const [b1, b2] = this.cell.inputBiases(r);
        this.k.fillRowsWithBias(r.gates, T * B, r.GH, r.GH, b1, b2);
        if (T * B === 1) this.k.gemv(r.GH, r.I, r.X, r.packs.wihT, r.gates, true); // one step of one sequence (streaming)
        else this.k.gemm(T * B, r.GH, r.I, r.X, r.ldx, 1, r.packs.wihT, r.gates, r.GH, true);
        const first = d === 0 ? 0 : T, last = d === 0 ? T : 0;
        const slot = (l * D + d) * B * H * 4;
        this.setState(r.states + first * B * H * 4, h0Ptr ? h0Ptr + slot : 0, B * H);
        if (r.cells) this.setState(r.cells + first * B * H * 4, c0Ptr ? c0Ptr + slot : 0, B * H);
        for (let s = 0; s < T; s++) {
          const t = d === 0 ? s : T - 1 - s;
          this.cell.stepForward(r, t, d === 0 ? t : t + 1, d === 0 ? t + 1 : t);
        }
        this.k.copyBlock(r.states + last * B * H * 4, H, hN + slot, H, B, H);
        if (r.cells) this.k.copyBlock(r.cells + last * B * H * 4, H, cN + slot, H, B, H);
      }
      if (dropped && l < c.numLayers - 1) {
        const mask = this.ws.ptr(`mask${l}`, T * B * D * H);
        this.random.fillDropoutMask(mask, T * B * D * H, c.dropout);
        this.k.mulInPlace(this.ws.ptr(`y${l}`, T * B * D * H), mask, T * B * D * H);
      }
    }
    this.pass = { T, B, x: xPtr, lens, dropped, backwardDone: false };
  }

  /** The top layer's output of the last run(): [T·B, D·H], time-major. */
  outputPtr(): number {
    const pass = this.lastPass("outputPtr");
    return this.ws.ptr(`y${this.config.numLayers - 1}`, pass.T * pass.B * this.layout.D * this.config.hiddenSize);
  }

  /**
   * Backpropagation through time for the last run(). dOutPtr [T·B, D·H], dhNPtr / dcNPtr [L·D, B, H] (0 = none).
   * Overwrites the gradient buffer; leaves ∂L/∂x in the workspace ("dx0", see inputGradPtr; skipped when
   * wantInputGrad is false) and dh0 / dc0.
   */
  runBackward(dOutPtr: number, dhNPtr: number, dcNPtr: number, wantInputGrad = true, stateGradNorms?: Float64Array): void {
    this.assertAlive("runBackward");
    const pass = this.pass;
    if (!pass) throw new Error(`${this.name}.runBackward: no forward pass to differentiate (run() first)`);
    const { T, B, lens } = pass;
    this.reserveBackward(T, B, {});
    const c = this.config, H = c.hiddenSize, D = this.layout.D, LD = c.numLayers * D, TB = T * B;
    const dh = this.ws.ptr("dh", B * H), dc = this.ws.ptr("dc", B * H);
    const dh0 = this.ws.ptr("dh0", LD * B * H);
    const dc0 = this.cell.usesCells ? this.ws.ptr("dc0", LD * B * H) : 0;
    let dY = dOutPtr; // ∂L/∂(this layer's output), [T·B, D·H]
    for (let l = c.numLayers - 1; l >= 0; l--) {
      const x = l === 0 ? pass.x : this.ws.ptr(`y${l - 1}`, TB * D * H);
      const I = l === 0 ? c.inputSize : D * H;
      const dX = this.ws.ptr(`dx${l % 2}`, TB * Math.max(c.inputSize, D * H));
      // pack the layer input once for both directions' dW_ih = dGᵀ·X
      const xPacked = this.ws.ptr("packX", this.k.packedSize(TB, I));
      this.k.packRows(x, I, TB, I, xPacked);
      for (let d = 0; d < D; d++) {
        const r = this.direction(l, d, T, B, x, I, lens, "backward");
        const slot = (l * D + d) * B * H * 4;
        this.setState(dh, dhNPtr ? dhNPtr + slot : 0, B * H);
        if (r.cells) this.setState(dc, dcNPtr ? dcNPtr + slot : 0, B * H);
        const dYd = dY ? dY + d * H * 4 : 0;
        for (let s = 0; s < T; s++) {
          const t = d === 0 ? T - 1 - s : s;
          const dOut = dYd ? dYd + t * B * D * H * 4 : 0;
          this.cell.stepBackward(r, t, d === 0 ? t : t + 1, d === 0 ? t + 1 : t, dh, dc, dOut);
          // dh now holds ∂L/∂(the state entering step t)
          if (stateGradNorms) stateGradNorms[(l * D + d) * T + t] = Math.sqrt(this.k.sumSquares(dh, B * H));
        }
        this.k.copyBlock(dh, H, dh0 + slot, H, B, H);
        if (r.cells) this.k.copyBlock(dc, H, dc0 + slot, H, B, H);
        this.weightGrads(r, this.layout.directions[l * D + d], xPacked, d);
        // ∂L/∂X = Σ_directions dG·W_ih
        if (l > 0 || wantInputGrad) this.k.gemm(TB, I, r.GH, r.gates, r.GH, 1, r.packs.wihN, dX, I, d > 0);
      }
      if (pass.dropped && l > 0) this.k.mulInPlace(dX, this.ws.ptr(`mask${l - 1}`, TB * I), TB * I);
      dY = dX;
    }
    // layer 0 wrote ∂L/∂x into "dx0"
    pass.backwardDone = true;
  }

  /** Where runBackward() left ∂L/∂x [T·B, inputSize], and the final / initial-state gradients [L·D, B, H]. */
  inputGradPtr(): number {
    const { T, B } = this.lastPass("inputGradPtr");
    return this.ws.ptr("dx0", T * B * Math.max(this.config.inputSize, this.layout.D * this.config.hiddenSize));
  }

  /** Final states of the last run() [L·D, B, H] (cN: 0 unless LSTM). */
  finalStatePtrs(): { hN: number; cN: number } {
    const { B } = this.lastPass("finalStatePtrs");
    const n = this.config.numLayers * this.layout.D * B * this.config.hiddenSize;
    return { hN: this.ws.ptr("hN", n), cN: this.cell.usesCells ? this.ws.ptr("cN", n) : 0 };
  }

  /** Gradients w.r.t. the initial states after runBackward() [L·D, B, H] (dc0: 0 unless LSTM). */
  initialStateGradPtrs(): { dh0: number; dc0: number } {
    const { B } = this.lastPass("initialStateGradPtrs");
    const n = this.config.numLayers * this.layout.D * B * this.config.hiddenSize;
    return { dh0: this.ws.ptr("dh0", n), dc0: this.cell.usesCells ? this.ws.ptr("dc0", n) : 0 };
  }

  /** The flat parameter and gradient buffers (for optimizers working in wasm). */
  get parameterBuffer(): F32Buffer {
    return this.params;
  }

  get gradientBuffer(): F32Buffer {
    return this.grads;
  }

  // ---------------------------------------------------------------- internals ----

  /** dW_ih = dGᵀ·X, db = column sums of dG, and the cell's recurrent gradients, each one GEMM over all steps. */
  private weightGrads(r: DirectionRun, dp: DirectionParams, xPacked: number, d: number): void {
    const g = (offset: number) => (offset < 0 ? 0 : this.grads.at(offset));
    const TB = r.T * r.B;
    this.k.gemm(r.GH, r.I, TB, r.gates, 1, r.GH, xPacked, g(dp.wih), r.I, false);
    if (dp.bih >= 0) this.k.columnSums(r.gates, TB, r.GH, r.GH, g(dp.bih), false);
    const grad = (A: number, lda: number, M: number, input: number, out: number) => {
      const packed = this.ws.ptr("packH", this.k.packedSize(TB, r.H));
      this.k.packRows(input, r.H, TB, r.H, packed);
      this.k.gemm(M, r.H, TB, A, 1, lda, packed, out, r.H, false);
    };
    const hPrev = r.states + (d === 0 ? 0 : r.B * r.H * 4);
    this.cell.recurrentGrads(r, grad, hPrev, g(dp.whh), g(dp.bhh));
  }

  /** Pointers of layer l, direction d for a pass over T steps of batch B. */
  private direction(l: number, d: number, T: number, B: number, X: number, ldx: number, lens: number, phase: "forward" | "backward"): DirectionRun {
    const c = this.config, H = c.hiddenSize, D = this.layout.D, G = this.cell.G, GH = G * H, TB = T * B;
    const index = l * D + d;
    const dp = this.layout.directions[index];
    const key = `${l}.${d}`;
    const packs = this.ensurePacks(dp, index, phase === "forward" ? this.cell.forwardPacks(H) : this.cell.backwardPacks(H), T, B);
    return {
      k: this.k, T, B, H, GH, X, I: dp.inputSize, ldx,
      gates: this.ws.ptr(`gates${key}`, TB * GH),
      states: this.ws.ptr(`states${key}`, (T + 1) * B * H),
      cells: this.cell.usesCells ? this.ws.ptr(`cells${key}`, (T + 1) * B * H) : 0,
      aux: this.cell.usesAux ? this.ws.ptr(`aux${key}`, TB * H) : 0,
      tmp: this.ws.ptr("tmp", B * GH),
      dGhh: this.cell.usesDGhh && phase === "backward" ? this.ws.ptr("dGhh", TB * GH) : 0,
      out: this.ws.ptr(`y${l}`, TB * D * H) + d * H * 4,
      ldo: D * H,
      lens,
      wih: this.params.at(dp.wih),
      whh: this.params.at(dp.whh),
      bih: dp.bih < 0 ? 0 : this.params.at(dp.bih),
      bhh: dp.bhh < 0 ? 0 : this.params.at(dp.bhh),
      packs,
    };
  }

  /**
   * Packed copies of this direction's weights, rebuilt only when the parameters changed. Products with a single
   * row take the dot-packed GEMV: the per-step W_hh products at batch 1 (see stepProduct), and the input
   * projection when the whole call is one step of one sequence. Everything else is panel-packed for the GEMM.
   */
  private ensurePacks(dp: DirectionParams, index: number, specs: PackSpec[], T: number, B: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const spec of specs) {
      const { name, floats, asDot, K, N, cols } = this.packShape(dp, index, spec, T, B);
      const pack = this.packs.get(name, floats);
      const ptr = pack.ptr;
      if (this.packVersion.get(pack) !== this.params.version) {
        const src = this.params.at((spec.source === "wih" ? dp.wih : dp.whh) + spec.firstRow * cols);
        if (asDot) {
          if (spec.layout === "T") this.k.packDot(src, cols, 1, N, K, ptr);
          else this.k.packDot(src, 1, cols, N, K, ptr);
        } else if (spec.layout === "T") this.k.packTransposed(src, cols, N, K, ptr);
        else this.k.packRows(src, cols, K, N, ptr);
        this.packVersion.set(pack, this.params.version);
      }
      out[spec.name] = ptr;
    }
    return out;
  }

  /** Name, size and form of one packed weight copy (see ensurePacks). */
  private packShape(dp: DirectionParams, index: number, spec: PackSpec, T: number, B: number) {
    const cols = spec.source === "wih" ? dp.inputSize : this.config.hiddenSize;
    const [K, N] = spec.layout === "T" ? [cols, spec.rows] : [spec.rows, cols];
    const asDot = spec.source === "whh" ? B === 1 : T * B === 1 && spec.layout === "T";
    const name = `${spec.name}${asDot ? ".dot" : ""}@${index}`;
    return { name, floats: asDot ? this.k.dotPackedSize(K, N) : this.k.packedSize(K, N), asDot, K, N, cols };
  }

  /** Every packed weight copy a forward or backward pass of T steps of B sequences uses. */
  private *packPlan(phase: "forward" | "backward", T: number, B: number): Generator<[string, number]> {
    const H = this.config.hiddenSize;
    const specs = phase === "forward" ? this.cell.forwardPacks(H) : this.cell.backwardPacks(H);
    for (const [index, dp] of this.layout.directions.entries()) {
      for (const spec of specs) {
        const { name, floats } = this.packShape(dp, index, spec, T, B);
        yield [name, floats];
      }
    }
  }

  /**
   * Every activation buffer forward uses for T steps of B sequences (the staging buffers of the public
   * forward() when asked), in one place: reserveForward takes them all before any computing starts.
   */
  private *forwardPlan(T: number, B: number, staged: StagedInputs): Generator<[string, number]> {
    const c = this.config, H = c.hiddenSize, D = this.layout.D, LD = c.numLayers * D, TB = T * B, GH = this.cell.G * H;
    if (staged.staged) {
      yield ["x", TB * c.inputSize];
      if (c.batchFirst) yield ["batchFirst", TB * Math.max(c.inputSize, D * H)];
    }
    if (staged.h0) yield ["h0", LD * B * H];
    if (staged.c0) yield ["c0", LD * B * H];
    if (staged.lengths) yield ["lens", B];
    yield ["hN", LD * B * H];
    if (this.cell.usesCells) yield ["cN", LD * B * H];
    yield ["tmp", B * GH];
    for (let l = 0; l < c.numLayers; l++) {
      yield [`y${l}`, TB * D * H];
      if (this.training && c.dropout > 0 && l < c.numLayers - 1) yield [`mask${l}`, TB * D * H];
      for (let d = 0; d < D; d++) {
        const key = `${l}.${d}`;
        yield [`gates${key}`, TB * GH];
        yield [`states${key}`, (T + 1) * B * H];
        if (this.cell.usesCells) yield [`cells${key}`, (T + 1) * B * H];
        if (this.cell.usesAux) yield [`aux${key}`, TB * H];
      }
    }
  }

  /** The buffers backward adds to forward's (whose activations it reads). */
  private *backwardPlan(T: number, B: number, staged: StagedGrads): Generator<[string, number]> {
    const c = this.config, H = c.hiddenSize, D = this.layout.D, LD = c.numLayers * D, TB = T * B, GH = this.cell.G * H;
    if (staged.dOutput) yield ["dOutput", TB * D * H];
    if (staged.dhN) yield ["dhN", LD * B * H];
    if (staged.dcN) yield ["dcN", LD * B * H];
    yield ["dh", B * H];
    yield ["dc", B * H];
    yield ["dh0", LD * B * H];
    if (this.cell.usesCells) yield ["dc0", LD * B * H];
    yield ["dx0", TB * Math.max(c.inputSize, D * H)];
    if (c.numLayers > 1) yield ["dx1", TB * Math.max(c.inputSize, D * H)];
    yield ["packX", Math.max(this.k.packedSize(TB, c.inputSize), c.numLayers > 1 ? this.k.packedSize(TB, D * H) : 0)];
    yield ["packH", this.k.packedSize(TB, H)];
    if (this.cell.usesDGhh) yield ["dGhh", TB * GH];
  }

  /**
   * Takes every buffer of forwardPlan and the forward packs. Buffers only grow until dispose(), so a shape
   * reserved once stays reserved: the streaming path (one step per call) skips the walk over the plan.
   */
  private reserveForward(T: number, B: number, staged: StagedInputs): void {
    const flags = (this.training ? 1 : 0) | (staged.staged ? 2 : 0) | (staged.h0 ? 4 : 0) | (staged.c0 ? 8 : 0) | (staged.lengths ? 16 : 0);
    const last = this.lastForward;
    if (last.T === T && last.B === B && last.flags === flags) return; // the streaming path: same shape every call
    const key = `${T},${B},${flags}`;
    if (this.reserved.has(key)) {
      this.lastForward = { T, B, flags };
      return;
    }
    const what = `${this.name}.forward (seqLen ${T}, batch ${B}, ${sizesText(this.config)})`;
    this.rt.heap.scope(() => {
      this.ws.reserve(this.forwardPlan(T, B, staged), what, ACTIVATION_ADVICE);
      this.packs.reserve(this.packPlan("forward", T, B), what, ACTIVATION_ADVICE);
    });
    if (this.reserved.size >= 64) this.reserved.clear(); // many shapes: forget, rather than keep keys forever
    this.reserved.add(key);
    this.lastForward = { T, B, flags };
  }

  private reserveBackward(T: number, B: number, staged: StagedGrads): void {
    const key = `b${T},${B},${staged.dOutput},${staged.dhN},${staged.dcN}`;
    if (this.reserved.has(key)) return;
    const what = `${this.name}.backward (seqLen ${T}, batch ${B}, ${sizesText(this.config)})`;
    this.rt.heap.scope(() => {
      this.ws.reserve(this.backwardPlan(T, B, staged), what, ACTIVATION_ADVICE);
      this.packs.reserve(this.packPlan("backward", T, B), what, ACTIVATION_ADVICE);
    });
    if (this.reserved.size >= 64) this.reserved.clear();
    this.reserved.add(key);
  }

  /** dst (n floats) ← src, or zeros when src is 0. */
  private setState(dst: number, src: number, n: number): void {
    if (src) this.k.copyBlock(src, n, dst, n, 1, n);
    else this.rt.heap.f32(dst, n).fill(0);
  }

  /** Copies a user array into a named workspace buffer and returns its address. */
  private stage(name: string, values: FloatInput): number {
    const buffer = this.ws.get(name, values.length);
    buffer.write(values);
    return buffer.ptr;
  }

  /** Copies a user tensor into linear memory as time-major [T, B, F] (transposing batch-first input). */
  private copyIn(values: FloatInput, dst: number, T: number, B: number, F: number): void {
    if (!this.config.batchFirst) {
      this.rt.heap.f32(dst, T * B * F).set(values);
      return;
    }
    const staging = this.ws.get("batchFirst", T * B * F);
    staging.write(values);
    this.k.swapAxes01(staging.ptr, dst, B, T, F);
  }

  /** A copy of a time-major [T, B, F] tensor in the user's layout. */
  private copyOut(src: number, T: number, B: number, F: number): Float32Array {
    if (!this.config.batchFirst) return this.rt.heap.f32(src, T * B * F).slice();
    const staging = this.ws.get("batchFirst", T * B * F);
    this.k.swapAxes01(src, staging.ptr, T, B, F);
    return staging.copyOut(0, T * B * F);
  }

  private checkLengths(lengths: ArrayLike<number>, T: number, B: number): Int32Array {
    const what = `${this.name}.forward: lengths`;
    if (typeof lengths !== "object" || lengths === null || typeof lengths.length !== "number") {
      throw new TypeError(`${what} must be an array of ${B} integers in [1, ${T}], got ${describe(lengths)}`);
    }
    if (lengths.length !== B) throw new RangeError(`${what} must have one entry per batch row (${B}), got ${lengths.length}`);
    const out = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      const v = lengths[b];
      if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > T) {
        throw new RangeError(`${what}[${b}] must be an integer in [1, seqLen = ${T}], got ${describe(v)}`);
      }
      out[b] = v;
    }
    return out;
  }

  /** The last forward pass, for the pointer-level accessors (which need one). */
  private lastPass(method: string): Pass {
    this.assertAlive(method);
    if (!this.pass) throw new Error(`${this.name}.${method}: there is no forward pass (run() first, and after a failed one again)`);
    return this.pass;
  }

  protected assertAlive(method: string): void {
    if (this.disposed) throw new Error(`${this.name}.${method}: the layer was disposed; create a new one`);
  }

  toString(): string {
    const c = this.config;
    return `${this.name}(${c.inputSize}, ${c.hiddenSize}, numLayers=${c.numLayers}${c.bidirectional ? ", bidirectional" : ""}) ${shapeText([this.layout.total])} params`;
  }
}
