// Minibatches of a token stream for language-model training, as in the textbook (d2l §8.3):
// the targets are the inputs shifted by one token; both partitions start at a random offset.
// - sequential: the stream is cut into B parallel lanes read front to back, so batch i+1 continues batch i
//   row by row; the hidden state is carried across batches and detached (truncated BPTT);
// - random: subsequences of T tokens are drawn in random order, so the state starts afresh every batch.

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

export function makeBatches(ids: Int32Array, batch: number, seqLen: number, partition: Partition, random: Random): Batch[] {
  checkPositiveInt("batch", batch);
  checkPositiveInt("seqLen", seqLen);
  if (ids.length < seqLen + 1) {
    throw new RangeError(`the text has ${ids.length} tokens; a sequence of ${seqLen} needs at least ${seqLen + 1}`);
  }
  return partition === "sequential" ? sequential(ids, batch, seqLen, random) : randomOrder(ids, batch, seqLen, random);
}

function sequential(ids: Int32Array, B: number, T: number, random: Random): Batch[] {
  const offset = random.int(T);
  const lane = Math.floor((ids.length - offset - 1) / B);
  if (lane < T) throw new RangeError(`the text is too short for ${B} rows of ${T} tokens (${ids.length} tokens)`);
  const out: Batch[] = [];
  for (let start = 0; start + T <= lane; start += T) {
    const tokens = new Int32Array(T * B), targets = new Int32Array(T * B);
    for (let b = 0; b < B; b++) {
      const base = offset + b * lane + start;
      for (let t = 0; t < T; t++) {
        tokens[t * B + b] = ids[base + t];
        targets[t * B + b] = ids[base + t + 1];
      }
    }
    out.push({ tokens, targets, seqLen: T, batch: B, continues: start > 0 });
  }
  return out;
}

function randomOrder(ids: Int32Array, B: number, T: number, random: Random): Batch[] {
  const offset = random.int(T);
  const count = Math.floor((ids.length - offset - 1) / T);
  const starts = random.shuffle(Array.from({ length: count }, (_, i) => offset + i * T));
  const out: Batch[] = [];
  for (let i = 0; i + B <= starts.length; i += B) {
    const tokens = new Int32Array(T * B), targets = new Int32Array(T * B);
    for (let b = 0; b < B; b++) {
      const base = starts[i + b];
      for (let t = 0; t < T; t++) {
        tokens[t * B + b] = ids[base + t];
        targets[t * B + b] = ids[base + t + 1];
      }
    }
    out.push({ tokens, targets, seqLen: T, batch: B, continues: false });
  }
  if (out.length === 0) throw new RangeError(`the text is too short for one batch of ${B} × ${T} tokens (${ids.length} tokens)`);
  return out;
}
