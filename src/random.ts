// The library's seeded generator (xoshiro128** in wasm): the same seed gives the same numbers in Node,
// browsers and edge runtimes.

import { F32Buffer, matOf, type Mat, type Runtime } from "../bindings/index.js";
import { describe } from "./errors.js";
import { runtime } from "./init.js";

export class Random {
  /** The 128-bit state: 4 u32 words in linear memory. */
  private readonly buffer: F32Buffer;
  private readonly state: Mat;

  /** A generator for your own use (e.g. shuffling with makeTaskBatches); dispose() it when done. Needs init(). */
  static create(seed: number): Random {
    return new Random(runtime(), seed);
  }

  constructor(private readonly rt: Runtime, seed: number) {
    if (typeof seed !== "number" || !Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`seed must be a non-negative safe integer, got ${describe(seed)}`);
    }
    this.buffer = F32Buffer.alloc(rt.heap, 4);
    this.state = matOf(this.buffer, 1, 4);
    rt.ops.rngSeed(this.state, seed);
  }

  /** A float in [0, 1). */
  next(): number {
    return this.rt.ops.rngFloat(this.state);
  }

  /** Fills a view with uniform values in [lo, hi). */
  fillUniform(out: Mat, lo: number, hi: number): void {
    this.rt.ops.rngUniform({ state: this.state, out, lo, hi });
  }

  /** Fills a view with normal values (Box–Muller). */
  fillNormal(out: Mat, mean: number, std: number): void {
    this.rt.ops.rngNormal({ state: this.state, out, mean, std });
  }

  /** Writes an inverted-dropout mask: 0 with probability p, else 1/(1 − p). */
  fillDropoutMask(mask: Mat, p: number): void {
    this.rt.ops.dropoutMask({ state: this.state, mask, p });
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Shuffles `items` (an array or a typed array) in place (Fisher–Yates). */
  shuffle<A extends { length: number; [index: number]: unknown }>(items: A): A {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  /** The 128-bit state, for checkpoints. */
  getState(): Uint32Array {
    return this.rt.ops.readWords(this.state);
  }

  setState(words: ArrayLike<number>): void {
    if (words.length !== 4) throw new RangeError(`a generator state is 4 u32 words, got ${words.length}`);
    this.rt.ops.writeWords(this.state, words);
  }

  /** Frees the state; idempotent. */
  dispose(): void {
    this.buffer.free();
  }
}
