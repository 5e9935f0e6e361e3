// A language model P(w_1..w_T) = Π P(w_t | w_<t) as a composition of modules:
//   embedding (or one-hot) → recurrent stack → linear → softmax cross-entropy (the mean over positions).
// The model lays out every module's buffers of a shape in one plan (an arena for the forward activations,
// one for the backward scratch) and runs the modules over views of them.

import type { IntVec, Mat, PlanCache, PlanRecord, Runtime } from "../../bindings/index.js";
import { runtime } from "../init.js";
import { Random } from "../random.js";
import { checkFloats, checkKnownKeys, checkObject, checkPositiveInt, describe, type FloatInput } from "../errors.js";
import { sizesText } from "../nn/recurrent-config.js";
import { Embedding, OneHot, type LookupActivations } from "../nn/embedding.js";
import { Linear, type LinearActivations, type LinearGrads } from "../nn/linear.js";
import { softmaxCrossEntropy } from "../nn/loss.js";
import {
  count, readParameters, shapesOf, writeParameters, type HasParameters, type Parameter, type ParameterGroup, type ParameterValues,
} from "../nn/module.js";
import { Recurrent, type RecurrentActivations, type RecurrentGradBuffers } from "../nn/recurrent.js";
import { checkQuantizeOptions, quantizedCopy, weightTypeOf, type QuantizableModule, type QuantizeOptions } from "../quant/quantize.js";
import type { StoredWeight, WeightType } from "../quant/weights.js";
import { configOptions, languageModelShapes, resolveLanguageModelConfig, type LanguageModelConfig, type LanguageModelOptions } from "./config.js";

export type { ParameterGroup } from "../nn/module.js";

export type TokenInput = Int32Array | readonly number[];

export interface LMForwardOptions {
  seqLen: number;
  batch: number;
  /** Initial hidden state [L·D, B, H] (zeros when absent). */
  h0?: FloatInput;
  /** Initial cell state [L·D, B, H], LSTM only. */
  c0?: FloatInput;
}

export interface LMForwardResult {
  /** Mean cross-entropy over all T·B positions (natural log); undefined without targets. */
  loss: number | undefined;
  /** [T, B, V]. */
  logits: Float32Array;
  hN: Float32Array;
  cN?: Float32Array;
}

export interface LMBackwardResult {
  /** Keyed "embedding.weight", "rnn.weight_ih_l0", …, "fc.weight", "fc.bias". */
  grads: Record<string, Float32Array>;
  dh0: Float32Array;
  dc0?: Float32Array;
}

/** The forward buffers of one shape: ids and targets, staged states, each module's, the loss gradient. */
interface ForwardPlan extends PlanRecord {
  ids: IntVec;
  targets: IntVec;
  h0: Mat | null;
  c0: Mat | null;
  input: LookupActivations;
  rnn: RecurrentActivations;
  /** fc.y holds the logits [T·B, V]. */
  fc: LinearActivations;
  dlogits: Mat | null;
}

/** The backward scratch of one shape, each module's. */
interface BackwardPlan extends PlanRecord {
  fc: LinearGrads;
  rnn: RecurrentGradBuffers;
}

/** What the last run() left for backward. */
interface LMPass {
  plan: ForwardPlan;
  T: number;
  B: number;
  hasTargets: boolean;
  backwardDone: boolean;
}

export class LanguageModel implements HasParameters {
  readonly config: Readonly<LanguageModelConfig>;
  /** The modules, named as PyTorch's child modules: embedding (null: one-hot input), rnn, fc. */
  readonly embedding: Embedding | null;
  readonly rnn: Recurrent;
  readonly fc: Linear;
  /** The embedding, or one-hot rows: the module that turns ids into the stack's input. */
  private readonly input: Embedding | OneHot;
  private readonly rt: Runtime;
  /** Plans of forward passes (activations kept for backward) and of backward passes (scratch), by shape. */
  private readonly forwardPlans: PlanCache<ForwardPlan>;
  private readonly backwardPlans: PlanCache<BackwardPlan>;
  /** Width of the recurrent output D·H and the recurrent input size (E, or V for one-hot). */
  private readonly outWidth: number;
  private readonly inWidth: number;
  private pass: LMPass | null = null;
  /** The plan of the last run without staged states, checked first. */
  private lastPlan: { T: number; B: number; training: boolean; dropout: boolean; plan: ForwardPlan } | null = null;
  private disposed = false;

