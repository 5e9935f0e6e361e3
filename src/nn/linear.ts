// y = x·Wᵀ + b (PyTorch's nn.Linear): W [out, in], b [out]. The weight is packed for the products once per
// parameter version: Wᵀ panels for the GEMM, Wᵀ dot-packed for a single row (the GEMV), W panels for dx.

import type { Mat, Packed, PlanBuilder, Runtime } from "../../bindings/index.js";
import type { Random } from "../random.js";
import { ParameterBlock, type Module, type Parameter, type ParameterGroup } from "./module.js";
import { ModuleWeights, checkInt8Width, weightMatrices, type StoredWeight } from "../quant/weights.js";

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
  private packs: { wT: Packed; wTdot: Packed; w: Packed } | null;
  /** The int8 pack of Wᵀ once the weight is int8 (it replaces the three f32 packs). */
  private i8: Packed | null = null;
  /** f32, or the type quantizeWeights() stored the weight as. */
  readonly weights = new ModuleWeights();

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
    if (this.i8) ops.matmul({ C: y, A: x, B: this.i8, accumulate: true });
    else ops.matmul({ C: y, A: x, B: x.rows === 1 ? this.packs!.wTdot : this.packs!.wT, accumulate: true });
    acts.x = x;
    return y;
  }

  /** dW = dyᵀ·x, db = Σ_rows dy (overwriting the gradients); returns dx = dy·W. */
  backward(dy: Mat, acts: LinearActivations, grads: LinearGrads): Mat {
    const ops = this.rt.ops, x = acts.x;
    if (!x) throw new Error(`${this.path || "Linear"}.backward: no forward pass to differentiate`);
    this.weights.assertTrainable(`${this.path || "Linear"}.backward`);
    ops.pack({ B: x, into: grads.xPacked });
    ops.gemm({ C: this.params.grad("weight"), A: dy.t(), B: grads.xPacked, accumulate: false });
    if (this.bias) ops.columnSums({ A: dy, out: this.params.grad("bias"), accumulate: false });
    ops.gemm({ C: grads.dx, A: dy, B: this.packs!.w, accumulate: false });
    return grads.dx;
  }

  dispose(): void {
    this.params.dispose();
    for (const p of Object.values(this.packs ?? {})) p.dispose();
    this.i8?.dispose();
  }

  /**
   * Stores the weight as int8 (the products in int8; its three f32 packs are given back) or f16 (rounded,
   * computed in f32), from its f32 values or from `stored` (a file's).
   */
  quantizeWeights(type: "int8" | "f16", stored?: ReadonlyMap<string, StoredWeight>): void {
    const weight = weightMatrices(this.params.entries);
    if (type === "int8") {
      checkInt8Width(weight, this.rt.ops.int8MaxK);
      // the pack is taken first: if memory fails, the module is unchanged
      const i8 = this.rt.ops.packed(this.inFeatures, this.outFeatures, "i8");
      try {
        this.weights.apply(type, weight, stored);
      } catch (e) {
        i8.dispose();
        throw e;
      }
      this.i8 = i8;
      for (const p of Object.values(this.packs!)) p.dispose();
      this.packs = null;
    } else {
      this.weights.apply(type, weight, stored);
    }
  }

  /** Packs W (all three forms, or the int8 one) when the parameters changed since the last packing. */
  private ensurePacked(): void {
    const version = this.params.group.params.version;
    if (this.i8) {
      if (this.i8.version === version) return;
      const m = this.weights.int8Of(this.params.entries[0].name, version, this.path);
      this.rt.ops.packInt8({ q: m.q, scales: m.scales, into: this.i8 });
      this.i8.version = version;
      return;
    }
    const packs = this.packs!;
    if (packs.wT.version === version) return;
    const W = this.params.value("weight"), ops = this.rt.ops;
    ops.pack({ B: W.t(), into: packs.wT });
    ops.pack({ B: W.t(), into: packs.wTdot });
    ops.pack({ B: W, into: packs.w });
    for (const p of Object.values(packs)) p.version = version;
  }
}
