// Picking the next token from a model's logits: greedy, or a draw at a temperature restricted to the top k
// tokens and / or the smallest set whose probability reaches top-p (nucleus sampling).

import { describe } from "../errors.js";
import type { Random } from "../random.js";

export interface SamplingOptions {
  /** Always take the most likely token. */
  greedy?: boolean;
  /** Softmax temperature > 0 (default 1): lower is more conservative. */
  temperature?: number;
  /** Keep only the k most likely tokens. */
  topK?: number;
  /** Keep the most likely tokens until their probability reaches p, 0 < p ≤ 1. */
  topP?: number;
}

export function checkSampling(o: SamplingOptions): Required<Omit<SamplingOptions, "topK" | "topP">> & { topK: number | null; topP: number | null } {
  const temperature = o.temperature ?? 1;
  if (typeof temperature !== "number" || !(temperature > 0) || !Number.isFinite(temperature)) throw new RangeError(`temperature must be a number > 0, got ${describe(temperature)}`);
  const topK = o.topK ?? null;
  if (topK !== null && (!Number.isInteger(topK) || topK < 1)) throw new RangeError(`topK must be an integer ≥ 1, got ${describe(topK)}`);
  const topP = o.topP ?? null;
  if (topP !== null && (typeof topP !== "number" || !(topP > 0 && topP <= 1))) throw new RangeError(`topP must be in (0, 1], got ${describe(topP)}`);
  const greedy = o.greedy ?? false;
  if (typeof greedy !== "boolean") throw new TypeError(`greedy must be true or false, got ${describe(greedy)}`);
  return { greedy, temperature, topK, topP };
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Draws an index from probabilities `probs` (summing to 1), restricted by topK / topP. */
export function sampleIndex(probs: Float32Array, random: Random, topK: number | null, topP: number | null): number {
  if (topK === null && topP === null) return drawFrom(probs, null, random);
  const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a] || a - b);
  let keep = topK === null ? order.length : Math.min(topK, order.length);
  if (topP !== null) {
    let mass = 0, n = 0;
    while (n < keep && mass < topP) mass += probs[order[n++]];
    keep = Math.max(n, 1);
  }
  return drawFrom(probs, order.slice(0, keep), random);
}

function drawFrom(probs: Float32Array, candidates: number[] | null, random: Random): number {
  const ids = candidates ?? Array.from(probs.keys());
  let total = 0;
  for (const i of ids) total += probs[i];
  let u = random.next() * total;
  for (const i of ids) {
    u -= probs[i];
    if (u < 0) return i;
  }
  return ids[ids.length - 1]; // rounding left a sliver: the last candidate takes it
}
