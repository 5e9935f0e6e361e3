// Gradient clipping by global norm (torch.nn.utils.clip_grad_norm_): the remedy the textbook gives for
// gradients that explode through powers of W_hh.

import { runtime } from "../init.js";
import type { ParameterGroup } from "../lm/model.js";

/** The L2 norm of all gradients together (NaN or Infinity when some gradient is not finite). */
export function gradientNorm(groups: readonly ParameterGroup[]): number {
  const k = runtime().k;
  let sq = 0;
  for (const g of groups) sq += k.sumSquares(g.grads.ptr, g.grads.length);
  return Math.sqrt(sq);
}

/** Scales all gradients by maxNorm / (norm + 1e-6) when the norm exceeds maxNorm; returns the norm before. */
export function clipGradientNorm(groups: readonly ParameterGroup[], maxNorm: number, norm = gradientNorm(groups)): number {
  const scale = maxNorm / (norm + 1e-6);
  if (scale < 1) {
    const k = runtime().k;
    for (const g of groups) k.scaleInPlace(g.grads.ptr, g.grads.length, scale);
  }
  return norm;
}
