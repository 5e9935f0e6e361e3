// The recurrent stack as a module: RNN / GRU / LSTM cells, several layers, both directions, variable lengths,
// dropout between layers; forward over T steps of B sequences and backpropagation through time. The pointwise
// math of one step is a fused kernel (./cells); every matrix product is one GEMM (or a GEMV at batch 1).
//
//   forward, per layer and direction:  G = X·W_ihᵀ + b  (one GEMM over all steps),
//                                      then per step G_t += h_{t-1}·W_hhᵀ and the cell's kernel
//   backward, reverse in time:         per step the cell's kernel turns dh_t into dG_t, dh_{t-1} += dG_t·W_hh
//                                      then dW_ih = dGᵀ·X, dW_hh = dGᵀ·H_prev, db = Σ dG, dX = dG·W_ih

import type { IntVec, Mat, Packed, PackForm, PlanBuilder, Runtime } from "../../bindings/index.js";
import { Random } from "../random.js";
import { Dropout, type DropoutActivations } from "./dropout.js";
import { ParameterBlock, type Module, type Parameter, type ParameterGroup, type Pass } from "./module.js";
import { ParamLayout, type DirectionParams } from "./recurrent-params.js";
import type { LayerConfig } from "./recurrent-config.js";
import type { Cell, DirectionRun, PackSpec } from "./cells/cell.js";
import { ModuleWeights, checkInt8Width, weightMatrices, type StoredWeight } from "../quant/weights.js";
import { rnnCell } from "./cells/rnn.js";
import { gruCell } from "./cells/gru.js";
import { lstmCell } from "./cells/lstm.js";

/** The activations of one forward pass over T steps of B sequences (kept for backward). */
export interface RecurrentActivations {
  T: number;
  B: number;
  layers: {
    /** The layer's output [T·B, D·H] (the last layer's is the module's output). */
    y: Mat;
    /** Dropout between this layer and the next (all layers but the last, when the stack has dropout). */
    dropout: DropoutActivations | null;
    dirs: { gates: Mat; states: Mat; cells: Mat | null; aux: Mat | null }[];
  }[];
  /** Each sequence's state after its last step [L·D·B, H] (rows (l·D + d)·B + b). */
  hN: Mat;
  cN: Mat | null;
  /** Per-step scratch [B, G·H]. */
  tmp: Mat;
  /** The views of each layer-direction, made at the first pass of this plan and reused (see Recurrent.runs). */
  runs?: DirectionRuns;
  /** Recorded by forward for backward: the input rows, the lengths, and the ids of a one-hot input. */
  input: Mat | null;
  lens: IntVec | null;
  ids: IntVec | null;
  /** Set once backward has used these activations (a second backward needs a new forward). */
  backwardDone: boolean;
}

/** Views of every layer-direction for one plan and phase, with the packed weights they use. */
interface DirectionRuns {
  /** The backward scratch the runs were made with (backward runs only). */
  grads: RecurrentGradBuffers | null;
  forward: Run[] | null;
  backward: Run[] | null;
}

/**
 * One layer-direction's views and its packed weights, each with the weight view it is packed from (for an
 * int8 pack: the parameter and the rows of its int8 matrix).
 */
interface Run {
  view: DirectionRun;
  packs: { pack: Packed; source: Mat; int8: { name: string; firstRow: number; rows: number } }[];
}

/** The scratch of one backward pass (what it adds to the forward activations it reads). */
export interface RecurrentGradBuffers {
  /** Carried ∂L/∂h_t and ∂L/∂c_t [B, H]. */
  dh: Mat;
  dc: Mat;
  /** ∂L/∂h0, ∂L/∂c0 [L·D·B, H]. */
  dh0: Mat;
  dc0: Mat | null;
  /** ∂L/∂(layer input), two alternating [T·B, max(I, D·H)] (layer 0 writes the first). */
  dx: Mat[];
  /** Room for a layer input packed for dW_ih = dGᵀ·X, and for a state sequence for dW_hh = dGᵀ·H_prev. */
  packX: Packed;
  packH: Packed;
  /** GRU reset-after: ∂L/∂(recurrent pre-activations) [T·B, 3H]. */
  dGhh: Mat | null;
  /** A one-hot input's dW_ih = dGᵀ·onehot(ids): one block's sums by id [inputSize, G·H] (declared for one-hot inputs). */
  oneHot: Mat | null;
}

