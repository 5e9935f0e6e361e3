// Minibatches of a token stream for language-model training, as in the textbook (d2l §8.3):
// the targets are the inputs shifted by one token; both partitions start at a random offset.
// - sequential: the stream is cut into B parallel lanes read front to back, so batch i+1 continues batch i
//   row by row; the hidden state is carried across batches and detached (truncated BPTT);
// - random: subsequences of T tokens are drawn in random order, so the state starts afresh every batch.
// An epoch is planned up front (the random draws happen then) but each batch is cut only when asked for, so
// an epoch over a large corpus costs a few bytes per batch, not a copy of the corpus.

import type { Random } from "../random.js";
import { checkPositiveInt } from "../errors.js";

export type Partition = "sequential" | "random";

export interface Batch {
  /** Inputs [T, B] time-major: tokens[t·B + b]. */
  tokens: Int32Array;
  /** Next tokens [T, B]. */
  targets: Int32Array;
  seqLen: number;
  batch: number;
  /** Whether row b continues row b of the previous batch (sequential partitioning). */
  continues: boolean;
}

/** An epoch's batches: how many, and each one cut from the token stream on demand. */
export interface BatchPlan {
  count: number;
  batch(i: number): Batch;
}

/** Plans one epoch: draws the offset (and the order, for random partitioning) from `random` now. */
export function planBatches(ids: Int32Array, batch: number, seqLen: number, partition: Partition, random: Random): BatchPlan {
  checkPositiveInt("batch", batch);
  checkPositiveInt("seqLen", seqLen);
  if (ids.length < seqLen + 1) {
    throw new RangeError(`the text has ${ids.length} tokens; a sequence of ${seqLen} needs at least ${seqLen + 1}`);
  }
  return partition === "sequential" ? sequential(ids, batch, seqLen, random) : randomOrder(ids, batch, seqLen, random);
}

/** Every batch of one epoch (planBatches, cut all at once). */
export function makeBatches(ids: Int32Array, batch: number, seqLen: number, partition: Partition, random: Random): Batch[] {
  const plan = planBatches(ids, batch, seqLen, partition, random);
  return Array.from({ length: plan.count }, (_, i) => plan.batch(i));
}

/** Rows b = 0…B−1 of a batch start at starts(b); tokens[t·B + b] = ids[start + t], targets one later. */
function cut(ids: Int32Array, B: number, T: number, starts: (b: number) => number, continues: boolean): Batch {
  const tokens = new Int32Array(T * B), targets = new Int32Array(T * B);
  for (let b = 0; b < B; b++) {
    const base = starts(b);
    for (let t = 0; t < T; t++) {
      tokens[t * B + b] = ids[base + t];
      targets[t * B + b] = ids[base + t + 1];
    }
  }
  return { tokens, targets, seqLen: T, batch: B, continues };
}

function sequential(ids: Int32Array, B: number, T: number, random: Random): BatchPlan {
  const offset = random.int(T);
  const lane = Math.floor((ids.length - offset - 1) / B);
  if (lane < T) throw new RangeError(`the text is too short for ${B} rows of ${T} tokens (${ids.length} tokens)`);
  return {
    count: Math.floor(lane / T),
    batch: (i) => cut(ids, B, T, (b) => offset + b * lane + i * T, i > 0),
  };
}

function randomOrder(ids: Int32Array, B: number, T: number, random: Random): BatchPlan {
  const offset = random.int(T);
  const count = Math.floor((ids.length - offset - 1) / T);
  const starts = random.shuffle(Int32Array.from({ length: count }, (_, i) => offset + i * T));
  const batches = Math.floor(count / B);
  if (batches === 0) throw new RangeError(`the text is too short for one batch of ${B} × ${T} tokens (${ids.length} tokens)`);
  return { count: batches, batch: (i) => cut(ids, B, T, (b) => starts[i * B + b], false) };
}
