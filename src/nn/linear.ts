// y = x·Wᵀ + b (PyTorch's nn.Linear): W [out, in], b [out]. The weight is packed for the products once per
// parameter version: Wᵀ panels for the GEMM, Wᵀ dot-packed for a single row (the GEMV), W panels for dx.

import type { Mat, Packed, PlanBuilder, Runtime } from "../../bindings/index.js";
import type { Random } from "../random.js";
import { ParameterBlock, type Module, type Parameter, type ParameterGroup } from "./module.js";

/** The output rows of a pass [T·B, out], and the input rows (recorded for backward). */
export interface LinearActivations {
  y: Mat;
  x: Mat | null;
}

/** Backward scratch: room for x packed by rows (dW = dyᵀ·x), and ∂L/∂x [T·B, in]. */
export interface LinearGrads {
  xPacked: Packed;
  dx: Mat;
}

export class Linear implements Module<Mat, LinearActivations, LinearGrads> {
  readonly params: ParameterBlock;
  private readonly packs: { wT: Packed; wTdot: Packed; w: Packed };

  /** Allocates (call inside a heap scope). */
  constructor(private readonly rt: Runtime, readonly path: string, readonly inFeatures: number, readonly outFeatures: number, readonly bias = true) {
    this.params = new ParameterBlock(rt, path, bias ? [["weight", [outFeatures, inFeatures]], ["bias", [outFeatures]]] : [["weight", [outFeatures, inFeatures]]]);
    this.packs = {
      wT: rt.ops.packed(inFeatures, outFeatures, "panel"),
      wTdot: rt.ops.packed(inFeatures, outFeatures, "dot"),
      w: rt.ops.packed(outFeatures, inFeatures, "panel"),
    };
  }

  /** Bytes of the three packed copies of W (an upper bound: panels pad N to 8, dot packs N to 4 and K to 8). */
  static packBytes(inFeatures: number, outFeatures: number): number {
    const panelT = (outFeatures + 7) * inFeatures, dotT = (outFeatures + 3) * (inFeatures + 7), panel = (inFeatures + 7) * outFeatures;
    return (panelT + dotT + panel) * 4 + 3 * 64;
  }

  parameters(): readonly Parameter[] {
    return this.params.entries;
  }

  parameterGroups(): readonly ParameterGroup[] {
    return [this.params.group];
  }

  /** PyTorch's default: uniform(−1/√in, 1/√in) for weight and bias. */
  resetParameters(random: Random): void {
    const bound = 1 / Math.sqrt(this.inFeatures);
    random.fillUniform(this.params.values, -bound, bound);
    this.params.group.params.markChanged();
  }

  declare(plan: PlanBuilder, T: number, B: number): LinearActivations {
    return { y: plan.mat(T * B, this.outFeatures), x: null };
  }

  declareGrads(plan: PlanBuilder, T: number, B: number): LinearGrads {
    return { xPacked: plan.packed(T * B, this.inFeatures, "panel"), dx: plan.mat(T * B, this.inFeatures) };
  }

  /** y = x·Wᵀ + b (a single row through the GEMV). */
  forward(x: Mat, acts: LinearActivations): Mat {
    const ops = this.rt.ops, y = acts.y;
    this.ensurePacked();
    ops.fillRowsWithBias({ P: y, b1: this.bias ? this.params.value("bias") : null, b2: null });
    ops.matmul({ C: y, A: x, B: x.rows === 1 ? this.packs.wTdot : this.packs.wT, accumulate: true });
    acts.x = x;
    return y;
  }

  /** dW = dyᵀ·x, db = Σ_rows dy (overwriting the gradients); returns dx = dy·W. */
  backward(dy: Mat, acts: LinearActivations, grads: LinearGrads): Mat {
    const ops = this.rt.ops, x = acts.x;
    if (!x) throw new Error(`${this.path || "Linear"}.backward: no forward pass to differentiate`);
    ops.pack({ B: x, into: grads.xPacked });
    ops.gemm({ C: this.params.grad("weight"), A: dy.t(), B: grads.xPacked, accumulate: false });
    if (this.bias) ops.columnSums({ A: dy, out: this.params.grad("bias"), accumulate: false });
    ops.gemm({ C: grads.dx, A: dy, B: this.packs.w, accumulate: false });
    return grads.dx;
  }

  dispose(): void {
    this.params.dispose();
    for (const p of Object.values(this.packs)) p.dispose();
  }

  /** Packs W (all three forms) when the parameters changed since the last packing. */
  private ensurePacked(): void {
    const version = this.params.group.params.version;
    if (this.packs.wT.version === version) return;
    const W = this.params.value("weight"), ops = this.rt.ops;
    ops.pack({ B: W.t(), into: this.packs.wT });
    ops.pack({ B: W.t(), into: this.packs.wTdot });
    ops.pack({ B: W, into: this.packs.w });
    for (const p of Object.values(this.packs)) p.version = version;
  }
}