/** Initial states and lengths of a pass (all optional). */
export interface RecurrentInputs extends Pass {
  /** [L·D·B, H]. */
  h0?: Mat | null;
  c0?: Mat | null;
  /**
   * When x = onehot(ids) (a model without embedding): the ids [T·B]. The first layer's input projection is
   * then a gather of W_ihᵀ's rows and its dW_ih a scatter of dG's rows, the GEMMs' bits without their
   * multiplications by 0 and 1 (not with lengths, whose padding rows of x are zeroed).
   */
  ids?: IntVec | null;
}

export interface RecurrentGradInputs {
  /** ∂L/∂hN, ∂L/∂cN [L·D·B, H]. */
  dhN: Mat | null;
  dcN: Mat | null;
  /** Whether ∂L/∂x is wanted (an embedding below needs it; a one-hot input does not). */
  wantInputGrad: boolean;
  /** When given: ‖∂L/∂h‖ of the state entering each step, [L·D, T]. */
  stateGradNorms?: Float64Array;
}

const NO_INPUTS: RecurrentInputs = { h0: null, c0: null, lens: null };
const NO_GRAD_INPUTS: RecurrentGradInputs = { dhN: null, dcN: null, wantInputGrad: true };

export class Recurrent implements Module<Mat, RecurrentActivations, RecurrentGradBuffers> {
  readonly layout: ParamLayout;
  readonly cell: Cell;
  readonly params: ParameterBlock;
  /** Dropout draws; seeded apart from the initialisation stream. */
  readonly random: Random;
  private readonly dropout: Dropout | null;
  private mode = true;
  /** Packed copies of the weights, by name and form; rebuilt when the parameters change. */
  private readonly packs = new Map<string, Packed>();
  /** The activations of the last forward: the only ones backward may use. */
  private lastActs: RecurrentActivations | null = null;
  private disposed = false;
  /** f32, or the type quantizeWeights() stored the weight matrices as. */
  readonly weights = new ModuleWeights();

  /** Allocates (call inside a heap scope: a failure part-way must give everything back). */
  constructor(private readonly rt: Runtime, readonly path: string, readonly config: Readonly<LayerConfig>) {
    this.layout = new ParamLayout(config);
    const c = config;
    const hard = c.recurrentActivation === "hardSigmoid";
    this.cell = c.cell === "rnn" ? rnnCell(c.nonlinearity === "relu") : c.cell === "gru" ? gruCell(c.resetAfter, hard) : lstmCell(hard);
    this.params = new ParameterBlock(rt, path, this.layout.entries.map((e) => [e.name, e.shape] as const));
    this.random = new Random(rt, c.seed + 1);
    this.dropout = c.dropout > 0 && c.numLayers > 1 ? new Dropout(rt, path ? `${path}.dropout` : "dropout", c.dropout, this.layout.D * c.hiddenSize, this.random) : null;
  }

  /** Training mode: dropout between layers is active (PyTorch's module.train() / eval()). */
  get training(): boolean {
    return this.mode;
  }

  set training(mode: boolean) {
    this.mode = mode;
    if (this.dropout) this.dropout.training = mode;
  }

  /** Parameters and gradients of `config` in bytes (+ a generator state), for checks before allocating. */
  static bytes(config: LayerConfig): number {
    return new ParamLayout(config).total * 8 + 128;
  }

  /** Number of directions D. */
  get D(): number {
    return this.layout.D;
  }

  get H(): number {
    return this.config.hiddenSize;
  }

