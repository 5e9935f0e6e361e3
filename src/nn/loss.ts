// Softmax cross-entropy over rows of logits, fused in one kernel: the loss and, for training, its gradient
// (softmax − onehot)·scale in the same pass.

import type { IntVec, Mat, Runtime } from "../../bindings/index.js";

/** Σ over rows of −log softmax(logits)[target]; fills dlogits with the gradient of (that sum · scale). */
export function softmaxCrossEntropy(rt: Runtime, logits: Mat, targets: IntVec, dlogits: Mat | null, scale: number): number {
  return rt.ops.softmaxCrossEntropy({ logits, targets, dlogits, scale });
}
