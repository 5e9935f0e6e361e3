// Finding, compiling and instantiating the wasm module in Node, browsers and edge runtimes.
// Builds, best first: "relaxed" (f32x4.relaxed_madd, where the runtime validates relaxed SIMD), "simd"
// (128-bit SIMD) and "scalar" (no SIMD at all, for the runtimes that lack it).

import { importNodeBuiltin, instantiateWasm } from "./instantiate.js";
import { KERNEL_NAMES, type Kernels } from "./kernels.js";

export type BuildName = "relaxed" | "simd" | "scalar";
export const BUILDS: readonly BuildName[] = ["relaxed", "simd", "scalar"];

/** Where the wasm comes from: bytes, a compiled module, a fetch Response, or a URL / path to fetch or read. */
export type WasmSource = BufferSource | WebAssembly.Module | Response | URL | string;

export interface LoadOptions {
  /** The module to use (skips detection). A source without `build` is taken to be the SIMD build. */
  wasm?: WasmSource;
  /** Force a build instead of the best one the runtime supports. */
  build?: BuildName;
  /**
   * Threads for the matrix products (default 1). More than 1 loads the shared-memory variant of the build
   * and starts threads − 1 workers (worker_threads in Node, Web Workers elsewhere). Needs SharedArrayBuffer
   * (in browsers: a cross-origin-isolated page). After a first init with threads > 1, a later
   * init({ threads }) restarts the workers with the new count on the same memory (1: none); see
   * docs/threads-safety.md.
   */
  threads?: number;
}

export interface LoadedModule {
  kernels: Kernels;
  build: BuildName;
  /** Where the module came from: the `wasm` option, or the package's file for the build. */
  source: WasmSource;
  /** Set for a shared-memory (threads) build: what workers need to instantiate the same module. */
  shared?: { module: WebAssembly.Module; memory: WebAssembly.Memory };
}

/** Pages of the threads builds' shared memory: initial as declared by asconfig, maximum 2 GiB. */
const SHARED_INITIAL_PAGES = 16;
const SHARED_MAXIMUM_PAGES = 32768;

/** A one-function module that uses f32x4.relaxed_madd: it validates only where relaxed SIMD runs. */
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type: () -> v128
  0x03, 0x02, 0x01, 0x00, // one function of type 0
  0x0a, 0x3d, 0x01, 0x3b, 0x00, // code: one body of 59 bytes, no locals
  0xfd, 0x0c, ...new Array(16).fill(0), 0xfd, 0x0c, ...new Array(16).fill(0), 0xfd, 0x0c, ...new Array(16).fill(0),
  0xfd, 0x85, 0x02, 0x0b, // f32x4.relaxed_madd, end
]);

const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c, ...new Array(16).fill(0), 0x0b, // v128.const 0, end
]);

export function supportsBuild(build: BuildName): boolean {
  if (build === "scalar") return typeof WebAssembly === "object";
  return WebAssembly.validate(build === "relaxed" ? RELAXED_PROBE : SIMD_PROBE);
}

/** The builds this runtime can run, best first. */
export function supportedBuilds(): BuildName[] {
  return BUILDS.filter(supportsBuild);
}

/** Written out one by one so that bundlers (Vite, esbuild, webpack) see each file and ship it as an asset. */
const WASM_URLS: Record<string, () => URL> = {
  relaxed: () => new URL("../../build/rnn.relaxed.wasm", import.meta.url),
  simd: () => new URL("../../build/rnn.simd.wasm", import.meta.url),
  scalar: () => new URL("../../build/rnn.scalar.wasm", import.meta.url),
  "relaxed-threads": () => new URL("../../build/rnn.relaxed-threads.wasm", import.meta.url),
  "simd-threads": () => new URL("../../build/rnn.simd-threads.wasm", import.meta.url),
};

export function defaultWasmUrl(build: BuildName, threads = false): URL {
  return WASM_URLS[threads ? `${build}-threads` : build]();
}

