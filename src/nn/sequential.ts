// Sequential: a model made of named modules in order — Embedding, RNN / GRU / LSTM, Pool, Linear, Dropout —
// with a loss: text classifiers (embedding → LSTM → pool → linear → cross-entropy), taggers (… → linear per
// step), forecasters (features → LSTM → pool → linear → MSE). Parameters are named by module path as in a
// PyTorch nn.Module with the same child names, so weights move both ways with loadTorchParams / torchParams.
//
// The model owns the plans of the shapes it has run: every module's buffers of a (seqLen, batch) in one arena
// for forward (kept for backward) and one for backward, taken all at once or not at all.

import type { IntVec, Mat, PlanCache, PlanRecord, Runtime } from "../../bindings/index.js";
import { runtime } from "../init.js";
import { Random } from "../random.js";
import { checkKnownKeys, checkObject, checkPositiveInt, describe } from "../errors.js";
import { Dropout, type DropoutActivations } from "./dropout.js";
import { Embedding, type LookupActivations } from "./embedding.js";
import { Linear, type LinearActivations, type LinearGrads } from "./linear.js";
import { Loss, resolveLoss, type LossBuffers, type LossConfig, type ResolvedLoss } from "./loss.js";
import {
  readParameters, shapesOf, writeParameters, type HasParameters, type Parameter, type ParameterGroup, type ParameterValues,
} from "./module.js";
import { Pool, type PoolActivations, type PoolGrads } from "./pool.js";
import { checkQuantizeOptions, quantizedCopy, weightTypeOf, type QuantizableModule, type QuantizeOptions } from "../quant/quantize.js";
import type { StoredWeight, WeightType } from "../quant/weights.js";
import { Recurrent, type RecurrentActivations, type RecurrentGradBuffers } from "./recurrent.js";
import { ParamLayout } from "./recurrent-params.js";
import { resolveSequential, stageConfig, type ModuleConfig, type SequentialPlan, type Stage } from "./sequential-config.js";

export type { ModuleConfig } from "./sequential-config.js";
export type { LossConfig } from "./loss.js";

export interface SequentialOptions {
  /** Seed of the initialisation (PyTorch's defaults, drawn from the library's generator) and of dropout. */
  seed?: number;
}

export interface SequentialForwardOptions {
  seqLen: number;
  batch: number;
  /** Length of each sequence [B], each in [1, seqLen]; steps past it are skipped (as packed sequences). */
  lengths?: ArrayLike<number>;
  /**
   * Targets, time-major: class ids Int32Array [B] (pooled) or [T·B] (per step; padded steps and ignoreIndex
   * do not count), or values Float32Array [B·O] / [T·B·O].
   */
  target?: Int32Array | Float32Array;
  /** The loss of the target (needed with one). */
  loss?: LossConfig;
}

export interface SequentialForwardResult {
  /** [B, C] after a Pool, else [T, B, C] time-major (logits for classes, values for regression). */
  output: Float32Array;
  /** The mean loss, when a target was given. */
  loss?: number;
}

export interface SequentialBackwardResult {
  /** ∂loss/∂parameter by full name ("rnn.weight_ih_l0", "fc.bias", …). */
  grads: Record<string, Float32Array>;
  /** ∂loss/∂x [T, B, I] for real-valued input (none for token ids). */
  dx?: Float32Array;
}

/** One module as the model runs it. */
interface Unit {
  stage: Stage;
  module: Embedding | Recurrent | Pool | Linear | Dropout;
}

type Acts = LookupActivations | RecurrentActivations | PoolActivations | LinearActivations | DropoutActivations;
type Grads = RecurrentGradBuffers | PoolGrads | LinearGrads | null;

interface ForwardPlan extends PlanRecord {
  input: IntVec | Mat;
  lens: IntVec | null;
  acts: Acts[];
  loss: LossBuffers | null;
}

interface BackwardPlan extends PlanRecord {
  grads: Grads[];
}