  /** Width of the output: D·H. */
  get outFeatures(): number {
    return this.layout.D * this.config.hiddenSize;
  }

  parameters(): readonly Parameter[] {
    return this.params.entries;
  }

  parameterGroups(): readonly ParameterGroup[] {
    return [this.params.group];
  }

  /** PyTorch's default initialisation: every parameter uniform(−1/√H, 1/√H), from a generator seeded `seed`. */
  resetParameters(seed: number): void {
    const random = new Random(this.rt, seed);
    const bound = 1 / Math.sqrt(this.config.hiddenSize);
    try {
      random.fillUniform(this.params.values, -bound, bound);
    } finally {
      random.dispose();
    }
    this.params.group.params.markChanged();
  }

  /**
   * Stores the weight matrices as int8 (products in int8, see assembly/quant.ts) or f16 (rounded, computed in
   * f32), from the f32 values or from `stored` (a file's); a module quantizes once, before its first pass.
   */
  quantizeWeights(type: "int8" | "f16", stored?: ReadonlyMap<string, StoredWeight>): void {
    this.assertAlive("quantizeWeights");
    if (this.packs.size > 0) throw new Error(`${this.path || "Recurrent"}.quantizeWeights: quantize a fresh copy of the model (this one has run)`);
    const weights = weightMatrices(this.parameters());
    if (type === "int8") checkInt8Width(weights, this.rt.ops.int8MaxK);
    this.weights.apply(type, weights, stored);
  }

  // ------------------------------------------------------------------------------------ plan ----

  /** Declares the activations of a forward pass over T steps of B sequences. */
  declare(plan: PlanBuilder, T: number, B: number): RecurrentActivations {
    const c = this.config, H = c.hiddenSize, D = this.layout.D, LD = c.numLayers * D, TB = T * B, GH = this.cell.G * H;
    const dropped = this.training && this.dropout !== null;
    const acts: RecurrentActivations = {
      T, B, layers: [], input: null, lens: null, ids: null, backwardDone: false,
      hN: plan.mat(LD * B, H),
      cN: this.cell.usesCells ? plan.mat(LD * B, H) : null,
      tmp: plan.mat(B, GH),
    };
    for (let l = 0; l < c.numLayers; l++) {
      const y = plan.mat(TB, D * H);
      const dropout = dropped && l < c.numLayers - 1 ? this.dropout!.declare(plan, T, B) : null;
      const dirs = Array.from({ length: D }, () => ({
        gates: plan.mat(TB, GH),
        states: plan.mat((T + 1) * B, H),
        cells: this.cell.usesCells ? plan.mat((T + 1) * B, H) : null,
        aux: this.cell.usesAux ? plan.mat(TB, H) : null,
      }));
      acts.layers.push({ y, dropout, dirs });
    }
    return acts;
  }

  /** Declares the scratch of a backward pass over T steps of B sequences (oneHotInput: forward gets RecurrentInputs.ids). */
  declareGrads(plan: PlanBuilder, T: number, B: number, oneHotInput = false): RecurrentGradBuffers {
    const c = this.config, H = c.hiddenSize, D = this.layout.D, LD = c.numLayers * D, TB = T * B, GH = this.cell.G * H;
    // layer l's input is inputSize wide for l = 0, D·H above; ∂L/∂input of layer l goes to dx[l % 2]
    const I0 = c.inputSize, above = D * H, L = c.numLayers;
    const dx0 = Math.max(I0, L > 2 ? above : 0);
    return {
      dh: plan.mat(B, H),
      dc: plan.mat(B, H),
      dh0: plan.mat(LD * B, H),
      dc0: this.cell.usesCells ? plan.mat(LD * B, H) : null,
      dx: L > 1 ? [plan.mat(TB, dx0), plan.mat(TB, above)] : [plan.mat(TB, dx0)],
      packX: plan.packed(TB, Math.max(I0, L > 1 ? above : 0), "panel"),
      packH: plan.packed(TB, H, "panel"),
      dGhh: this.cell.usesDGhh ? plan.mat(TB, GH) : null,
      oneHot: oneHotInput ? plan.mat(I0, GH) : null,
    };
  }

