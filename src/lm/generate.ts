// Generation: the prefix is run once, then one token per step with the state carried, so a token costs one
// batch-1 step whatever the length so far. generate() yields tokens as they come.

import { F32Buffer, matOf } from "../../bindings/index.js";
import { runtime } from "../init.js";
import { Random } from "../random.js";
import { checkPositiveInt, describe } from "../errors.js";
import type { LanguageModel } from "./model.js";
import { CarriedState } from "./state.js";
import { argmax, checkSampling, sampleIndex, type SamplingOptions } from "./sampling.js";
import type { Vocabulary } from "../text/vocab.js";
import { wordSeparator } from "../text/tokenize.js";

export interface GenerateOptions extends SamplingOptions {
  /** Seed of the sampling generator. Default 0. */
  seed?: number;
}

/** Yields `count` new token ids continuing `prefix` (at least one id). */
export function* generateIds(lm: LanguageModel, prefix: ArrayLike<number>, count: number, options: GenerateOptions = {}): Generator<number> {
  if (lm.isDisposed) throw new Error("generate: the model was disposed");
  const s = checkSampling(options);
  checkPositiveInt("generate: length", count);
  if (prefix.length === 0) throw new RangeError("generate: the prefix must hold at least one token");
  const V = lm.config.vocabSize;
  for (let i = 0; i < prefix.length; i++) {
    if (!Number.isInteger(prefix[i]) || prefix[i] < 0 || prefix[i] >= V) throw new RangeError(`generate: prefix[${i}] must be a token id in [0, ${V}), got ${describe(prefix[i])}`);
  }
  const rt = runtime();
  const { random, state, buffer } = rt.heap.scope(() => ({
    random: new Random(rt, options.seed ?? 0), state: new CarriedState(lm, 1), buffer: F32Buffer.alloc(rt.heap, V),
  }));
  const probs = matOf(buffer, 1, V);
  const wasTraining = lm.training;
  lm.eval();
  try {
    let input = Int32Array.from(prefix);
    for (let n = 0; n < count; n++) {
      lm.run(input, null, input.length, 1, state.h0, state.c0, false);
      state.capture();
      const last = lm.logits().rowBlock(input.length - 1, 1);
      let next: number;
      if (s.greedy) next = argmax(rt.ops.peek(last));
      else {
        rt.ops.softmaxRow({ logits: last, probs, temperature: s.temperature });
        next = sampleIndex(rt.ops.peek(probs), random, s.topK, s.topP);
      }
      yield next;
      input = Int32Array.of(next);
    }
  } finally {
    lm.train(wasTraining);
    buffer.free();
    state.dispose();
    random.dispose();
  }
}

/** Yields text pieces continuing `prefix`: a character per token, or a word with the space before it. */
export function* generate(lm: LanguageModel, vocab: Vocabulary, prefix: string, count: number, options: GenerateOptions = {}): Generator<string> {
  if (vocab.size !== lm.config.vocabSize) throw new RangeError(`generate: the vocabulary has ${vocab.size} tokens but the model expects ${lm.config.vocabSize}`);
  const ids = vocab.encode(prefix);
  if (ids.length === 0) throw new RangeError("generate: the prefix must hold at least one token");
  let previous = vocab.tokenize(prefix).at(-1)!;
  for (const id of generateIds(lm, ids, count, options)) {
    const token = vocab.tokenOf(id);
    yield vocab.level === "char" ? token : wordSeparator(previous, token) + token;
    previous = token;
  }
}

/** The whole continuation as one string. */
export function generateText(lm: LanguageModel, vocab: Vocabulary, prefix: string, count: number, options: GenerateOptions = {}): string {
  let out = "";
  for (const piece of generate(lm, vocab, prefix, count, options)) out += piece;
  return out;
}
