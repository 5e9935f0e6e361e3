// A TensorFlow.js layers model ready to run: the recurrent layers are this library's (LSTM / GRU / RNN, on
// the wasm kernels), Dense products run on the wasm GEMM, and the rest (embedding lookup, activations,
// merges, masks) is glue over whole tensors. Tensors are batch-first as in Keras: [B, T, F] or [B, F].
// Consecutive recurrent layers of one kind (Keras's stacked LSTMs) run as one multi-layer layer, as a
// LanguageModel's stack does: each layer's output stays in wasm memory for the next, not copied out, back
// to batch-first and in again.

import { GRU } from "../layers/gru.js";
import { LSTM } from "../layers/lstm.js";
import { RNN } from "../layers/rnn.js";
import type { RecurrentLayer } from "../layers/recurrent.js";
import { describe, shapeText } from "../errors.js";
import { q } from "./format.js";
import { DenseProduct } from "./dense.js";
import { activate, merge, packSteps, unpackBidirectional, unpackSteps } from "./glue.js";
import type { Stage, TfjsPlan } from "./layers.js";

export interface TfjsInput {
  /** Token ids [B, T] (a model that starts with an Embedding) or features [B, T, F]. */
  data: Float32Array | Int32Array;
  shape: readonly number[];
}

export interface TfjsOutput {
  data: Float32Array;
  shape: number[];
}

/** The longest batch·steps predict() takes in one call (2^24 rows). */
const MAX_ROWS = 2 ** 24;

/** A stage and what runs it; a stack of recurrent stages runs as one layer of `depth` layers (stage: the last). */
type Unit = { stage: Stage; layer?: RecurrentLayer; dense?: DenseProduct; depth?: number };
type Recurrent = Extract<Stage, { kind: "recurrent" }>;

export class TfjsModel {
  readonly inputKind: "tokens" | "features";
  /** Features per step, or the vocabulary size of token ids. */
  readonly inputSize: number;
  /** The steps the model declares, or null when any length is taken. */
  readonly seqLen: number | null;
  readonly outputKind: "sequence" | "pooled";
  readonly outFeatures: number;
  /** The Keras layers, as "name (Class)" ("lstm_1 (LSTM)"), InputLayer left out. */
  readonly layers: readonly string[];
  private readonly units: Unit[] = [];
  private disposed = false;

