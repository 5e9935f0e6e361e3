// A Linear module with fixed, loaded weights applied to batches of rows on the wasm GEMM: how imported models
// (an ONNX MatMul/Gemm by a constant, a Keras Dense) run their products. The weight is packed once at load;
// each call copies the rows in and the products out, with one plan per row count.

import type { Mat, PlanRecord, Runtime } from "../../bindings/index.js";
import { runtime } from "../init.js";
import { Linear, type LinearActivations } from "./linear.js";
import { writeParameters } from "./module.js";

interface RowsPlan extends PlanRecord {
  x: Mat;
  acts: LinearActivations;
}

export class FixedLinear {
  private readonly rt: Runtime;
  private readonly linear: Linear;
  private readonly plans;

  /**
   * y = x·Wᵀ + b with W [N, K] (PyTorch's layout). `sized` names the product in an out-of-memory message,
   * `where` the parameters in a bad-weight message.
   */
  constructor(sized: string, where: string, readonly K: number, readonly N: number, weight: Float32Array, bias: Float32Array | null) {
    this.rt = runtime();
    const rt = this.rt;
    rt.heap.checkFits(Linear.packBytes(K, N) + 4 * (2 * K * N + 2 * N), sized, "the model is too large for this memory");
    this.linear = rt.heap.scope(() => new Linear(rt, "", K, N, bias !== null));
    this.plans = rt.ops.planCache<RowsPlan>();
    try {
      writeParameters(where, this.linear.parameters(), bias ? { weight, bias } : { weight });
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** x [rows, K] → [rows, N]; `what` and `hint` word the message when the rows do not fit in memory. */
  run(x: Float32Array, rows: number, what: () => string, hint: string): Float32Array {
    if (rows === 0) return new Float32Array(0);
    const plan = this.plans.get(String(rows), (p) => ({ x: p.mat(rows, this.K), acts: this.linear.declare(p, rows, 1) }));
    this.plans.take(plan, () => 0, () => {}, what, hint);
    const ops = this.rt.ops;
    ops.write(plan.x, x);
    return ops.read(this.linear.forward(plan.x, plan.acts));
  }

  dispose(): void {
    this.linear.dispose();
    this.plans.dispose();
  }
}
