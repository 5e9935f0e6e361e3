// Inverted dropout (PyTorch's nn.Dropout): while training, each activation is zeroed with probability p and
// the rest scaled by 1/(1 − p), so evaluation needs no rescaling. Works in place; the mask is kept for
// backward, which applies it again.

import type { Mat, PlanBuilder, Runtime } from "../../bindings/index.js";
import type { Random } from "../random.js";
import type { Module, Parameter, ParameterGroup } from "./module.js";

/** The mask of a pass [T·B, features], and whether this pass applied it (training mode). */
export interface DropoutActivations {
  mask: Mat;
  applied: boolean;
}

export class Dropout implements Module<Mat, DropoutActivations, null> {
  /** Training mode: masks are drawn and applied; in evaluation the module passes its input through. */
  training = true;

  constructor(private readonly rt: Runtime, readonly path: string, readonly p: number, readonly features: number, private readonly random: Random) {
    if (!(p >= 0 && p < 1)) throw new RangeError(`Dropout: p must be a probability in [0, 1), got ${p}`);
  }

  parameters(): readonly Parameter[] {
    return [];
  }

  parameterGroups(): readonly ParameterGroup[] {
    return [];
  }

  declare(plan: PlanBuilder, T: number, B: number): DropoutActivations {
    return { mask: plan.mat(T * B, this.features), applied: false };
  }

  declareGrads(): null {
    return null;
  }

  /** x ⊙= a fresh mask (in place), when training. */
  forward(x: Mat, acts: DropoutActivations): Mat {
    acts.applied = this.training && this.p > 0;
    if (acts.applied) {
      this.random.fillDropoutMask(acts.mask, this.p);
      this.rt.ops.mulInPlace({ x, m: acts.mask });
    }
    return x;
  }

  /** ∂L/∂x = ∂L/∂y ⊙ mask, in place. */
  backward(dy: Mat, acts: DropoutActivations): Mat {
    if (acts.applied) this.rt.ops.mulInPlace({ x: dy, m: acts.mask });
    return dy;
  }

  dispose(): void {}
}
