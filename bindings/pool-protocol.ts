// The few words main thread and workers share to hand out one matrix product: a control block in the
// shared wasm memory, written by the main thread, read by every worker.
//
//   Int32 [0] GEN    — bumped by the main thread for each job (workers wait on it)
//   Int32 [1] DONE   — parts finished by workers, trapped or not (the main thread waits on it)
//   Int32 [2] QUIT   — set once to stop the workers
//   Int32 [3] FAULT  — 0, or 1 + the part of the first worker whose part threw (reset by the main thread)
//   Int32 [4] FAULT_WASM — 1 when that error was a WebAssembly.RuntimeError (a trap)
//   Int32 [16 + p]   — PICKED: the GEN that worker p last picked up (lets the main thread tell a dead worker
//                      from a slow one)
//   Float64 at byte 512: the job (pointers can exceed 2^31, so not Int32)
//   bytes 640…1023: the first fault's message, UTF-8, NUL-terminated

import type { Kernels } from "./kernels.js";

export const GEN = 0;
export const DONE = 1;
export const QUIT = 2;
export const FAULT = 3;
export const FAULT_WASM = 4;
const PICKED = 16;
/** Parts a control block has room for (init() allows up to 64 threads). */
const MAX_PARTS = 64;
export const CONTROL_INTS = PICKED + MAX_PARTS;
export const CONTROL_BYTES = 1024;
const JOB_OFFSET = 512;
const FAULT_TEXT_OFFSET = 640;
const FAULT_TEXT_BYTES = CONTROL_BYTES - FAULT_TEXT_OFFSET;

/**
 * One product split into `parts` slices. A GEMM C (+)= A·B is cut by rows (multiples of 4) or by 8-column
 * panels of the packed B. A batch-1 GEMV (`gemv`: M = 1, A = x, Bp = the dot-packed B, C = y) is cut by groups
 * of 4 output columns, and so is an int8 product (`i8`: any M, Bp = the i8-packed B, each part quantizing A's rows
 * into its own scratch).
 */
export interface GemmJob {
  M: number; N: number; K: number;
  A: number; rsA: number; csA: number;
  Bp: number; C: number; ldc: number;
  accumulate: boolean;
  byRows: boolean;
  gemv: boolean;
  i8: boolean;
  parts: number;
}

const FIELDS = ["M", "N", "K", "A", "rsA", "csA", "Bp", "C", "ldc", "accumulate", "byRows", "gemv", "i8", "parts"] as const;
const FLAGS: readonly string[] = ["accumulate", "byRows", "gemv", "i8"];

export function writeJob(buffer: ArrayBufferLike, control: number, job: GemmJob): void {
  const f = new Float64Array(buffer, control + JOB_OFFSET, FIELDS.length);
  FIELDS.forEach((name, i) => (f[i] = Number(job[name])));
}

export function readJob(buffer: ArrayBufferLike, control: number): GemmJob {
  const f = new Float64Array(buffer, control + JOB_OFFSET, FIELDS.length);
  const job = {} as Record<string, number | boolean>;
  FIELDS.forEach((name, i) => (job[name] = FLAGS.includes(name) ? f[i] !== 0 : f[i]));
  return job as unknown as GemmJob;
}

/** Worker side: marks job `gen` as picked up by part `p`. */
export function markPicked(ctrl: Int32Array, p: number, gen: number): void {
  Atomics.store(ctrl, PICKED + p, gen);
}

/** Main side: the parts 1… of a `parts`-way job that have not picked up job `gen`. */
export function unpicked(ctrl: Int32Array, parts: number, gen: number): number[] {
  const missing: number[] = [];
  for (let p = 1; p < parts; p++) if (Atomics.load(ctrl, PICKED + p) !== gen) missing.push(p);
  return missing;
}

/**
 * Worker side: records that part `p` threw `error` (only the first fault of a job keeps its message). Call
 * before counting the part in DONE, which publishes it.
 */
export function recordFault(buffer: ArrayBufferLike, control: number, ctrl: Int32Array, p: number, error: unknown): void {
  if (Atomics.compareExchange(ctrl, FAULT, 0, p + 1) !== 0) return;
  Atomics.store(ctrl, FAULT_WASM, error instanceof WebAssembly.RuntimeError ? 1 : 0);
  const text = new TextEncoder().encode(error instanceof Error ? error.message : String(error)).subarray(0, FAULT_TEXT_BYTES - 1);
  const bytes = new Uint8Array(buffer, control + FAULT_TEXT_OFFSET, FAULT_TEXT_BYTES);
  bytes.set(text);
  bytes[text.length] = 0;
}

/** Main side, once DONE counts every part: the fault of the job (if any), and clears it for the next. */
export function takeFault(buffer: ArrayBufferLike, control: number, ctrl: Int32Array): { part: number; wasm: boolean; message: string } {
  const part = Atomics.load(ctrl, FAULT) - 1;
  const bytes = new Uint8Array(buffer, control + FAULT_TEXT_OFFSET, FAULT_TEXT_BYTES);
  const end = bytes.indexOf(0);
  // TextDecoder refuses views of shared memory: copy the bytes out first
  const message = new TextDecoder().decode(bytes.slice(0, end < 0 ? bytes.length : end));
  const wasm = Atomics.load(ctrl, FAULT_WASM) === 1;
  Atomics.store(ctrl, FAULT, 0);
  return { part, wasm, message };
}

/** The part `p` of a job, computed with this thread's own kernel instance. */
export function runPart(k: Pick<Kernels, "gemmPanels" | "gemv" | "gemmI8Groups">, job: GemmJob, p: number): void {
  const { M, N, K, A, rsA, csA, Bp, C, ldc, accumulate, byRows, parts } = job;
  if (job.i8) {
    const groups = Math.ceil(N / 4);
    const g0 = Math.floor((groups * p) / parts), g1 = Math.floor((groups * (p + 1)) / parts);
    if (g1 > g0) k.gemmI8Groups(M, N, K, A, rsA, Bp, C, ldc, accumulate, g0, g1);
    return;
  }
  if (job.gemv) {
    // groups of 4 columns, each 4·Kp floats of the dot-packed B (Kp = K rounded up to 8)
    const groups = Math.ceil(N / 4), groupBytes = ((K + 7) & ~7) * 16;
    const g0 = Math.floor((groups * p) / parts), g1 = Math.floor((groups * (p + 1)) / parts);
    const n0 = 4 * g0, n1 = Math.min(N, 4 * g1);
    if (n1 > n0) k.gemv(n1 - n0, K, A, Bp + g0 * groupBytes, C + n0 * 4, accumulate);
    return;
  }
  const panels = Math.ceil(N / 8);
  const gemmPanels = k.gemmPanels;
  if (byRows) {
    const quads = Math.ceil(M / 4);
    const r0 = Math.min(M, 4 * Math.floor((quads * p) / parts)), r1 = Math.min(M, 4 * Math.floor((quads * (p + 1)) / parts));
    if (r1 > r0) gemmPanels(r1 - r0, N, K, A + r0 * rsA * 4, rsA, csA, Bp, C + r0 * ldc * 4, ldc, accumulate, 0, panels);
  } else {
    const j0 = Math.floor((panels * p) / parts), j1 = Math.floor((panels * (p + 1)) / parts);
    if (j1 > j0) gemmPanels(M, N, K, A, rsA, csA, Bp, C, ldc, accumulate, j0, j1);
  }
}
