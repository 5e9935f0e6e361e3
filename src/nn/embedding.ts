// Token ids to vectors: a lookup table [V, E] (PyTorch's nn.Embedding), or one-hot rows when a model has no
// embedding. Backward scatters ∂L/∂(rows) into the table's gradient; repeated ids accumulate.

import type { IntVec, Mat, PlanBuilder, Runtime } from "../../bindings/index.js";
import type { Random } from "../random.js";
import { ParameterBlock, type Module, type Parameter, type ParameterGroup } from "./module.js";
import { ModuleWeights, weightMatrices, type StoredWeight } from "../quant/weights.js";

/** The output rows of a pass [T·B, width], and the ids they came from (recorded for backward). */
export interface LookupActivations {
  out: Mat;
  ids: IntVec | null;
}

export class Embedding implements Module<IntVec, LookupActivations, null> {
  readonly params: ParameterBlock;
  /** f32, or the type quantizeWeights() stored the table as. */
  readonly weights = new ModuleWeights();

  /** Allocates (call inside a heap scope). */
  constructor(private readonly rt: Runtime, readonly path: string, readonly numEmbeddings: number, readonly embeddingDim: number) {
    this.params = new ParameterBlock(rt, path, [["weight", [numEmbeddings, embeddingDim]]]);
  }

  parameters(): readonly Parameter[] {
    return this.params.entries;
  }

  parameterGroups(): readonly ParameterGroup[] {
    return [this.params.group];
  }

  /** PyTorch's default: N(0, 1). */
  resetParameters(random: Random): void {
    random.fillNormal(this.params.values, 0, 1);
    this.params.group.params.markChanged();
  }

  declare(plan: PlanBuilder, T: number, B: number): LookupActivations {
    return { out: plan.mat(T * B, this.embeddingDim), ids: null };
  }

  declareGrads(): null {
    return null;
  }

  /** out[i] = weight[ids[i]] (ids must be checked against numEmbeddings first: they index the table). */
  forward(ids: IntVec, acts: LookupActivations): Mat {
    this.rt.ops.gatherRows({ table: this.params.value("weight"), ids, out: acts.out });
    acts.ids = ids;
    return acts.out;
  }

  /**
   * Stores the table as int8 rows (one scale per token) or f16. A lookup reads one row per token, so the
   * table stays f32 in memory (the values the stored form stands for): the saving is in files.
   */
  quantizeWeights(type: "int8" | "f16", stored?: ReadonlyMap<string, StoredWeight>): void {
    this.weights.apply(type, weightMatrices(this.params.entries), stored);
  }

  /** grad = Σ over positions of dOut rows into their ids' rows; rows of ids never seen stay 0. No ∂L/∂ids. */
  backward(dOut: Mat, acts: LookupActivations): null {
    if (!acts.ids) throw new Error(`${this.path || "Embedding"}.backward: no forward pass to differentiate`);
    this.weights.assertTrainable(`${this.path || "Embedding"}.backward`);
    const grad = this.params.grad("weight");
    this.rt.ops.fill(grad, 0);
    this.rt.ops.scatterAddRows({ d: dOut, ids: acts.ids, grad });
    return null;
  }

  dispose(): void {
    this.params.dispose();
  }
}

/** One-hot rows: out[i] = e_{ids[i]} over `classes` columns (a model without embedding). No parameters. */
export class OneHot implements Module<IntVec, LookupActivations, null> {
  constructor(private readonly rt: Runtime, readonly path: string, readonly classes: number) {}

  parameters(): readonly Parameter[] {
    return [];
  }

  parameterGroups(): readonly ParameterGroup[] {
    return [];
  }

  declare(plan: PlanBuilder, T: number, B: number): LookupActivations {
    return { out: plan.mat(T * B, this.classes), ids: null };
  }

  declareGrads(): null {
    return null;
  }

  forward(ids: IntVec, acts: LookupActivations): Mat {
    this.rt.ops.oneHotRows({ ids, out: acts.out });
    acts.ids = ids;
    return acts.out;
  }

  backward(): null {
    return null;
  }

  dispose(): void {}
}
