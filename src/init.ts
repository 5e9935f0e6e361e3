// init(): loads the best wasm build once; everything else asks runtime() for it.

import { loadModule, Runtime, type LoadOptions, type BuildName } from "../bindings/index.js";

let current: Runtime | undefined;
let pending: Promise<Runtime> | undefined;

export interface InitResult {
  /** The build that was loaded: "relaxed" (relaxed SIMD), "simd" or "scalar". */
  build: BuildName;
  /** Threads sharing the matrix products (1 unless init({ threads }) asked for more). */
  threads: number;
}

/**
 * Loads the wasm core. Idempotent: later calls return the first result (pass options only on the first).
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
  if (options.threads !== undefined && options.threads !== rt.threads) {
    throw new Error(`init: already initialised with ${rt.threads} thread${rt.threads > 1 ? "s" : ""}; choose threads in the first init() call`);
  }
  return { build: rt.build, threads: rt.threads };
}

export function runtime(): Runtime {
  if (!current) throw new Error("wasm-rnn is not initialised: call `await init()` before creating layers");
  return current;
}
