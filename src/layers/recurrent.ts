// The public RNN / GRU / LSTM layers: PyTorch's API over the recurrent module (../nn/recurrent.ts). This file
// checks arguments, copies user arrays in and out (batch-first ones through a transpose), and keeps the plans
// of the shapes it has seen; the computing is the module's.

import type { F32Buffer, IntVec, Mat, PlanCache, PlanRecord, Runtime } from "../../bindings/index.js";
import { runtime } from "../init.js";
import type { Random } from "../random.js";
import {
  checkFloats, checkKnownKeys, checkObject, checkPositiveInt, describe, shapeText, type FloatInput,
} from "../errors.js";
import { layerOptions, resolveConfig, sizesText, type CellType, type LayerConfig } from "../nn/recurrent-config.js";
import { checkQuantizeOptions, quantizedCopy, type QuantizeOptions } from "../quant/quantize.js";
import type { StoredWeight, WeightType } from "../quant/weights.js";
import { Recurrent, type RecurrentActivations, type RecurrentGradBuffers } from "../nn/recurrent.js";
import { ParamLayout } from "../nn/recurrent-params.js";
import { readParameters, shapesOf, writeParameters, type HasParameters, type ParameterGroup, type ParameterValues } from "../nn/module.js";
import { RecurrentStream } from "./stream.js";

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

/** The buffers of a forward pass of one shape: the user's arrays staged in memory, and the module's. */
interface ForwardPlan extends PlanRecord {
  x: Mat;
  /** Batch-first staging [T·B, max(I, D·H)] (null when time-major). */
  transposed: Mat | null;
  h0: Mat | null;
  c0: Mat | null;
  lens: IntVec | null;
  acts: RecurrentActivations;
}

interface BackwardPlan extends PlanRecord {
  dOutput: Mat | null;
  dhN: Mat | null;
  dcN: Mat | null;
  transposed: Mat | null;
  grads: RecurrentGradBuffers;
}

/** What the staging of a call holds (so that the plan of a shape is made once per combination). */
interface Staged {
  h0: boolean;
  c0: boolean;
  lengths: boolean;
}

const NO_STAGING: Staged = { h0: false, c0: false, lengths: false };
const FORWARD_KEYS = ["seqLen", "batch", "h0", "c0", "lengths"];
const BACKWARD_KEYS = ["dOutput", "dhN", "dcN", "stateGradNorms"];
const PARAMETER_ADVICE = "reduce hiddenSize or numLayers";
const ACTIVATION_ADVICE = "reduce seqLen or batch (or hiddenSize)";

export class RecurrentLayer implements HasParameters {
  readonly config: Readonly<LayerConfig>;
  protected readonly rt: Runtime;
  /** The module that computes. */
  readonly module: Recurrent;
  private readonly name: string;
  /** Plans of forward passes (activations kept for backward) and of backward passes (scratch), by shape. */
  private readonly forwardPlans: PlanCache<ForwardPlan>;
  private readonly backwardPlans: PlanCache<BackwardPlan>;
  /** The shape and activations of the last forward (backward's). */
  private last: { T: number; B: number } | null = null;
  private lastActs: RecurrentActivations | null = null;
  /** The plan of the last stream step. */
  private lastStep: { B: number; training: boolean; plan: ForwardPlan } | null = null;
  private disposed = false;

  constructor(cellType: CellType, className: string, options: unknown) {
    this.name = className;
    this.config = Object.freeze(resolveConfig(cellType, className, options));
    this.rt = runtime();
    const heap = this.rt.heap;
    // parameters and gradients (+ a generator state): checked before anything is taken, given back on failure
    const count = new ParamLayout(this.config).total;
    heap.checkFits(Recurrent.bytes(this.config), `new ${className}(${sizesText(this.config)}, ${count.toLocaleString("en-US")} parameters)`, PARAMETER_ADVICE);
    this.module = heap.scope(() => new Recurrent(this.rt, "", this.config));
    this.forwardPlans = this.rt.ops.planCache();
    this.backwardPlans = this.rt.ops.planCache();
    try {
      this.module.resetParameters(this.config.seed);
    } catch (e) {
      this.dispose(); // the initialisation's own generator could not be had: give everything back
      throw e;
    }
  }

  /** Training mode: dropout between layers is active (PyTorch's module.train() / eval()). */
  get training(): boolean {
    return this.module.training;
  }

  /** How the weight matrices are stored: "f32", or "int8" / "f16" for a copy made by quantize(). */
  get weightType(): WeightType {
    return this.module.weights.type;
  }

  /**
   * A copy for inference with int8 or f16 weight matrices (see docs/quantization.md); this layer is unchanged.
   * The copy has the same forward() and stream(); backward() refuses.
   */
  quantize(options: QuantizeOptions): this {
    this.assertAlive("quantize");
    return this.quantizedCopy(checkQuantizeOptions(`${this.name}.quantize`, options, this.weightType), this.torchParams());
  }