  /** Bytes of packed weights a pass of this shape would add (forms differ between batch 1 and batches). */
  packBytes(phase: "forward" | "backward", T: number, B: number): number {
    let bytes = 0;
    for (const p of this.packPlan(phase, T, B)) if (!this.packs.has(p.key)) bytes += this.rt.ops.packedBytes(p.K, p.N, p.form);
    return bytes;
  }

  /** Allocates the packed weights a pass of this shape uses (call inside a heap scope). */
  allocatePacks(phase: "forward" | "backward", T: number, B: number): void {
    for (const p of this.packPlan(phase, T, B)) {
      if (!this.packs.has(p.key)) this.packs.set(p.key, this.rt.ops.packed(p.K, p.N, p.form));
    }
  }

  // --------------------------------------------------------------------------------- forward ----

  /**
   * Runs the stack on x [T·B, I] (time-major rows). Results stay in `acts`: the last layer's y [T·B, D·H],
   * hN and cN. With lengths, x's rows past each sequence's end are zeroed (NaN padding must not reach
   * dW = dGᵀX), outputs there are 0 and states stop at the last valid step.
   */
  forward(x: Mat, acts: RecurrentActivations, inputs: RecurrentInputs = NO_INPUTS): Mat {
    this.assertAlive("forward");
    this.lastActs = null;
    const c = this.config, ops = this.rt.ops, { T, B } = acts, D = this.layout.D;
    const h0 = inputs.h0 ?? null, c0 = inputs.c0 ?? null, lens = inputs.lens;
    const ids = lens ? null : inputs.ids ?? null;
    if (lens) ops.zeroPadded({ x, T, B, lens });
    const runs = this.runs(acts, null, "forward");
    for (let l = 0; l < c.numLayers; l++) {
      const X = l === 0 ? x : acts.layers[l - 1].y;
      for (let d = 0; d < D; d++) {
        const r = this.prepareRun(runs[l * D + d], X, lens);
        const [b1, b2] = this.cell.inputBiases(r);
        ops.fillRowsWithBias({ P: r.gates, b1, b2 });
        // G = X·W_ihᵀ + b, all steps at once (a one-hot X: rows of W_ihᵀ)
        if (l === 0 && ids && r.packs.wihT.form === "panel") ops.gatherPacked({ C: r.gates, ids, B: r.packs.wihT, accumulate: true });
        else ops.matmul({ C: r.gates, A: X, B: r.packs.wihT, accumulate: true });
        const first = d === 0 ? 0 : T, last = d === 0 ? T : 0;
        const slot = (l * D + d) * B;
        this.setState(r.states.rowBlock(first * B, B), h0 ? h0.rowBlock(slot, B) : null);
        if (r.cells) this.setState(r.cells.rowBlock(first * B, B), c0 ? c0.rowBlock(slot, B) : null);
        for (let s = 0; s < T; s++) {
          const t = d === 0 ? s : T - 1 - s;
          this.cell.stepForward(r, t, d === 0 ? t : t + 1, d === 0 ? t + 1 : t, s === 0 && !h0);
        }
        ops.copy({ src: r.states.rowBlock(last * B, B), dst: acts.hN.rowBlock(slot, B) });
        if (r.cells) ops.copy({ src: r.cells.rowBlock(last * B, B), dst: acts.cN!.rowBlock(slot, B) });
      }
      const dropout = acts.layers[l].dropout;
      if (dropout) this.dropout!.forward(acts.layers[l].y, dropout);
    }
    acts.input = x;
    acts.lens = lens;
    acts.ids = ids;
    acts.backwardDone = false;
    this.lastActs = acts;
    return this.output(acts);
  }

