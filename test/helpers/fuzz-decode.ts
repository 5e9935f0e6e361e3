// The property both file fuzzers check (test/io/fuzz.test.ts for language models, test/io/task-fuzz.test.ts
// for task models): each decoder, given a damaged file, returns a working model or throws one clear sentence
// naming the file, within a time and memory bound, and gives every byte of wasm memory back either way.

import * as assert from "uvu/assert";
import { runtime } from "../../src/init.js";
import type { Canaries } from "./canary.js";

/** Messages that betray an internal failure rather than a refusal of the file. */
export const INTERNAL = /Cannot read prop|is not a function|is not iterable|Maximum call stack|Invalid (typed )?array length|out of bounds|unsigned long|of undefined|of null|RuntimeError|unreachable|Cannot convert/;
/** Per case: wall time, and wasm memory beyond the file's own size (params + grads are 2× the weights). */
export const MAX_MS = 2000;
export const memoryBound = (fileBytes: number) => 8 * fileBytes + (1 << 20);

export interface FuzzStats {
  cases: number;
  loaded: number;
  refused: number;
  slowest: number;
  mostMemory: number;
}

export const fuzzStats = (): FuzzStats => ({ cases: 0, loaded: 0, refused: 0, slowest: 0, mostMemory: 0 });

/**
 * Runs each decoder on `bytes`; a loaded model is handed to `use`, which exercises and disposes it. Fails the
 * test on an obscure error, a slow or memory-hungry decode, a leak, or a canary overwritten.
 */
export async function checkDecoders<M>(
  decoders: [string, () => Promise<M> | M][], bytes: Uint8Array, source: string, stats: FuzzStats, canaries: Canaries,
  use: (model: M, name: string) => void,
): Promise<void> {
  const heap = runtime().heap;
  stats.cases++;
  for (const [name, decode] of decoders) {
    const inUse = heap.bytesInUse;
    heap.resetPeak();
    const started = performance.now();
    let model: M | undefined;
    try {
      model = await decode();
    } catch (e) {
      const m = e instanceof Error ? e.message : String(e);
      if (!(e instanceof Error)) assert.unreachable(`${name}: threw a non-Error ${String(e)}`);
      if (m.includes("\n") || !m.includes(source) || INTERNAL.test(m)) assert.unreachable(`${name} on ${source}: not one clear sentence naming the file: ${m}\n${(e as Error).stack}`);
      stats.refused++;
    }
    const ms = performance.now() - started, cost = heap.peakBytesInUse - inUse;
    stats.slowest = Math.max(stats.slowest, ms);
    stats.mostMemory = Math.max(stats.mostMemory, cost / Math.max(bytes.length, 1));
    if (ms > MAX_MS) assert.unreachable(`${name} on ${source}: took ${ms.toFixed(0)} ms`);
    if (cost > memoryBound(bytes.length)) assert.unreachable(`${name} on ${source}: ${cost} bytes of wasm memory for a ${bytes.length}-byte file`);
    if (model !== undefined) {
      stats.loaded++;
      use(model, name);
    }
    if (heap.bytesInUse !== inUse) assert.unreachable(`${name} on ${source}: ${heap.bytesInUse - inUse} bytes not given back`);
  }
  canaries.check(`after ${source}`);
}
