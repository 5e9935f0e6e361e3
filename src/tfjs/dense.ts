// A Keras Dense layer's product on the wasm GEMM, through this library's Linear module: the weight is packed
// once at load; each call copies the rows in and the products out (its activation is glue, ./glue.ts).

import type { Mat, PlanRecord, Runtime } from "../../bindings/index.js";
import { runtime } from "../init.js";
import { Linear, type LinearActivations } from "../nn/linear.js";
import { writeParameters } from "../nn/module.js";
import { q } from "./format.js";

interface RowsPlan extends PlanRecord {
  x: Mat;
  acts: LinearActivations;
}

export class DenseProduct {
  private readonly rt: Runtime;
  private readonly linear: Linear;
  private readonly plans;

  /** y = x·Wᵀ + b with W [N, K] (PyTorch's layout). */
  constructor(private readonly name: string, readonly K: number, readonly N: number, weight: Float32Array, bias: Float32Array | null) {
    this.rt = runtime();
    const rt = this.rt;
    rt.heap.checkFits(Linear.packBytes(K, N) + 4 * (2 * K * N + 2 * N), `loadTfjs: Dense ${q(name)} with a ${K}×${N} kernel`, "the model is too large for this memory");
    this.linear = rt.heap.scope(() => new Linear(rt, "", K, N, bias !== null));
    this.plans = rt.ops.planCache<RowsPlan>();
    try {
      writeParameters(`loadTfjs: Dense ${q(name)}`, this.linear.parameters(), bias ? { weight, bias } : { weight });
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** x [rows, K] → [rows, N]. */
  run(x: Float32Array, rows: number): Float32Array {
    if (rows === 0) return new Float32Array(0);
    const plan = this.plans.get(String(rows), (p) => ({ x: p.mat(rows, this.K), acts: this.linear.declare(p, rows, 1) }));
    this.plans.take(plan, () => 0, () => {}, () => `TfjsModel.predict: Dense ${q(this.name)} on ${rows} rows`, "predict fewer sequences at a time");
    const ops = this.rt.ops;
    ops.write(plan.x, x);
    return ops.read(this.linear.forward(plan.x, plan.acts));
  }

  dispose(): void {
    this.linear.dispose();
    this.plans.dispose();
  }
}