  /** A copy of this layer's class and config with `params` and weights quantized to `type` (stored: a file's). */
  quantizedCopy(type: "int8" | "f16", params: Record<string, Float32Array>, stored?: ReadonlyMap<string, StoredWeight>): this {
    const Layer = this.constructor as new (options: unknown) => this;
    return quantizedCopy(() => new Layer(layerOptions(this.config)), params, (copy) => [copy.module], type, stored);
  }

  set training(mode: boolean) {
    this.module.training = mode;
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
    return this.module.random;
  }

  /** PyTorch's default initialisation: every parameter uniform(−1/√H, 1/√H), from the seeded generator. */
  resetParameters(seed = this.config.seed): void {
    this.assertAlive("resetParameters");
    this.module.resetParameters(seed);
  }

  /** Number of scalar parameters. */
  get parameterCount(): number {
    return this.module.layout.total;
  }

  /** Names and shapes of the parameters, PyTorch order. */
  parameterShapes(): Record<string, number[]> {
    return shapesOf(this.module.parameters());
  }

  /** The parameter group (parameters and gradients), for optimizers: `new Optimizer(layer, …)`. */
  parameterGroups(): readonly ParameterGroup[] {
    this.assertAlive("parameterGroups");
    return this.module.parameterGroups();
  }

  /** Loads parameters by PyTorch name. Every parameter must be present with its exact shape; nothing changes on error. */
  loadTorchParams(params: ParameterValues): void {
    this.assertAlive("loadTorchParams");
    writeParameters(`${this.name}.loadTorchParams`, this.module.parameters(), params);
  }

  /** Copies of every parameter by PyTorch name and layout. */
  torchParams(): Record<string, Float32Array> {
    this.assertAlive("torchParams");
    return readParameters(this.module.parameters());
  }

  forward(x: FloatInput, options: ForwardOptions): ForwardResult {
    this.assertAlive("forward");
    const c = this.config, H = c.hiddenSize, LD = c.numLayers * this.module.D;
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
    this.last = null;
    this.module.forgetPass();
    const plan = this.forwardPlan(T, B, { h0: h0 !== undefined, c0: c0 !== undefined, lengths: lengths !== undefined });
    const ops = this.rt.ops;
    this.copyIn(xs, plan.x, plan.transposed, T, B);
    if (h0) ops.write(plan.h0!, h0);
    if (c0) ops.write(plan.c0!, c0);
    if (lengths) ops.writeInts(plan.lens!, lengths);
    this.module.forward(plan.x, plan.acts, { h0: plan.h0, c0: plan.c0, lens: plan.lens });
    this.last = { T, B };
    this.lastActs = plan.acts;

    const output = this.copyOut(this.module.output(plan.acts), plan.transposed, T, B);
    const hN = ops.read(plan.acts.hN);
    return plan.acts.cN ? { output, hN, cN: ops.read(plan.acts.cN) } : { output, hN };
  }

