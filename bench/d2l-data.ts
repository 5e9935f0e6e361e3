// The d2l.ai Time Machine data and training settings (see bench/d2l.ts for how they follow the book), shared by
// bench/d2l.ts and bench/quant/accuracy.mjs (which imports the built dist/bench/d2l-data.js).

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Vocabulary, type TrainerOptions } from "../src/index.js";

/** train_ch8's settings: batch 32 × 35 steps, SGD lr 1, gradient clipped to norm 1, the first 10,000 characters. */
export const BATCH = 32;
export const NUM_STEPS = 35;
export const LR = 1;
export const CLIP = 1;
export const MAX_TOKENS = 10_000;

/** bench/data/timemachine.txt in the repository (this file runs as dist/bench/d2l-data.js). */
export const DEFAULT_DATA = fileURLToPath(new URL("../../bench/data/timemachine.txt", import.meta.url));

export interface TimeMachine {
  vocab: Vocabulary;
  /** The whole corpus as ids (170,580 for d2l's timemachine.txt). */
  all: Int32Array;
  /** The first MAX_TOKENS ids (what load_data_time_machine trains on). */
  ids: Int32Array;
  lines: number;
}

/**
 * read_time_machine + load_corpus_time_machine: letters and spaces, lowercase, line by line; the lines'
 * characters back to back without a separator; the vocabulary over all of them (28 tokens with <unk>).
 */
export function loadTimeMachine(path: string = DEFAULT_DATA): TimeMachine {
  const raw = readFileSync(path, "utf8");
  const rawLines = raw.split("\n");
  if (rawLines.at(-1) === "") rawLines.pop(); // readlines() gives no empty line after the final newline
  const lines = rawLines.map((line) => line.replace(/[^A-Za-z]+/g, " ").trim().toLowerCase());
  const text = lines.join(""); // the lines' characters back to back, no separator (d2l's flattening)
  const vocab = Vocabulary.build(text, { level: "char" });
  const all = vocab.encode(text);
  return { vocab, all, ids: all.slice(0, MAX_TOKENS), lines: lines.length };
}

/** The Trainer options of train_ch8 (sequential partition, SGD lr 1, clip 1, batch 32 × 35). */
export function d2lTrainerOptions(seed: number): TrainerOptions {
  return { batchSize: BATCH, seqLen: NUM_STEPS, partition: "sequential", optimizer: { name: "sgd", lr: LR }, clip: CLIP, seed };
}