  constructor(options: LanguageModelOptions) {
    const c = (this.config = Object.freeze(resolveLanguageModelConfig(options)));
    this.rt = runtime();
    const heap = this.rt.heap;
    const D = c.bidirectional ? 2 : 1;
    this.outWidth = D * c.hiddenSize;
    this.inWidth = c.embedSize ?? c.vocabSize;
    // all parameters, gradients and packed weights, checked before anything is taken and given back if any
    // part fails
    const parameters = Object.values(languageModelShapes(c)).reduce((n, shape) => n + count(shape), 0);
    heap.checkFits(parameters * 8 + Linear.packBytes(this.outWidth, c.vocabSize) + 1024, `new LanguageModel(vocabSize ${c.vocabSize}, ${c.embedSize === null ? "one-hot input" : `embedSize ${c.embedSize}`}, ${sizesText({ inputSize: this.inWidth, ...c })}, ${parameters.toLocaleString("en-US")} parameters)`, "reduce hiddenSize, numLayers, embedSize or the vocabulary");
    const modules = heap.scope(() => ({
      rnn: new Recurrent(this.rt, "rnn", {
        cell: c.cell, inputSize: this.inWidth, hiddenSize: c.hiddenSize, numLayers: c.numLayers, bidirectional: c.bidirectional,
        bias: c.bias, batchFirst: false, seed: c.seed, dropout: c.dropout, nonlinearity: c.nonlinearity, resetAfter: c.resetAfter, recurrentActivation: "sigmoid",
      }),
      embedding: c.embedSize === null ? null : new Embedding(this.rt, "embedding", c.vocabSize, c.embedSize),
      fc: new Linear(this.rt, "fc", this.outWidth, c.vocabSize),
    }));
    this.rnn = modules.rnn;
    this.embedding = modules.embedding;
    this.fc = modules.fc;
    this.input = this.embedding ?? new OneHot(this.rt, "", c.vocabSize);
    this.forwardPlans = this.rt.ops.planCache();
    this.backwardPlans = this.rt.ops.planCache();
    try {
      this.resetParameters();
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /**
   * PyTorch's defaults: embedding N(0, 1), fc uniform(−1/√(D·H), 1/√(D·H)), recurrent weights
   * uniform(−1/√H, 1/√H); all drawn from the seeded generator.
   */
  resetParameters(seed = this.config.seed): void {
    this.assertAlive("resetParameters");
    this.rnn.resetParameters(seed);
    const random = new Random(this.rt, seed + 2);
    try {
      this.embedding?.resetParameters(random);
      this.fc.resetParameters(random);
    } finally {
      random.dispose();
    }
  }

  /** The modules whose weights quantize() stores: embedding (when there is one), rnn, fc. */
  quantizableModules(): QuantizableModule[] {
    return [...(this.embedding ? [this.embedding] : []), this.rnn, this.fc];
  }

  /** How the weight matrices are stored: "f32", or "int8" / "f16" for a copy made by quantize(). */
  get weightType(): WeightType {
    return weightTypeOf(this.quantizableModules());
  }

  /**
   * A copy for inference with int8 or f16 weight matrices (embedding, recurrent and output layer; biases
   * stay f32; see docs/quantization.md); this model is unchanged. forward(), stream() and generation work
   * as before; backward() and training refuse.
   */
  quantize(options: QuantizeOptions): LanguageModel {
    this.assertAlive("quantize");
    return this.quantizedCopy(checkQuantizeOptions("LanguageModel.quantize", options, this.weightType), this.torchParams());
  }

  /** A model of this config with `params` and weights quantized to `type` (stored: a file's, by name). */
  quantizedCopy(type: "int8" | "f16", params: Record<string, Float32Array>, stored?: ReadonlyMap<string, StoredWeight>): LanguageModel {
    return quantizedCopy(() => new LanguageModel(this.options()), params, (copy) => copy.quantizableModules(), type, stored);
  }

  /** Options that rebuild this model: `new LanguageModel(lm.options())` (only the keys that apply to the cell). */
  options(): LanguageModelOptions {
    return configOptions(this.config);
  }

  /** Every parameter: embedding.weight, rnn.*, fc.weight, fc.bias (PyTorch's state_dict order). */
  parameters(): readonly Parameter[] {
    return [...(this.embedding?.parameters() ?? []), ...this.rnn.parameters(), ...this.fc.parameters()];
  }

  /** The parameter groups (embedding, rnn, fc) with their gradient buffers, for the optimizers. */
  parameterGroups(): readonly ParameterGroup[] {
    return [...(this.embedding?.parameterGroups() ?? []), ...this.rnn.parameterGroups(), ...this.fc.parameterGroups()];
  }

  get parameterCount(): number {
    return this.parameterGroups().reduce((n, g) => n + g.params.length, 0);
  }

  parameterShapes(): Record<string, number[]> {
    return shapesOf(this.parameters());
  }

  /**
   * Marks the parameters as changed so packed copies are rebuilt. Changes through the parameter buffers
   * (loadTorchParams, an Optimizer, a view of a group's params) are seen without it.
   */
  paramsChanged(): void {
    for (const g of this.parameterGroups()) g.params.markChanged();
  }

  train(mode = true): this {
    this.rnn.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  get training(): boolean {
    return this.rnn.training;
  }

  /** The generator of the dropout masks (for checkpoints). */
  get dropoutRandom(): Random {
    return this.rnn.random;
  }

  loadTorchParams(params: ParameterValues): void {
    this.assertAlive("loadTorchParams");
    writeParameters("LanguageModel.loadTorchParams", this.parameters(), params);
  }

  torchParams(): Record<string, Float32Array> {
    this.assertAlive("torchParams");
    return readParameters(this.parameters());
  }

  /**
   * tokens, targets: [T, B] time-major ids in [0, vocabSize) (targets may be omitted for logits only).
   * Returns the mean cross-entropy, the logits [T, B, V] and the final states.
   */
  forward(tokens: TokenInput, targets: TokenInput | null | undefined, options: LMForwardOptions): LMForwardResult {
    this.assertAlive("forward");
    const o = checkObject("LanguageModel.forward(tokens, targets, options)", options);
    checkKnownKeys("LanguageModel.forward", o, ["seqLen", "batch", "h0", "c0"]);
    const T = checkPositiveInt("LanguageModel.forward: seqLen", o.seqLen);
    const B = checkPositiveInt("LanguageModel.forward: batch", o.batch);
    const ids = this.checkTokens("tokens", tokens, T, B);
    const tgt = targets === undefined || targets === null ? null : this.checkTokens("targets", targets, T, B);
    const LD = this.stateRows(), H = this.config.hiddenSize;
    const h0 = o.h0 === undefined ? undefined : checkFloats("LanguageModel.forward: h0", o.h0, [LD, B, H], "[numLayers·numDirections, batch, hiddenSize]");
    if (o.c0 !== undefined && this.config.cell !== "lstm") throw new TypeError("LanguageModel.forward: c0 is only for LSTM");
    const c0 = o.c0 === undefined ? undefined : checkFloats("LanguageModel.forward: c0", o.c0, [LD, B, H], "[numLayers·numDirections, batch, hiddenSize]");

    const plan = this.prepare(T, B, tgt !== null, h0 !== undefined, c0 !== undefined);
    const ops = this.rt.ops;
    if (h0) ops.write(plan.h0!, h0);
    if (c0) ops.write(plan.c0!, c0);
    const loss = this.runPlanned(plan, ids, tgt, T, B, plan.h0, plan.c0, tgt !== null);
    const result: LMForwardResult = { loss, logits: ops.read(plan.fc.y), hN: ops.read(plan.rnn.hN) };
    if (plan.rnn.cN) result.cN = ops.read(plan.rnn.cN);
    return result;
  }

  /** Gradients of the mean cross-entropy of the last forward() (which needs targets). */
  backward(): LMBackwardResult {
    this.assertAlive("backward");
    const pass = this.pass;
    if (!pass) throw new Error("LanguageModel.backward: call forward() first");
    if (!pass.hasTargets) throw new Error("LanguageModel.backward: the last forward() had no targets, so there is no loss to differentiate");
    if (pass.backwardDone) throw new Error("LanguageModel.backward: the activations of the last forward() were used by a previous backward(); run forward() again");
    const plan = this.runBackward();
    const ops = this.rt.ops;
    const grads = Object.fromEntries(this.parameters().map((p) => [p.name, p.group.grads.copyOut(p.offset, p.length)]));
    const result: LMBackwardResult = { grads, dh0: ops.read(plan.rnn.dh0) };
    if (plan.rnn.dc0) result.dc0 = ops.read(plan.rnn.dc0);
    return result;
  }

  // ----------------------------------------------------------- the library's own API (training, generation) ----

  /** Rows of the state tensors: numLayers · numDirections. */
  stateRows(): number {
    return this.config.numLayers * (this.config.bidirectional ? 2 : 1);
  }

  /**
   * Runs the model on checked ids (Int32Array [T·B]) from states h0 / c0 ([L·D·B, H] views, null: zeros).
   * Leaves the logits (see logits()) and the final states (finalStates()); with targets returns the mean
   * cross-entropy and, when `forTraining`, keeps its gradient for runBackward().
   */
  run(ids: Int32Array, targets: Int32Array | null, T: number, B: number, h0: Mat | null, c0: Mat | null, forTraining: boolean): number | undefined {
    this.assertAlive("run");
    const plan = this.prepare(T, B, targets !== null && forTraining, false, false);
    return this.runPlanned(plan, ids, targets, T, B, h0, c0, forTraining);
  }

  /** The logits of the last run() [T·B, V] (a view, valid until the next run). */
  logits(): Mat {
    return this.lastPass("logits").plan.fc.y;
  }

  /** The final states of the last run() [L·D·B, H] (views, valid until the next run). */
  finalStates(): { hN: Mat; cN: Mat | null } {
    const { rnn } = this.lastPass("finalStates").plan;
    return { hN: rnn.hN, cN: rnn.cN };
  }

  /** Backpropagation through the whole model for the last run() with targets: fills every group's gradients. */
  runBackward(): BackwardPlan {
    this.assertAlive("runBackward");
    const pass = this.pass;
    if (!pass || !pass.hasTargets) throw new Error("LanguageModel.runBackward: no forward pass with targets to differentiate (run() first)");
    if (pass.backwardDone) throw new Error("LanguageModel.runBackward: the activations of the last run() were used by a previous backward; run again");
    const { T, B, plan } = pass;
    const back = this.backwardPlan(T, B);
    // the modules in reverse: fc (dW = dLogitsᵀ·Y, db = Σ dLogits, dY = dLogits·W), the stack, the embedding
    const dY = this.fc.backward(plan.dlogits!, plan.fc, back.fc);
    const dX = this.rnn.backward(dY, plan.rnn, back.rnn, { dhN: null, dcN: null, wantInputGrad: this.embedding !== null });
    if (dX) this.input.backward(dX, plan.input);
    pass.backwardDone = true;
    return back;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.rnn?.dispose();
    this.embedding?.dispose();
    this.fc?.dispose();
    this.forwardPlans?.dispose();
    this.backwardPlans?.dispose();
    this.pass = null;
    this.lastPlan = null;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  // ---------------------------------------------------------------------------------------- internals ----

  private runPlanned(plan: ForwardPlan, ids: Int32Array, targets: Int32Array | null, T: number, B: number, h0: Mat | null, c0: Mat | null, forTraining: boolean): number | undefined {
    const TB = T * B;
    if (ids.length !== TB || (targets && targets.length !== TB)) {
      throw new RangeError(`LanguageModel.run: ids and targets must hold seqLen × batch = ${TB} tokens, got ${ids.length} and ${targets?.length ?? "none"}`);
    }
    this.pass = null;
    const ops = this.rt.ops;
    ops.writeInts(plan.ids, ids);
    // ids index the embedding (and the scatter of its gradient): one outside [0, V) would touch other memory
    this.checkIds(plan.ids, ids, "token");
    const x = this.input.forward(plan.ids, plan.input);
    // a one-hot input's ids let the stack gather rows of W_ihᵀ instead of multiplying by x
    const y = this.rnn.forward(x, plan.rnn, { h0, c0, lens: null, ids: this.embedding ? null : plan.ids });
    const logits = this.fc.forward(y, plan.fc);
    let loss: number | undefined;
    if (targets) {
      ops.writeInts(plan.targets, targets);
      this.checkIds(plan.targets, targets, "target");
      loss = softmaxCrossEntropy(this.rt, logits, plan.targets, forTraining ? plan.dlogits : null, 1 / TB) / TB;
    }
    this.pass = { plan, T, B, hasTargets: targets !== null && forTraining, backwardDone: false };
    return loss;
  }

  /** The forward plan of T × B, its memory taken (or a WasmMemoryError before anything is). */
  private prepare(T: number, B: number, training: boolean, h0: boolean, c0: boolean): ForwardPlan {
    this.pass = null;
    this.rnn.forgetPass();
    // generation runs one shape token after token: skip the plan lookup (its per-token cost)
    const last = this.lastPlan;
    if (last && last.T === T && last.B === B && last.training === training && last.dropout === this.rnn.training && !h0 && !c0 && this.forwardPlans.isTaken(last.plan)) return last.plan;
    const plan = this.planFor(T, B, training, h0, c0);
    if (!h0 && !c0) this.lastPlan = { T, B, training, dropout: this.rnn.training, plan };
    return plan;
  }

  private planFor(T: number, B: number, training: boolean, h0: boolean, c0: boolean): ForwardPlan {
    const V = this.config.vocabSize, TB = T * B, LD = this.stateRows(), H = this.config.hiddenSize;
    const plan = this.forwardPlans.get(`${T},${B},${training},${this.rnn.training},${h0},${c0}`, (p) => ({
      ids: p.ints(TB), targets: p.ints(TB),
      h0: h0 ? p.mat(LD * B, H) : null, c0: c0 ? p.mat(LD * B, H) : null,
      input: this.input.declare(p, T, B), rnn: this.rnn.declare(p, T, B), fc: this.fc.declare(p, T, B),
      dlogits: training ? p.mat(TB, V) : null,
    }));
    this.take(this.forwardPlans, plan, training ? "forward for training" : "forward", T, B);
    return plan;
  }

  private backwardPlan(T: number, B: number): BackwardPlan {
    const plan = this.backwardPlans.get(`${T},${B}`, (p) => ({
      fc: this.fc.declareGrads(p, T, B),
      rnn: this.rnn.declareGrads(p, T, B, this.embedding === null),
    }));
    this.take(this.backwardPlans, plan, "backward", T, B);
    return plan;
  }

  /** The plan's memory and the stack's packed weights for the phase, all or none, checked first. */
  private take<P extends PlanRecord>(plans: PlanCache<P>, plan: P, what: string, T: number, B: number): void {
    if (plans.isTaken(plan)) return;
    const phase = what === "backward" ? "backward" : "forward";
    plans.take(plan, () => this.rnn.packBytes(phase, T, B), () => this.rnn.allocatePacks(phase, T, B),
      () => `LanguageModel.${what} (seqLen ${T}, batch ${B}, vocabSize ${this.config.vocabSize}, ${sizesText({ inputSize: this.inWidth, ...this.config })})`,
      "reduce seqLen or batch (or hiddenSize, the vocabulary)");
  }

  /** Throws when an id in linear memory (the copy of `ids`) lies outside [0, vocabSize). */
  private checkIds(at: IntVec, ids: ArrayLike<number>, what: string): void {
    const V = this.config.vocabSize;
    const bad = this.rt.ops.findBadId({ ids: at, classes: V });
    if (bad >= 0) throw new RangeError(`LanguageModel: ${what} id ${ids[bad]} at position ${bad} is outside the vocabulary [0, ${V})`);
  }

  private checkTokens(what: string, value: unknown, T: number, B: number): Int32Array {
    const where = `LanguageModel.forward: ${what}`;
    if (!(value instanceof Int32Array) && !Array.isArray(value)) {
      throw new TypeError(`${where} must be an Int32Array (or number[]) of shape [seqLen, batch] = [${T}, ${B}], got ${describe(value)}`);
    }
    if (value.length !== T * B) throw new RangeError(`${where} must have ${T * B} ids (shape [seqLen, batch] = [${T}, ${B}]), got ${value.length}`);
    const V = this.config.vocabSize;
    const ids = value instanceof Int32Array ? value : Int32Array.from(value as number[]);
    for (let i = 0; i < ids.length; i++) {
      if (!(ids[i] >= 0 && ids[i] < V) || (!(value instanceof Int32Array) && !Number.isInteger((value as number[])[i]))) {
        throw new RangeError(`${where}[${i}] must be a token id in [0, vocabSize = ${V}), got ${describe((value as ArrayLike<number>)[i])}`);
      }
    }
    return ids;
  }

  private lastPass(method: string): LMPass {
    this.assertAlive(method);
    if (!this.pass) throw new Error(`LanguageModel.${method}: there is no forward pass (run() first)`);
    return this.pass;
  }

  private assertAlive(method: string): void {
    if (this.disposed) throw new Error(`LanguageModel.${method}: the model was disposed; create a new one`);
  }
}
