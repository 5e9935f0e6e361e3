// A language model P(w_1..w_T) = Π P(w_t | w_<t): embedding (or one-hot) → recurrent stack → linear → softmax,
// trained with the mean cross-entropy. Every product and the fused softmax-cross-entropy run in wasm; the
// recurrent part is the RecurrentLayer of src/layers through its pointer-level API.

import { F32Buffer, type Kernels, type Runtime } from "../../bindings/index.js";
import { runtime } from "../init.js";
import { Random } from "../random.js";
import { checkFloats, checkKnownKeys, checkObject, checkPositiveInt, describe, type FloatInput } from "../errors.js";
import { RecurrentLayer, sizesText } from "../layers/recurrent.js";
import { Workspace } from "../layers/workspace.js";
import { configOptions, languageModelShapes, resolveLanguageModelConfig, type LanguageModelConfig, type LanguageModelOptions } from "./config.js";

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

/** A set of parameters with their gradients, updated by the optimizers in one wasm call each. */
export interface ParameterGroup {
  name: string;
  params: F32Buffer;
  grads: F32Buffer;
}

interface Tensor {
  name: string;
  shape: number[];
  group: ParameterGroup;
  offset: number;
  length: number;
}

/** What the last forward() left for backward(). */
interface LMPass {
  T: number;
  B: number;
  hasTargets: boolean;
  backwardDone: boolean;
}

export class LanguageModel {
  readonly config: Readonly<LanguageModelConfig>;
  readonly rnn: RecurrentLayer;
  private readonly rt: Runtime;
  private readonly k: Kernels;
  private readonly ws: Workspace;
  private readonly groups: ParameterGroup[] = [];
  private readonly tensors: Tensor[] = [];
  private embedding!: ParameterGroup | null;
  private fc!: ParameterGroup;
  /** Width of the recurrent output D·H and the recurrent input size (E, or V for one-hot). */
  private readonly outWidth: number;
  private readonly inWidth: number;
  /** fc.params.version when the packed copies of fc.weight were made. */
  private packedVersion = -1;
  /** Shapes whose buffers are all taken (see reserve). */
  private readonly reserved = new Set<string>();
  private lastReserved = { T: 0, B: 0, training: false };
  private pass: LMPass | null = null;
  private disposed = false;

  constructor(options: LanguageModelOptions) {
    const c = (this.config = Object.freeze(resolveLanguageModelConfig(options)));
    this.rt = runtime();
    this.k = this.rt.k;
    const heap = this.rt.heap;
    this.ws = new Workspace(heap);
    const D = c.bidirectional ? 2 : 1;
    this.outWidth = D * c.hiddenSize;
    this.inWidth = c.embedSize ?? c.vocabSize;
    // all parameters and gradients, checked before anything is taken and given back if any part fails
    const count = Object.values(languageModelShapes(c)).reduce((n, shape) => n + shape.reduce((a, b) => a * b, 1), 0);
    heap.checkFits(count * 8 + 256, `new LanguageModel(vocabSize ${c.vocabSize}, ${c.embedSize === null ? "one-hot input" : `embedSize ${c.embedSize}`}, ${sizesText({ inputSize: this.inWidth, ...c })}, ${count.toLocaleString("en-US")} parameters)`, "reduce hiddenSize, numLayers, embedSize or the vocabulary");
    const V = c.vocabSize;
    this.rnn = heap.scope(() => {
      const rnn = new RecurrentLayer(c.cell, "LanguageModel.rnn", {
        inputSize: this.inWidth, hiddenSize: c.hiddenSize, numLayers: c.numLayers, bidirectional: c.bidirectional,
        bias: c.bias, seed: c.seed, dropout: c.dropout,
        ...(c.cell === "rnn" ? { nonlinearity: c.nonlinearity } : {}),
        ...(c.cell === "gru" ? { resetAfter: c.resetAfter } : {}),
      });
      this.embedding = c.embedSize === null ? null : this.addGroup("embedding", [["embedding.weight", [V, c.embedSize]]]);
      this.addRecurrentGroup(rnn);
      this.fc = this.addGroup("fc", [["fc.weight", [V, this.outWidth]], ["fc.bias", [V]]]);
      return rnn;
    });
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
    if (this.embedding) random.fillNormal(this.embedding.params.ptr, this.embedding.params.length, 0, 1);
    const bound = 1 / Math.sqrt(this.outWidth);
    random.fillUniform(this.fc.params.ptr, this.fc.params.length, -bound, bound);
    random.dispose();
    this.paramsChanged();
  }

