// The library's seeded generator (xoshiro128** in wasm): the same seed gives the same numbers in Node,
// browsers and edge runtimes.

import { F32Buffer, type Runtime } from "../bindings/index.js";
import { describe } from "./errors.js";

export class Random {
  /** The 128-bit state: 4 u32 words in linear memory. */
  private readonly state: F32Buffer;

  constructor(private readonly rt: Runtime, seed: number) {
    if (typeof seed !== "number" || !Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`seed must be a non-negative safe integer, got ${describe(seed)}`);
    }
    this.state = F32Buffer.alloc(rt.heap, 4);
    rt.k.rngSeed(this.state.ptr, seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0);
  }

  /** A float in [0, 1). */
  next(): number {
    return this.rt.k.rngFloat(this.state.ptr);
  }

  /** Fills n floats at byte address `ptr` with uniform values in [lo, hi). */
  fillUniform(ptr: number, n: number, lo: number, hi: number): void {
    this.rt.k.rngUniform(this.state.ptr, ptr, n, lo, hi);
  }

  /** Fills n floats at `ptr` with normal values (Box–Muller). */
  fillNormal(ptr: number, n: number, mean: number, std: number): void {
    this.rt.k.rngNormal(this.state.ptr, ptr, n, mean, std);
  }

  /** Writes an inverted-dropout mask: 0 with probability p, else 1/(1 − p). */
  fillDropoutMask(ptr: number, n: number, p: number): void {
    this.rt.k.dropoutMask(this.state.ptr, ptr, n, p);
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
    return this.rt.heap.u32(this.state.ptr, 4).slice();
  }

  setState(words: ArrayLike<number>): void {
    if (words.length !== 4) throw new RangeError(`a generator state is 4 u32 words, got ${words.length}`);
    this.rt.heap.u32(this.state.ptr, 4).set(words);
  }

  /** Frees the state; idempotent. */
  dispose(): void {
    this.state.free();
  }
}