  /** Builds every stage's module (loadTfjs is the public way in). */
  constructor(readonly plan: TfjsPlan) {
    this.inputKind = plan.inputKind;
    this.inputSize = plan.inputSize;
    this.seqLen = plan.seqLen;
    this.outputKind = plan.outputKind;
    this.outFeatures = plan.outFeatures;
    this.layers = plan.stages.map((s) => `${s.name} (${s.kind === "recurrent" ? (s.merge ? `Bidirectional ${s.className}` : s.className) : s.kind[0].toUpperCase() + s.kind.slice(1)})`);
    try {
      for (const group of stacks(plan.stages)) this.units.push(group.length === 1 ? build(group[0]) : buildStack(group as Recurrent[]));
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** Keras's model.predict on one batch: [B, T] ids or [B, T, F] features → [B, T, W] or [B, W]. */
  predict(input: TfjsInput): TfjsOutput {
    const where = "TfjsModel.predict";
    if (this.disposed) throw new Error(`${where}: the model was disposed; load it again`);
    if (typeof input !== "object" || input === null || !Array.isArray(input.shape)) throw new TypeError(`${where}: expected { data, shape }, got ${describe(input)}`);
    const tokens = this.inputKind === "tokens";
    const rank = tokens ? 2 : 3;
    const shape = input.shape;
    if (shape.length !== rank || shape.some((d) => !Number.isSafeInteger(d) || d < 1)) {
      throw new RangeError(`${where}: input shape must be ${tokens ? "[batch, time] token ids" : `[batch, time, ${this.inputSize}]`}, got ${JSON.stringify(shape)}`);
    }
    const [B, T] = shape;
    if (!tokens && shape[2] !== this.inputSize) throw new RangeError(`${where}: input shape ${shapeText(shape)} has ${shape[2]} features per step, the model takes ${this.inputSize}`);
    if (this.seqLen !== null && T !== this.seqLen) throw new RangeError(`${where}: input shape ${shapeText(shape)} has ${T} steps, the model declares ${this.seqLen} (batch_input_shape)`);
    if (B * T > MAX_ROWS) throw new RangeError(`${where}: ${B}·${T} batch·steps is more than one call takes (2^24); predict fewer sequences at a time`);
    const data = input.data;
    if (!(data instanceof Float32Array || data instanceof Int32Array)) throw new TypeError(`${where}: data must be an Int32Array or Float32Array, got ${describe(data)}`);
    const n = shape.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new RangeError(`${where}: data has ${data.length} values, expected ${n} for shape ${shapeText(shape)}`);

    let x: Float32Array = data instanceof Float32Array ? data : Float32Array.from(data);
    let width = tokens ? 0 : this.inputSize, steps = true;
    // Keras's mask [B, T] (1: the step counts), from mask_zero or a Masking layer, until a layer drops it
    let mask: Uint8Array | null = null;
    for (const u of this.units) {
      const s = u.stage;
      try {
        ({ x, width, steps, mask } = this.runStage(u, data, x, B, T, width, steps, mask));
      } catch (e) {
        const m = e instanceof Error ? e.message : String(e);
        throw m.startsWith(where) ? e : new RangeError(`${where}: layer ${q(s.name)}: ${m}`);
      }
    }
    return { data: x === data ? x.slice() : x, shape: steps ? [B, T, width] : [B, width] };
  }

  /** One stage on the whole batch: returns what flows on (values, their width, steps or not, the mask). */
  private runStage(u: Unit, data: Float32Array | Int32Array, x: Float32Array, B: number, T: number, width: number, steps: boolean, mask: Uint8Array | null) {
    const s = u.stage;
    switch (s.kind) {
      case "embedding": {
        x = lookup(s, data, B, T);
        if (s.maskZero) mask = Uint8Array.from(data, (id) => (id !== 0 ? 1 : 0));
        width = s.dim;
        break;
      }
      case "masking":
        ({ x, mask } = maskSteps(x, width, s.value));
        break;
      case "recurrent": {
        const r = runRecurrent(s, u.layer!, u.depth ?? 1, x, B, T, mask);
        x = r.y;
        width = r.width;
        steps = s.returnSequences;
        if (!steps) mask = null;
        break;
      }
      case "dense": {
        const rows = x.length / width;
        x = u.dense!.run(x, rows);
        width = s.outFeatures;
        activate(x, width, s.activation);
        break;
      }
      case "activation":
        x = x.slice();
        activate(x, width, s.activation);
        break;
      case "dropout":
        break;
    }
    return { x, width, steps, mask };
  }

  /** Frees the wasm memory of the layers. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const u of this.units) {
      u.layer?.dispose();
      u.dense?.dispose();
    }
    this.units.length = 0;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }
}

/**
 * The stages in runs: recurrent layers that one multi-layer layer computes the same way (same class, size,
 * merge null or concat, gates; every one but the last returns sequences; Dropout between them is the
 * identity in predict) form one run, everything else is alone; not with go_backwards. Under a mask the run
 * reads the packed steps once: a layer never reads the step the one below outputs at a masked step (the mask
 * goes on with the sequence), so only the last layer's outputs need Keras's rules for masked steps (./glue.ts).
 */
function stacks(stages: readonly Stage[]): Stage[][] {
  const same = (a: Recurrent, b: Recurrent) => a.className === b.className && a.hidden === b.hidden && a.merge === b.merge && a.resetAfter === b.resetAfter
    && a.nonlinearity === b.nonlinearity && a.recurrentActivation === b.recurrentActivation && !b.goBackwards;
  const out: Stage[][] = [];
  for (let i = 0; i < stages.length; i++) {
    const s = stages[i], group = [s];
    out.push(group);
    if (s.kind !== "recurrent" || s.goBackwards || (s.merge !== null && s.merge !== "concat")) continue;
    for (let last = s; last.returnSequences;) {
      let k = i + 1;
      while (stages[k]?.kind === "dropout") k++;
      const next = stages[k];
      if (next?.kind !== "recurrent" || !same(s, next)) break;
      group.push(next);
      last = next;
      i = k;
    }
  }
  return out;
}

function build(stage: Stage): Unit {
  if (stage.kind === "dense") return { stage, dense: new DenseProduct(stage.name, stage.inFeatures, stage.outFeatures, stage.weight, stage.bias) };
  if (stage.kind !== "recurrent") return { stage };
  return { stage, layer: recurrentLayer([stage]) };
}

/** Stacked recurrent stages as one layer of as many layers (parameters _l0, _l1, … as PyTorch names them). */
function buildStack(group: Recurrent[]): Unit {
  return { stage: group[group.length - 1], layer: recurrentLayer(group), depth: group.length };
}

function recurrentLayer(group: Recurrent[]): RecurrentLayer {
  const stage = group[0];
  const options: Record<string, unknown> = { inputSize: stage.inputSize, hiddenSize: stage.hidden, numLayers: group.length, bidirectional: stage.merge !== null, batchFirst: true };
  if (stage.className === "GRU") options.resetAfter = stage.resetAfter;
  if (stage.className === "SimpleRNN") options.nonlinearity = stage.nonlinearity;
  // the kernels' option, passed only when it is not their default
  if (stage.className !== "SimpleRNN" && stage.recurrentActivation !== "sigmoid") options.recurrentActivation = stage.recurrentActivation;
  const names = group.map((s) => q(s.name)).join(", ");
  let layer: RecurrentLayer;
  try {
    layer = stage.className === "LSTM" ? new LSTM(options as never) : stage.className === "GRU" ? new GRU(options as never) : new RNN(options as never);
  } catch (e) {
    throw new TypeError(`loadTfjs: layer${group.length > 1 ? "s" : ""} ${names} (${stage.className}): ${(e as Error).message}`);
  }
  try {
    const params: Record<string, Float32Array> = {};
    group.forEach((s, l) => {
      for (const [name, v] of Object.entries(s.params)) params[name.replace("_l0", `_l${l}`)] = v;
    });
    layer.loadTorchParams(params);
    layer.eval();
  } catch (e) {
    layer.dispose();
    throw e;
  }
  return layer;
}

function lookup(s: Extract<Stage, { kind: "embedding" }>, ids: Float32Array | Int32Array, B: number, T: number): Float32Array {
  const E = s.dim, out = new Float32Array(B * T * E);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id >= s.vocab) {
      throw new RangeError(`TfjsModel.predict: token id ${id} at [${Math.floor(i / T)}, ${i % T}] is outside the Embedding ${q(s.name)}'s [0, ${s.vocab})`);
    }
    // an element loop: a subarray per row cost more than the copy (≈ 0.1 µs a row, 0.02 ms at T 256)
    const from = id * E, to = i * E;
    for (let j = 0; j < E; j++) out[to + j] = s.table[from + j];
  }
  return out;
}

/** Keras's Masking: a step whose features all equal `value` is masked, and its features become value · 0. */
function maskSteps(x: Float32Array, width: number, value: number): { x: Float32Array; mask: Uint8Array } {
  const rows = x.length / width, mask = new Uint8Array(rows), out = x.slice();
  for (let r = 0; r < rows; r++) {
    let on = 0;
    for (let j = r * width; j < (r + 1) * width; j++) if (x[j] !== value) { on = 1; break; }
    mask[r] = on;
    // tfjs multiplies by the mask: −0 for a negative value, NaN for ±Infinity, as it gives them
    if (!on) for (let j = r * width; j < (r + 1) * width; j++) out[j] *= 0;
  }
  return { x: out, mask };
}

/**
 * One recurrent layer (or Bidirectional), or a stack of `depth` whose last is `s`, over [B, T, I] → [B, T, W]
 * or [B, W] as Keras returns it.
 */
function runRecurrent(s: Recurrent, layer: RecurrentLayer, depth: number, x: Float32Array, B: number, T: number, mask: Uint8Array | null): { y: Float32Array; width: number } {
  const H = s.hidden, D = s.merge ? 2 : 1, I = layer.config.inputSize;
  const width = s.merge === "concat" || !s.merge ? D * H : H;
  // a forward layer without a mask reads x as it is; otherwise the steps it reads are packed first
  const { packed, lengths } = mask || s.goBackwards ? packSteps(x, B, T, I, mask, s.goBackwards) : { packed: x, lengths: null };
  // a fully masked row runs one step (the kernels take lengths ≥ 1); unpacked, it gives Keras's zero state
  const res = layer.forward(packed, { seqLen: T, batch: B, ...(mask ? { lengths: lengths!.map((L) => Math.max(L, 1)) } : {}) });
  if (!s.returnSequences) {
    // the last step: each direction's final state of the last layer ([L·D, B, H] → [B, D·H]); with
    // zero_output_for_mask, zeros where the step a direction reads last is masked
    const last = new Float32Array(B * D * H), top = (depth - 1) * D;
    for (let d = 0; d < D; d++) for (let b = 0; b < B; b++) {
      const lastRead = d === 1 || s.goBackwards ? 0 : T - 1;
      if (mask && (lengths![b] === 0 || (s.zeroOutputForMask && !mask[b * T + lastRead]))) continue;
      last.set(res.hN.subarray(((top + d) * B + b) * H, ((top + d) * B + b + 1) * H), (b * D + d) * H);
    }
    return { y: s.merge ? merge(last, H, s.merge) : last, width };
  }
  let y = res.output; // [B, T, D·H]
  if (mask) y = s.merge ? unpackBidirectional(y, B, T, H, mask, lengths!, s.zeroOutputForMask) : unpackSteps(y, B, T, H, mask, s.goBackwards, s.zeroOutputForMask);
  return { y: s.merge ? merge(y, H, s.merge) : y, width };
}
