// init(): loads the best wasm build once; everything else asks runtime() for it. Later calls may change the
// thread count (restarting the workers on the same memory), never the module.

import {
  describeWasmSource, loadModule, Runtime, sameWasmSource, threadCount, type BuildName, type LoadOptions,
} from "../bindings/index.js";

let current: Runtime | undefined;
let pending: Promise<Runtime> | undefined;

export interface InitResult {
  /** The build that was loaded: "relaxed" (relaxed SIMD), "simd" or "scalar". */
  build: BuildName;
  /** Threads sharing the matrix products (1 unless init({ threads }) asked for more). */
  threads: number;
}

/**
 * Loads the wasm core. The first call chooses the module (`build`, `wasm`); later calls return the loaded
 * one and throw if asked for another. After `init({ threads: N > 1 })`, a later `init({ threads })` restarts
 * the workers with that many threads (1: none) on the same memory, so existing layers keep working: this is
 * how to recover after the thread pool broke (docs/threads-safety.md).
 * In Node the module is read from the package; elsewhere it is fetched next to this file, or pass `wasm`.
 */
export async function init(options: LoadOptions = {}): Promise<InitResult> {
  if (!pending) {
    pending = loadModule(options)
      .then((loaded) => Runtime.create(loaded, options.threads ?? 1))
      .then((rt) => (current = rt));
    pending.catch(() => { pending = undefined; }); // a failed load may be retried
  }
  const rt = await pending;
  refuseAnotherModule(rt, options);
  if (options.threads !== undefined) {
    const threads = threadCount(options.threads);
    if (rt.canSetThreads) await rt.setThreads(threads);
    else if (threads !== rt.threads) {
      throw new Error(`init: already initialised with ${rt.threads} thread${rt.threads > 1 ? "s" : ""}; choose threads in the first init() call`);
    }
  }
  return { build: rt.build, threads: rt.threads };
}

/** Layers and models live in the loaded module's memory: a second module could not reach them. */
function refuseAnotherModule(rt: Runtime, options: LoadOptions): void {
  const loaded = `already initialised with the "${rt.build}" build (${rt.threads} thread${rt.threads > 1 ? "s" : ""})`;
  const advice = "existing layers live in its memory, so choose the module in the first init() call (init() without options returns the loaded one)";
  if (options.build !== undefined && options.build !== rt.build) {
    throw new Error(`init: ${loaded}; cannot switch to "${options.build}": ${advice}`);
  }
  if (options.wasm !== undefined && !sameWasmSource(options.wasm, rt.source)) {
    throw new Error(`init: ${loaded} from ${describeWasmSource(rt.source)}; cannot switch to ${describeWasmSource(options.wasm)}: ${advice}`);
  }
}

/** Whether init() has loaded a module (or is loading one). */
export function isInitialised(): boolean {
  return pending !== undefined;
}

export function runtime(): Runtime {
  if (!current) throw new Error("wasm-rnn is not initialised: call `await init()` before creating layers");
  return current;
}
