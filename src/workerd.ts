// The workerd entry (Cloudflare Workers, wrangler, miniflare): the package's "workerd" export condition.
// workerd compiles no wasm from bytes at run time and has no files to fetch, so the builds come in as wasm
// modules: a bundler's or miniflare's CompiledWasm rule makes each import below a WebAssembly.Module, which
// init() instantiates. Everything else is the universal entry.
import relaxedWasm from "../../build/rnn.relaxed.wasm";
import simdWasm from "../../build/rnn.simd.wasm";
import { init as initFrom, isInitialised, type InitResult } from "./init.js";
import { supportsBuild, type LoadOptions } from "../bindings/index.js";

export * from "./index.js";

/**
 * Loads the relaxed-SIMD build where the runtime validates it, else the SIMD build, both bundled with the
 * worker (or `build: "simd"` / `"relaxed"`, or your own `wasm`). One thread: workerd has no Web Workers.
 */
export async function init(options: LoadOptions = {}): Promise<InitResult> {
  // a later init() without a module returns the loaded one (naming a default build here would be a switch)
  if (options.wasm !== undefined || (options.build === undefined && isInitialised())) return initFrom(options);
  if ((options.threads ?? 1) !== 1) throw new Error("init: threads are not available in workerd (it has no Web Workers): use threads: 1");
  const build = options.build ?? (supportsBuild("relaxed") ? "relaxed" : "simd");
  if (build === "scalar") throw new Error('init: the workerd entry bundles the "relaxed" and "simd" builds; for "scalar" import build/rnn.scalar.wasm and pass it as { wasm, build: "scalar" }');
  return initFrom({ ...options, build, wasm: build === "relaxed" ? relaxedWasm : simdWasm });
}
