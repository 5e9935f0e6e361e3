// Pooling [T·B, F] step outputs into one row per sequence [B, F] over each sequence's valid steps:
//   last — the output at the last valid step; for a bidirectional recurrent output the reverse half is taken at
//          step 0, where that direction ends (PyTorch's cat(h_n[-2], h_n[-1]) of the last layer);
//   mean — the mean over valid steps;
//   max  — the element-wise maximum (the gradient goes to the step it came from).

import type { IntVec, Mat, PlanBuilder, Runtime } from "../../bindings/index.js";
import type { Module, Parameter, ParameterGroup, Pass } from "./module.js";

export type PoolMode = "last" | "mean" | "max";

export interface PoolActivations {
  T: number;
  B: number;
  out: Mat;
  /** max: the step each maximum came from [B·F]. */
  argmax: IntVec | null;
  /** Recorded by forward for backward. */
  lens: IntVec | null;
  done: boolean;
}

export interface PoolGrads {
  /** ∂L/∂(step outputs) [T·B, F]. */
  dy: Mat;
}

export class Pool implements Module<Mat, PoolActivations, PoolGrads> {
  /**
   * `directions`: 2 when the pooled features are a bidirectional recurrent output (forward half, reverse
   * half), which changes what "last" means; 1 otherwise.
   */
  constructor(private readonly rt: Runtime, readonly path: string, readonly mode: PoolMode, readonly features: number, readonly directions: 1 | 2 = 1) {
    if (mode !== "last" && mode !== "mean" && mode !== "max") throw new TypeError(`Pool: mode must be "last", "mean" or "max", got ${String(mode)}`);
    if (directions === 2 && features % 2 !== 0) throw new RangeError(`Pool: a bidirectional output has an even number of features, got ${features}`);
  }

  parameters(): readonly Parameter[] {
    return [];
  }

  parameterGroups(): readonly ParameterGroup[] {
    return [];
  }

  declare(plan: PlanBuilder, T: number, B: number): PoolActivations {
    return { T, B, out: plan.mat(B, this.features), argmax: this.mode === "max" ? plan.ints(B * this.features) : null, lens: null, done: false };
  }

  declareGrads(plan: PlanBuilder, T: number, B: number): PoolGrads {
    return { dy: plan.mat(T * B, this.features) };
  }

  forward(y: Mat, acts: PoolActivations, pass?: Pass): Mat {
    const ops = this.rt.ops, { T, B, out } = acts, lens = pass?.lens ?? null;
    if (this.mode === "last") ops.poolLast({ y, out, T, B, D: this.directions, lens });
    else if (this.mode === "mean") ops.poolMean({ y, out, T, B, lens });
    else ops.poolMax({ y, out, argmax: acts.argmax!, T, B, lens });
    acts.lens = lens;
    acts.done = true;
    return out;
  }

  backward(dOut: Mat, acts: PoolActivations, grads: PoolGrads): Mat {
    if (!acts.done) throw new Error(`${this.path || "Pool"}.backward: no forward pass to differentiate`);
    const ops = this.rt.ops, { T, B, lens } = acts, dy = grads.dy;
    if (this.mode === "last") ops.poolLastBackward({ dOut, dy, T, B, D: this.directions, lens });
    else if (this.mode === "mean") ops.poolMeanBackward({ dOut, dy, T, B, lens });
    else ops.poolMaxBackward({ dOut, dy, argmax: acts.argmax!, T, B });
    return dy;
  }

  dispose(): void {}
}