  /** The last layer's output of a pass: [T·B, D·H]. */
  output(acts: RecurrentActivations): Mat {
    return acts.layers[acts.layers.length - 1].y;
  }

  /** Whether there is a forward pass whose activations backward() may use. */
  get hasPass(): boolean {
    return this.lastActs !== null && !this.lastActs.backwardDone;
  }

  /** Forgets the last pass (its activations are about to be overwritten). */
  forgetPass(): void {
    this.lastActs = null;
  }

  // -------------------------------------------------------------------------------- backward ----

  /**
   * Backpropagation through time for the last forward() (its activations `acts`): from ∂L/∂output [T·B, D·H]
   * (null: none, only dhN / dcN) fills the parameters' gradients (overwriting them) and grads.dh0 / dc0, and
   * returns ∂L/∂x [T·B, inputSize] (null when not wanted).
   */
  backward(dOutput: Mat | null, acts: RecurrentActivations, grads: RecurrentGradBuffers, g: RecurrentGradInputs = NO_GRAD_INPUTS): Mat | null {
    this.assertAlive("backward");
    this.weights.assertTrainable(`${this.path || "Recurrent"}.backward`);
    if (acts !== this.lastActs || !acts.input) throw new Error(`${this.path || "Recurrent"}.backward: no forward pass to differentiate (run forward first)`);
    if (acts.backwardDone) throw new Error(`${this.path || "Recurrent"}.backward: the activations of the last forward were used by a previous backward; run forward again`);
    const { T, B, lens } = acts;
    const c = this.config, ops = this.rt.ops, H = c.hiddenSize, D = this.layout.D, TB = T * B;
    let dY = dOutput; // ∂L/∂(this layer's output), [T·B, D·H]
    const runs = this.runs(acts, grads, "backward");
    for (let l = c.numLayers - 1; l >= 0; l--) {
      const X = l === 0 ? acts.input : acts.layers[l - 1].y;
      const I = X.cols;
      const dX = grads.dx[l % 2].prefix(TB, I);
      // pack the layer input once for both directions' dW_ih = dGᵀ·X (a one-hot input's is a scatter instead)
      const oneHot = l === 0 && acts.ids && grads.oneHot ? { ids: acts.ids, scratch: grads.oneHot } : null;
      const packX = grads.packX.as(TB, I);
      if (!oneHot) ops.pack({ B: X, into: packX });
      for (let d = 0; d < D; d++) {
        const r = this.prepareRun(runs[l * D + d], X, lens);
        const slot = (l * D + d) * B;
        this.setState(grads.dh, g.dhN ? g.dhN.rowBlock(slot, B) : null);
        if (r.cells) this.setState(grads.dc, g.dcN ? g.dcN.rowBlock(slot, B) : null);
        const dYd = dY ? dY.colBlock(d * H, H) : null;
        for (let s = 0; s < T; s++) {
          const t = d === 0 ? T - 1 - s : s;
          this.cell.stepBackward(r, t, d === 0 ? t : t + 1, d === 0 ? t + 1 : t, grads.dh, grads.dc, dYd ? dYd.rowBlock(t * B, B) : null);
          // dh now holds ∂L/∂(the state entering step t)
          if (g.stateGradNorms) g.stateGradNorms[(l * D + d) * T + t] = Math.sqrt(ops.sumSquares(grads.dh));
        }
        ops.copy({ src: grads.dh, dst: grads.dh0.rowBlock(slot, B) });
        if (r.cells) ops.copy({ src: grads.dc, dst: grads.dc0!.rowBlock(slot, B) });
        this.weightGrads(r, this.layout.directions[l * D + d], oneHot ?? packX, grads, d);
        // ∂L/∂X = Σ_directions dG·W_ih
        if (l > 0 || g.wantInputGrad) ops.gemm({ C: dX, A: r.gates, B: r.packs.wihN, accumulate: d > 0 });
      }
      const dropout = l > 0 ? acts.layers[l - 1].dropout : null;
      if (dropout) this.dropout!.backward(dX, dropout);
      dY = dX;
    }
    acts.backwardDone = true;
    return g.wantInputGrad ? this.inputGrad(grads, T, B) : null;
  }