  /** Options that rebuild this model: `new LanguageModel(lm.options())` (only the keys that apply to the cell). */
  options(): LanguageModelOptions {
    return configOptions(this.config);
  }

  /** The parameter groups (embedding, rnn, fc) with their gradient buffers, for the optimizers. */
  parameterGroups(): readonly ParameterGroup[] {
    return this.groups;
  }

  get parameterCount(): number {
    return this.groups.reduce((n, g) => n + g.params.length, 0);
  }

  parameterShapes(): Record<string, number[]> {
    return Object.fromEntries(this.tensors.map((t) => [t.name, [...t.shape]]));
  }

  /**
   * Marks the parameters as changed so packed copies are rebuilt. Changes through the parameter buffers
   * (loadTorchParams, an Optimizer, a view of a group's params) are seen without it.
   */
  paramsChanged(): void {
    this.fc.params.markChanged();
    this.rnn.paramsChanged();
  }

  train(mode = true): this {
    this.rnn.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  get training(): boolean {
    return this.rnn.training;
  }

  loadTorchParams(params: Record<string, Float32Array | Float64Array | readonly number[]>): void {
    this.assertAlive("loadTorchParams");
    const p = checkObject("LanguageModel.loadTorchParams(params)", params, "an object of named parameters");
    const expected = this.tensors.map((t) => t.name);
    const extra = Object.keys(p).filter((n) => !expected.includes(n));
    if (extra.length > 0) throw new TypeError(`LanguageModel.loadTorchParams: unexpected parameter ${extra.map((n) => `"${n}"`).join(", ")} (expected: ${expected.join(", ")})`);
    const missing = expected.filter((n) => !(n in p));
    if (missing.length > 0) throw new TypeError(`LanguageModel.loadTorchParams: missing parameter ${missing.map((n) => `"${n}"`).join(", ")}`);
    const checked = this.tensors.map((t) => checkFloats(`LanguageModel.loadTorchParams: ${t.name}`, p[t.name], t.shape));
    this.tensors.forEach((t, i) => t.group.params.write(checked[i], t.offset));
    this.paramsChanged();
  }

  torchParams(): Record<string, Float32Array> {
    this.assertAlive("torchParams");
    return Object.fromEntries(this.tensors.map((t) => [t.name, t.group.params.copyOut(t.offset, t.length)]));
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

    const h0Ptr = h0 ? this.stage("h0", h0) : 0;
    const c0Ptr = c0 ? this.stage("c0", c0) : 0;
    const loss = this.run(ids, tgt, T, B, h0Ptr, c0Ptr, tgt !== null);
    const V = this.config.vocabSize;
    const { hN, cN } = this.rnn.finalStatePtrs();
    const n = LD * B * H;
    const result: LMForwardResult = {
      loss,
      logits: this.rt.heap.f32(this.ws.ptr("logits", T * B * V), T * B * V).slice(),
      hN: this.rt.heap.f32(hN, n).slice(),
    };
    if (cN) result.cN = this.rt.heap.f32(cN, n).slice();
    return result;
  }

  /** Gradients of the mean cross-entropy of the last forward() (which needs targets). */
  backward(): LMBackwardResult {
    this.assertAlive("backward");
    const pass = this.pass;
    if (!pass) throw new Error("LanguageModel.backward: call forward() first");
    if (!pass.hasTargets) throw new Error("LanguageModel.backward: the last forward() had no targets, so there is no loss to differentiate");
    if (pass.backwardDone) throw new Error("LanguageModel.backward: the activations of the last forward() were used by a previous backward(); run forward() again");
    this.runBackward();
    const n = this.stateRows() * pass.B * this.config.hiddenSize;
    const { dh0, dc0 } = this.rnn.initialStateGradPtrs();
    const grads = Object.fromEntries(this.tensors.map((t) => [t.name, t.group.grads.copyOut(t.offset, t.length)]));
    const result: LMBackwardResult = { grads, dh0: this.rt.heap.f32(dh0, n).slice() };
    if (dc0) result.dc0 = this.rt.heap.f32(dc0, n).slice();
    return result;
  }

  // ------------------------------------------------------------- pointer-level API (training, generation) ----

  /** Rows of the state tensors: numLayers · numDirections. */
  stateRows(): number {
    return this.config.numLayers * (this.config.bidirectional ? 2 : 1);
  }

  /**
   * Runs the model on checked ids (Int32Array [T·B]); h0Ptr/c0Ptr: states in linear memory or 0. Leaves the
   * logits in the workspace (logitsPtr) and, with targets, returns the mean cross-entropy and (when
   * `forTraining`) keeps its gradient for runBackward().
   */
  run(ids: Int32Array, targets: Int32Array | null, T: number, B: number, h0Ptr: number, c0Ptr: number, forTraining: boolean): number | undefined {
    this.assertAlive("run");
    this.pass = null;
    const c = this.config, V = c.vocabSize, TB = T * B;
    if (ids.length !== TB || (targets && targets.length !== TB)) {
      throw new RangeError(`LanguageModel.run: ids and targets must hold seqLen × batch = ${TB} tokens, got ${ids.length} and ${targets?.length ?? "none"}`);
    }
    this.reserve(T, B, targets !== null && forTraining);
    const idsPtr = this.ws.ptr("ids", TB);
    this.rt.heap.i32(idsPtr, TB).set(ids);
    // ids index the embedding (and the scatter of its gradient): one outside [0, V) would touch other memory
    this.checkIds(idsPtr, ids, "token");
    const x = this.ws.ptr("x", TB * this.inWidth);
    if (this.embedding) this.k.gatherRows(this.embedding.params.ptr, idsPtr, TB, this.inWidth, x);
    else this.k.oneHotRows(idsPtr, TB, V, x);
    this.rnn.run(T, B, x, h0Ptr, c0Ptr, 0);
    const y = this.rnn.outputPtr();
    const logits = this.ws.ptr("logits", TB * V);
    this.ensurePacked();
    this.k.fillRowsWithBias(logits, TB, V, V, this.fc.params.at(this.outWidth * V), 0);
    if (TB === 1) this.k.gemv(V, this.outWidth, y, this.ws.ptr("fcDot", this.k.dotPackedSize(this.outWidth, V)), logits, true);
    else this.k.gemm(TB, V, this.outWidth, y, this.outWidth, 1, this.ws.ptr("fcT", this.k.packedSize(this.outWidth, V)), logits, V, true);
    let loss: number | undefined;
    if (targets) {
      const tgtPtr = this.ws.ptr("targets", TB);
      this.rt.heap.i32(tgtPtr, TB).set(targets);
      this.checkIds(tgtPtr, targets, "target");
      const dlogits = forTraining ? this.ws.ptr("dlogits", TB * V) : 0;
      loss = this.k.softmaxCrossEntropy(logits, tgtPtr, TB, V, V, dlogits, 1 / TB) / TB;
    }
    this.pass = { T, B, hasTargets: targets !== null && forTraining, backwardDone: false };
    return loss;
  }

  /** The logits of the last run() [T·B, V]. */
  logitsPtr(): number {
    this.assertAlive("logitsPtr");
    if (!this.pass) throw new Error("LanguageModel.logitsPtr: there is no forward pass (run() first)");
    const { T, B } = this.pass;
    return this.ws.ptr("logits", T * B * this.config.vocabSize);
  }

  /** Backpropagation through the whole model for the last run() with targets: fills every group's gradients. */
  runBackward(): void {
    this.assertAlive("runBackward");
    const pass = this.pass;
    if (!pass || !pass.hasTargets) throw new Error("LanguageModel.runBackward: no forward pass with targets to differentiate (run() first)");
    if (pass.backwardDone) throw new Error("LanguageModel.runBackward: the activations of the last run() were used by a previous backward; run again");
    const { T, B } = pass;
    const V = this.config.vocabSize, TB = T * B, W = this.outWidth;
    const dlogits = this.ws.ptr("dlogits", TB * V), y = this.rnn.outputPtr();
    // fc: dW = dLogitsᵀ·Y, db = Σ_rows dLogits, dY = dLogits·W
    const yPacked = this.ws.ptr("packY", this.k.packedSize(TB, W));
    this.k.packRows(y, W, TB, W, yPacked);
    this.k.gemm(V, W, TB, dlogits, 1, V, yPacked, this.fc.grads.ptr, W, false);
    this.k.columnSums(dlogits, TB, V, V, this.fc.grads.at(V * W), false);
    const dY = this.ws.ptr("dY", TB * W);
    this.k.gemm(TB, W, V, dlogits, V, 1, this.ws.ptr("fcN", this.k.packedSize(V, W)), dY, W, false);
    this.rnn.runBackward(dY, 0, 0, this.embedding !== null);
    if (this.embedding) {
      // rows of tokens that occur several times accumulate; rows never used stay 0
      this.embedding.grads.zero();
      this.k.scatterAddRows(this.rnn.inputGradPtr(), this.ws.ptr("ids", TB), TB, this.inWidth, this.embedding.grads.ptr);
    }
    pass.backwardDone = true;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.rnn.dispose();
    this.ws.dispose();
    for (const g of this.groups) {
      if (g.name === "rnn") continue; // owned by this.rnn
      g.params.free();
      g.grads.free();
    }
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  // ---------------------------------------------------------------------------------------- internals ----

  private addGroup(name: string, entries: [string, number[]][]): ParameterGroup {
    const total = entries.reduce((n, [, shape]) => n + shape.reduce((a, b) => a * b, 1), 0);
    const group: ParameterGroup = { name, params: F32Buffer.alloc(this.rt.heap, total), grads: F32Buffer.alloc(this.rt.heap, total) };
    group.grads.zero();
    let offset = 0;
    for (const [tensor, shape] of entries) {
      const length = shape.reduce((a, b) => a * b, 1);
      this.tensors.push({ name: tensor, shape, group, offset, length });
      offset += length;
    }
    this.groups.push(group);
    return group;
  }

  private addRecurrentGroup(rnn: RecurrentLayer): void {
    const group: ParameterGroup = { name: "rnn", params: rnn.parameterBuffer, grads: rnn.gradientBuffer };
    const shapes = rnn.parameterShapes();
    let offset = 0;
    for (const [name, shape] of Object.entries(shapes)) {
      const length = shape.reduce((a, b) => a * b, 1);
      this.tensors.push({ name: `rnn.${name}`, shape, group, offset, length });
      offset += length;
    }
    this.groups.push(group);
  }

  /** Packed copies of fc.weight for the forward (Wᵀ; dot-packed for a single row) and backward (W) products. */
  private ensurePacked(): void {
    if (this.packedVersion === this.fc.params.version) return;
    const V = this.config.vocabSize, W = this.outWidth, w = this.fc.params.ptr;
    this.k.packTransposed(w, W, V, W, this.ws.ptr("fcT", this.k.packedSize(W, V)));
    this.k.packDot(w, W, 1, V, W, this.ws.ptr("fcDot", this.k.dotPackedSize(W, V)));
    this.k.packRows(w, W, V, W, this.ws.ptr("fcN", this.k.packedSize(V, W)));
    this.packedVersion = this.fc.params.version;
  }

  /** Takes every buffer a run (and its backward) of T × B uses, before computing anything. */
  private reserve(T: number, B: number, training: boolean): void {
    if (this.lastReserved.T === T && this.lastReserved.B === B && this.lastReserved.training === training) return; // generation: every call alike
    const key = `${T},${B},${training}`;
    if (this.reserved.has(key)) {
      this.lastReserved = { T, B, training };
      return;
    }
    const V = this.config.vocabSize, W = this.outWidth, TB = T * B;
    const plan: [string, number][] = [
      ["ids", TB], ["x", TB * this.inWidth], ["logits", TB * V], ["targets", TB],
      ["fcT", this.k.packedSize(W, V)], ["fcDot", this.k.dotPackedSize(W, V)], ["fcN", this.k.packedSize(V, W)],
    ];
    if (training) plan.push(["dlogits", TB * V], ["packY", this.k.packedSize(TB, W)], ["dY", TB * W]);
    // the model's buffers and its recurrent stack's, all or none
    this.rt.heap.scope(() => {
      this.ws.reserve(plan, `LanguageModel.${training ? "forward and backward" : "forward"} (seqLen ${T}, batch ${B}, vocabSize ${V})`, "reduce seqLen or batch (or hiddenSize, the vocabulary)");
      this.rnn.reserve(T, B, training);
    });
    if (this.reserved.size >= 64) this.reserved.clear();
    this.reserved.add(key);
    this.lastReserved = { T, B, training };
  }

  /** Throws when an id in linear memory (the copy at `ptr` of `ids`) lies outside [0, vocabSize). */
  private checkIds(ptr: number, ids: ArrayLike<number>, what: string): void {
    const V = this.config.vocabSize;
    const bad = this.k.findBadId(ptr, ids.length, V);
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

  private stage(name: string, values: FloatInput): number {
    const buffer = this.ws.get(name, values.length);
    buffer.write(values);
    return buffer.ptr;
  }

  private assertAlive(method: string): void {
    if (this.disposed) throw new Error(`LanguageModel.${method}: the model was disposed; create a new one`);
  }
}
