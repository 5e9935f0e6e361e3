// Gradient clipping by global norm (torch.nn.utils.clip_grad_norm_): the remedy the textbook gives for
// gradients that explode through powers of W_hh. Takes any model, layer or module, or its parameter groups.

import { matOf } from "../../bindings/index.js";
import { runtime } from "../init.js";
import type { HasParameters, ParameterGroup } from "../nn/module.js";
import { groupsOf } from "./optimizers.js";

/** The L2 norm of all gradients together (NaN or Infinity when some gradient is not finite). */
export function gradientNorm(of: HasParameters | readonly ParameterGroup[]): number {
  const ops = runtime().ops;
  let sq = 0;
  for (const g of groupsOf("gradientNorm", of)) sq += ops.sumSquares(matOf(g.grads, 1, g.grads.length));
  return Math.sqrt(sq);
}

/** Scales all gradients by maxNorm / (norm + 1e-6) when the norm exceeds maxNorm; returns the norm before. */
export function clipGradientNorm(of: HasParameters | readonly ParameterGroup[], maxNorm: number, norm = gradientNorm(of)): number {
  const scale = maxNorm / (norm + 1e-6);
  if (scale < 1) {
    const ops = runtime().ops;
    for (const g of groupsOf("clipGradientNorm", of)) ops.scale({ x: matOf(g.grads, 1, g.grads.length), by: scale });
  }
  return norm;
}