  /** Where backward() left ∂L/∂x: [T·B, inputSize]. */
  inputGrad(grads: RecurrentGradBuffers, T: number, B: number): Mat {
    return grads.dx[0].prefix(T * B, this.config.inputSize);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.params.dispose();
    this.random.dispose();
    for (const p of this.packs.values()) p.dispose();
    this.packs.clear();
    this.lastActs = null;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  // ------------------------------------------------------------------------------- internals ----

  /**
   * dW_ih = dGᵀ·X (X packed, or a one-hot X's ids), db = column sums of dG, and the cell's recurrent gradients,
   * each one product over all steps.
   */
  private weightGrads(r: DirectionRun, dp: DirectionParams, X: Packed | { ids: IntVec; scratch: Mat }, grads: RecurrentGradBuffers, d: number): void {
    const ops = this.rt.ops, TB = r.T * r.B, p = this.params;
    const s = this.suffix(dp);
    if ("ids" in X) ops.oneHotWeightGrad({ out: p.grad(`weight_ih${s}`), dG: r.gates, ids: X.ids, scratch: X.scratch });
    else ops.gemm({ C: p.grad(`weight_ih${s}`), A: r.gates.t(), B: X, accumulate: false });
    if (this.config.bias) ops.columnSums({ A: r.gates, out: p.grad(`bias_ih${s}`), accumulate: false });
    const packH = grads.packH.as(TB, r.H);
    const grad = (A: Mat, input: Mat, out: Mat) => {
      ops.pack({ B: input, into: packH });
      ops.gemm({ C: out, A: A.t(), B: packH, accumulate: false });
    };
    const hPrev = r.states.rowBlock(d === 0 ? 0 : r.B, TB);
    const bias = this.config.bias;
    this.cell.recurrentGrads(r, grad, hPrev, p.grad(`weight_hh${s}`), bias ? p.grad(`bias_hh${s}`) : null, bias ? p.grad(`bias_ih${s}`) : null);
  }

  /**
   * The views of every layer-direction of a plan for a phase: made once per plan (and backward scratch), so a
   * streaming step allocates nothing for them.
   */
  private runs(acts: RecurrentActivations, grads: RecurrentGradBuffers | null, phase: "forward" | "backward"): Run[] {
    if (!acts.runs || (phase === "backward" && acts.runs.grads !== grads)) acts.runs = { grads, forward: acts.runs?.forward ?? null, backward: null };
    const cached = acts.runs[phase];
    if (cached) return cached;
    const made: Run[] = [];
    for (let l = 0; l < this.config.numLayers; l++) {
      for (let d = 0; d < this.layout.D; d++) made.push(this.makeRun(acts, grads, l, d, phase));
    }
    acts.runs[phase] = made;
    return made;
  }

  /** Views of layer l, direction d for a pass (grads: the backward scratch, null in forward). */
  private makeRun(acts: RecurrentActivations, grads: RecurrentGradBuffers | null, l: number, d: number, phase: "forward" | "backward"): Run {
    const H = this.config.hiddenSize, GH = this.cell.G * H, { T, B } = acts;
    const dp = this.layout.directions[l * this.layout.D + d];
    const dir = acts.layers[l].dirs[d];
    const s = this.suffix(dp), p = this.params, bias = this.config.bias;
    const packs: Run["packs"] = [];
    const named: Record<string, Packed> = {};
    for (const spec of phase === "forward" ? this.cell.forwardPacks(H) : this.cell.backwardPacks(H)) {
      const shape = this.packShape(dp, spec, T, B);
      let pack = this.packs.get(shape.key);
      if (!pack) {
        pack = this.rt.ops.packed(shape.K, shape.N, shape.form);
        this.packs.set(shape.key, pack);
      }
      const name = `${spec.source === "wih" ? "weight_ih" : "weight_hh"}${s}`;
      const W = p.value(name).rowBlock(spec.firstRow, spec.rows);
      packs.push({ pack, source: spec.layout === "T" ? W.t() : W, int8: { name: this.path ? `${this.path}.${name}` : name, firstRow: spec.firstRow, rows: spec.rows } });
      named[spec.name] = pack;
    }
    const view: DirectionRun = {
      ops: this.rt.ops, T, B, H, GH, X: dir.gates, // X and lens are set by prepareRun for each pass
      gates: dir.gates, states: dir.states, cells: dir.cells, aux: dir.aux, tmp: acts.tmp,
      dGhh: phase === "backward" ? grads!.dGhh : null,
      out: acts.layers[l].y.colBlock(d * H, H),
      lens: null,
      bih: bias ? p.value(`bias_ih${s}`) : null,
      bhh: bias ? p.value(`bias_hh${s}`) : null,
      packs: named,
    };
    return { view, packs };
  }

  /**
   * A run for this pass: its input and lengths set, and its packed weights rebuilt if the parameters changed
   * since they were packed. Products with a single row take the dot-packed GEMV (the per-step W_hh products
   * at batch 1, the input projection when the call is one step of one sequence); the rest the panel GEMM.
   */
  private prepareRun(run: Run, X: Mat, lens: IntVec | null): DirectionRun {
    const version = this.params.group.params.version;
    for (const { pack, source, int8 } of run.packs) {
      if (pack.version === version) continue;
      if (pack.form === "i8") {
        const m = this.weights.int8Of(int8.name, version, this.path), cols = m.cols;
        const q = m.q.subarray(int8.firstRow * cols, (int8.firstRow + int8.rows) * cols);
        this.rt.ops.packInt8({ q, scales: m.scales.subarray(int8.firstRow, int8.firstRow + int8.rows), into: pack });
      } else {
        this.rt.ops.pack({ B: source, into: pack });
      }
      pack.version = version;
    }
    run.view.X = X;
    run.view.lens = lens;
    return run.view;
  }

  /** "_l0", "_l1_reverse": the PyTorch suffix of a layer-direction's parameters. */
  private suffix(dp: DirectionParams): string {
    return `_l${dp.layer}${dp.dir === 1 ? "_reverse" : ""}`;
  }

  /** Key, size and form of one packed weight copy. */
  private packShape(dp: DirectionParams, spec: PackSpec, T: number, B: number) {
    const cols = spec.source === "wih" ? dp.inputSize : this.config.hiddenSize;
    const [K, N] = spec.layout === "T" ? [cols, spec.rows] : [spec.rows, cols];
    // int8 weights take one form at every batch size: the int8 product serves one row as well as many
    const form: PackForm = this.weights.type === "int8" && spec.layout === "T" ? "i8"
      : (spec.source === "whh" ? B === 1 : T * B === 1 && spec.layout === "T") ? "dot" : "panel";
    return { key: `${spec.name}.${form}@${dp.layer}.${dp.dir}`, K, N, form };
  }

  /** Every packed weight copy a pass of this shape uses. */
  private *packPlan(phase: "forward" | "backward", T: number, B: number) {
    const specs = phase === "forward" ? this.cell.forwardPacks(this.config.hiddenSize) : this.cell.backwardPacks(this.config.hiddenSize);
    for (const dp of this.layout.directions) for (const spec of specs) yield this.packShape(dp, spec, T, B);
  }

  /** dst ← src, or zeros when src is null. */
  private setState(dst: Mat, src: Mat | null): void {
    if (src) this.rt.ops.copy({ src, dst });
    else this.rt.ops.fill(dst, 0);
  }

  private assertAlive(method: string): void {
    if (this.disposed) throw new Error(`${this.path || "Recurrent"}.${method}: the layer was disposed`);
  }
}
