// A Keras Dense layer's product on the wasm GEMM (a FixedLinear); its activation is glue (./glue.ts).

import { FixedLinear } from "../nn/fixed-linear.js";
import { q } from "./format.js";

export class DenseProduct {
  private readonly linear: FixedLinear;

  /** y = x·Wᵀ + b with W [N, K] (PyTorch's layout). */
  constructor(private readonly name: string, readonly K: number, readonly N: number, weight: Float32Array, bias: Float32Array | null) {
    this.linear = new FixedLinear(`loadTfjs: Dense ${q(name)} with a ${K}×${N} kernel`, `loadTfjs: Dense ${q(name)}`, K, N, weight, bias);
  }

  /** x [rows, K] → [rows, N]. */
  run(x: Float32Array, rows: number): Float32Array {
    return this.linear.run(x, rows, () => `TfjsModel.predict: Dense ${q(this.name)} on ${rows} rows`, "predict fewer sequences at a time");
  }

  dispose(): void {
    this.linear.dispose();
  }
}
