// Run as a child process by test/threads/faults.test.ts: one scenario of a thread pool losing a worker or a
// worker trapping, in a fresh runtime; prints what happened (messages, times, hashes of outputs) as JSON.
//
//   reference       one thread (no shared memory): the outputs everything else must match bit for bit
//   terminate       2 threads; a worker is terminated and the main thread is busy until it is dead, so the
//                   pool only notices while waiting; then init({ threads: 2 }) restarts it
//   exit            2 threads; a worker is terminated and its exit event delivered between calls; then
//                   init({ threads: 1 }) continues alone, and init({ threads: 3 }) starts workers again
//   trap            2 threads; split GEMMs / GEMVs whose worker part (or both parts) lies outside memory
//   switch-build    2 threads; init() asked for another build or module

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { init, LSTM, type BuildName } from "../../src/index.js";
import { runtime } from "../../src/init.js";
import { defaultWasmUrl } from "../../bindings/index.js";

const scenario = process.argv[2];
const build = process.env.WASM_RNN_BUILD as BuildName | undefined;
const result: Record<string, unknown> = {};

const hash = (a: Float32Array) => createHash("sha256").update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest("hex").slice(0, 16);
const wave = (n: number, f: number) => new Float32Array(n).map((_, i) => Math.sin(i * f));

/** Batch 1, H = 256: every step's W_hh product is a 1024×256 GEMV, which 2 or 3 threads split. */
const layer = () => new LSTM({ inputSize: 64, hiddenSize: 256, seed: 5 });
const T = 12, x = wave(T * 64, 0.23);
const forward = (l: LSTM) => hash(l.forward(x, { seqLen: T, batch: 1 }).output);

/** What a call threw (or "returned") and how long it took. */
function attempt(call: () => unknown): { ms: number; threw: boolean; name?: string; message?: string } {
  const t0 = performance.now();
  try {
    call();
    return { ms: performance.now() - t0, threw: false };
  } catch (e) {
    return { ms: performance.now() - t0, threw: true, name: (e as Error).constructor.name, message: (e as Error).message };
  }
}

async function attemptAsync(call: () => Promise<unknown>): Promise<{ threw: boolean; message?: string; value?: unknown }> {
  try {
    return { threw: false, value: await call() };
  } catch (e) {
    return { threw: true, message: (e as Error).message };
  }
}

/** Blocks the main thread (no events delivered) for `ms`. */
const block = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

const workers = () => runtime().pool!.workerHandles as unknown as { terminate(): Promise<number> }[];

if (scenario === "reference") {
  result.init = await init(build ? { build } : {});
  result.output = forward(layer());
} else if (scenario === "terminate") {
  result.init = await init({ threads: 2, ...(build ? { build } : {}) });
  const l = layer();
  result.before = forward(l);
  void workers()[0].terminate();
  block(300);
  result.first = attempt(() => forward(l));
  result.second = attempt(() => forward(l));
  // a product too small to split goes through the broken pool too
  result.small = attempt(() => new LSTM({ inputSize: 4, hiddenSize: 8, seed: 1 }).forward(wave(8, 0.1), { seqLen: 2, batch: 1 }));
  result.restart = await init({ threads: 2 });
  result.workers = workers().length;
  result.after = forward(l);
  result.fresh = forward(layer());
} else if (scenario === "exit") {
  result.init = await init({ threads: 2, ...(build ? { build } : {}) });
  const l = layer();
  result.before = forward(l);
  await workers()[0].terminate();
  await new Promise((resolve) => setTimeout(resolve, 50));
  result.first = attempt(() => forward(l));
  result.second = attempt(() => forward(l));
  result.single = await init({ threads: 1 });
  result.workersSingle = workers().length;
  result.afterSingle = forward(l);
  result.three = await init({ threads: 3 });
  result.workersThree = workers().length;
  result.afterThree = forward(l);
} else if (scenario === "trap") {
  result.init = await init({ threads: 2, ...(build ? { build } : {}) });
  const { k, heap } = runtime();
  // C[1024, 8] = A[1024, 128]·B[128, 8]: 2^20 multiply-adds, split by rows (512 per thread)
  const M = 1024, N = 8, K = 128;
  const B = heap.alloc(K * N * 4), Bp = heap.alloc(k.packedSize(K, N) * 4), A = heap.alloc(M * K * 4);
  const C = heap.alloc(M * N * 4), C1 = heap.alloc(M * N * 4);
  heap.f32(B, K * N).set(wave(K * N, 0.7));
  heap.f32(A, M * K).set(wave(M * K, 0.013));
  k.packRows(B, N, K, N, Bp);
  const l = layer();
  result.before = forward(l);
  const end = k.memory.buffer.byteLength;
  // rows 0…511 end exactly at the end of memory: part 0 (main thread) reads them, part 1 (the worker) traps
  result.workerTrap = attempt(() => k.gemm(M, N, K, end - (M / 2) * K * 4, K, 1, Bp, C, N, false));
  // every row outside memory: both parts trap
  result.bothTrap = attempt(() => k.gemm(M, N, K, end, K, 1, Bp, C, N, false));
  // a batch-1 GEMV whose second half of the packed B lies outside memory (N = 1024, K = 256)
  const GN = 1024, GK = 256, half = (k.dotPackedSize(GK, GN) * 4) / 2;
  const xs = heap.alloc(GK * 4), y = heap.alloc(GN * 4);
  result.gemvTrap = attempt(() => k.gemv(GN, GK, xs, end - half, y, false));
  // then the same pool computes a valid product: the same bits as the whole product on the main thread
  k.gemm(M, N, K, A, K, 1, Bp, C, N, false);
  k.gemmPanels(M, N, K, A, K, 1, Bp, C1, N, false, 0, Math.ceil(N / 8));
  result.gemmAfter = { split: hash(heap.f32(C, M * N)), single: hash(heap.f32(C1, M * N)) };
  result.after = forward(l);
  result.workers = workers().length;
} else if (scenario === "switch-build") {
  const first = await init({ threads: 2, ...(build ? { build } : {}) });
  result.init = first;
  result.scalar = await attemptAsync(() => init({ build: "scalar" }));
  result.otherWasm = await attemptAsync(() => init({ wasm: readFileSync(defaultWasmUrl("simd")) }));
  result.plain = await attemptAsync(() => init());
  result.same = await attemptAsync(() => init({ build: first.build }));
  result.sameThreads = await attemptAsync(() => init({ build: first.build, threads: 2 }));
} else {
  throw new RangeError(`scenario must be one of reference, terminate, exit, trap, switch-build, got ${JSON.stringify(scenario)}`);
}
console.log(JSON.stringify(result));
process.exit(0); // the pool's workers are unref'd, but a test should never wait on them