/** What the last forward left for backward. */
interface Pass {
  plan: ForwardPlan;
  T: number;
  B: number;
  withLoss: boolean;
  backwardDone: boolean;
}

const FORWARD_KEYS = ["seqLen", "batch", "lengths", "target", "loss"];

export class Sequential implements HasParameters {
  readonly modules: readonly ModuleConfig[];
  /** "tokens" when the first module is an Embedding (input Int32Array ids), else "features" (Float32Array). */
  readonly inputKind: "tokens" | "features";
  /** Features per step, or the vocabulary size of token ids. */
  readonly inputSize: number;
  /** "pooled": output [B, C]; "sequence": output [T, B, C]. */
  readonly outputKind: "pooled" | "sequence";
  readonly outFeatures: number;
  readonly seed: number;
  private readonly rt: Runtime;
  private readonly units: Unit[];
  private readonly dropoutRandom: Random | null;
  private readonly forwardPlans: PlanCache<ForwardPlan>;
  private readonly backwardPlans: PlanCache<BackwardPlan>;
  private pass: Pass | null = null;
  private lossKey = "";
  private lossInstance: Loss | null = null;
  private mode = true;
  private disposed = false;

  /** Builds the model of `modules` (see ModuleConfig); every module is checked before anything is allocated. */
  static fromConfig(modules: readonly ModuleConfig[], options: SequentialOptions = {}): Sequential {
    return new Sequential(modules, options);
  }