/** Whether this runtime can share wasm memory between threads. */
export function supportsThreads(): boolean {
  if (typeof SharedArrayBuffer !== "function") return false;
  try {
    return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

export async function loadModule(options: LoadOptions = {}): Promise<LoadedModule> {
  let build = options.build;
  if (build !== undefined && !BUILDS.includes(build)) {
    throw new TypeError(`init: build must be one of ${BUILDS.map((b) => `"${b}"`).join(", ")}, got ${JSON.stringify(build)}`);
  }
  if (build === undefined) {
    build = options.wasm !== undefined ? "simd" : supportedBuilds()[0];
    if (build === undefined) throw new Error("wasm-rnn needs WebAssembly, which this runtime does not provide");
  } else if (!supportsBuild(build)) {
    throw new Error(`init: this runtime cannot run the "${build}" build (supported: ${supportedBuilds().join(", ") || "none"})`);
  }
  const shared = threadCount(options.threads ?? 1) > 1;
  if (shared && build === "scalar") throw new Error("init: threads need a SIMD build (the scalar build has no shared-memory variant)");
  if (shared && !supportsThreads()) throw new Error("init: threads need shared WebAssembly memory (SharedArrayBuffer), which this runtime does not offer; in browsers the page must be cross-origin isolated (COOP/COEP headers)");
  const given = options.wasm ?? defaultWasmUrl(build, shared);
  const source = await resolveSource(given);
  const memory = shared ? new WebAssembly.Memory({ initial: SHARED_INITIAL_PAGES, maximum: SHARED_MAXIMUM_PAGES, shared: true }) : undefined;
  const { exports, module } = await instantiateWasm(source, memory ? { env: { memory } } : {});
  const missing = KERNEL_NAMES.filter((name) => !(name in exports));
  if (missing.length > 0) {
    throw new TypeError(`init: the wasm module is not a wasm-rnn build (missing exports: ${missing.slice(0, 5).join(", ")})`);
  }
  return { kernels: exports as unknown as Kernels, build, source: given, ...(memory ? { shared: { module, memory } } : {}) };
}

/** The `threads` option, checked: an integer in [1, 64] (a control block has room for 64 parts). */
export function threadCount(threads: unknown = 1): number {
  if (typeof threads !== "number" || !Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new RangeError(`init: threads must be an integer in [1, 64], got ${JSON.stringify(threads)}`);
  }
  return threads;
}

/** Whether two `wasm` sources are one module: the same object, or paths / URLs that resolve to one address. */
export function sameWasmSource(a: WasmSource, b: WasmSource): boolean {
  if (a === b) return true;
  const ha = sourceAddress(a), hb = sourceAddress(b);
  return ha !== null && ha === hb;
}

/** A few words naming a `wasm` source, for messages. */
export function describeWasmSource(source: WasmSource): string {
  const address = sourceAddress(source);
  if (address !== null) return address;
  if (source instanceof WebAssembly.Module) return "a compiled WebAssembly.Module";
  if (typeof Response === "function" && source instanceof Response) return `a Response${source.url ? ` from ${source.url}` : ""}`;
  return `${(source as BufferSource).byteLength} bytes of wasm`;
}

function sourceAddress(source: WasmSource): string | null {
  if (source instanceof URL) return source.href;
  return typeof source === "string" ? new URL(source, import.meta.url).href : null;
}

async function resolveSource(source: WasmSource): Promise<BufferSource | WebAssembly.Module | Response> {
  if (typeof source !== "string" && !(source instanceof URL)) return source;
  const url = source instanceof URL ? source : new URL(source, import.meta.url);
  if (url.protocol === "file:" && isNode()) {
    const { readFile } = await importNodeBuiltin<typeof import("node:fs/promises")>("fs/promises");
    return new Uint8Array(await readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`init: could not fetch ${url.href}: HTTP ${response.status}`);
  return response;
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === "string";
}
