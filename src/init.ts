// init(): loads the best wasm build once; everything else asks runtime() for it.

import { loadModule, Runtime, type LoadOptions, type BuildName } from "../bindings/index.js";

let current: Runtime | undefined;
let pending: Promise<Runtime> | undefined;

export interface InitResult {
  /** The build that was loaded: "relaxed" (relaxed SIMD), "simd" or "scalar". */
  build: BuildName;
}

/**
 * Loads the wasm core. Idempotent: later calls return the first result (pass options only on the first).
 * In Node the module is read from the package; elsewhere it is fetched next to this file, or pass `wasm`.
 */
export async function init(options: LoadOptions = {}): Promise<InitResult> {
  if (!pending) {
    pending = loadModule(options).then((loaded) => (current = new Runtime(loaded.kernels, loaded.build)));
    pending.catch(() => { pending = undefined; }); // a failed load may be retried
  }
  const rt = await pending;
  return { build: rt.build };
}

export function runtime(): Runtime {
  if (!current) throw new Error("wasm-rnn is not initialised: call `await init()` before creating layers");
  return current;
}
