// The Quantize panel's measurements, in the training worker: the model beside its int8 and f16 copies, each
// with its file size, generation speed, validation perplexity and a sample. One copy exists at a time and is
// disposed before the next is made; the model itself is only read.

import { encodeModel, evaluatePerplexity, generateText, type LanguageModel, type Vocabulary } from "wasm-rnn";
import type { QuantizedRow } from "./protocol";

/** Tokens per timed generation: tens of milliseconds, so the clock's resolution does not matter. */
export const TIMED_TOKENS = 2000;
/** Timed runs per row; the fastest counts (the page, the GC or another process may take the core meanwhile). */
export const TIMED_RUNS = 5;
const SEED = 1;
const TEMPERATURE = 0.8;
const TOP_K = 10;

export interface CompareInput {
  lm: LanguageModel;
  vocab: Vocabulary;
  prompt: string;
  valIds: Int32Array | null;
  /** Turns generated text into what the panel shows (names listed, the prompt prepended…). */
  shown: (text: string) => string;
}

/** Measures f32, int8 and f16 in that order, handing over each row as soon as it is measured. */
export async function compareQuantized(input: CompareInput, onRow: (row: QuantizedRow) => void): Promise<void> {
  for (const weights of ["f32", "int8", "f16"] as const) {
    const model = weights === "f32" ? input.lm : input.lm.quantize({ weights });
    try {
      onRow({ weights, ...(await measure(model, input)) });
    } finally {
      if (model !== input.lm) model.dispose();
    }
  }
}

async function measure(model: LanguageModel, { vocab, prompt, valIds, shown }: CompareInput): Promise<Omit<QuantizedRow, "weights">> {
  const bytes = (await encodeModel(model, vocab)).length;
  const options = { temperature: TEMPERATURE, topK: Math.min(TOP_K, vocab.size), seed: SEED };
  generateText(model, vocab, prompt, 50, options); // warm-up: the first calls compile and allocate
  let text = "", best = Infinity;
  for (let r = 0; r < TIMED_RUNS; r++) {
    const started = performance.now();
    text = generateText(model, vocab, prompt, TIMED_TOKENS, options);
    best = Math.min(best, performance.now() - started);
  }
  const validationPerplexity = valIds ? evaluatePerplexity(model, valIds, { batchSize: 16, seqLen: 64 }).perplexity : null;
  return { bytes, tokensPerSecond: TIMED_TOKENS / (Math.max(best, 0.01) / 1000), validationPerplexity, sample: shown(text) };
}
