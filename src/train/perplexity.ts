// Perplexity exp(mean cross-entropy) of a token stream under a model: the stream is read front to back in
// B parallel lanes with the state carried across chunks, so every prediction sees its full left context.

import { checkPositiveInt, describe } from "../errors.js";
import { checkTokenIds } from "./trainer.js";
import type { LanguageModel } from "../lm/model.js";
import { CarriedState } from "../lm/state.js";

export interface PerplexityResult {
  /** Mean cross-entropy per predicted token (natural log). */
  loss: number;
  perplexity: number;
  /** Number of predicted tokens. */
  tokens: number;
}

export function evaluatePerplexity(lm: LanguageModel, ids: Int32Array, options: { batchSize?: number; seqLen?: number } = {}): PerplexityResult {
  if (lm.isDisposed) throw new Error("evaluatePerplexity: the model was disposed");
  if (!(ids instanceof Int32Array)) throw new TypeError(`evaluatePerplexity: token ids must be an Int32Array, got ${describe(ids)}`);
  const seqLen = checkPositiveInt("seqLen", options.seqLen ?? 64);
  if (ids.length < 2) throw new RangeError(`perplexity needs at least 2 tokens, got ${ids.length}`);
  checkTokenIds("evaluatePerplexity", ids, lm.config.vocabSize);
  // never more lanes than the text can fill with at least one prediction each
  const B = Math.min(checkPositiveInt("batchSize", options.batchSize ?? 32), ids.length - 1);
  const lane = Math.floor((ids.length - 1) / B);
  const state = new CarriedState(lm, B);
  const wasTraining = lm.training;
  lm.eval();
  let total = 0, count = 0;
  try {
    for (let start = 0; start < lane; start += seqLen) {
      const T = Math.min(seqLen, lane - start);
      const tokens = new Int32Array(T * B), targets = new Int32Array(T * B);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T; t++) {
          tokens[t * B + b] = ids[b * lane + start + t];
          targets[t * B + b] = ids[b * lane + start + t + 1];
        }
      }
      total += lm.run(tokens, targets, T, B, state.h0, state.c0, false)! * T * B;
      count += T * B;
      state.capture();
    }
  } finally {
    lm.train(wasTraining);
    state.dispose();
  }
  const loss = total / count;
  return { loss, perplexity: Math.exp(loss), tokens: count };
}
