// MatMul and Gemm nodes whose right-hand side is a constant (how exporters write nn.Linear: MatMul by Wᵀ, or
// Gemm with transB = 1 and the bias as C) run on the wasm GEMM through this library's Linear module: the
// weight is packed once at load, each call copies the rows in and the products out. Products of two computed
// values stay in ops.ts.

import { FixedLinear } from "../nn/fixed-linear.js";
import type { OnnxNode } from "./model.js";
import { attr, nodeError } from "./ops.js";
import { bare, q, shapeText, tensor, type Tensor } from "./tensor.js";

export class ConstantProduct {
  private readonly linear: FixedLinear;

  /** y = x·W (+ bias): W [K, N] row-major, bias [N] or null. */
  constructor(private readonly node: OnnxNode, readonly K: number, readonly N: number, W: Float32Array, bias: Float32Array | null) {
    const weight = new Float32Array(N * K);
    for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) weight[n * K + k] = W[k * N + n];
    this.linear = new FixedLinear(`loadOnnx: node ${q(node.name)} (${bare(node.opType)}) with a ${K}×${N} weight`, `loadOnnx: node ${q(node.name)}`, K, N, weight, bias);
  }

  /** x [..., K] → [..., N]. */
  run(x: Tensor): Tensor {
    if (x.dtype !== "float32" || x.shape.length < 1 || x.shape[x.shape.length - 1] !== this.K) {
      throw nodeError(this.node, `needs a float input of shape [..., ${this.K}], got ${x.dtype} ${shapeText(x.shape)}`);
    }
    const rows = x.data.length / this.K;
    const shape = [...x.shape.slice(0, -1), this.N];
    if (rows === 0) return tensor("float32", shape);
    const what = () => `OnnxModel.run: node ${q(this.node.name)} (${bare(this.node.opType)}) on ${rows} rows`;
    return tensor("float32", shape, this.linear.run(x.data as Float32Array, rows, what, "run fewer rows at a time"));
  }

  dispose(): void {
    this.linear.dispose();
  }
}

/**
 * The product of `node` on the kernels when its weight is a constant (MatMul by a 2-D constant; Gemm with a
 * constant B, transA 0, C absent or a constant that broadcasts along rows), else null.
 */
export function constantProduct(node: OnnxNode, constant: (name: string) => Tensor | undefined): ConstantProduct | null {
  const B = node.inputs[1] ? constant(node.inputs[1]) : undefined;
  if (!B || B.dtype !== "float32" || B.shape.length !== 2) return null;
  if (node.opType === "MatMul") {
    const [K, N] = B.shape;
    return new ConstantProduct(node, K, N, B.data as Float32Array, null);
  }
  if (node.opType !== "Gemm" || (attr(node, "transA", 0) as number) !== 0) return null;
  const transB = (attr(node, "transB", 0) as number) !== 0;
  const alpha = attr(node, "alpha", 1) as number, beta = attr(node, "beta", 1) as number;
  const K = transB ? B.shape[1] : B.shape[0], N = transB ? B.shape[0] : B.shape[1];
  const W = new Float32Array(K * N);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) W[k * N + n] = alpha * B.data[transB ? n * K + k : k * N + n];
  let bias: Float32Array | null = null;
  if (node.inputs[2]) {
    const C = constant(node.inputs[2]);
    if (!C || C.dtype !== "float32") return null;
    const rowVector = C.shape.length <= 1 || (C.shape.length === 2 && C.shape[0] === 1);
    const n = C.data.length;
    if (!rowVector || (n !== N && n !== 1)) return null;
    bias = new Float32Array(N);
    for (let j = 0; j < N; j++) bias[j] = beta * C.data[n === 1 ? 0 : j];
  }
  return new ConstantProduct(node, K, N, W, bias);
}