  private constructor(modules: readonly ModuleConfig[], options: SequentialOptions) {
    const o = checkObject("Sequential.fromConfig(modules, options)", options);
    checkKnownKeys("Sequential.fromConfig", o, ["seed"]);
    const seed = o.seed ?? 0;
    if (typeof seed !== "number" || !Number.isSafeInteger(seed) || seed < 0 || seed > 2 ** 40) throw new RangeError(`Sequential.fromConfig: seed must be an integer in [0, 2^40], got ${describe(seed)}`);
    const plan: SequentialPlan = resolveSequential(modules, seed);
    this.seed = seed;
    this.inputKind = plan.inputKind;
    this.inputSize = plan.inputSize;
    this.outputKind = plan.outputKind;
    this.outFeatures = plan.outFeatures;
    this.modules = plan.stages.map(stageConfig);
    this.rt = runtime();
    const heap = this.rt.heap;
    const bytes = plan.stages.reduce((n, s) => n + stageBytes(s), 256);
    heap.checkFits(bytes, `Sequential.fromConfig(${plan.stages.map((s) => s.name).join(" → ")}, ${this.parameterCountOf(plan).toLocaleString("en-US")} parameters)`, "make the modules smaller (hiddenSize, numLayers, embeddingDim, numEmbeddings, outFeatures)");
    const made = heap.scope(() => {
      const hasDropout = plan.stages.some((s) => s.kind === "dropout");
      const dropoutRandom = hasDropout ? new Random(this.rt, seed + 7) : null;
      const units = plan.stages.map((stage) => ({ stage, module: this.makeModule(stage, dropoutRandom) }));
      return { units, dropoutRandom, forward: this.rt.ops.planCache<ForwardPlan>(), backward: this.rt.ops.planCache<BackwardPlan>() };
    });
    this.units = made.units;
    this.dropoutRandom = made.dropoutRandom;
    this.forwardPlans = made.forward;
    this.backwardPlans = made.backward;
    try {
      this.resetParameters();
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** PyTorch's default initialisation of every module, from generators seeded by `seed` and the module's place. */
  resetParameters(seed = this.seed): void {
    this.assertAlive("resetParameters");
    this.units.forEach(({ module }, i) => {
      if (module instanceof Recurrent) module.resetParameters(seed + 1000 * i);
      else if (module instanceof Embedding || module instanceof Linear) {
        const random = new Random(this.rt, seed + 1000 * i + 2);
        try {
          module.resetParameters(random);
        } finally {
          random.dispose();
        }
      }
    });
  }

  /** The modules whose weights quantize() stores: every Embedding, recurrent layer and Linear. */
  quantizableModules(): QuantizableModule[] {
    return this.units.flatMap((u) => (u.module instanceof Embedding || u.module instanceof Recurrent || u.module instanceof Linear ? [u.module] : []));
  }

  /** How the weight matrices are stored: "f32", or "int8" / "f16" for a copy made by quantize(). */
  get weightType(): WeightType {
    return weightTypeOf(this.quantizableModules());
  }

  /**
   * A copy for inference with int8 or f16 weight matrices (biases stay f32; see docs/quantization.md), in
   * eval mode; this model is unchanged. forward() works as before; backward() refuses.
   */
  quantize(options: QuantizeOptions): Sequential {
    this.assertAlive("quantize");
    return this.quantizedCopy(checkQuantizeOptions("Sequential.quantize", options, this.weightType), this.torchParams());
  }

  /** A model of these modules with `params` and weights quantized to `type` (stored: a file's, by name). */
  quantizedCopy(type: "int8" | "f16", params: Record<string, Float32Array>, stored?: ReadonlyMap<string, StoredWeight>): Sequential {
    return quantizedCopy(() => Sequential.fromConfig(this.modules, { seed: this.seed }), params, (copy) => copy.quantizableModules(), type, stored);
  }

  /** Every parameter by full name ("embedding.weight", "rnn.weight_ih_l0", "fc.bias"), in module order. */
  parameters(): readonly Parameter[] {
    return this.units.flatMap((u) => u.module.parameters());
  }

  parameterGroups(): readonly ParameterGroup[] {
    this.assertAlive("parameterGroups");
    return this.units.flatMap((u) => u.module.parameterGroups());
  }

  get parameterCount(): number {
    return this.parameters().reduce((n, p) => n + p.length, 0);
  }

  parameterShapes(): Record<string, number[]> {
    return shapesOf(this.parameters());
  }

  loadTorchParams(params: ParameterValues): void {
    this.assertAlive("loadTorchParams");
    writeParameters("Sequential.loadTorchParams", this.parameters(), params);
  }

  torchParams(): Record<string, Float32Array> {
    this.assertAlive("torchParams");
    return readParameters(this.parameters());
  }

  /** Training mode: dropout is active (PyTorch's module.train() / eval()). */
  get training(): boolean {
    return this.mode;
  }

  train(mode = true): this {
    this.mode = mode;
    for (const { module } of this.units) if (module instanceof Recurrent || module instanceof Dropout) module.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** The generator of the dropout masks (for checkpoints; null without dropout modules or recurrent dropout). */
  get randomStates(): Random[] {
    return [...(this.dropoutRandom ? [this.dropoutRandom] : []), ...this.units.flatMap((u) => (u.module instanceof Recurrent ? [u.module.random] : []))];
  }

  forward(input: Int32Array | Float32Array, options: SequentialForwardOptions): SequentialForwardResult {
    this.assertAlive("forward");
    const o = checkObject("Sequential.forward(input, options)", options);
    checkKnownKeys("Sequential.forward", o, FORWARD_KEYS);
    const T = checkPositiveInt("Sequential.forward: seqLen", o.seqLen);
    const B = checkPositiveInt("Sequential.forward: batch", o.batch);
    this.checkInput(input, T, B);
    const lengths = o.lengths === undefined ? null : checkLengths(o.lengths as ArrayLike<number>, T, B);
    let loss: ResolvedLoss | null = null;
    if (o.target !== undefined) {
      if (o.loss === undefined) throw new TypeError("Sequential.forward: a target needs a loss ({ type: \"crossEntropy\" | \"mse\" | \"huber\" })");
      loss = resolveLoss(o.loss, this.outFeatures);
      this.checkTarget(o.target, loss, T, B);
    } else if (o.loss !== undefined) throw new TypeError("Sequential.forward: a loss needs a target");

    // checked: take the plan's memory (or fail before computing anything)
    this.pass = null;
    const plan = this.planFor(T, B, lengths !== null, loss);
    const ops = this.rt.ops;
    if (this.inputKind === "tokens") {
      ops.writeInts(plan.input as IntVec, input);
      const bad = ops.findBadId({ ids: plan.input as IntVec, classes: this.inputSize });
      if (bad >= 0) throw new RangeError(`Sequential.forward: token id ${input[bad]} at position ${bad} is outside the vocabulary [0, ${this.inputSize}) of "${this.units[0].stage.name}"`);
    } else ops.write(plan.input as Mat, input);
    if (lengths) ops.writeInts(plan.lens!, lengths);
    const pass = { lens: plan.lens };
    let x: IntVec | Mat = plan.input;
    this.units.forEach((u, i) => {
      x = (u.module as { forward(x: IntVec | Mat, acts: Acts, pass: { lens: IntVec | null }): Mat }).forward(x, plan.acts[i], pass);
    });
    const out = x as unknown as Mat;
    const result: SequentialForwardResult = { output: ops.read(out) };
    if (loss) result.loss = this.lossInstance!.compute(out, o.target as Int32Array | Float32Array, this.validRows(lengths, T, B), plan.loss!);
    this.pass = { plan, T, B, withLoss: loss !== null, backwardDone: false };
    return result;
  }

  /** Gradients of the loss of the last forward() (which needs a target and a loss), as copies. */
  backward(): SequentialBackwardResult {
    const dx = this.runBackward();
    const grads = Object.fromEntries(this.parameters().map((p) => [p.name, p.group.grads.copyOut(p.offset, p.length)]));
    return dx ? { grads, dx: this.rt.ops.read(dx) } : { grads };
  }

  /**
   * Backpropagation for the last forward(): fills every parameter's gradient in wasm memory (where an
   * Optimizer reads them) without copying anything out; returns ∂L/∂x as a view for real-valued input.
   */
  runBackward(): Mat | null {
    this.assertAlive("backward");
    const pass = this.pass;
    if (!pass) throw new Error("Sequential.backward: call forward() first");
    if (!pass.withLoss) throw new Error("Sequential.backward: the last forward() had no target and loss, so there is nothing to differentiate");
    if (pass.backwardDone) throw new Error("Sequential.backward: the activations of the last forward() were used by a previous backward(); run forward() again");
    const { plan, T, B } = pass;
    const back = this.backwardPlan(T, B);
    let dy: Mat | null = plan.loss!.dOutput;
    for (let i = this.units.length - 1; i >= 0 && dy; i--) {
      const module = this.units[i].module, acts = plan.acts[i], grads = back.grads[i];
      const needInput = i > 0 || this.inputKind === "features";
      if (module instanceof Recurrent) dy = module.backward(dy, acts as RecurrentActivations, grads as RecurrentGradBuffers, { dhN: null, dcN: null, wantInputGrad: needInput });
      else if (module instanceof Embedding) dy = module.backward(dy, acts as LookupActivations);
      else if (module instanceof Pool) dy = module.backward(dy, acts as PoolActivations, grads as PoolGrads);
      else if (module instanceof Linear) dy = module.backward(dy, acts as LinearActivations, grads as LinearGrads);
      else dy = module.backward(dy, acts as DropoutActivations);
    }
    pass.backwardDone = true;
    return this.inputKind === "features" ? dy : null;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const u of this.units ?? []) u.module.dispose();
    this.dropoutRandom?.dispose();
    this.forwardPlans?.dispose();
    this.backwardPlans?.dispose();
    this.pass = null;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  toString(): string {
    return `Sequential(${this.units.map((u) => `${u.stage.name}: ${this.modules[this.units.indexOf(u)].type}`).join(", ")}) ${this.parameterCount} params`;
  }

  // ---------------------------------------------------------------------------------------- internals ----

  private makeModule(stage: Stage, dropoutRandom: Random | null): Unit["module"] {
    switch (stage.kind) {
      case "embedding": return new Embedding(this.rt, stage.name, stage.numEmbeddings, stage.embeddingDim);
      case "recurrent": return new Recurrent(this.rt, stage.name, stage.layer);
      case "pool": return new Pool(this.rt, stage.name, stage.mode, stage.inFeatures, stage.directions);
      case "linear": return new Linear(this.rt, stage.name, stage.inFeatures, stage.outFeatures, stage.bias);
      case "dropout": return new Dropout(this.rt, stage.name, stage.p, stage.inFeatures, dropoutRandom!);
    }
  }

  /** The forward plan of T × B (with lengths, with a loss), its memory taken. */
  private planFor(T: number, B: number, lengths: boolean, loss: ResolvedLoss | null): ForwardPlan {
    const lossKey = loss ? JSON.stringify({ ...loss, classWeights: loss.type === "crossEntropy" && loss.classWeights ? [...loss.classWeights] : null }) : "";
    if (loss && lossKey !== this.lossKey) {
      this.lossKey = lossKey;
      this.lossInstance = new Loss(this.rt, loss);
    }
    const rowsOut = this.outputKind === "pooled" ? B : T * B;
    const plan = this.forwardPlans.get(`${T},${B},${lengths},${this.mode},${lossKey}`, (p) => ({
      input: this.inputKind === "tokens" ? p.ints(T * B) : p.mat(T * B, this.inputSize),
      lens: lengths ? p.ints(B) : null,
      acts: this.units.map((u) => u.module.declare(p, this.stepsIn(u, T), B) as Acts),
      loss: loss ? this.lossInstance!.declare(p, rowsOut, this.outFeatures) : null,
    }));
    this.take(this.forwardPlans, plan, "forward", T, B);
    return plan;
  }

  private backwardPlan(T: number, B: number): BackwardPlan {
    const plan = this.backwardPlans.get(`${T},${B}`, (p) => ({
      grads: this.units.map((u) => {
        const m = u.module;
        return m instanceof Recurrent || m instanceof Pool || m instanceof Linear ? m.declareGrads(p, this.stepsIn(u, T), B) : null;
      }),
    }));
    this.take(this.backwardPlans, plan, "backward", T, B);
    return plan;
  }

  /** The plan's memory and the recurrent modules' packed weights for the phase, all or none, checked first. */
  private take<P extends PlanRecord>(plans: PlanCache<P>, plan: P, phase: "forward" | "backward", T: number, B: number): void {
    if (plans.isTaken(plan)) return;
    const recurrent = this.units.flatMap((u) => (u.module instanceof Recurrent ? [u.module] : []));
    plans.take(plan, () => recurrent.reduce((n, r) => n + r.packBytes(phase, T, B), 0), () => recurrent.forEach((r) => r.allocatePacks(phase, T, B)),
      () => `Sequential.${phase} (seqLen ${T}, batch ${B})`, "reduce seqLen or batch (or the modules' sizes)");
  }

  /** The steps of a module's input: T before (and into) the Pool, 1 after it (one row per sequence). */
  private stepsIn(u: Unit, T: number): number {
    return u.module instanceof Pool || u.stage.rows === "steps" ? T : 1;
  }

  /** Rows of the output that count for the loss: steps past a sequence's end do not (null: all). */
  private validRows(lengths: Int32Array | null, T: number, B: number): Uint8Array | null {
    if (!lengths || this.outputKind === "pooled") return null;
    const valid = new Uint8Array(T * B);
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) valid[t * B + b] = t < lengths[b] ? 1 : 0;
    return valid;
  }

  private checkInput(input: unknown, T: number, B: number): void {
    if (this.inputKind === "tokens") {
      if (!(input instanceof Int32Array)) throw new TypeError(`Sequential.forward: input must be token ids, an Int32Array [seqLen, batch] = [${T}, ${B}] (the first module is an Embedding), got ${describe(input)}`);
      if (input.length !== T * B) throw new RangeError(`Sequential.forward: input must have ${T * B} ids ([seqLen, batch] = [${T}, ${B}]), got ${input.length}`);
    } else {
      if (!(input instanceof Float32Array)) throw new TypeError(`Sequential.forward: input must be features, a Float32Array [seqLen, batch, inputSize] = [${T}, ${B}, ${this.inputSize}], got ${describe(input)}`);
      if (input.length !== T * B * this.inputSize) throw new RangeError(`Sequential.forward: input must have ${T * B * this.inputSize} values ([seqLen, batch, inputSize] = [${T}, ${B}, ${this.inputSize}]), got ${input.length}`);
    }
  }

  private checkTarget(target: unknown, loss: ResolvedLoss, T: number, B: number): void {
    const rows = this.outputKind === "pooled" ? B : T * B, shape = this.outputKind === "pooled" ? `[batch] = [${B}]` : `[seqLen, batch] = [${T}, ${B}]`;
    if (loss.type === "crossEntropy") {
      if (!(target instanceof Int32Array)) throw new TypeError(`Sequential.forward: a crossEntropy target must be class ids, an Int32Array ${shape}, got ${describe(target)}`);
      if (target.length !== rows) throw new RangeError(`Sequential.forward: target must have ${rows} class ids (${shape}), got ${target.length}`);
      for (let i = 0; i < rows; i++) {
        const c = target[i];
        if (c !== loss.ignoreIndex && !(c >= 0 && c < this.outFeatures)) throw new RangeError(`Sequential.forward: target[${i}] = ${c} is not a class in [0, ${this.outFeatures}) nor ignoreIndex ${loss.ignoreIndex}`);
      }
    } else {
      const n = rows * this.outFeatures;
      if (!(target instanceof Float32Array)) throw new TypeError(`Sequential.forward: a ${loss.type} target must be a Float32Array of ${n} values, got ${describe(target)}`);
      if (target.length !== n) throw new RangeError(`Sequential.forward: target must have ${n} values (${this.outputKind === "pooled" ? `[batch, outFeatures] = [${B}, ${this.outFeatures}]` : `[seqLen, batch, outFeatures] = [${T}, ${B}, ${this.outFeatures}]`}), got ${target.length}`);
    }
  }

  private parameterCountOf(plan: SequentialPlan): number {
    return plan.stages.reduce((n, s) => n + stageParameters(s), 0);
  }

  private assertAlive(method: string): void {
    if (this.disposed) throw new Error(`Sequential.${method}: the model was disposed; create a new one`);
  }
}

/** The parameters a stage has (computed without allocating). */
function stageParameters(s: Stage): number {
  switch (s.kind) {
    case "embedding": return s.numEmbeddings * s.embeddingDim;
    case "recurrent": return new ParamLayout(s.layer).total;
    case "linear": return s.outFeatures * s.inFeatures + (s.bias ? s.outFeatures : 0);
    default: return 0;
  }
}

/** Bytes a stage allocates at construction: parameters and gradients, and Linear's packed weights. */
function stageBytes(s: Stage): number {
  const params = stageParameters(s) * 8 + 128;
  return s.kind === "linear" ? params + Linear.packBytes(s.inFeatures, s.outFeatures) : params;
}

function checkLengths(lengths: ArrayLike<number>, T: number, B: number): Int32Array {
  const what = "Sequential.forward: lengths";
  if (typeof lengths !== "object" || lengths === null || typeof lengths.length !== "number") throw new TypeError(`${what} must be an array of ${B} integers in [1, ${T}], got ${describe(lengths)}`);
  if (lengths.length !== B) throw new RangeError(`${what} must have one entry per sequence (${B}), got ${lengths.length}`);
  const out = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const v = lengths[b];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > T) throw new RangeError(`${what}[${b}] must be an integer in [1, seqLen = ${T}], got ${describe(v)}`);
    out[b] = v;
  }
  return out;
}