  backward(options: BackwardOptions): BackwardResult {
    this.assertAlive("backward");
    const last = this.last;
    if (!last) throw new Error(`${this.name}.backward: call forward() first`);
    if (!this.module.hasPass) {
      throw new Error(`${this.name}.backward: the activations of the last forward() were used by a previous backward(); run forward() again`);
    }
    const c = this.config, H = c.hiddenSize, D = this.module.D, LD = c.numLayers * D;
    const { T, B } = last;
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

    const plan = this.backwardPlan(T, B, { dOutput: dOut !== undefined, dhN: dhN !== undefined, dcN: dcN !== undefined });
    const ops = this.rt.ops;
    if (dOut) this.copyIn(dOut, plan.dOutput!, plan.transposed, T, B);
    if (dhN) ops.write(plan.dhN!, dhN);
    if (dcN) ops.write(plan.dcN!, dcN);
    const norms = o.stateGradNorms === true ? new Float64Array(LD * T) : undefined;
    const acts = this.lastActs!;
    const dxView = this.module.backward(plan.dOutput, acts, plan.grads, { dhN: plan.dhN, dcN: plan.dcN, wantInputGrad: true, stateGradNorms: norms });

    const grads = Object.fromEntries(this.module.parameters().map((p) => [p.name, p.group.grads.copyOut(p.offset, p.length)]));
    const dx = this.copyOut(dxView!, plan.transposed, T, B);
    const dh0 = ops.read(plan.grads.dh0);
    const result: BackwardResult = plan.grads.dc0 ? { dx, dh0, dc0: ops.read(plan.grads.dc0), grads } : { dx, dh0, grads };
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

  /**
   * One step of a stream: runs the module on x [B, I] from states h, c (null: zeros) and returns views of
   * the output [B, H] and the final states (valid until the next call). For RecurrentStream.
   */
  step(x: Mat, h: Mat | null, c: Mat | null): RecurrentActivations {
    this.assertAlive("step");
    const B = x.rows;
    this.last = null;
    this.module.forgetPass();
    // every step of a stream has the same shape: skip the plan lookup (the per-call cost of streaming)
    const s = this.lastStep;
    let plan: ForwardPlan;
    if (s && s.B === B && s.training === this.training && this.forwardPlans.isTaken(s.plan)) plan = s.plan;
    else {
      plan = this.forwardPlan(1, B, NO_STAGING);
      this.lastStep = { B, training: this.training, plan };
    }
    this.module.forward(x, plan.acts, { h0: h, c0: c, lens: null });
    this.last = { T: 1, B };
    this.lastActs = plan.acts;
    return plan.acts;
  }

  /** The loaded wasm runtime this layer lives in. */
  get runtime(): Runtime {
    return this.rt;
  }

  /** Frees the layer's wasm memory. The layer cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.module.dispose();
    this.forwardPlans?.dispose();
    this.backwardPlans?.dispose();
    this.last = null;
    this.lastStep = null;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /**
   * Marks the parameters as changed, so packed copies are rebuilt before the next use. Changes made through
   * the parameter buffer (loadTorchParams, an Optimizer, parameterBuffer.view()) are seen without it.
   */
  paramsChanged(): void {
    this.module.params.group.params.markChanged();
  }

  /** The flat parameter and gradient buffers, PyTorch order (for optimizers working in wasm). */
  get parameterBuffer(): F32Buffer {
    return this.module.params.group.params;
  }

  get gradientBuffer(): F32Buffer {
    return this.module.params.group.grads;
  }

  toString(): string {
    const c = this.config;
    return `${this.name}(${c.inputSize}, ${c.hiddenSize}, numLayers=${c.numLayers}${c.bidirectional ? ", bidirectional" : ""}) ${shapeText([this.parameterCount])} params`;
  }

  // ---------------------------------------------------------------------------------------- plans ----

  /** The buffers of a forward pass of T × B, laid out once per shape, taken before any computing starts. */
  private forwardPlan(T: number, B: number, staged: Staged): ForwardPlan {
    const c = this.config, H = c.hiddenSize, D = this.module.D, LD = c.numLayers * D, TB = T * B;
    const plan = this.forwardPlans.get(`${T},${B},${this.training},${staged.h0},${staged.c0},${staged.lengths}`, (p) => ({
      x: p.mat(TB, c.inputSize),
      transposed: c.batchFirst ? p.mat(TB, Math.max(c.inputSize, D * H)) : null,
      h0: staged.h0 ? p.mat(LD * B, H) : null,
      c0: staged.c0 ? p.mat(LD * B, H) : null,
      lens: staged.lengths ? p.ints(B) : null,
      acts: this.module.declare(p, T, B),
    }));
    this.take(this.forwardPlans, plan, "forward", T, B);
    return plan;
  }

  private backwardPlan(T: number, B: number, staged: { dOutput: boolean; dhN: boolean; dcN: boolean }): BackwardPlan {
    const c = this.config, H = c.hiddenSize, D = this.module.D, LD = c.numLayers * D, TB = T * B;
    const plan = this.backwardPlans.get(`${T},${B},${staged.dOutput},${staged.dhN},${staged.dcN}`, (p) => ({
      dOutput: staged.dOutput ? p.mat(TB, D * H) : null,
      dhN: staged.dhN ? p.mat(LD * B, H) : null,
      dcN: staged.dcN ? p.mat(LD * B, H) : null,
      transposed: c.batchFirst ? p.mat(TB, Math.max(c.inputSize, D * H)) : null,
      grads: this.module.declareGrads(p, T, B),
    }));
    this.take(this.backwardPlans, plan, "backward", T, B);
    return plan;
  }

  /** The plan's memory and the phase's packed weights, all or none, checked first. */
  private take<P extends PlanRecord>(plans: PlanCache<P>, plan: P, phase: "forward" | "backward", T: number, B: number): void {
    if (plans.isTaken(plan)) return;
    plans.take(plan, () => this.module.packBytes(phase, T, B), () => this.module.allocatePacks(phase, T, B),
      () => `${this.name}.${phase} (seqLen ${T}, batch ${B}, ${sizesText(this.config)})`, ACTIVATION_ADVICE);
  }

  // ------------------------------------------------------------------------------------ copying ----

  /** Copies a user tensor into `dst` [T·B, F] time-major (transposing batch-first input through `staging`). */
  private copyIn(values: FloatInput, dst: Mat, staging: Mat | null, T: number, B: number): void {
    const ops = this.rt.ops;
    if (!staging) {
      ops.write(dst, values);
      return;
    }
    const F = dst.cols, st = staging.prefix(T * B, F);
    ops.write(st, values);
    ops.swapAxes01({ src: st, dst, n0: B, n1: T, width: F });
  }

  /** A copy of a time-major [T·B, F] view in the user's layout. */
  private copyOut(src: Mat, staging: Mat | null, T: number, B: number): Float32Array {
    const ops = this.rt.ops;
    if (!staging) return ops.read(src);
    const st = staging.prefix(T * B, src.cols);
    ops.swapAxes01({ src, dst: st, n0: T, n1: B, width: src.cols });
    return ops.read(st);
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

  protected assertAlive(method: string): void {
    if (this.disposed) throw new Error(`${this.name}.${method}: the layer was disposed; create a new one`);
  }
}
